"""The block driver: playback as a plugin host drives it, one block of frames at a time.

A host calls `run(n_frames, position)` for each block, with the transport
position at the block's first frame when it has one (an LV2 host sends a
`time:Position`; some send one every block). The driver answers the events that
fall in the block, each at a frame offset in it, from `BeatCore` windows; the
LV2 plugin's run() does the same in C. It never sleeps and never reads a clock.

Musical time is computed, not accumulated: the driver keeps an anchor (a frame,
the beat there and the frames per beat, `rate * 60 / (bpm * speed)`) from the
last real transport change and maps beat b to the frame

    anchor_frame + floor((b - anchor_beat) * frames_per_beat)

in exact rationals (the host's float tempo and beat are converted to `Fraction`
exactly), so an event is at most one frame early and never late, and no CPU,
block size or split of a block changes a frame: the block [F, F + n) plays the
beat window [beat(F), beat(F + n)), which is exactly the set of beats whose
frame falls in it. A host position that agrees with the driver's own beat to
within `tolerance` beats (hosts round the beat: Ardour to 1/1920) at the same
tempo and speed changes nothing; a tempo or speed change re-anchors at the
driver's own beat; a position further off is a relocation: the owed note-offs
at the block's first frame, then the notes from the new beat. A stop (speed 0)
ends every sounding note at the first frame of the block that says so.
A position that changes in the middle of a block is run as two blocks split at
its frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from .beats import Beat, BeatCore, BeatEvent


@dataclass(frozen=True)
class Transport:
    """The host's transport at a block's first frame."""

    beat: Beat | float  # quarter-note beats since the start of the song
    bpm: float
    speed: float = 1.0  # 0: stopped; 1: rolling


@dataclass(frozen=True)
class FrameEvent:
    frame: int  # frames since the driver started
    offset: int  # frame within its block
    event: BeatEvent


class BlockDriver:
    """Drives a `BeatCore` from a host's blocks at sample rate `rate`."""

    def __init__(self, core: BeatCore, rate: int, *, tolerance: Fraction = Fraction(1, 480)) -> None:
        if rate <= 0:
            raise ValueError(f"the sample rate must be > 0, got {rate}")
        self.core = core
        self.rate = rate
        self.tolerance = tolerance
        self.frame = 0  # the first frame of the next block
        self._anchor: tuple[int, Fraction, Fraction] | None = None  # frame, beat, frames per beat

    @property
    def rolling(self) -> bool:
        return self._anchor is not None

    def beat_of(self, frame: int) -> Fraction:
        """The driver's beat at a frame (while rolling)."""
        assert self._anchor is not None
        at, beat, fpb = self._anchor
        return beat + Fraction(frame - at) / fpb

    def frame_of(self, beat: Fraction) -> int:
        """The frame an event at `beat` plays on (while rolling)."""
        assert self._anchor is not None
        at, start, fpb = self._anchor
        return at + math.floor((beat - start) * fpb)

    def run(self, n_frames: int, position: Transport | None = None) -> list[FrameEvent]:
        """The events of the next block of `n_frames` frames, in order."""
        if n_frames < 0:
            raise ValueError(f"a block has a number of frames >= 0, got {n_frames}")
        start, end = self.frame, self.frame + n_frames
        out = self._follow(position) if position is not None else []
        if self._anchor is not None and n_frames:
            window = self.core.window(self.beat_of(start), self.beat_of(end))
            out += [(max(start, min(end - 1, self.frame_of(e.beat))), e) for e in window]
        self.frame = end
        return [FrameEvent(f, f - start, e) for f, e in out]

    def _follow(self, position: Transport) -> list[tuple[int, BeatEvent]]:
        """Take the host's position at this block's first frame: the note-offs
        owed at a stop or a relocation, at that frame."""
        frame = self.frame
        if position.speed <= 0:
            self._anchor = None
            return [(frame, e) for e in self.core.stop()]
        if not position.bpm > 0:
            raise ValueError(f"the tempo must be > 0 BPM, got {position.bpm}")
        fpb = Fraction(self.rate) * 60 / (Fraction(position.bpm) * Fraction(position.speed))
        host = Fraction(position.beat)
        own = self.beat_of(frame) if self._anchor is not None else self.core.position
        if abs(host - own) > self.tolerance:
            self._anchor = (frame, host, fpb)  # a jump: the next window relocates the core
            return []
        if self._anchor is None or self._anchor[2] != fpb:
            self._anchor = (frame, own, fpb)  # started or a new tempo: from our own beat on
        return []
