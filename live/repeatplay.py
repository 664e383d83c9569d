"""Repeats played out as a note string streams in: the notes of a tune in the
order they are heard, each as soon as it is certain.

Live playback reads a tune character by character as the model writes it, so it
cannot wait for the whole tune to call `Score.played_out`. `PlayedOut` decodes
the text with the same `NoteDecoder` and yields each note as written, shifted
by what was played again before it. At each `:|` (or `::`) it asks
`notetokens.repeats.sections` what the marks read so far make (followed by a
virtual one-bar part, so that a `::` leaves nothing open): a section that ends
at the mark is the part it closes, and its body (from its start to its first
ending, or to the mark) is played again at once. After a `:|` that closes a
later ending k >= 2, the body comes again only if `[k+1` follows, as
`Section.passes` has it. The written notes that follow (a second ending, the
next part) come after the replay. So the notes come out in `played_out()`
order, with its rules (a part from the tune's start begins after a pickup,
endings of equal length); marks that make no parts so far are played as
written, where `notes.parse` would refuse the tune.
"""

from __future__ import annotations

import re
from dataclasses import replace
from fractions import Fraction

from notetokens.notes import pickup_of
from notetokens.notes_reader import NoteDecoder
from notetokens.repeats import BOTH, END, ENDING, Mark, RepeatError, sections
from notetokens.score import Note

_MARK = re.compile(r"\|:|:\||::")
_ENDING = re.compile(r"\[[1-9]\s*")


class PlayedOut:
    """Feed note-string text; get back the notes as played (repeats out)."""

    def __init__(self) -> None:
        self.decoder = NoteDecoder()
        self.written: list[Note] = []  # every note as written, in time order
        self.shift = Fraction(0)  # played minus written time, where writing stands
        self.replays = 0  # parts played again so far
        self._marks = 0  # marks of the decoder already acted on
        # (time, k, start, body end) of a part whose ending k >= 2 a `:|` closed
        self._pending: tuple[Fraction, int, Fraction, Fraction] | None = None

    @property
    def time(self) -> Fraction:
        """Where the played tune stands: the written time plus what was replayed."""
        return self.decoder.time + self.shift

    def feed(self, text: str) -> list[Note]:
        """The notes `text` completes, as played, in time order."""
        out: list[Note] = []
        for ch in text:
            out += self._written(self.decoder.feed(ch))
            out += self._new_marks()
        return out

    def close(self) -> list[Note]:
        """The last notes of the tune (the text ended)."""
        out = self._written(self.decoder.close())
        return out + self._new_marks()

    def _written(self, notes: list[Note]) -> list[Note]:
        self.written += notes
        return [replace(n, onset=n.onset + self.shift) for n in notes]

    def _new_marks(self) -> list[Note]:
        out: list[Note] = []
        marks = self.decoder.marks
        while self._marks < len(marks):
            m = marks[self._marks]
            self._marks += 1
            if m.kind in (END, BOTH):
                out += self._closed(marks[: self._marks], m.time)
            elif m.kind == ENDING:
                out += self._later_ending(m)
        return out

    def _closed(self, marks: list[Mark], t: Fraction) -> list[Note]:
        """After a `:|` or `::` at `t`: the part it closes played again. The
        sections are asked of the marks so far and a virtual one-bar part from
        `t`, so that a `::` leaves no part open; a part whose last ending ended at
        `t` is played again only if an ending `[k+1` follows (`_later_ending`)."""
        self._pending = None
        meter = self.decoder.header.meter
        bar = Fraction(4 * meter.numerator, meter.denominator) if meter else Fraction(1)
        pickup = pickup_of(meter, self.decoder.bars)
        virtual = Mark(END, t + bar)
        try:
            secs = sections([*marks, virtual], virtual.time, bar if meter else None, pickup)
        except RepeatError:
            return []  # marks that make no parts: played as written
        closed = [s for s in secs[:-1] if s.end == t]
        if not closed:
            return []
        part = closed[-1]
        if len(part.endings) > 1:
            if marks[-1].kind == END:
                self._pending = (t, len(part.endings), part.start, part.body_end)
            return []
        return self._again(t, part.start, part.body_end)

    def _later_ending(self, m: Mark) -> list[Note]:
        """An ending `[k+1` right after the `:|` that closed ending k (k >= 2):
        the part's body once more before it."""
        pending, self._pending = self._pending, None
        if pending is None:
            return []
        t, k, start, stop = pending
        if m.time != t or m.number != k + 1:
            return []
        return self._again(t, start, stop)

    def _again(self, t: Fraction, start: Fraction, stop: Fraction) -> list[Note]:
        """The written notes from `start` to `stop` played again where written
        time `t` is heard; the rest of the tune moves on by their length."""
        at = t + self.shift
        out = [replace(n, onset=n.onset - start + at) for n in self.written if start <= n.onset < stop]
        self.shift += stop - start
        self.replays += 1
        return out


def without_marks(text: str) -> str:
    """`text` (a note-string body) with its repeat marks made plain bar lines and
    its endings dropped: the bars a new segment is primed with, which it must not
    play again or end (the marks would refer to a part it never heard begin)."""
    text = _ENDING.sub("", text)
    return _MARK.sub("|", text)


def played_out_text(text: str) -> list[Note]:
    """Every note of a whole note string as played (for tests and tools)."""
    p = PlayedOut()
    return p.feed(text) + p.close()
