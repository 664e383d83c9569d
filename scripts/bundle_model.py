"""Package a trained run as a bundled model with its model card.

    python scripts/bundle_model.py NAME RUN_DIR TRAIN.jsonl TEST.jsonl --command "..."

Measures test-set bits per character (documents the model never saw), static
and under dynamic evaluation (the model adapting as it reads, as PPMd does), the
validity rate of unconstrained samples (music), and what PPMd at every order,
xz and zstd need for the same test text after the training text; writes
models/bundled/NAME.safetensors (weights + all of that as metadata) and
models/bundled/NAME.md (the model card). scripts/build_bundled.sh runs it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from compressors import best as best_compressor  # noqa: E402
from compressors import load as load_text  # noqa: E402
from compressors import table as compressor_table  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("run")
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--command", required=True, help="the command that retrains this model")
    ap.add_argument("--samples", type=int, default=50)
    ap.add_argument("--train-time", default="see the training log", help="wall time of the training run")
    ap.add_argument("--dynamic-lr", type=float, default=None,
                    help="dynamic evaluation's learning rate (benchmarks/dynamic_eval.py picks it on "
                    "validation text); default: notegen eval's")
    ap.add_argument("--dynamic-chunk", type=int, default=128, help="characters between two SGD steps")
    ap.add_argument("--cache-weights", default=None,
                    help="the continuation cache's ORDER:WEIGHT pairs (benchmarks/dynamic_eval.py fits "
                    "them on validation text); default: notegen eval's")
    ap.add_argument("--no-dynamic", action="store_true",
                    help="skip the cache and dynamic-evaluation figures (an hour on a slow CPU); "
                    "the card says they were not measured")
    a = ap.parse_args()

    from notegen.models import checkpoint
    from notegen.models.cache import WEIGHTS, format_weights, parse_weights
    from notegen.models.evaluate import DYNAMIC_LR, adaptive_figures, bits_per_char, validity_rate
    from notetokens import get
    from notetokens.corpus import load_jsonl

    lm = checkpoint.load(a.run)
    test_docs = load_jsonl(a.test, lm.notation)
    t = time.time()
    metrics = dict(lm.metrics)
    metrics["test_bpc"] = bits_per_char(lm, test_docs)
    metrics["dynamic_lr"] = a.dynamic_lr or DYNAMIC_LR
    metrics["dynamic_chunk"] = a.dynamic_chunk
    weights = parse_weights(a.cache_weights) if a.cache_weights is not None else WEIGHTS
    metrics["cache_weights"] = format_weights(weights)
    if a.no_dynamic:
        figures: dict = {"static + cache": None, "dynamic": None, "dynamic + cache": None}
    else:
        figures = adaptive_figures(lm, test_docs, weights, lr=metrics["dynamic_lr"], seq_len=a.dynamic_chunk)
    metrics["test_bpc_cache"] = figures["static + cache"]
    metrics["test_bpc_dynamic"] = figures["dynamic"]
    metrics["test_bpc_dynamic_cache"] = figures["dynamic + cache"]
    if get(lm.notation).music:
        metrics["validity"] = validity_rate(lm, a.samples, max_chars=4000)
    print(f"evaluated in {time.time() - t:.0f} s: {json.dumps(metrics)}")
    rows = compressor_table(load_text(a.train), load_text(a.test))
    meta = {k: v for k, v in lm.meta.items() if k not in ("format", "config", "vocab", "metrics",
                                                          "notation", "notegen_version")}
    meta["compressors"] = {name: bpc for name, bpc in rows}
    out = ROOT / "models" / "bundled" / f"{a.name}.safetensors"
    out.parent.mkdir(exist_ok=True)
    checkpoint.save(out, lm.model, lm.vocab, lm.notation, lm.config, metrics, extra_meta=meta)
    card = ROOT / "models" / "bundled" / f"{a.name}.md"
    card.write_text(render_card(a, lm, metrics, rows, out, len(test_docs)))
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) and {card}")


def render_card(a: argparse.Namespace, lm, metrics: dict, rows: list, out: Path, n_test: int) -> str:
    cfg = lm.config
    tc = lm.meta.get("train_config", {})
    best_name, best = best_compressor(rows)
    verdict = "beats" if metrics["test_bpc"] < best else "does NOT beat"
    ratio = metrics["test_bpc"] / best
    lines = [
        f"# Model card: `{a.name}`",
        "",
        f"- notation: `{lm.notation}`; {cfg.cell.upper()} {cfg.num_layers} x {cfg.hidden_size}, "
        f"embedding {cfg.embed_dim}, {metrics.get('parameters', 0):,} weights, "
        f"{out.stat().st_size / 1e6:.1f} MB; vocabulary {len(lm.vocab.chars)} characters",
        f"- training: {tc.get('steps')} steps of {tc.get('batch_size')} x {tc.get('seq_len')} characters, "
        f"lr {tc.get('lr')} ({tc.get('schedule')}), precision {tc.get('precision', 'fp32')}, "
        f"best checkpoint at step {metrics.get('step')} "
        f"(epoch {metrics.get('epoch', 0):.1f}); best validation {metrics.get('val_bpc', 0):.3f} bits/char",
        f"- training time: {a.train_time}",
        f"- test set: {n_test} documents never trained or tuned on",
        "",
        "## Retrain",
        "",
        "```",
        a.command,
        "```",
        "",
        "## Test-set bits per character",
        "",
        "| method | bits/char |",
        "|---|---|",
        f"| notegen `{a.name}` (static) | {metrics['test_bpc']:.3f} |",
    ]
    lines += _adaptive_rows(a, metrics)
    lines += [f"| {name} (given the training text) | {bpc:.3f} |" for name, bpc in rows]
    lines += ["", f"Statically, the model {verdict} the best compressor, {best_name} ({best:.3f}), on the "
              f"same test text: {ratio:.3f} x its figure. A compressor's figure is size(train + test) "
              "- size(train), in bits, over the test characters. " + _adaptive_text(metrics, best)]
    if "validity" in metrics:
        lines += ["", f"Validity: {metrics['validity']:.0%} of {a.samples} samples drawn with no grammar "
                  "parse as note strings (with the grammar, as `notegen sample` draws, all do)."]
    return "\n".join(lines) + "\n"


def _adaptive_rows(a: argparse.Namespace, metrics: dict) -> list[str]:
    if metrics["test_bpc_dynamic"] is None:
        return [f"| notegen `{a.name}`, continuation cache and dynamic evaluation | not measured "
                "for this model (`--no-dynamic`; `notegen eval --dynamic --cache` measures them) |"]
    return [
        f"| notegen `{a.name}`, static + continuation cache (weights {metrics['cache_weights']}; "
        f"`notegen eval --cache`) | {metrics['test_bpc_cache']:.3f} |",
        f"| notegen `{a.name}`, dynamic evaluation (SGD lr {metrics['dynamic_lr']} after each "
        f"{metrics['dynamic_chunk']}-character chunk; `notegen eval --dynamic`) | "
        f"{metrics['test_bpc_dynamic']:.3f} |",
        f"| **notegen `{a.name}`, dynamic + cache** (`notegen eval --dynamic --cache`) | "
        f"**{metrics['test_bpc_dynamic_cache']:.3f}** |",
    ]


def _adaptive_text(metrics: dict, best: float) -> str:
    if metrics["test_bpc_dynamic"] is None:
        return ""
    adaptive = metrics["test_bpc_dynamic_cache"]
    return (
        "Adapting to the test text as it reads "
        f"it, as PPMd does: dynamic evaluation {metrics['test_bpc_dynamic'] / best:.3f} x, the "
        f"continuation cache {metrics['test_bpc_cache'] / best:.3f} x, both {adaptive / best:.3f} x. "
        "The dynamic rate and chunk and the cache weights were chosen on validation text "
        "(`benchmarks/dynamic_eval.py`), never on the test text; `notegen eval` uses them by default."
    )


if __name__ == "__main__":
    main()
