"""A continuation cache: what followed the same context earlier in the text.

A folk tune repeats itself: a strain comes back, a phrase ends the same way
twice; a book of the Bible repeats its formulas. The GRU barely uses what it
has read in the same text, so `TuneCache` adds it: for each context length k
in its orders, the characters that followed the last k characters wherever
they occurred before. Their frequencies are mixed into the model's
distribution, from the shortest context to the longest, each with weight
`weights[k] * n / (n + 1)` for a context seen n times, so a long exact match
(the same bar, the same phrase) has the last word. Contexts are plain
characters; bar lines are characters too, so a context that spans a bar line
only matches at the same place in a bar.

The sampler keeps one per tune (`mix`, a distribution over the vocabulary), and
so does `notegen eval --cache` on music (`prob`, one character's probability;
`cached_bits`); on text it keeps one over the whole evaluated text, as PPMd
keeps its statistics. On folk validation tunes a cache per tune did better
than one over all of them (0.608 vs 0.629 bits/char, dynamic model). The
weights of each bundled model are chosen on its validation text
(benchmarks/dynamic_eval.py) and stored in its card as `cache_weights`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import torch
from torch import Tensor

if TYPE_CHECKING:
    from .checkpoint import LoadedModel

WEIGHTS = {6: 0.15, 12: 0.3, 24: 0.45, 48: 0.6}
_TOTAL = -1  # the key holding a context's count in its table
# About 200 bytes each: a cache that reaches this many contexts (some 400 MB, a
# text of roughly 2 MB at five orders) empties its tables and starts again, as
# PPMd does when its memory is full, so `eval --cache` on a big file stays bounded.
MAX_CONTEXTS = 2_000_000


def parse_weights(text: str) -> dict[int, float]:
    """'4:0.1,16:0.6' -> {4: 0.1, 16: 0.6} ('' -> {}); a one-line error otherwise."""
    from notetokens.errors import NotegenError

    out: dict[int, float] = {}
    for part in filter(None, (x.strip() for x in text.split(","))):
        k, sep, w = part.partition(":")
        try:
            order, weight = int(k), float(w)
        except ValueError:
            order, weight = 0, -1.0
        if not sep or order < 1 or not 0.0 <= weight <= 1.0:
            raise NotegenError(f"cache weights are ORDER:WEIGHT pairs (order >= 1, weight 0..1), "
                               f"got {part!r}")
        out[order] = weight
    return out  # empty: no cache (the validation text found none that helps)


def format_weights(weights: Mapping[int, float]) -> str:
    return ",".join(f"{k}:{w:g}" for k, w in sorted(weights.items()))


class TuneCache:
    """Continuation counts of one text (character ids), by context."""

    def __init__(
        self, orders: Iterable[int] | None = None, weights: Mapping[int, float] | None = None,
        max_contexts: int = MAX_CONTEXTS,
    ) -> None:
        weights = dict(WEIGHTS if weights is None else weights)
        chosen = weights if orders is None else orders
        self.orders = tuple(sorted(k for k in chosen if weights.get(k, 0) > 0))
        self.weights = weights
        self.joined = ""  # the last characters read, ids as characters: contexts are strings
        self.max_contexts = max_contexts
        self.size = 0  # contexts held, all orders together
        self.tables: dict[int, dict[str, dict[int, int]]] = {k: {} for k in self.orders}

    def push(self, i: int) -> None:
        """Add the next character id of the text."""
        joined = self.joined
        for k in self.orders:
            if len(joined) < k:
                break
            table, key = self.tables[k], joined[len(joined) - k :]
            counts = table.get(key)
            if counts is None:
                if self.size >= self.max_contexts:  # full: start again, as PPMd does
                    self.tables = {j: {} for j in self.orders}
                    self.size, table = 0, self.tables[k]
                counts = table[key] = {_TOTAL: 0}
                self.size += 1
            counts[i] = counts.get(i, 0) + 1
            counts[_TOTAL] += 1
        self.joined = (joined + chr(i))[-self.orders[-1] :] if self.orders else ""

    def extend(self, ids: Iterable[int]) -> None:
        for i in ids:
            self.push(i)

    def _matches(self) -> list[tuple[float, dict[int, int], int]]:
        """(weight, counts, total) for each order whose context was seen, shortest first."""
        out = []
        joined = self.joined
        for k in self.orders:
            if len(joined) < k:
                break
            counts = self.tables[k].get(joined[len(joined) - k :])
            if counts:
                n = counts[_TOTAL]
                out.append((self.weights[k] * n / (n + 1), counts, n))
        return out

    def prob(self, p_model: float, target: int) -> float:
        """The mixed probability of `target` given the model's `p_model` for it."""
        p = p_model
        for lam, counts, n in self._matches():
            p = (1 - lam) * p + lam * counts.get(target, 0) / n
        return p

    def mix(self, probs: Tensor) -> Tensor:
        """The model's distribution (V,) with the cache mixed in (a new tensor)."""
        matches = self._matches()
        if not matches:
            return probs
        p = probs.clone()
        for lam, counts, n in matches:
            q = torch.zeros_like(p)
            seen = [i for i in counts if i != _TOTAL]
            q[seen] = torch.tensor([counts[i] / n for i in seen], dtype=p.dtype)
            p = (1 - lam) * p + lam * q
        return p


def cached_bits(
    targets: list[int], p_model: list[float], weights: Mapping[int, float] | None = None,
    reset: int | None = None,
) -> float:
    """Bits per character of `targets` (one text, in order) when the cache of all
    earlier targets is mixed into the model's probability of each; with `reset`
    (a tune's end token), each tune has a cache of its own, as when sampling."""
    cache = TuneCache(weights=weights)
    total = 0.0
    for i, p in zip(targets, p_model, strict=True):
        total -= math.log2(max(cache.prob(p, i), 1e-12))
        if i == reset:
            cache = TuneCache(weights=weights)
        else:
            cache.push(i)
    return total / max(1, len(targets))


def tune_bits(
    lm: LoadedModel, documents: list[str], *, cache: bool = True, weights: dict[int, float] | None = None
) -> float:
    """Bits per character of `documents`, each read from the sampler's start state
    (the end token counts as one character), with the per-tune cache mixed in
    when `cache`; the figure to set against the same call with `cache=False`."""
    from notetokens.vocab import BOS, EOS

    total, count = 0.0, 0
    with torch.inference_mode():
        for doc in documents:
            if not doc:
                continue
            ids = lm.vocab.encode(doc)
            x = torch.tensor([[BOS, *ids]], device=lm.device)
            logits, _ = lm.model(x, None)
            probs = torch.softmax(logits[0].float(), dim=-1)
            targets = [*ids, EOS]
            p_target = probs[torch.arange(len(targets)), torch.tensor(targets)].tolist()
            tc = TuneCache(weights=weights) if cache else None
            for t, (i, p) in enumerate(zip(targets, p_target, strict=True)):
                if tc is not None:
                    p = tc.prob(p, i)
                total -= math.log2(max(p, 1e-12))
                if tc is not None and t < len(ids):
                    tc.push(i)
            count += len(targets)
    if count == 0:
        from notetokens.errors import NotegenError

        raise NotegenError("no text to evaluate on")
    return total / count


FIT_ORDERS = (3, 4, 6, 8, 12, 16, 24, 32, 48)
FIT_GRID = (0.0, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9)


def fit_weights(
    targets: list[int], p_model: list[float], orders: Iterable[int] = FIT_ORDERS,
    grid: Iterable[float] = FIT_GRID, rounds: int = 2, reset: int | None = None,
) -> tuple[dict[int, float], float]:
    """The cache weights that give `targets` (validation text, in order) the fewest
    bits (`cached_bits`), by coordinate search over `grid` for each order from 0.3
    each; returns them (orders left at 0 dropped) and their bits per character."""
    grid = tuple(grid)
    weights = {k: 0.3 for k in orders}
    best = cached_bits(targets, p_model, weights, reset)
    for _ in range(rounds):
        moved = False
        for k in sorted(weights):
            for w in grid:
                trial = {**weights, k: w}
                bits = cached_bits(targets, p_model, trial, reset)
                if bits < best - 1e-6:
                    best, weights, moved = bits, trial, True
        if not moved:
            break
    return {k: w for k, w in weights.items() if w > 0}, best
