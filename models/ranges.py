"""The allowed range of each number a user gives, defined once: the commands'
click options are built from these (`click.IntRange(BARS.low)`), and the Python
API checks its arguments against the same ones, in Python words (`bars=0: must
be a whole number >= 1`), before any work."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from notetokens.errors import NotegenError


@dataclass(frozen=True)
class Range:
    """Numbers from `low` to `high` (either may be open-ended; `*_open` leaves the
    bound itself out); `whole` asks for an integer. `shown` replaces the rule in
    words where the bound is clearer as a formula (the seed's 2**63-1)."""

    low: float | None = None
    high: float | None = None
    whole: bool = True
    low_open: bool = False
    high_open: bool = False
    shown: str = ""

    @property
    def rule(self) -> str:
        """The bounds in words, as an option's error says them: "from 1 to 999"."""
        if self.shown:
            return self.shown
        lo, hi = _text(self.low), _text(self.high)
        if self.low is not None and self.high is not None:
            if not (self.low_open or self.high_open):
                return f"from {lo} to {hi}"
            return f"in {'(' if self.low_open else '['}{lo}, {hi}{')' if self.high_open else ']'}"
        if self.low is not None:
            return f"{'>' if self.low_open else '>='} {lo}"
        if self.high is not None:
            return f"{'<' if self.high_open else '<='} {hi}"
        return "finite"

    @property
    def words(self) -> str:
        """What a value must be: "a whole number >= 1", "a number from 1 to 999"."""
        return f"{'a whole number' if self.whole else 'a number'} {self.rule}"

    def holds(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(
            value, numbers.Integral if self.whole else numbers.Real
        ):
            return False
        v = float(value) if not self.whole else int(value)
        if not self.whole and not math.isfinite(v):
            return False
        if self.low is not None and (v < self.low or (self.low_open and v == self.low)):
            return False
        return self.high is None or not (v > self.high or (self.high_open and v == self.high))

    def check(self, name: str, value: Any) -> Any:
        """`value` if it is in the range, else a NotegenError naming the Python
        argument: `bpm=0: must be a number from 1 to 999`."""
        if not self.holds(value):
            raise NotegenError(f"{name}={value!r}: must be {self.words}")
        return value


def _text(bound: float | None) -> str:
    return "" if bound is None else f"{bound:g}"


SEED = Range(0, 2**63 - 1, shown="from 0 to 2**63-1")  # torch's manual_seed takes a signed 64-bit number
BPM = Range(1, 999, whole=False)  # quarter notes per minute: `sample --bpm`, `live --bpm`
NOTES = Range(1)  # `sample --length`: notes of new material
BARS = Range(1)  # `sample --bars`
MIN_NOTES = Range(0)  # `--min-notes`
PROGRAM = Range(0, 127)  # a General MIDI program
TOP_K = Range(1)  # `--top-k`, and `predict`'s k
TOP_P = Range(0, 1, whole=False, low_open=True)  # `--top-p`
ECHO = Range(0, 1, whole=False)  # `--echo`
CHARS = Range(0)  # `text --length`: characters at most
TUNE = Range(1)  # `convert --tune`: a tune of an ABC collection, from 1
DROPOUT = Range(0, 1, whole=False, high_open=True)  # `train --dropout`

# the Python API's arguments by name (`sample(length=)` is new notes; `text`'s
# length is characters, checked against CHARS by name)
BY_ARGUMENT = {
    "seed": SEED, "bpm": BPM, "length": NOTES, "bars": BARS, "min_notes": MIN_NOTES,
    "program": PROGRAM, "top_k": TOP_K, "k": TOP_K, "top_p": TOP_P, "echo": ECHO, "tune": TUNE,
    "dropout": DROPOUT,
}


def check_args(**given: Any) -> None:
    """Each argument given (not None) within its range in BY_ARGUMENT."""
    for name, value in given.items():
        if value is not None:
            BY_ARGUMENT[name].check(name, value)
