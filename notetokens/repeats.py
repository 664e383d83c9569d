"""Repeat marks: from the marks a notation reads to the `Score`'s sections, and back.

The marks are the fiddler's (see the README, "Notations"): `|:` starts a part,
`:|` ends it (play it once more from its `|:`, or from where the last part
ended, or from the tune's start), `::` ends one part and starts the next, and
`[1`, `[2` open a first and a second ending. Every reader (note strings, ABC,
MusicXML) turns what it read into a list of `Mark`s in time order, and
`sections` checks them and builds the sections:

- a part played again is a whole number of bars from its start to its `:|` (a
  part from the tune's start may begin after the pickup, so that the pickup is
  played once as a lead-in);
- endings are of equal length in bars: the first closes with `:|` and each
  later one lasts as many bars as the first. In a part that begins with a
  pickup, an ending that closes with `:|` is a short bar early (the pickup
  fills its bar when the part is played again), and the last ending may be too
  (the next part's pickup fills it), as may the last bar of the tune;
- a `|:` inside an open part, an ending inside an ending, a `[2` without a
  `[1` and `:|` before it, a part or an ending left open are errors.

`RepeatError` names the mark at fault; each reader says where it stands.
`mark_layout` is the other way: the marks a writer puts at each beat.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .errors import NotegenError
from .score import Section

START, END, BOTH, ENDING = "|:", ":|", "::", "["


@dataclass(frozen=True)
class Mark:
    kind: str  # START, END, BOTH or ENDING
    time: Fraction  # beats, as written
    number: int = 0  # an ending's number (1, 2, ...)
    line: int | None = None
    col: int | None = None

    @property
    def text(self) -> str:
        return f"[{self.number}" if self.kind == ENDING else self.kind


class RepeatError(ValueError):
    """Marks that do not make a tune in parts; `mark` is the one at fault."""

    def __init__(self, message: str, mark: Mark | None) -> None:
        super().__init__(message)
        self.message, self.mark = message, mark


def _length(x: Fraction, bar: Fraction | None) -> str:
    if bar is None:
        return f"{x} beats"
    whole, rest = divmod(x, bar)
    parts = [f"{whole} bar" + ("" if whole == 1 else "s")] if whole else []
    if rest or not whole:
        parts.append(f"{rest} beat" + ("" if rest == 1 else "s"))
    return " and ".join(parts)


class _Builder:
    def __init__(self, bar: Fraction | None, pickup: Fraction) -> None:
        self.bar, self.pickup = bar, pickup
        self.out: list[Section] = []
        self.free = Fraction(0)  # where a part without `|:` starts
        self.opened: Mark | None = None  # the open part's `|:`
        self.endings: list[Mark] = []
        self.in_first = False  # reading ending 1 (no `:|` yet)
        self.closed_at: Fraction | None = None  # the `:|` that closed the last ending
        self.first_len = Fraction(0)
        self.begun: Fraction | None = None  # the open part's start, once a `:|` fixed it

    def whole(self, x: Fraction) -> bool:
        return self.bar is None or x % self.bar == 0

    def part_start(self, t: Fraction) -> Fraction:
        if self.begun is not None:
            return self.begun
        if self.opened is not None:
            return self.opened.time
        s = self.free
        if s == 0 and self.pickup > 0 and not self.whole(t) and self.whole(t - self.pickup):
            return self.pickup  # the pickup is a lead-in, played once
        return s

    def finish(self, end: Fraction) -> None:
        start = self.part_start(self.closed_at or end)
        times = max(2, len(self.endings))
        self.out.append(Section(start, end, times, tuple(e.time for e in self.endings)))
        self.free, self.opened, self.endings = end, None, []
        self.in_first, self.closed_at, self.begun = False, None, None

    def bars_of(self, x: Fraction) -> Fraction:
        """`x` rounded up to whole bars (`x` itself without a meter)."""
        return x if self.bar is None else -(-x // self.bar) * self.bar

    def last_end(self) -> Fraction:
        """Where the open later ending ends: as many bars as the first."""
        return self.endings[-1].time + self.bars_of(self.first_len)

    def cut_short(self, t: Fraction) -> bool:
        """Whether a later ending may end at `t`, before `last_end`: one short bar
        early, where the next part's pickup fills the bar."""
        return self.bar is not None and self.pickup > 0 and self.last_end() - t < self.bar

    def mark(self, m: Mark) -> None:
        if self.closed_at is not None:  # after a `:|` that closed an ending
            if m.kind == ENDING and m.number == len(self.endings) + 1 and m.time == self.closed_at:
                self.endings.append(m)
                self.closed_at = None
                return
            if m.kind == ENDING and m.number > 1:
                raise RepeatError(f"{m.text} comes right after the :| that closes [{m.number - 1}]", m)
            self.finish(self.closed_at)
        elif len(self.endings) > 1 and m.kind != END:  # a later ending ends where the next part starts
            end = self.last_end()
            if m.time < end and not (m.kind in (START, BOTH) and self.cut_short(m.time)):
                n, first = len(self.endings), _length(self.first_len, self.bar)
                raise RepeatError(f"{m.text} comes {_length(end - m.time, self.bar)} before "
                                  f"ending [{n}] is as long as ending [1] ({first}): "
                                  "endings are of equal length", m)
            self.finish(min(end, m.time))
            if m.kind == BOTH and m.time == self.free:  # the part just ended: a `|:`
                m = Mark(START, m.time, 0, m.line, m.col)
        {START: self.start, END: self.end, BOTH: self.both, ENDING: self.ending}[m.kind](m)

    def start(self, m: Mark) -> None:
        if self.in_first:
            raise RepeatError("|: inside an ending: close the ending with :| first", m)
        if self.opened is not None:
            at = f" (line {self.opened.line})" if self.opened.line else ""
            raise RepeatError(f"|: inside a part that a |: opened{at}; parts do not nest: "
                              "close it with :| first", m)
        self.opened = m

    def end(self, m: Mark) -> None:
        s = self.part_start(m.time)
        passed = m.time - s
        if self.endings and (self.in_first or len(self.endings) > 1):
            length = m.time - self.endings[-1].time
            if len(self.endings) == 1:
                self.first_len = length
            if length <= 0 or self.bars_of(length) != self.bars_of(self.first_len):
                n, first = len(self.endings), _length(self.first_len, self.bar)
                raise RepeatError(f"ending [{n}] lasts {_length(length, self.bar)}, ending [1] {first}: "
                                  "endings are of equal length", m)
            self.in_first, self.closed_at = False, m.time
            passed = self.endings[0].time - s + length
        elif m.time <= s:
            raise RepeatError(":| with nothing to repeat before it", m)
        if not self.whole(passed):
            raise RepeatError(f":| after a part of {_length(passed, self.bar)}: a repeated part is a "
                              "whole number of bars (is the bar before the :| full?)", m)
        self.begun = s
        if not self.endings:
            self.out.append(Section(s, m.time))
            self.free, self.opened, self.begun = m.time, None, None

    def both(self, m: Mark) -> None:
        self.end(m)
        if self.closed_at is not None:
            self.finish(self.closed_at)
        self.start(m)

    def ending(self, m: Mark) -> None:
        if m.number != 1:
            raise RepeatError(f"{m.text} with no first ending [1 and :| before it", m)
        if self.in_first:
            raise RepeatError("[1 inside an ending", m)
        if m.time <= self.part_start(m.time):
            raise RepeatError("[1 at the start of a part: an ending follows the part's first bars", m)
        self.endings, self.in_first = [m], True

    def close(self, end: Fraction) -> tuple[Section, ...]:
        if self.in_first:
            raise RepeatError("[1 with no :| to close it", self.endings[0])
        if self.closed_at is not None:
            self.finish(self.closed_at)
        elif len(self.endings) > 1:
            short = self.last_end() - end
            if short > 0 and (self.bar is None or short >= self.bar):  # a short last bar is no fault
                raise RepeatError(f"ending [{len(self.endings)}] is {_length(short, self.bar)} shorter "
                                  "than ending [1]: endings are of equal length", self.endings[-1])
            self.finish(min(end, self.last_end()))
        if self.opened is not None:
            raise RepeatError("|: with no :| to close it", self.opened)
        return tuple(self.out)


def sections(
    marks: list[Mark], end: Fraction, bar: Fraction | None, pickup: Fraction = Fraction(0)
) -> tuple[Section, ...]:
    """The sections `marks` (in time order) make of a tune of `end` beats with
    bars of `bar` beats (None: no meter) after `pickup`; `RepeatError` for
    marks that do not (see the module docstring)."""
    b = _Builder(bar, pickup)
    for m in marks:
        if m.time > end:
            raise RepeatError(f"{m.text} after the tune's last note", m)
        b.mark(m)
    return b.close(end)


@dataclass(frozen=True)
class MarkSet:
    """What a writer puts at one beat: a `:|`, a `|:` (both: `::`), an ending."""

    close: bool = False
    open: bool = False
    ending: int = 0


def mark_layout(secs: tuple[Section, ...]) -> dict[Fraction, MarkSet]:
    """The marks of `secs` by beat. Raises NotegenError for a part that marks
    cannot write (played more than twice without an ending for each pass)."""
    out: dict[Fraction, MarkSet] = {}

    def put(t: Fraction, close: bool = False, open: bool = False, ending: int = 0) -> None:
        old = out.get(t, MarkSet())
        out[t] = MarkSet(old.close or close, old.open or open, ending or old.ending)

    for s in secs:
        if s.times != 2 and len(s.endings) != s.times:
            raise NotegenError(f"the part from beat {s.start} is played {s.times} times, which repeat "
                               "marks write only with an ending for each pass; write MIDI")
        put(s.start, open=True)
        for i, e in enumerate(s.endings):
            put(e, close=i > 0, ending=i + 1)
        if len(s.endings) < s.times:
            put(s.end, close=True)
    return out


def note_marks(m: MarkSet) -> str:
    """A MarkSet as note-string (and ABC) bar marks: `::`, `:|`, `|:` or `|`,
    then the ending `[n` (ABC writes `|1`, `:|2` itself)."""
    bar = "::" if m.close and m.open else ":|" if m.close else "|:" if m.open else "|"
    return f"{bar} [{m.ending}" if m.ending else bar


def written_in_parts(model_text: str) -> bool:
    """Whether a note string's body has a repeat mark (`:|` or `::`; in a note
    string a ':' before '|' or ':' is always a mark, never a duration)."""
    body = model_text.partition("\n")[2]
    return ":|" in body or "::" in body
