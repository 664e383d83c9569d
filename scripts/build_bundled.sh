#!/usr/bin/env bash
# Rebuild the bundled models from the corpora installed packages provide:
#   folk: music21's ABC collections (essenFolksong, oneills1850, ryansMammoth,
#         each tune not in a fiddle key also moved to one; test: airdsAirs, miscFolk)
#   kjv:  Debian's bible-kjv (sudo apt-get install bible-kjv; test: 3 John on)
# Usage: bash scripts/build_bundled.sh [folk|kjv]...   (default: both)
# Long: run it under nohup; training resumes from runs/NAME if interrupted
# (Ctrl-C saves; running the script again continues where it stopped).
# Settings: each model's own below (one bf16 thread on a 2-core CPU,
# benchmarks/models.md); override with STEPS, BATCH, SEQ, PRESET, DROPOUT, RUNS.
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}  # one thread per run: fastest on 2 shared cores
RUNS=${RUNS:-runs}
mkdir -p data "$RUNS"
BATCH=${BATCH:-128}
SEQ=${SEQ:-128}

build() {
  name=$1 notation=$2 preset=$3 steps=$4 dropout=$5 dyn_lr=$6 dyn_chunk=$7 cache=$8 extra=${9:-}
  [ -f "data/$name-train.jsonl" ] || notegen corpus "$name" --notation "$notation" $extra --out "data/$name-train.jsonl"
  [ -f "data/$name-test.jsonl" ] || notegen corpus "$name-test" --notation "$notation" --out "data/$name-test.jsonl"
  args="--steps $steps --batch-size $BATCH --seq-len $SEQ --lr 3e-3 --eval-every 200 --precision auto"
  start=$(date +%s)
  if [ -f "$RUNS/$name/last.safetensors" ]; then
    notegen train "data/$name-train.jsonl" --notation "$notation" --out "$RUNS/$name" --resume $args
  else
    notegen train "data/$name-train.jsonl" --notation "$notation" --preset "$preset" \
      ${dropout:+--dropout "$dropout"} --out "$RUNS/$name" $args
  fi
  python scripts/bundle_model.py "$name" "$RUNS/$name" "data/$name-train.jsonl" "data/$name-test.jsonl" \
    --dynamic-lr "$dyn_lr" --dynamic-chunk "$dyn_chunk" --cache-weights "$cache" --command "bash scripts/build_bundled.sh $name" \
    --train-time "$(( ($(date +%s) - start) / 60 )) minutes (this invocation) on $(nproc) CPU(s), OMP_NUM_THREADS=$OMP_NUM_THREADS"
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(folk kjv)
for name in "${names[@]}"; do
  case $name in
    # folk: the small preset with its dropout (0.1); training tunes also moved to fiddle keys
    # (then: dynamic evaluation's rate and chunk and the continuation cache's weights, from
    # benchmarks/dynamic_eval.py on validation text; for folk 0.01 at 128 is within 0.001
    # of its best, 0.01 at 64)
    folk) build folk notes "${PRESET:-small}" "${STEPS:-2400}" "${DROPOUT:-}" 0.01 128 8:0.2,12:0.8,16:0.9,24:0.8,32:0.6,48:0.1 "--transpose --parts-weight 2" ;;
    # kjv: wider; at 0.1 the medium model reads its training books at 1.17 bits/char and
    # its validation books at 1.69, but dropout 0.3 (2,800 steps) ended at 1.70: kept 0.1
    kjv) build kjv text "${PRESET:-medium}" "${STEPS:-3400}" "${DROPOUT:-}" 0.1 48 4:0.1,8:0.1,12:0.2,16:0.8,32:0.3 ;;
    *) echo "unknown bundled model $name (folk or kjv)" >&2; exit 2 ;;
  esac
done
