#!/usr/bin/env bash
# The classification benchmark (benchmarks/classify.md): tune type of folk tunes
# and Testament of KJV verses, baselines against char-GRU classifiers.
# Needs music21 (installed) and Debian's bible-kjv (sudo apt-get install bible-kjv).
# Usage: bash scripts/bench_classify.sh     (hours on one free core; run under nohup)
# The cheap rows and the transfer rows come first, so a run stopped early has them.
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
export OMP_NUM_THREADS=1
for task in folk kjv; do
  [ -d "data/classify/$task" ] || python benchmarks/classify_data.py "$task" "data/classify/$task"
done
mkdir -p runs/classify
for task in folk kjv; do
  python benchmarks/classify.py baselines "$task"
done
for method in probe-layers probe random; do
  for task in folk kjv; do
    python benchmarks/classify.py neural "$task" "$method"
  done
done
python benchmarks/classify.py neural folk scratch-fast
python benchmarks/classify.py neural folk scratch-tiny
for task in folk kjv; do
  python benchmarks/classify.py neural "$task" scratch
done
python benchmarks/classify.py neural folk lm  # fine-tuning: the slowest, last
python benchmarks/classify.py table
