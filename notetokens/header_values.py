"""The values a note-string header may hold, as the grammar offers them:
meters, units, keys (tonic, accidental, mode), tempos and tune types."""

from __future__ import annotations

from .keysig import MODE_WORDS
from .tunetype import TUNE_TYPES

MODES = ("", *MODE_WORDS)  # what a key name may write after the tonic ("" is major)
METERS = ("2/2", "2/4", "3/2", "3/4", "3/8", "4/4", "5/4", "5/8", "6/4", "6/8", "7/8", "9/8", "12/8")
UNITS = ("1/1", "1/2", "1/4", "1/8", "1/16", "1/32")
VALUES: dict[str, tuple[str, ...]] = {
    "T": TUNE_TYPES,
    "L": UNITS,
    "M": METERS,
    "K": tuple(t + a + m for t in "ABCDEFG" for a in ("", "#", "b") for m in MODES),
    "Q": tuple(str(q) for q in range(1, 1000)),
}


def _prefixes(values: tuple[str, ...]) -> dict[str, frozenset[str]]:
    nxt: dict[str, set[str]] = {}
    for v in values:
        for i in range(len(v)):
            nxt.setdefault(v[:i], set()).add(v[i])
    return {k: frozenset(s) for k, s in nxt.items()}


NEXT_CHARS = {k: _prefixes(v) for k, v in VALUES.items()}
