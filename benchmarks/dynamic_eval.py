"""Dynamic evaluation and the continuation cache of a model, their settings chosen
on validation text (the documents the training run held out, re-derived from
the run's own seed and split), then bits per character on the test text:
static, static + cache, dynamic, dynamic + cache.

    python benchmarks/dynamic_eval.py MODEL TRAIN.jsonl TEST.jsonl [--lrs 0.005,0.01,0.02] [--seq-lens 32,128]

Each (learning rate, chunk length) pair is scored on validation; the best pair
is kept, and the cache weights are fitted on the same validation text read by
that dynamic model (models/cache.fit_weights). Those settings score the test
text; nothing is chosen on it.
"""

from __future__ import annotations

import argparse
import time

from notegen.models import checkpoint
from notegen.models.cache import fit_weights, format_weights
from notegen.models.data import split_documents
from notegen.models.evaluate import (
    adaptive_figures,
    bits_per_char,
    cache_reset,
    dynamic_bits_per_char,
    probabilities,
    read_in_order,
)
from notetokens.corpus import load_jsonl


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--lrs", default="0.005,0.01,0.02,0.05,0.1")
    ap.add_argument("--seq-lens", default="128", help="characters read between two SGD steps")
    ap.add_argument("--val-chars", type=int, default=70_000, help="validation text used for the sweep")
    a = ap.parse_args()
    lm = checkpoint.load(a.model)
    tc = lm.meta.get("train_config", {})
    _, val = split_documents(load_jsonl(a.train, lm.notation), tc.get("val_fraction", 0.05),
                             tc.get("seed", 0))
    val_text, n = [], 0
    for d in val:
        val_text.append(d[: a.val_chars - n])
        n += len(val_text[-1])
        if n >= a.val_chars:
            break
    print(f"model {a.model}; validation sweep on {n:,} held-out training characters")
    print(f"| learning rate | chunk | validation bits/char |\n|---|---|---|\n| static | | "
          f"{bits_per_char(lm, val_text):.4f} |")
    results = {}
    for seq in (int(x) for x in a.seq_lens.split(",")):
        for lr in (float(x) for x in a.lrs.split(",")):
            results[lr, seq] = dynamic_bits_per_char(lm, val_text, lr=lr, seq_len=seq)
            print(f"| {lr} | {seq} | {results[lr, seq]:.4f} |", flush=True)
    lr, seq = min(results, key=results.__getitem__)
    targets, nats = read_in_order(lm, val_text, lr=lr, seq_len=seq)
    weights, val_cached = fit_weights(targets, probabilities(nats), reset=cache_reset(lm))
    print(f"cache weights fitted on validation (dynamic lr {lr}, chunk {seq}): "
          f"{format_weights(weights) or 'none'}, {val_cached:.4f} bits/char")
    test = load_jsonl(a.test, lm.notation)
    t0 = time.perf_counter()
    figures = adaptive_figures(lm, test, weights, lr=lr, seq_len=seq)
    print(f"test ({sum(map(len, test)):,} chars, {time.perf_counter() - t0:.0f} s; dynamic: lr {lr}, "
          f"chunk {seq}):")
    for name, bpc in figures.items():
        print(f"| {name} | {bpc:.4f} |")
    print(f"bundle with: --dynamic-lr {lr} --dynamic-chunk {seq} --cache-weights {format_weights(weights)}")


if __name__ == "__main__":
    main()
