"""The timebase of live playback.

Free-running, the player's own monotonic clock is the time: beat b plays at
`start + b * 60 / bpm` (see player.py). Following an external MIDI beat clock (a
DAW as the master), this module's `ClockFollower` maps beats to clock times.

Each clock message is one 1/24 of a beat. The tempo is the slope over the last
beat of ticks (a moving window, which smooths the arrival jitter of single
ticks); the position is the last tick, extrapolated at that tempo until the next
one. Start puts the position at beat 0 on the next tick, stop freezes it,
continue resumes from it, a song position pointer moves it.

A player that sees a Start late (it was still filling its lookahead while the
DAW began) does not play the beats it missed all at once: `join_beat` puts its
next note on the DAW's next bar line (a bar of four beats: MIDI clock does not
carry the DAW's meter, and 4/4 is every DAW's default).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from typing import Any

TICKS_PER_BEAT = 24


class ClockFollower:
    """Fed (time, message) pairs from an input callback; read by the player."""

    def __init__(self, default_bpm: float = 120.0, window: int = TICKS_PER_BEAT) -> None:
        self._lock = threading.Lock()
        self._times: deque[float] = deque(maxlen=window + 1)
        self._default_spb = 60.0 / default_bpm
        self._tick = -1  # index of the last tick received; -1: the next tick is beat 0
        self._anchor: float | None = None  # time of the last tick while running
        self._running = False
        self._epoch = 0  # counts Starts, so the player can re-align

    def feed(self, t: float, msg: Any) -> None:
        kind = msg.type
        with self._lock:
            if kind == "clock":
                if not self._running:
                    return
                self._times.append(t)
                self._tick += 1
                self._anchor = t
            elif kind == "start":
                self._tick, self._anchor, self._running = -1, None, True
                self._times.clear()
                self._epoch += 1
            elif kind == "continue":
                self._running, self._anchor = True, None
                self._times.clear()
            elif kind == "stop":
                self._running = False
            elif kind == "songpos":  # in sixteenths = 6 ticks
                self._tick, self._anchor = msg.pos * 6 - 1, None

    def transport(self) -> tuple[bool, int]:
        with self._lock:
            return self._running, self._epoch

    @property
    def seconds_per_beat(self) -> float:
        with self._lock:
            return self._spb()

    @property
    def bpm(self) -> float:
        return 60.0 / self.seconds_per_beat

    def _spb(self) -> float:
        if len(self._times) < 2:
            return self._default_spb
        span = self._times[-1] - self._times[0]
        return span / (len(self._times) - 1) * TICKS_PER_BEAT

    def time_of(self, beat: float) -> float | None:
        """Clock time of `beat` (beats since the last Start), or None until a tick
        after start/continue has fixed the position."""
        with self._lock:
            if not self._running or self._anchor is None:
                return None
            return self._anchor + (beat - self._tick / TICKS_PER_BEAT) * self._spb()

    def join_beat(self, now: float, grid: int = 4, grace: float = 0.05) -> int:
        """The DAW beat (since the last Start) a player joining at `now` starts on:
        beat 0 while it has not passed by more than `grace` seconds, else the
        next multiple of `grid` beats that is at least `grace` away."""
        beat = self.beat_at(now)
        if beat is None:
            return 0
        with self._lock:
            ahead = grace / self._spb()
        if beat <= ahead:
            return 0
        return math.ceil((beat + ahead) / grid) * grid

    def beat_at(self, t: float) -> float | None:
        """The beat (since the last Start) at clock time `t`, or None while stopped."""
        with self._lock:
            if not self._running or self._anchor is None:
                return None
            return self._tick / TICKS_PER_BEAT + (t - self._anchor) / self._spb()
