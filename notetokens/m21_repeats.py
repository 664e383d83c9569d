"""Repeat marks between music21 streams and a Score's sections.

music21 reads ABC's `|:`, `:|`, `::` (which `abc_prep` spells `:||:`) and
MusicXML's repeat barlines as `bar.Repeat` barlines of measures, and ABC's
`[1`, `|1`, `:|2` and MusicXML's `<ending>` as `spanner.RepeatBracket`s over
measures. `marks` reads them into `repeats.Mark`s, and `score_sections` checks
them (`repeats.sections`), naming the bar at fault. `add_marks` is the other way,
for the MusicXML writer: measures made, then barlines and brackets put on them.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .errors import ParseError
from .repeats import END, ENDING, START, Mark, RepeatError, mark_layout, sections
from .score import Score, Section


def _measures(s: Any) -> tuple[Any, list[Any]]:
    from music21 import stream

    parts = list(s.parts) if isinstance(s, stream.Score) else [s]
    for p in parts:
        ms = list(p.getElementsByClass(stream.Measure))
        if ms:
            return p, ms
    return None, []


def marks(s: Any) -> list[Mark]:
    """The repeat marks of the first part with measures, in time order. The mark's
    `line` is the bar's number, counted from 1 (a pickup is bar 1)."""
    from music21 import bar, spanner

    part, ms = _measures(s)
    if part is None:
        return []
    brackets: dict[int, list[Any]] = {}
    for sp in part.spannerBundle.getByClass(spanner.RepeatBracket):
        first = sp.getFirst()
        if first is not None:
            brackets.setdefault(id(first), []).append(sp)
    out: list[Mark] = []
    for number, m in enumerate(ms, 1):
        start = Fraction(part.elementOffset(m))
        end = start + Fraction(m.duration.quarterLength)
        left, right = m.leftBarline, m.rightBarline
        if isinstance(left, bar.Repeat) and left.direction == "start":
            out.append(Mark(START, start, 0, number))
        for sp in brackets.get(id(m), []):
            text = str(sp.number or "1").strip()
            if not text.isdigit():
                raise RepeatError(f"an ending for several passes ([{text}) is not read", Mark(
                    ENDING, start, 0, number))
            out.append(Mark(ENDING, start, int(text), number))
        if isinstance(right, bar.Repeat) and right.direction == "end":
            out.append(Mark(END, end, 0, number))
    return out


def score_sections(s: Any, score: Score) -> tuple[Section, ...]:
    """The sections of stream `s`, read into `score` (whose meter and pickup are
    set); a one-line ParseError naming the bar for marks that do not fit."""
    try:
        found = marks(s)
        if not found:
            return ()
        meter = score.meter
        bar = Fraction(4 * meter.numerator, meter.denominator) if meter else None
        part, ms = _measures(s)  # the last measure may end in a rest
        end = Fraction(part.elementOffset(ms[-1]) + ms[-1].duration.quarterLength) if ms else score.end
        return sections(found, max(end, score.end), bar, score.pickup)
    except RepeatError as e:
        where = f"bar {e.mark.line}: " if e.mark and e.mark.line else ""
        raise ParseError(f"the repeat marks do not fit: {where}{e.message}") from None


def add_marks(p: Any, secs: tuple[Section, ...]) -> None:
    """Repeat barlines and ending brackets on part `p`, whose measures are made,
    for `secs`. A mark off a measure line (a part that starts with a pickup)
    splits its measure, as notation programs do."""
    from music21 import bar, spanner, stream

    layout = mark_layout(secs)
    for t in sorted(layout):
        _split_at(p, t)
    ms = list(p.getElementsByClass(stream.Measure))
    starts = {Fraction(p.elementOffset(m)): i for i, m in enumerate(ms)}
    ends = {Fraction(p.elementOffset(m)) + Fraction(m.duration.quarterLength): i for i, m in enumerate(ms)}
    for t, mk in layout.items():
        if mk.close and t in ends:
            ms[ends[t]].rightBarline = bar.Repeat(direction="end")
        if mk.open and t in starts:
            ms[starts[t]].leftBarline = bar.Repeat(direction="start")
    for sec in secs:
        stops = [*sec.endings[1:], sec.end]
        for n, (a, b) in enumerate(zip(sec.endings, stops, strict=True), 1):
            spanned = [m for m in ms if a <= Fraction(p.elementOffset(m)) < b]
            if spanned:
                p.insert(0, spanner.RepeatBracket(spanned, number=n))


def _split_at(p: Any, t: Fraction) -> None:
    """Split the measure of part `p` that `t` falls inside, at `t`."""
    from music21 import stream

    ms = list(p.getElementsByClass(stream.Measure))
    for m in ms:
        on = Fraction(p.elementOffset(m))
        if on < t < on + Fraction(m.duration.quarterLength):
            left, right = m.splitAtQuarterLength(float(t - on))
            p.remove(m)
            p.insert(float(on), left)
            p.insert(float(t), right)
            for j, x in enumerate(p.getElementsByClass(stream.Measure), 1):
                x.number = j
            return
        if on >= t:
            return
