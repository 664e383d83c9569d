"""The sampler's random draw, defined so that C can do exactly the same.

`Gen` is splitmix64 (64-bit state, one add and two multiply-xorshifts per
number); a uniform double is the top 53 bits times 2**-53. `choose` turns the
scores of one step into an id by the inverse-CDF method: probabilities in
double precision (softmax of score / temperature, top-k and top-p applied),
summed in id order, and the first id whose running sum passes u * total.
plugin/engine/ implements both line for line, so a seed gives the same tune in
C and in Python (up to draws within rounding of a boundary, where the float32
logits of the two differ in their last bits).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

MASK = (1 << 64) - 1
ECHO_STREAM = 0x5DEECE66D  # the echo's generator: seeded with seed ^ this


class Gen:
    """splitmix64. `Gen(None)` seeds itself from os.urandom."""

    def __init__(self, seed: int | None) -> None:
        if seed is None:
            seed = int.from_bytes(os.urandom(8), "little")
        self.state = seed & MASK

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self) -> float:
        """A double in [0, 1)."""
        return (self.next() >> 11) * 2.0**-53


def echo_gen(seed: int | None) -> Gen:
    """The phrase echo's own stream (independent of the sampler's draws)."""
    return Gen(None if seed is None else seed ^ ECHO_STREAM)


def probabilities(
    scores: Sequence[float] | np.ndarray, temperature: float, top_k: int | None, top_p: float | None
) -> np.ndarray:
    """Unnormalised probabilities (float64, one per id; 0 where excluded)."""
    x = np.asarray(scores, dtype=np.float64) / temperature
    finite = np.isfinite(x)
    if not finite.any():
        raise ValueError("every score is -inf: nothing to draw")
    m = x[finite].max()
    p = np.where(finite, np.exp(np.where(finite, x - m, 0.0)), 0.0)
    if top_k is not None and top_k < p.size:
        order = np.argsort(-x, kind="stable")  # likeliest first, ties by id
        p[order[top_k:]] = 0.0
    if top_p is not None and top_p < 1.0:
        order = np.argsort(-p, kind="stable")
        q = p[order] / _total(p)
        before = 0.0
        for rank in range(order.size):  # keep until the mass before reaches top_p (one at least)
            if rank > 0 and before >= top_p:
                p[order[rank:]] = 0.0
                break
            before += float(q[rank])
    return p


def _total(p: np.ndarray) -> float:
    t = 0.0
    for v in p.tolist():  # in id order, as C sums
        t += v
    return t


def pick(p: np.ndarray, u: float) -> int:
    """The inverse CDF: the first id whose running sum (id order) passes u * total."""
    vals = p.tolist()
    target = u * _total(p)
    acc, last = 0.0, -1
    for i, v in enumerate(vals):
        if v > 0.0:
            acc += v
            last = i
            if target < acc:
                return i
    return last


def choose(
    scores: Sequence[float] | np.ndarray, temperature: float, top_k: int | None,
    top_p: float | None, argmax: bool, gen: Gen,
) -> int:
    """One id from scores (V,): greedy (the first maximum), or one uniform draw."""
    x = np.asarray(scores, dtype=np.float64)
    if argmax:
        return int(np.argmax(x))
    return pick(probabilities(x, temperature, top_k, top_p), gen.uniform())
