"""Training throughput and quality: notegen's `train()` against the plain fp32
PyTorch loop of the same model, on the same characters, in one run.

For every thread count and batch shape, both loops train a fresh model for the
same characters at the same constant learning rate, interleaved step by step (a
plain step after each notegen step, through `train`'s `on_step`), so that load
from other processes on this shared machine falls on both alike. Reported:
characters per second inside the step loop (wall clock and CPU time), their
ratio, the training loss along the way (the loss curves) and the validation bits
per character of both models after the same characters, scored in fp32 on the
same held-out text.

    python benchmarks/bench_train.py                        # small, threads 1,2, batch 32,64
    python benchmarks/bench_train.py --threads 2 --batch-sizes 64,128 --seq-lens 128,256
    python benchmarks/bench_train.py --corpus data/kjv-train.jsonl --chars 400000
"""

from __future__ import annotations

import argparse
import json
import math
import random
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from notegen.models import checkpoint
from notegen.models.config import preset
from notegen.models.data import encode_stream, make_streams
from notegen.models.evaluate import stream_nll
from notegen.models.training import TrainConfig, train
from notetokens.vocab import CharVocab

LR = 3e-3
WORDS = [
    "the", "of", "and", "to", "in", "that", "he", "was", "for", "it", "with", "as", "his", "on",
    "be", "at", "by", "had", "not", "are", "but", "from", "or", "have", "an", "they", "which",
    "one", "you", "were", "her", "all", "she", "there", "would", "their", "we", "him", "been",
    "has", "when", "who", "will", "more", "no", "if", "out", "so", "said", "what", "up", "its",
    "about", "into", "than", "them", "can", "only", "unto", "lord", "god", "israel", "king",
]


def synthetic(chars: int, seed: int) -> list[str]:
    """Documents of words with a little structure (a word prefers a few successors)."""
    rng = random.Random(seed)
    follow = {w: random.Random(w).sample(WORDS, 6) for w in WORDS}
    docs, total = [], 0
    while total < chars:
        w, words = rng.choice(WORDS), []
        for _ in range(rng.randint(40, 120)):
            words.append(w)
            w = rng.choice(follow[w]) if rng.random() < 0.8 else rng.choice(WORDS)
        doc = " ".join(words) + ".\n"
        docs.append(doc)
        total += len(doc)
    return docs


def from_jsonl(path: str, chars: int, held_out: int) -> tuple[list[str], list[str]]:
    text = "".join(json.loads(line)["text"] + "\n" for line in Path(path).read_text().splitlines()
                   if line.strip())
    return [text[:chars]], [text[-held_out:]]


class PlainGRU(nn.Module):
    def __init__(self, v: int, e: int, h: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.embed = nn.Embedding(v, e)
        self.rnn = nn.GRU(e, h, layers, dropout=dropout if layers > 1 else 0.0, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(h, v)

    def forward(self, x, h):
        out, h = self.rnn(self.embed(x), h)
        return self.head(self.drop(out)), h


class PlainLoop:
    """The textbook loop, one step per call: fp32, default AdamW, hidden state
    carried and detached, timed step by step."""

    def __init__(self, docs: list[str], name: str, batch: int, seq: int) -> None:
        self.vocab = CharVocab.build(docs)
        c = preset(name)
        self.data = make_streams(encode_stream(docs, self.vocab), batch, seq)
        torch.manual_seed(0)
        self.model = PlainGRU(len(self.vocab), c.embed_dim, c.hidden_size, c.num_layers, c.dropout)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=LR, betas=(0.9, 0.99),
                                     weight_decay=0.01)
        self.h = None
        self.i = 0
        self.elapsed = self.cpu = 0.0
        self.chars = 0
        self.losses: list[float] = []

    def step(self) -> None:
        x, y = self.data.batch(self.i % self.data.steps)
        if self.i % self.data.steps == 0:
            self.h = None
        t0, c0 = time.perf_counter(), time.process_time()
        logits, h = self.model(x, self.h)
        self.h = h.detach()
        loss = F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=-100)
        self.opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.elapsed += time.perf_counter() - t0
        self.cpu += time.process_time() - c0
        self.chars += x.numel()
        self.losses.append(loss.item())
        self.i += 1

    def curve(self, marks: list[int]) -> list[float]:
        """Mean training bits/char over the 10 steps before each mark."""
        return [sum(self.losses[m - 10 : m]) / 10 / math.log(2) for m in marks]


def compare(docs, val, name, batch, seq, steps, marks, precision):
    """notegen's train() with one plain-loop step after each of its steps, so that
    load from other processes falls on both loops alike."""
    plain = PlainLoop(docs, name, batch, seq)
    with tempfile.TemporaryDirectory() as out:
        cfg = TrainConfig(preset=name, batch_size=batch, seq_len=seq, steps=steps, lr=LR,
                          schedule="constant", warmup_steps=0, eval_every=marks[0],
                          val_fraction=0.0, device="cpu", precision=precision)
        r = train(docs, "text", out, cfg, progress=False, on_step=lambda step: plain.step())
        lm = checkpoint.load(Path(out) / checkpoint.LAST)
        curve = [h["train_loss"] / math.log(2) if h["train_loss"] is not None else math.nan
                 for h in r.history if h["step"] in marks]
        ours = {"speed": r.chars_per_sec, "cpu": r.step * batch * seq / r.cpu_seconds,
                "curve": curve, "val": val_bpc(lm.model, val, lm.vocab), "precision": r.precision}
    base = {"speed": plain.chars / plain.elapsed, "cpu": plain.chars / plain.cpu,
            "curve": plain.curve(marks), "val": val_bpc(plain.model, val, plain.vocab)}
    return base, ours


def val_bpc(model, val, vocab) -> float:
    nll, count = stream_nll(model, make_streams(encode_stream(val, vocab), 16, 256))
    return nll / count / math.log(2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="small")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--batch-sizes", default="32,64")
    ap.add_argument("--seq-lens", default="128")
    ap.add_argument("--chars", type=int, default=300_000, help="training characters per run")
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--corpus", help="a `notegen corpus` jsonl file instead of synthetic text")
    a = ap.parse_args()
    if a.corpus:
        docs, val = from_jsonl(a.corpus, a.chars, 50_000)
    else:
        docs, val = synthetic(a.chars, 0), synthetic(50_000, 1)
    print(f"preset {a.preset}, {a.chars:,} training characters per run, torch {torch.__version__}, "
          f"lr {LR} constant; plain = fp32 textbook loop; notegen = train(precision={a.precision})")
    print("| threads | batch x seq | plain chars/s | notegen chars/s | ratio | "
          "ratio per CPU second | precision | train bpc at 1/4, 1/2, 3/4, end (plain/notegen) | "
          "val bpc plain | val bpc notegen |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for threads in map(int, a.threads.split(",")):
        torch.set_num_threads(threads)
        for batch in map(int, a.batch_sizes.split(",")):
            for seq in map(int, a.seq_lens.split(",")):
                # notegen reports its training loss every 10 steps: marks on multiples of 10
                steps = max(40, a.chars // (batch * seq) // 40 * 40)
                marks = [steps * k // 4 for k in range(1, 5)]
                p, n = compare(docs, val, a.preset, batch, seq, steps, marks, a.precision)
                curve = ", ".join(f"{x:.2f}/{y:.2f}" for x, y in zip(p["curve"], n["curve"],
                                                                     strict=False))
                print(f"| {threads} | {batch} x {seq} | {p['speed']:,.0f} | {n['speed']:,.0f} | "
                      f"{n['speed'] / p['speed']:.2f}x | {n['cpu'] / p['cpu']:.2f}x | "
                      f"{n['precision']} | {curve} | {p['val']:.3f} | {n['val']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
