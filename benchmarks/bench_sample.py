"""Streaming sampling speed per character: notegen's `stream` against re-running a
fixed 100-character window for every new character (the lecture's method) and
against a plain-PyTorch step loop carrying the hidden state, on one model.

    python benchmarks/bench_sample.py [--preset small] [--chars 4000] [--threads 1] [--rounds 10]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator

import torch

from notegen.models.checkpoint import LoadedModel
from notegen.models.config import preset
from notegen.models.rnn import CharRNN
from notegen.models.sampling import stream
from notetokens.vocab import BOS, EOS, CharVocab

ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"-\n()"


def model(name: str) -> LoadedModel:
    vocab = CharVocab.build([ALPHABET])
    config = preset(name).with_vocab(len(vocab))
    torch.manual_seed(0)
    m = CharRNN(config).eval().requires_grad_(False)
    with torch.no_grad():
        m.head.bias[EOS] = -1e4  # never end: every method writes the full length
    return LoadedModel(m, vocab, "text", config)


def timed(chars: Iterator[str], n: int) -> list[float]:
    """Seconds between consecutive characters, for n characters."""
    out = []
    t = time.perf_counter()
    for _ in range(n):
        next(chars)
        now = time.perf_counter()
        out.append(now - t)
        t = now
    return out


def window(lm: LoadedModel, size: int = 100, seed: int = 0) -> Iterator[str]:
    """Re-run the last `size` characters from a zero state for each new character."""
    gen = torch.Generator().manual_seed(seed)
    ids = [BOS]
    while True:
        with torch.inference_mode():
            logits, _ = lm.model(torch.tensor([ids[-size:]]), None)
            i = int(torch.multinomial(torch.softmax(logits[0, -1], -1), 1, generator=gen))
        ids.append(i)
        yield lm.vocab.char(i)


def plain_steps(lm: LoadedModel, seed: int = 0) -> Iterator[str]:
    """The textbook step loop: one token in, the hidden state carried."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.tensor([[BOS]])
    h = None
    while True:
        with torch.inference_mode():
            logits, h = lm.model(x, h)
            i = int(torch.multinomial(torch.softmax(logits[0, -1], -1), 1, generator=gen))
        x = torch.tensor([[i]])
        yield lm.vocab.char(i)


def row(name: str, lat: list[float]) -> tuple[str, float]:
    lat = sorted(lat)
    med = statistics.median(lat)
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
    cps = len(lat) / sum(lat)
    return f"{name:<34} {med * 1e6:>9.0f} {p99 * 1e6:>9.0f} {cps:>10,.0f}", cps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="small")
    ap.add_argument("--chars", type=int, default=4000)
    ap.add_argument("--window-chars", type=int, default=400)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=10)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    lm = model(a.preset)
    methods: dict[str, Callable[[], Iterator[str]]] = {
        "notegen stream": lambda: stream(lm, seed=0, constrain=False),
        "plain PyTorch step loop": lambda: plain_steps(lm),
        "window of 100 re-run per char": lambda: window(lm),
    }
    lat: dict[str, list[float]] = {k: [] for k in methods}
    for _ in range(a.rounds):  # short alternating rounds: load drift hits all alike
        for k, make in methods.items():
            n = a.window_chars if k.startswith("window") else a.chars
            warm = 100 if k.startswith("window") else 20  # the window fills up first
            lat[k] += timed(make(), n // a.rounds + warm)[warm:]
    print(f"preset {a.preset} ({lm.model.num_parameters():,} parameters, vocab {len(lm.vocab)}), "
          f"{a.threads} thread(s), torch {torch.__version__}")
    print(f"{'method':<34} {'median us':>9} {'p99 us':>9} {'chars/s':>10}")
    rates = {}
    for k in methods:
        line, rates[k] = row(k, lat[k])
        print(line)
    ours = rates["notegen stream"]
    print(f"stream vs window: {ours / rates['window of 100 re-run per char']:.1f}x; "
          f"stream vs plain step loop: {ours / rates['plain PyTorch step loop']:.2f}x")


if __name__ == "__main__":
    main()
