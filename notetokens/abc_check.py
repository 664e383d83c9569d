"""Checks on one ABC tune's text before music21 reads it.

music21 reads whatever it is given: 'hello world' becomes two notes, a meter
like `M:99999999/1` or ten thousand `V:` voices keep it busy for minutes, and
its time grows faster than the tune (it re-scans the whole part for every
beam). These checks refuse such text with the line and column at fault, within
the limits of `notetokens.limits`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from .errors import ParseError
from .limits import MAX_PARTS, meter_problem

MAX_TUNE_NOTES = 2_000  # note letters in one tune (the folk corpus's longest has 716)

_FIELD = re.compile(r"^[A-Za-z]:", re.MULTILINE)
_METER = re.compile(r"(?:^M:|\[M:)[ \t]*(\d[\d+ \t]*)/[ \t]*(\d+)", re.MULTILINE)
_VOICE = re.compile(r"(?:^V:|\[V:)[ \t]*([^\s\]]+)", re.MULTILINE)
# what a tune's body may hold besides notes: quoted chord names and text,
# decorations, inline fields, comments
_NOT_NOTES = re.compile(r'"[^"\n]*"|![^!\n]*!|\+[^+\n]*\+|\[[A-Za-z]:[^\]\n]*\]|%.*$', re.MULTILINE)
_BODY_LETTERS = frozenset("ABCDEFGabcdefgzZxXyHLMOPSTuv")  # notes, rests, spacers, decorations
_NOTE = re.compile(r"[A-Ga-g]")


def check_tune(tune: str, first_line: int) -> None:
    """Raise ParseError for a tune past a limit or text that is not ABC."""
    for m in _METER.finditer(tune):
        digits = [*re.findall(r"\d+", m.group(1)), m.group(2)]
        if max(len(d) for d in digits) > 9:
            fail(tune, first_line, m.start(1), "the meter has too many digits")
        num = sum(int(d) for d in digits[:-1])
        if problem := meter_problem(num, int(m.group(2))):
            fail(tune, first_line, m.start(1), problem)
    voices: set[str] = set()
    for m in _VOICE.finditer(tune):
        voices.add(m.group(1))
        if len(voices) > MAX_PARTS:
            fail(tune, first_line, m.start(1), f"more than {MAX_PARTS} voices (the limit)")
    body = _NOT_NOTES.sub(lambda m: " " * len(m.group(0)), _body(tune))
    if not _FIELD.search(tune):  # no header at all: it has to look like music
        for m in re.finditer(r"[A-Za-z]", body):
            if m.group(0) not in _BODY_LETTERS:
                fail(
                    tune, first_line, m.start(),
                    f"this is not ABC: {m.group(0)!r} is not a note "
                    "(an ABC tune starts with fields such as X:1 and K:G)",
                )
    for count, m in enumerate(_NOTE.finditer(body), 1):
        if count > MAX_TUNE_NOTES:
            fail(tune, first_line, m.start(), f"the tune has more than {MAX_TUNE_NOTES} notes (the limit)")


def _body(tune: str) -> str:
    """The tune with its field lines blanked (same length, so offsets stay)."""
    return _FIELD_LINE.sub(lambda m: " " * len(m.group(0)), tune)


_FIELD_LINE = re.compile(r"^[A-Za-z]:.*$", re.MULTILINE)


def fail(tune: str, first_line: int, offset: int, message: str) -> None:
    """Raise at `offset` of `tune` (see `position`)."""
    line, col = position(tune, first_line, offset)
    raise ParseError(message, line=line, col=col)


def position(tune: str, first_line: int, offset: int) -> tuple[int, int]:
    """File line and column of `offset`; `first_line` is the file line of the
    tune's `X:`, after which `split_tunes` may have put a copy of the file's
    header fields."""
    x = re.search(r"^X:", tune, re.MULTILINE)
    copied = tune.count("\n", 0, x.start()) if x else 0
    line = tune.count("\n", 0, offset)
    col = offset - (tune.rfind("\n", 0, offset) + 1) + 1
    return first_line + line - copied if line >= copied else line + 1, col


@contextlib.contextmanager
def without_beams() -> Iterator[None]:
    """music21 beams every part it reads from ABC, in time that grows with the
    square of the tune; notegen keeps no beams, so reading skips them."""
    from music21 import stream

    saved = stream.Stream.makeBeams
    stream.Stream.makeBeams = lambda self, *args, **kwargs: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        stream.Stream.makeBeams = saved  # type: ignore[method-assign]


@contextlib.contextmanager
def with_measures() -> Iterator[None]:
    """music21 makes measures (and so reads repeats) only for a tune with two
    plain bar lines; `|:E E E E:||:F F F F:|` has none, and its repeats were
    never played out. Any two bar lines make measures while reading."""
    from music21 import abcFormat

    handler = abcFormat.ABCHandler
    saved = handler.definesMeasures

    def defines(self: abcFormat.ABCHandler) -> bool:
        return sum(isinstance(t, abcFormat.ABCBar) for t in self.tokens) >= 2

    handler.definesMeasures = defines  # type: ignore[method-assign]
    try:
        yield
    finally:
        handler.definesMeasures = saved  # type: ignore[method-assign]
