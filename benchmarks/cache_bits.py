"""Test bits per character with and without the per-tune cache (models/cache.py).

Each tune is read from the sampler's start state; the figure with the cache is
reported beside the one without, on the same tunes:

    notegen corpus folk-test --notation notes --out data/folk-test.jsonl
    OMP_NUM_THREADS=1 python benchmarks/cache_bits.py data/folk-test.jsonl --tunes 300
"""

from __future__ import annotations

import argparse
import json
import time

from notegen.models.cache import tune_bits
from notegen.models.checkpoint import load


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("jsonl", help="a corpus file from `notegen corpus` (held-out tunes)")
    ap.add_argument("--model", default="folk")
    ap.add_argument("--tunes", type=int, default=300, help="the first N tunes (0: all)")
    args = ap.parse_args()
    lm = load(args.model)
    with open(args.jsonl) as f:
        docs = [json.loads(line)["text"] for line in f]
    docs = docs[: args.tunes] if args.tunes else docs
    print(f"{len(docs)} tunes, {sum(map(len, docs)):,} characters")
    for cache in (False, True):
        t = time.perf_counter()
        bpc = tune_bits(lm, docs, cache=cache)
        print(f"{'cache' if cache else 'static':<7} {bpc:.4f} bits/char  ({time.perf_counter() - t:.0f} s)")


if __name__ == "__main__":
    main()
