#!/usr/bin/env bash
# The classification benchmark (benchmarks/classify.md): tune type of folk tunes
# and Testament of KJV verses, baselines against char-GRU classifiers; and the
# defaults of `classify fit` on those and three more tasks.
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
for task in language meter collections; do
  [ -d "data/classify/$task" ] || python benchmarks/classify.py data "$task"
done
mkdir -p runs/classify
# the defaults of `classify fit` against the alternatives, on every task (the first table)
for method in default old scratch scratch-lr default-layers; do
  for task in language meter collections kjv folk; do
    case "$method:$task" in scratch*:kjv|scratch*:folk) continue;; esac  # from scratch: the rows below
    python benchmarks/classify.py defaults "$task" "$method"
  done
done
python benchmarks/classify.py defaults-table
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
