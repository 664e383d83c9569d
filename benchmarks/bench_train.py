"""Training throughput: notegen's `train()` against a minimal plain-PyTorch loop of
the same model, batch and sequence length, alternating in one run.

    python benchmarks/bench_train.py [--preset small] [--steps 30] [--threads 2]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time

import torch
import torch.nn.functional as F
from torch import nn

from notegen.models.config import preset
from notegen.models.data import encode_stream, make_streams
from notegen.models.training import TrainConfig, train
from notetokens.vocab import CharVocab

WORDS = [
    "the", "of", "and", "to", "in", "that", "he", "was", "for", "it", "with", "as", "his", "on",
    "be", "at", "by", "had", "not", "are", "but", "from", "or", "have", "an", "they", "which",
    "one", "you", "were", "her", "all", "she", "there", "would", "their", "we", "him", "been",
    "has", "when", "who", "will", "more", "no", "if", "out", "so", "said", "what", "up", "its",
    "about", "into", "than", "them", "can", "only"
]


def corpus(chars: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    docs, total = [], 0
    while total < chars:
        doc = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 120))) + ".\n"
        docs.append(doc)
        total += len(doc)
    return docs


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


def plain_loop(docs: list[str], name: str, batch: int, seq: int, steps: int) -> float:
    """Characters per second of the textbook loop (same model shape and optimizer)."""
    vocab = CharVocab.build(docs)
    c = preset(name)
    data = make_streams(encode_stream(docs, vocab), batch, seq)
    torch.manual_seed(0)
    model = PlainGRU(len(vocab), c.embed_dim, c.hidden_size, c.num_layers, c.dropout)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.99), weight_decay=0.01)
    h = None
    t0 = time.perf_counter()
    chars = 0
    for i in range(steps):
        x, y = data.batch(i % data.steps)
        logits, h = model(x, h)
        h = h.detach()
        loss = F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        chars += x.numel()
    return chars / (time.perf_counter() - t0)


def notegen_loop(docs: list[str], name: str, batch: int, seq: int, steps: int) -> tuple[float, float]:
    """(chars/s inside the step loop, chars/s over the whole call incl. setup and saving)."""
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        r = train(docs, "text", out, TrainConfig(preset=name, batch_size=batch, seq_len=seq,
                                                 steps=steps, eval_every=10**9, val_fraction=0.0,
                                                 device="cpu"), progress=False)
        wall = time.perf_counter() - t0
    return r.chars_per_sec, r.step * batch * seq / wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="small")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    docs = corpus(a.batch_size * a.seq_len * a.steps + 10_000)
    vocab_size = len(CharVocab.build(docs))
    from notegen.models.gru import CharGRU

    params = CharGRU(preset(a.preset).with_vocab(vocab_size)).num_parameters()
    plain, ours, ours_wall = [], [], []
    for _ in range(a.rounds):  # alternate, so drift in machine load hits both alike
        plain.append(plain_loop(docs, a.preset, a.batch_size, a.seq_len, a.steps))
        loop, wall = notegen_loop(docs, a.preset, a.batch_size, a.seq_len, a.steps)
        ours.append(loop)
        ours_wall.append(wall)
    p, o, w = statistics.median(plain), statistics.median(ours), statistics.median(ours_wall)
    print(f"preset {a.preset} ({params:,} parameters), batch {a.batch_size} x {a.seq_len}, "
          f"{a.steps} steps x {a.rounds} rounds, {a.threads} threads, torch {torch.__version__}")
    print(f"plain PyTorch loop        {p:>10,.0f} chars/s")
    print(f"notegen train (step loop) {o:>10,.0f} chars/s   ratio {o / p:.2f}x")
    print(f"notegen train (whole call, incl. data prep, final validation, 2 saves) "
          f"{w:>10,.0f} chars/s   ratio {w / p:.2f}x")


if __name__ == "__main__":
    main()
