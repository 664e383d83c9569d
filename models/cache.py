"""A per-tune cache: what followed the same context earlier in this tune.

A folk tune repeats itself: a strain comes back, a phrase ends the same way
twice. The GRU barely uses what it has heard in the same tune, so `TuneCache`
adds it: for each context length k in `ORDERS`, the characters that followed
the last k characters wherever they occurred before in this tune. Their
frequencies are mixed into the model's distribution, from the shortest context
to the longest, each with weight `WEIGHTS[k] * n / (n + 1)` for a context seen
n times, so a long exact match (the same bar, the same phrase) has the last
word. Contexts are plain characters; bar lines are characters too, so a
context that spans a bar line only matches at the same place in a bar.

The same object serves sampling (`mix`, a distribution over the vocabulary)
and evaluation (`prob`, one character's probability); `push` adds a character.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import torch
from torch import Tensor

if TYPE_CHECKING:
    from .checkpoint import LoadedModel

ORDERS = (6, 12, 24, 48)
WEIGHTS = {6: 0.15, 12: 0.3, 24: 0.45, 48: 0.6}


class TuneCache:
    """Continuation counts of one tune's text (character ids), by context."""

    def __init__(
        self, orders: tuple[int, ...] = ORDERS, weights: dict[int, float] | None = None
    ) -> None:
        self.orders = tuple(sorted(orders))
        self.weights = dict(WEIGHTS if weights is None else weights)
        self.ids: list[int] = []
        self.tables: dict[int, dict[tuple[int, ...], Counter[int]]] = {k: {} for k in self.orders}

    def push(self, i: int) -> None:
        """Add the next character id of the tune."""
        ids = self.ids
        for k in self.orders:
            if len(ids) >= k:
                self.tables[k].setdefault(tuple(ids[len(ids) - k :]), Counter())[i] += 1
        ids.append(i)

    def extend(self, ids: list[int]) -> None:
        for i in ids:
            self.push(i)

    def _matches(self) -> list[tuple[float, Counter[int], int]]:
        """(weight, counts, total) for each order whose context was seen, shortest first."""
        out = []
        ids = self.ids
        for k in self.orders:
            if len(ids) < k:
                break
            counts = self.tables[k].get(tuple(ids[len(ids) - k :]))
            if counts:
                n = sum(counts.values())
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
            q[list(counts)] = torch.tensor([c / n for c in counts.values()], dtype=p.dtype)
            p = (1 - lam) * p + lam * q
        return p


def tune_bits(
    lm: LoadedModel, documents: list[str], *, cache: bool = True, weights: dict[int, float] | None = None
) -> float:
    """Bits per character of `documents`, each read from the sampler's start state
    (the end token counts as one character), with the per-tune cache mixed in
    when `cache`; the figure to set against the same call with `cache=False`."""
    import math

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
