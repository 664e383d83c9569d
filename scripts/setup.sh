#!/usr/bin/env bash
# Create .venv and install notegen into it (editable, with the dev tools).
# torch is pinned to the CPU wheel first: a plain `torch` requirement with no
# torch installed would pull a CUDA build of several GB.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e '.[dev,plot]'
