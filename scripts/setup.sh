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
# The C sampling engine (plugin/engine/), where the machine has a C compiler;
# the Python package works without it (models/engine.py says so when asked).
if command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1; then
    make -s -C plugin/engine || echo "setup: the C engine did not build; the Python sampler works without it" >&2
else
    echo "setup: no C compiler (cc): skipping the C engine; the Python sampler works without it" >&2
fi
# The LV2 plugin (plugin/lv2/: notegen.lv2 with the C engine inside), where the
# LV2 headers are installed; nothing else needs it.
if [ -d /usr/include/lv2 ] && command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1; then
    make -s -C plugin/lv2 || echo "setup: the LV2 plugin did not build (plugin/lv2); the rest of notegen works without it" >&2
else
    echo "setup: no LV2 headers (/usr/include/lv2, Debian package lv2-dev): skipping the LV2 plugin" >&2
fi
