"""The one in-memory music model that every notation converts to and from.

Times are quarter-note beats as exact `Fraction`s, so a triplet eighth stays 1/3
and nothing drifts through a round trip. A chord is several notes with the same
onset; a melody is the one-part case.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from fractions import Fraction

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


@dataclass
class Score:
    parts: list[Part] = field(default_factory=list)
    tempos: list[Tempo] = field(default_factory=list)  # empty means 120 BPM
    time_signatures: list[TimeSignature] = field(default_factory=list)
    key: str | None = None  # e.g. "D", "Em", "Bb"
    title: str | None = None
    tune_type: str | None = None  # "reel", "jig", ... (notetokens.tunetype.TUNE_TYPES)
    pickup: Fraction = Fraction(0)  # beats before the first bar line (an anacrusis); 0: none

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
