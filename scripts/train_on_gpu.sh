#!/usr/bin/env bash
# Train candidates for the bundled folk model on a CUDA machine whose python3 has
# torch, click and safetensors but not this package (nor music21 or mido, which
# training does not import): the same `notegen train` as scripts/build_bundled.sh,
# the data built beforehand on any machine with
#   notegen corpus folk --notation notes --transpose --parts-weight 2 --out data/folk-train.jsonl
#   notegen corpus folk-test --notation notes --out data/folk-test.jsonl
# Candidates run side by side on the one GPU; validation picks between them
# (the test set is only read for the figures of the chosen one, after).
# Writes runs/gpu-*/ and, in $OUT (default: out/), each run's best checkpoint,
# its log, and the chosen one's test figures (static, cache, dynamic, both).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out}
PY=${PYTHON:-python3}
DEVICE=${DEVICE:-cuda}
TRAIN=${TRAIN:-data/folk-train.jsonl}
TEST=${TEST:-data/folk-test.jsonl}
mkdir -p "$OUT" runs
# The package as pyproject maps it (notegen.models = models/, ...), not installed.
pk=$(mktemp -d)
cp -r notegen "$pk/notegen"
for sub in models live cli; do ln -s "$PWD/$sub" "$pk/notegen/$sub"; done
ln -s "$PWD/notetokens" "$pk/notetokens"
export PYTHONPATH=$pk PYTHONUNBUFFERED=1
ng() { "$PY" -P -c 'import sys; from notegen.cli.main import main; sys.argv[0] = "notegen"; main()' "$@"; }
common="--notation notes --batch-size 128 --seq-len 128 --lr 3e-3 --eval-every 200 --device $DEVICE --overwrite"
# name:preset:steps
CANDIDATES=${CANDIDATES:-small2400:small:2400 small4800:small:4800 medium4800:medium:4800}
pids=()
if [ -z "${SKIP_TRAIN:-}" ]; then  # SKIP_TRAIN=1: only the figures of runs/gpu-* as they are
  for c in $CANDIDATES; do
    IFS=: read -r name preset steps <<<"$c"
    ng train "$TRAIN" $common --preset "$preset" --steps "$steps" --out "runs/gpu-$name" \
      > "$OUT/$name.log" 2>&1 &
    pids+=($!)
  done
fi
for p in "${pids[@]}"; do wait "$p" || echo "a training run failed (its log is in $OUT)"; done
"$PY" -P - "$OUT" "$DEVICE" "$TEST" $CANDIDATES <<'EOF'
import json, sys, shutil
from notegen.models import checkpoint
from notegen.models.cache import parse_weights
from notegen.models.evaluate import adaptive_figures
from notetokens.corpus import load_jsonl
out, device, test = sys.argv[1:4]
names = [c.split(":")[0] for c in sys.argv[4:]]
val = {}
for n in names:
    try:
        lm = checkpoint.load(f"runs/gpu-{n}", device=device)
    except Exception as err:  # a failed run: its log says why
        print(n, "failed:", err)
        continue
    val[n] = lm.metrics.get("val_bpc")
    shutil.copy(f"runs/gpu-{n}/best.safetensors", f"{out}/{n}.safetensors")
print("validation bits/char:", json.dumps(val))
best = min(val, key=val.get)
lm = checkpoint.load(f"runs/gpu-{best}", device=device)
docs = load_jsonl(test, lm.notation)
weights = parse_weights("8:0.2,12:0.8,16:0.9,24:0.8,32:0.6,48:0.1")
figures = adaptive_figures(lm, docs, weights, lr=0.01, seq_len=128)
result = {"chosen": best, "validation": val, "test": figures, "device": device}
print(json.dumps(result))
json.dump(result, open(f"{out}/figures.json", "w"), indent=1)
EOF
