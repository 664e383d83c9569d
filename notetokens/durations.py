"""Note lengths a melody model may write, and which bar remainders they can fill.

A duration is counted in units of the header's `L:` and written canonically:
nothing for one unit, `:N`, `:/M` or `:N/M` in lowest terms. The grammar allows
only lengths from `CANDIDATES` (binary, dotted and triplet values up to
`MAX_UNITS`), and inside a bar only those that leave a remainder the same set
can still fill exactly, so every inner bar can be completed.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from math import gcd

DENOMINATORS = (1, 2, 3, 4, 6, 8, 16)
GRID = 48  # lcm of DENOMINATORS: every candidate is a whole number of 1/48 units
MAX_UNITS = 48  # the longest single note or rest, in units
MAX_BAR = 96  # units; the longest bar (12/8 at L:1/64)


def suffix(v: Fraction) -> str:
    """The text after ':' for `v` units ('' for one unit)."""
    if v == 1:
        return ""
    if v.denominator == 1:
        return str(v.numerator)
    if v.numerator == 1:
        return f"/{v.denominator}"
    return f"{v.numerator}/{v.denominator}"


def _candidates() -> dict[str, Fraction]:
    out: dict[str, Fraction] = {}
    for d in DENOMINATORS:
        for n in range(1, MAX_UNITS * d + 1):
            if gcd(n, d) == 1 and Fraction(n, d) != 1:
                out[suffix(Fraction(n, d))] = Fraction(n, d)
    return out


CANDIDATES: dict[str, Fraction] = _candidates()  # suffix text -> units
# What a tune's closing notes may take: plain and dotted lengths (1/16 to 32
# units, dotted 3/16 to 48), and the three shortest triplet lengths only where
# the bar's remainder needs them. Inside a bar the model writes what its tunes
# do; at the close it would otherwise reach for any length that fills the bar
# (`e61/16`, `G8/3`).
PLAIN = frozenset({Fraction(2) ** a for a in range(-4, 6)} | {3 * Fraction(2) ** a for a in range(-4, 5)})
TRIPLETS = frozenset({Fraction(1, 6), Fraction(1, 3), Fraction(2, 3)})


@lru_cache(maxsize=1)
def _reachable() -> tuple[bool, ...]:
    """reachable[k]: k/GRID units is a sum of candidate lengths (or zero)."""
    atoms = [GRID // d for d in DENOMINATORS]  # 1/d: every candidate is a sum of these
    size = MAX_BAR * GRID + 1
    ok = [False] * size
    ok[0] = True
    for k in range(1, size):
        ok[k] = any(a <= k and ok[k - a] for a in atoms)
    return tuple(ok)


def fillable(r: Fraction) -> bool:
    """Whether a remainder of `r` units can be filled exactly."""
    k = r * GRID
    return r >= 0 and k.denominator == 1 and k <= MAX_BAR * GRID and _reachable()[int(k)]


def fits(v: Fraction, r: Fraction | None, closing: bool = False) -> bool:
    """Whether `v` units may come with `r` units left in the bar (None: no meter).
    `closing` (finishing a tune) takes only `closes` lengths, and at least one
    unit while one fits."""
    if r is None:
        return True
    if v > r or not fillable(r - v):
        return False
    return not closing or (closes(v, r) and (v >= 1 or not _long_fits(r)))


def closes(v: Fraction, r: Fraction) -> bool:
    """Whether a closing note may take `v` units with `r` left: a plain or dotted
    length, or a short triplet one where `r` is not a whole number of 1/16s."""
    return v in PLAIN or (v in TRIPLETS and (r * 16).denominator != 1)


@lru_cache(maxsize=4096)
def _long_fits(r: Fraction) -> bool:
    """Whether a closing length of at least one unit fits in `r` (leaving a fillable rest)."""
    return any(v >= 1 and fits(v, r) and closes(v, r) for v in PLAIN)


@lru_cache(maxsize=65536)
def next_chars(prefix: str, r: Fraction | None, closing: bool) -> tuple[frozenset[str], bool]:
    """After ':' + `prefix`: the characters that can continue it to a fitting
    length, and whether `prefix` is itself a complete fitting length."""
    chars = set()
    n = len(prefix)
    for text, v in CANDIDATES.items():
        if len(text) > n and text.startswith(prefix) and fits(v, r, closing):
            chars.add(text[n])
    whole = prefix in CANDIDATES and fits(CANDIDATES[prefix], r, closing)
    return frozenset(chars), whole


def value(prefix: str | None) -> Fraction | None:
    """Units written by a duration suffix (None: no suffix, one unit); None if
    `prefix` is not a complete length."""
    if prefix is None:
        return Fraction(1)
    m = re.fullmatch(r"(\d*)(?:/(\d+))?", prefix)
    if not prefix or not m or (not m.group(1) and not m.group(2)):
        return None
    num, den = int(m.group(1) or 1), int(m.group(2) or 1)
    return Fraction(num, den) if num and den else None
