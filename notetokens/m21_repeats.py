"""Repeat marks between music21 streams and a Score's sections.

music21 reads ABC's `|:`, `:|`, `::` (which `abc_prep` spells `:||:`) and
MusicXML's repeat barlines as `bar.Repeat` barlines of measures, and ABC's
`[1`, `|1`, `:|2` and MusicXML's `<ending>` as `spanner.RepeatBracket`s over
measures. `marks` reads them into `repeats.Mark`s, and `score_sections` checks
them (`repeats.sections`), naming the bar at fault; a backward repeat's
`times` (MusicXML's `<repeat direction="backward" times="3">`) is the number of
passes of a part without endings. `measured` and `add_marks` are the other way,
for the MusicXML writer: measures made, then barlines and brackets put on them.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from fractions import Fraction
from typing import Any

from .errors import NotegenError, ParseError
from .repeats import END, ENDING, START, Mark, RepeatError, mark_layout, sections
from .score import Score, Section

MAX_TIMES = 32  # the most passes a repeat is read or written with (as tabs read `[Nx]`)


def _measures(s: Any) -> tuple[Any, list[Any]]:
    from music21 import stream

    parts = list(s.parts) if isinstance(s, stream.Score) else [s]
    for p in parts:
        ms = list(p.getElementsByClass(stream.Measure))
        if ms:
            return p, ms
    return None, []


def marks(s: Any, numbered: bool = False) -> list[Mark]:
    """The repeat marks of the first part with measures, in time order. The mark's
    `line` is the bar's number, counted from 1 (a pickup is bar 1), or with
    `numbered` the measure's own number (MusicXML's `number="..."`)."""
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
    for count, m in enumerate(ms, 1):
        number = m.number if numbered and isinstance(m.number, int) else count
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


def score_sections(s: Any, score: Score, where: str = "bar") -> tuple[Section, ...]:
    """The sections of stream `s`, read into `score` (whose meter and pickup are
    set); a one-line ParseError naming the bar for marks that do not fit (with
    `where="measure"`, the measure by its own number, as MusicXML numbers it)."""
    try:
        found = marks(s, numbered=where == "measure")
        if not found:
            return ()
        meter = score.meter
        bar = Fraction(4 * meter.numerator, meter.denominator) if meter else None
        if len({(t.numerator, t.denominator) for t in score.time_signatures}) > 1:
            bar = None  # bars of several lengths: parts are not counted in bars of the first
        part, ms = _measures(s)  # the last measure may end in a rest
        end = Fraction(part.elementOffset(ms[-1]) + ms[-1].duration.quarterLength) if ms else score.end
        return _with_times(sections(found, max(end, score.end), bar, score.pickup), _times(s))
    except RepeatError as e:
        at = f"{where} {e.mark.line}: " if e.mark and e.mark.line is not None else ""
        raise ParseError(f"the repeat marks do not fit: {at}{e.message}") from None


def _times(s: Any) -> dict[Fraction, tuple[int, int]]:
    """The `times` of backward repeats (MusicXML's `<repeat times="3">`) that
    ask for more than two passes: (times, bar number) by the repeat's beat."""
    from music21 import bar

    part, ms = _measures(s)
    out = {}
    for number, m in enumerate(ms, 1):
        right = m.rightBarline
        if isinstance(right, bar.Repeat) and right.direction == "end" and right.times not in (None, 2):
            at = Fraction(part.elementOffset(m)) + Fraction(m.duration.quarterLength)
            out[at] = (int(right.times), m.number if isinstance(m.number, int) else number)
    return out


def _with_times(secs: tuple[Section, ...], times: dict[Fraction, tuple[int, int]]) -> tuple[Section, ...]:
    """`secs` played as many times as their closing repeats say."""
    out = []
    for sec in secs:
        n, number = times.pop(sec.end, (sec.times, 0))
        if n != sec.times:
            if sec.endings or not 2 <= n <= MAX_TIMES:
                why = "with endings" if sec.endings else f"outside 2..{MAX_TIMES}"
                raise RepeatError(f"a repeat played {n} times {why} is not read",
                                  Mark(END, sec.end, 0, number))
            sec = replace(sec, times=n)
        out.append(sec)
    if times:
        at, (n, number) = min(times.items())
        raise RepeatError(f"a repeat played {n} times that closes no part", Mark(END, at, 0, number))
    return tuple(out)


def writable(secs: tuple[Section, ...]) -> bool:
    """Whether MusicXML's marks write `secs`: a part with endings has one for
    each pass; one without is played any number of times up to `MAX_TIMES`."""
    try:
        mark_layout(_twice(secs))
    except NotegenError:
        return False
    return all(s.endings or s.times <= MAX_TIMES for s in secs)


def _twice(secs: tuple[Section, ...]) -> tuple[Section, ...]:
    """`secs` with parts without endings played twice: the marks' layout (the
    number of passes is the repeat's `times`)."""
    return tuple(s if s.endings else replace(s, times=2) for s in secs)


def first_measure(s: Any) -> Fraction | None:
    """The length in beats of the first measure of the first part with measures."""
    _, ms = _measures(s)
    return Fraction(ms[0].duration.quarterLength) if ms else None


def measured(s: Any, score: Score) -> None:
    """Make the measures of every part of stream `s` (made by `m21.score_to_stream`
    from `score`), notes tied across bar lines, a pickup as a short first
    measure, then the repeat marks of `score.sections` on them."""
    from music21 import note, stream

    meter = score.meter
    bar = Fraction(4 * meter.numerator, meter.denominator) if meter else None
    shift = bar - score.pickup if bar is not None and 0 < score.pickup < bar else Fraction(0)
    for p in list(s.getElementsByClass(stream.Part)):
        if shift:
            for el in list(p.elements):
                if p.elementOffset(el) > 0 or isinstance(el, note.GeneralNote):
                    p.setElementOffset(el, float(Fraction(p.elementOffset(el)) + shift))
        p.makeMeasures(inPlace=True)
        p.makeTies(inPlace=True)
        if shift:
            _short_first(p, shift)
        _fill_tails(p)
        if score.sections:
            add_marks(p, score.sections)
        ms = list(p.getElementsByClass(stream.Measure))
        if ms and bar is not None:  # a short last bar stays short (a pickup fills it)
            last = ms[-1]
            full = float(last.barDuration.quarterLength)
            last.paddingRight = max(0.0, full - last.paddingLeft - last.duration.quarterLength)


def _fill_tails(p: Any) -> None:
    """A rest at the end of each measure whose notes end before the next
    measure starts, so that a measure lasts to the next (a mark at its end
    falls on the bar line)."""
    from music21 import note, stream

    ms = list(p.getElementsByClass(stream.Measure))
    for m, after in itertools.pairwise(ms):
        gap = Fraction(p.elementOffset(after)) - Fraction(p.elementOffset(m)) - Fraction(
            m.duration.quarterLength)
        if gap > 0:
            m.insert(float(Fraction(m.duration.quarterLength)), note.Rest(quarterLength=gap))


def _short_first(p: Any, shift: Fraction) -> None:
    """Measures made `shift` beats late: the first measure loses its leading
    `shift` beats (a pickup), the others move back."""
    from music21 import note, stream

    ms = list(p.getElementsByClass(stream.Measure))
    first = ms[0]
    for el in list(first.elements):
        at = Fraction(first.elementOffset(el))
        if isinstance(el, note.Rest) and at < shift:
            first.remove(el)
        elif at >= shift or isinstance(el, note.GeneralNote):
            first.setElementOffset(el, float(max(at - shift, Fraction(0))))
    first.paddingLeft = float(shift)
    first.showNumber = stream.enums.ShowNumber.NEVER  # <measure implicit="yes">, as exporters mark a pickup
    for j, m in enumerate(ms):
        m.number = j  # the pickup is measure 0
    for m in ms[1:]:
        p.setElementOffset(m, float(Fraction(p.elementOffset(m)) - shift))
    for el in list(p.elements):
        if not isinstance(el, stream.Measure) and Fraction(p.elementOffset(el)) > 0:
            p.setElementOffset(el, float(Fraction(p.elementOffset(el)) - shift))


def add_marks(p: Any, secs: tuple[Section, ...]) -> None:
    """Repeat barlines and ending brackets on part `p`, whose measures are made,
    for `secs`. A mark off a measure line (a part that starts with a pickup)
    splits its measure, as notation programs do."""
    from music21 import bar, spanner, stream

    layout = mark_layout(_twice(secs))
    for t in sorted(layout):
        _split_at(p, t)
    ms = list(p.getElementsByClass(stream.Measure))
    starts = {Fraction(p.elementOffset(m)): i for i, m in enumerate(ms)}
    ends = {Fraction(p.elementOffset(m)) + Fraction(m.duration.quarterLength): i for i, m in enumerate(ms)}
    times = {s.end: s.times for s in secs if not s.endings}
    for t, mk in layout.items():
        if mk.close and t in ends:
            n = times.get(t, 2)
            ms[ends[t]].rightBarline = bar.Repeat(direction="end", times=n if n != 2 else None)
        if mk.open and t in starts:
            ms[starts[t]].leftBarline = bar.Repeat(direction="start")
    for sec in secs:
        if not sec.endings:
            continue
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
            # each half pads to the full bar, or the writer fills it with rests
            a, b = float(t - on), float(on + Fraction(m.duration.quarterLength) - t)
            pad_left, pad_right = m.paddingLeft, m.paddingRight
            left, right = m.splitAtQuarterLength(a)
            left.paddingLeft, left.paddingRight = pad_left, pad_right + b
            right.paddingLeft, right.paddingRight = pad_left + a, pad_right
            p.remove(m)
            p.insert(float(on), left)
            p.insert(float(t), right)
            base = ms[0].number if ms[0].number in (0, 1) else 1
            for j, x in enumerate(p.getElementsByClass(stream.Measure), base):
                x.number = j
            return
        if on >= t:
            return
