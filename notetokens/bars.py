"""Bars: where a tune's bar lines fall, and whether its bars add up to its meter.

The rule (README, "Note strings"): with a meter, every bar between two bar lines
fills the meter exactly, except a pickup (anacrusis): the first bar may be
shorter, and the last bar may then be short too (it may complete the pickup).
`fit_measures` checks a source's measures against a meter and finds the pickup;
`text_bars` and `bar_errors` check note-string text as written.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

from .notes_reader import Header, NoteDecoder
from .score import TimeSignature


class IrregularBars(ValueError):
    """The source's measures do not follow its meter."""


def bar_length(meter: TimeSignature) -> Fraction:
    """One bar of `meter`, in quarter-note beats."""
    return Fraction(4 * meter.numerator, meter.denominator)


def fit_measures(spans: list[tuple[Fraction, Fraction]], bar: Fraction) -> Fraction:
    """The pickup of a tune whose measures are `spans` ((onset, length) in beats,
    in order) under bars of `bar` beats. A first measure shorter than a bar is
    the pickup; later short measures are pieces of one bar split by a section
    line or a repeat, and consecutive pieces must add up to exactly one bar (the
    last ones may fall short: the tune ends). Raises `IrregularBars` naming the
    first measure that does not fit."""
    spans = [(on, length) for on, length in spans if length > 0]
    if not spans:
        return Fraction(0)
    first = spans[0][1]
    if first > bar:
        raise IrregularBars(f"bar 1 is {_beats(first)}, longer than the meter's {_beats(bar)}")
    pickup = first if first < bar else Fraction(0)
    piece = Fraction(0)  # the part of a split bar read so far
    for i, (_, length) in enumerate(spans[1:], 2):
        if length > bar:
            raise IrregularBars(f"bar {i} is {_beats(length)}, longer than the meter's {_beats(bar)}")
        if length == bar and not piece:
            continue
        piece += length
        if piece > bar:
            raise IrregularBars(f"bar {i} ends {_beats(piece - bar)} past the meter's bar line")
        if piece == bar:
            piece = Fraction(0)
    return pickup


@dataclass(frozen=True)
class TextBars:
    header: Header
    bars: list[Fraction]  # the length of each bar as written, first to last (beats)
    end: Fraction  # where the last event ends


def text_bars(text: str) -> TextBars:
    """The bars of note-string text as written (bar lines where the text puts
    them). Raises `ParseError` for text that does not parse."""
    decoder = NoteDecoder()
    decoder.feed(text)
    decoder.close()
    edges = [Fraction(0), *_grid_bars(decoder), decoder.time]
    lengths = [b - a for a, b in itertools.pairwise(edges)]
    if lengths and lengths[-1] == 0:  # a closing bar line
        lengths.pop()
    return TextBars(decoder.header, lengths, decoder.time)


def _grid_bars(decoder: NoteDecoder) -> list[Fraction]:
    """The bar lines read, less those of repeat marks off the bar grid: a part
    that starts with a pickup ends with `:|` one short bar early, and that mark
    splits a bar rather than ends one (`A4 | ... | G4:3 :| A4 | ...`)."""
    meter, bars = decoder.header.meter, decoder.bars
    if meter is None or not bars or not decoder.marks:
        return bars
    bar = bar_length(meter)
    pickup = bars[0] % bar
    marked = {m.time for m in decoder.marks}
    return [t for t in bars if t not in marked or (t - pickup) % bar == 0]


def bar_errors(text: str) -> list[str]:
    """What breaks the bar rule in note-string text: every inner bar fills the
    meter; the first and last are no longer than a bar. [] without a meter."""
    tb = text_bars(text)
    meter = tb.header.meter
    if meter is None or len(tb.bars) < 2:
        return []
    bar = bar_length(meter)
    out = []
    for i, length in enumerate(tb.bars, 1):
        inner = 1 < i < len(tb.bars)
        if (inner and length != bar) or length > bar:
            out.append(f"bar {i} is {_beats(length)}, the meter {meter} wants {_beats(bar)}")
    return out


def _beats(x: Fraction) -> str:
    return f"{x} beat" + ("" if x == 1 else "s")
