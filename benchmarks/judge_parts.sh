#!/usr/bin/env bash
# The figures of form (issue #20): 100 tunes sampled with --type jig and 100 with
# --type reel (seeds 1000-1099, other options default), each judged against the
# held-out tunes of the type's meter (6/8; 4/4 and 2/2), with the classifier row.
# Usage: bash benchmarks/judge_parts.sh [MODEL] [extra sample options...]
# e.g.   bash benchmarks/judge_parts.sh folk --echo 0
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
model=${1:-folk}
shift || true
for type in jig reel; do
  echo "## --type $type $*"
  OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} notegen judge --model "$model" --type "$type" --num 100 --seed 1000 "$@"
done
