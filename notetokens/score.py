"""The one in-memory music model that every notation converts to and from.

Times are quarter-note beats as exact `Fraction`s, so a triplet eighth stays 1/3
and nothing drifts through a round trip. A chord is several notes with the same
onset; a melody is the one-part case.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TypeVar

from .errors import NotegenError

DEFAULT_VELOCITY = 90
DEFAULT_BPM = 120.0
DRUM_CHANNEL = 9


@dataclass(frozen=True, order=True)
class Note:
    onset: Fraction  # beats from the start of the score
    pitch: int  # MIDI 0..127; 60 is C4
    duration: Fraction  # beats, > 0
    velocity: int = DEFAULT_VELOCITY  # 1..127

    @property
    def end(self) -> Fraction:
        return self.onset + self.duration


@dataclass(frozen=True)
class Tempo:
    onset: Fraction
    bpm: float  # quarter notes per minute


@dataclass(frozen=True)
class TimeSignature:
    onset: Fraction
    numerator: int
    denominator: int

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


@dataclass
class Part:
    notes: list[Note] = field(default_factory=list)
    name: str = ""
    program: int = 0  # General MIDI program 0..127
    channel: int = 0  # MIDI channel 0..15; 9 is drums
    is_drum: bool = False

    def sorted(self) -> Part:
        return replace(self, notes=sorted(self.notes))


_Timed = TypeVar("_Timed", Tempo, TimeSignature)


@dataclass(frozen=True)
class Section:
    """A repeated part of a tune as written: beats `start` to `end` of the
    written notes, played `times` times. `endings` are the start beats of its
    first, second, ... endings, in order; ending i lasts to the next one's start
    (the last to `end`), and pass i plays the body (`start` to the first ending)
    and then ending i, if there is one. No endings: the whole part each pass."""

    start: Fraction
    end: Fraction
    times: int = 2
    endings: tuple[Fraction, ...] = ()

    @property
    def body_end(self) -> Fraction:
        return self.endings[0] if self.endings else self.end

    def passes(self) -> list[list[tuple[Fraction, Fraction]]]:
        """The written spans (start, stop) each pass plays, in order."""
        stops = [*self.endings[1:], self.end]
        out = []
        for i in range(self.times):
            spans = [(self.start, self.body_end)]
            if i < len(self.endings):
                spans.append((self.endings[i], stops[i]))
            out.append([(a, b) for a, b in spans if b > a])
        return out


@dataclass
class Score:
    parts: list[Part] = field(default_factory=list)
    tempos: list[Tempo] = field(default_factory=list)  # empty means 120 BPM
    time_signatures: list[TimeSignature] = field(default_factory=list)
    key: str | None = None  # e.g. "D", "Em", "Bb"
    title: str | None = None
    tune_type: str | None = None  # "reel", "jig", ... (notetokens.tunetype.TUNE_TYPES)
    pickup: Fraction = Fraction(0)  # beats before the first bar line (an anacrusis); 0: none
    # repeated parts in time order, over the notes as written; () plays straight through
    sections: tuple[Section, ...] = ()

    def played_out(self) -> Score:
        """This score as it is played: every repeated part expanded, no sections.
        A score without sections is returned as it is."""
        if not self.sections:
            return self
        spans = play_order(self.sections, self.end)
        return replace(
            self,
            parts=[replace(p, notes=sorted(_lay(p.notes, spans))) for p in self.parts],
            tempos=_retimed(self.tempos, spans, lambda t, at: replace(t, onset=at),
                            lambda a, b: a.bpm == b.bpm),
            time_signatures=_retimed(
                self.time_signatures, spans, lambda t, at: replace(t, onset=at),
                lambda a, b: (a.numerator, a.denominator) == (b.numerator, b.denominator)),
            sections=(),
        )

    def bar_lines(self, until: Fraction | None = None) -> list[Fraction]:
        """Onsets of the bar lines of the first meter (after a pickup, every bar
        length), up to `until` (default: the end); empty without a meter."""
        meter = self.meter
        if meter is None:
            return []
        bar = Fraction(4 * meter.numerator, meter.denominator)
        stop = self.end if until is None else until
        t = self.pickup if 0 < self.pickup < bar else bar
        out = []
        while t < stop:
            out.append(t)
            t += bar
        return out

    @classmethod
    def from_notes(cls, notes: list[Note], **kwargs: object) -> Score:
        """A one-part score."""
        return cls(parts=[Part(notes=list(notes))], **kwargs)  # type: ignore[arg-type]

    @property
    def notes(self) -> list[Note]:
        """Every note of every part, time ordered."""
        return sorted(n for p in self.parts for n in p.notes)

    @property
    def end(self) -> Fraction:
        return max((n.end for p in self.parts for n in p.notes), default=Fraction(0))

    @property
    def bpm(self) -> float:
        """The starting tempo."""
        return self.tempos[0].bpm if self.tempos else DEFAULT_BPM

    @property
    def meter(self) -> TimeSignature | None:
        return self.time_signatures[0] if self.time_signatures else None

    def voice(self, track: int | None = None, channel: int | None = None) -> Part:
        """The part a one-voice notation takes: by index, by channel, or the busiest
        non-drum part. Raises `NotegenError` naming what exists."""
        if not self.parts:
            return Part()
        if track is not None:
            if not 0 <= track < len(self.parts):
                raise NotegenError(f"track {track} does not exist; tracks are 0..{len(self.parts) - 1}")
            return self.parts[track]
        if channel is not None:
            found = [p for p in self.parts if p.channel == channel]
            if not found:
                have = sorted({p.channel for p in self.parts})
                raise NotegenError(f"no part on channel {channel}; channels used: {have}")
            return max(found, key=lambda p: len(p.notes))
        pitched = [p for p in self.parts if not p.is_drum and p.notes] or self.parts
        return max(pitched, key=lambda p: len(p.notes))

    def one_voice(
        self, track: int | None = None, channel: int | None = None, top_line: bool = False
    ) -> Score:
        """This score reduced to one part; `top_line` keeps only the highest note of
        each chord and cuts overlaps (a skyline)."""
        part = self.voice(track, channel)
        notes = skyline(part.notes) if top_line else sorted(part.notes)
        return replace(self, parts=[replace(part, notes=notes)])


def play_order(sections: tuple[Section, ...], end: Fraction) -> list[tuple[Fraction, Fraction]]:
    """The written spans (start, stop) in the order they are played: the music
    between parts once, each part pass by pass."""
    out: list[tuple[Fraction, Fraction]] = []
    now = Fraction(0)
    for sec in sorted(sections, key=lambda x: x.start):
        if sec.start > now:
            out.append((now, sec.start))
        for spans in sec.passes():
            out += spans
        now = max(now, sec.end)
    if end > now:
        out.append((now, end))
    return out


def _lay(notes: list[Note], spans: list[tuple[Fraction, Fraction]]) -> list[Note]:
    """The notes of each written span, moved to where the span is played."""
    out: list[Note] = []
    at = Fraction(0)
    for a, b in spans:
        out += [replace(n, onset=n.onset - a + at) for n in notes if a <= n.onset < b]
        at += b - a
    return out


def _retimed(
    events: list[_Timed],
    spans: list[tuple[Fraction, Fraction]],
    move: Callable[[_Timed, Fraction], _Timed],
    same: Callable[[_Timed, _Timed], bool],
) -> list[_Timed]:
    """Tempo or meter events as played: the one in force at each span's start
    and those inside it, moved; an event that changes nothing is left out."""
    out: list[_Timed] = []
    at = Fraction(0)
    for a, b in spans:
        inside = [e for e in events if a < e.onset < b]
        before = [e for e in events if e.onset <= a]
        for e, t in ([(before[-1], at)] if before else []) + [(e, e.onset - a + at) for e in inside]:
            if not out or not same(out[-1], e):
                out.append(move(e, t))
        at += b - a
    return out


def skyline(notes: list[Note]) -> list[Note]:
    """The highest note at each onset, each cut where the next one starts."""
    top: dict[Fraction, Note] = {}
    for n in notes:
        if n.onset not in top or n.pitch > top[n.onset].pitch:
            top[n.onset] = n
    line = [top[t] for t in sorted(top)]
    out = []
    for i, n in enumerate(line):
        if i + 1 < len(line) and n.end > line[i + 1].onset:
            n = replace(n, duration=line[i + 1].onset - n.onset)
        out.append(n)
    return out


def common_duration(notes: list[Note]) -> Fraction:
    """The most frequent note duration (ties go to the shorter), or a quarter."""
    counts = Counter(n.duration for n in notes)
    if not counts:
        return Fraction(1)
    return min(counts, key=lambda d: (-counts[d], d))
