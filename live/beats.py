"""The beat-time playback core: which MIDI events fall in a window of beats.

`BeatCore` holds a score in beats (a list of notes, or a note stream it reads
as far as a window needs, as `feed.melody` yields it) and answers
`window(b0, b1)`: the note-ons and note-offs whose beats lie in [b0, b1), in
order, a note-off before a note-on at the same beat. It never sleeps and never
reads a clock: a driver maps its own time to beats and asks for the next
window. Three drivers use it: the real-time player (player.py: a monotonic
clock at --bpm, or a followed MIDI clock), the file render (`render` below:
beats to seconds at a tempo) and the block driver a plugin host calls
(blocks.py: frames, sample rate, tempo and a transport position per block).

Beats are exact `Fraction`s, so every driver sees the same events at the same
beats. The core keeps what it has played, so a relocation (a window that does
not start where the last one ended, backwards or forwards) replays the notes
from there; the note-offs owed for the notes sounding at that moment come
first, at the new position. A note that started before the target and would
sound across it is not restarted (as DAW plugins do): only notes starting at or
after the target play. `stop()` gives the owed note-offs too. A note of a pitch
that is already sounding on its channel ends the old one first (its later
note-off is dropped), so no note is left sounding or ended twice.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from notetokens.score import Note

Voiced = tuple[Note, int]  # a note and its MIDI channel
Beat = Fraction | int

NOTE_OFF, NOTE_ON = 0, 1  # the order of events at one beat


@dataclass(frozen=True, order=True)
class BeatEvent:
    """A note-on or note-off at a beat; sorting puts offs before ons at one beat."""

    beat: Fraction
    kind: int  # NOTE_OFF or NOTE_ON
    seq: int  # the note's number in arrival order: a stable order for ties
    channel: int = field(compare=False)
    pitch: int = field(compare=False)
    velocity: int = field(compare=False)  # the note-on's velocity (0 for an off)

    @property
    def type(self) -> str:
        return "note_on" if self.kind == NOTE_ON else "note_off"

    def message(self) -> Any:
        """The mido message the player sends (a note-off with mido's default release)."""
        import mido

        if self.kind == NOTE_ON:
            return mido.Message("note_on", channel=self.channel, note=self.pitch, velocity=self.velocity)
        return mido.Message("note_off", channel=self.channel, note=self.pitch)


@dataclass(frozen=True)
class _Entry:
    onset: Fraction
    seq: int
    channel: int
    pitch: int
    end: Fraction  # the onset plus the duration, cut at `length`
    velocity: int


class BeatCore:
    """Events of a score in windows of beats.

    notes: the score, as notes or (note, channel) pairs in onset order; an
    iterator is read lazily, only as far as the windows asked for; more can
    be `add`ed (a live feed). channel: for notes without one; velocity: replaces
    every note's velocity; length: notes starting at or after it are not
    played and notes sounding at it end there.
    """

    def __init__(
        self,
        notes: Iterable[Note | Voiced] = (),
        *,
        channel: int = 0,
        velocity: int | None = None,
        length: Beat | float | None = None,
    ) -> None:
        if not 0 <= channel <= 15:
            raise ValueError("channel must be in range 0..15")
        self.channel = channel
        self.velocity = velocity
        self.length = None if length is None else Fraction(length)
        self.channels: set[int] = {channel}  # every channel a note was played on
        self.position = Fraction(0)  # where the next window starts
        self._source: Iterator[Note | Voiced] | None = iter(notes)
        self._notes: list[_Entry] = []  # every note known, played ones first
        self._next = 0  # index of the first note not yet played
        self._offs: list[tuple[Fraction, int, int, int]] = []  # heap of (end, seq, channel, pitch)
        self._sounding: dict[tuple[int, int], int] = {}  # (channel, pitch) -> seq of its note
        self._seq = 0
        self.closed = False  # `length` reached: no note will be added any more

    # -- the score ------------------------------------------------------

    def add(self, item: Note | Voiced) -> bool:
        """Add a note; False (and nothing added) when it starts at or after
        `length`. A note earlier than the position plays at the next window."""
        note, channel = item if isinstance(item, tuple) else (item, self.channel)
        onset = Fraction(note.onset)
        if self.length is not None and onset >= self.length:
            self.closed = True
            return False
        end = onset + Fraction(note.duration)
        if self.length is not None:
            end = min(end, self.length)  # --length ends the music, long notes too
        velocity = self.velocity if self.velocity is not None else note.velocity
        entry = _Entry(onset, self._seq, channel, note.pitch, end, velocity)
        self._seq += 1
        bisect.insort(self._notes, entry, lo=self._next, key=lambda e: e.onset)
        return True

    def _read_until(self, beat: Fraction | None) -> None:
        """Read the source until a note after `beat` is known (None: one note
        not yet played), or the source ends."""
        while self._source is not None and not self.closed:
            last = self._notes[-1].onset if self.buffered else None
            if last is not None and (beat is None or last > beat):
                return
            item = next(self._source, None)
            if item is None:
                self._source = None
            else:
                self.add(item)

    @property
    def buffered(self) -> int:
        """Notes added but not yet played."""
        return len(self._notes) - self._next

    @property
    def sounding(self) -> int:
        """Notes started and not yet ended."""
        return len(self._sounding)

    @property
    def done(self) -> bool:
        """Nothing is left to play or to end (the source, if any, has ended)."""
        self._read_until(None)
        return not self.buffered and not self._offs

    def next_beat(self) -> Fraction | None:
        """The beat of the next event from the position on (a late note: its
        own beat), or None when nothing more is known."""
        self._read_until(None)
        beats = [self._notes[self._next].onset] if self.buffered else []
        if self._offs:
            beats.append(self._offs[0][0])
        return min(beats) if beats else None

    # -- windows --------------------------------------------------------

    def window(self, b0: Beat, b1: Beat) -> list[BeatEvent]:
        """The events in [b0, b1). Where b0 is not the position, the transport
        moved: the owed note-offs come first, at b0 (see `relocate`)."""
        b0, b1 = Fraction(b0), Fraction(b1)
        if b1 < b0:
            raise ValueError(f"a window must not end before it starts: [{b0}, {b1})")
        out = self.relocate(b0) if b0 != self.position else []
        out += self._emit(b1, inclusive=False)
        self.position = b1
        return out

    def through(self, beat: Beat) -> list[BeatEvent]:
        """The events from the position up to and including `beat`: what a driver
        that steps from event to event sends once `beat` has come."""
        beat = Fraction(beat)
        out = self._emit(beat, inclusive=True)
        self.position = max(self.position, beat)
        return out

    def _emit(self, limit: Fraction, inclusive: bool) -> list[BeatEvent]:
        """Play every note and end every sounding note due before `limit` (or
        at it, inclusive), in time order, note-offs first at one beat."""

        def due(beat: Fraction) -> bool:
            return beat <= limit if inclusive else beat < limit

        self._read_until(limit)
        out: list[BeatEvent] = []
        while True:
            on = self._notes[self._next] if self.buffered else None
            off = self._offs[0] if self._offs else None
            if off is not None and due(off[0]) and (on is None or off[0] <= on.onset):
                heapq.heappop(self._offs)
                out += self._end(off[2], off[3], off[1], off[0])
            elif on is not None and due(on.onset):
                out += self._start_all(on.onset)
                self._read_until(limit)
            else:
                return out

    def _start_all(self, onset: Fraction) -> list[BeatEvent]:
        """Start every note at `onset`; a pitch struck again while it sounds ends
        first, before any note starts at that beat."""
        self._read_until(onset)
        group = []
        while self.buffered and self._notes[self._next].onset == onset:
            group.append(self._notes[self._next])
            self._next += 1
        out = [e for entry in group for e in self._end_key(entry.channel, entry.pitch, onset)]
        for entry in group:
            out += self._end_key(entry.channel, entry.pitch, onset)  # the same pitch twice in a chord
            out.append(BeatEvent(onset, NOTE_ON, entry.seq, entry.channel, entry.pitch, entry.velocity))
            self._sounding[(entry.channel, entry.pitch)] = entry.seq
            self.channels.add(entry.channel)
            heapq.heappush(self._offs, (entry.end, entry.seq, entry.channel, entry.pitch))
        return out

    def _end_key(self, channel: int, pitch: int, beat: Fraction) -> list[BeatEvent]:
        seq = self._sounding.pop((channel, pitch), None)
        return [] if seq is None else [BeatEvent(beat, NOTE_OFF, seq, channel, pitch, 0)]

    def _end(self, channel: int, pitch: int, seq: int, beat: Fraction) -> list[BeatEvent]:
        if self._sounding.get((channel, pitch)) != seq:
            return []  # this note was already cut by a repeat or a stop
        del self._sounding[(channel, pitch)]
        return [BeatEvent(beat, NOTE_OFF, seq, channel, pitch, 0)]

    # -- the transport ----------------------------------------------------

    def stop(self) -> list[BeatEvent]:
        """The note-offs owed for every sounding note, at the position; the
        notes are not restarted when playing goes on."""
        out = [BeatEvent(self.position, NOTE_OFF, seq, ch, p, 0) for (ch, p), seq in self._sounding.items()]
        self._sounding.clear()
        self._offs.clear()
        return sorted(out)

    def relocate(self, beat: Beat) -> list[BeatEvent]:
        """Move to `beat`: the owed note-offs (at `beat`); then the notes that
        start at or after it play, those sounding across it do not."""
        beat = Fraction(beat)
        self.position = beat
        out = self.stop()
        self._read_until(beat)
        self._notes.sort(key=lambda e: e.onset)  # a late note takes its place in time
        self._next = bisect.bisect_left(self._notes, beat, key=lambda e: e.onset)
        return out


@dataclass(frozen=True)
class TimedEvent:
    seconds: float
    event: BeatEvent


def render(core: BeatCore, bpm: float, until: Beat | None = None) -> list[TimedEvent]:
    """The file-render driver: every event (up to `until` beats; without it the
    source must end) with its time in seconds at `bpm`, as a MIDI file at that
    tempo plays them; notes still sounding at `until` end there."""
    spb = Fraction(60) / Fraction(bpm)
    events: list[BeatEvent] = []
    while (nxt := core.next_beat()) is not None and (until is None or nxt < until):
        events += core.through(nxt)
    if until is not None:
        events += core.window(core.position, max(core.position, Fraction(until))) + core.stop()
    return [TimedEvent(float(e.beat * spb), e) for e in events]
