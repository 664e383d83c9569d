"""The player: the real-time driver of the beat core, sending to a MIDI port.

The notes of the source go into a `beats.BeatCore`, which decides which
note-ons and note-offs are due at each beat (and owes the note-offs at a stop);
the player maps beats to its clock, free-running at `bpm` or through the
followed MIDI clock (timebase.py), waits for the next event and sends it.
Every event's time is computed from one start time on a monotonic clock
(`start + beat * seconds_per_beat`), never by adding up sleeps, so an hour of
playing ends on time. Waiting sleeps coarsely, then spins the last ~1 ms.
The clock, the sleep function and the port are parameters: tests pass a fake
clock and an in-memory port. Whatever ends playback (the end, Ctrl-C, SIGTERM,
an error) every sounding note gets its note_off and all-notes-off (CC 123).
"""

from __future__ import annotations

import contextlib
import math
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from notetokens.score import Note

from .beats import NOTE_ON, BeatCore, BeatEvent, Voiced
from .timebase import TICKS_PER_BEAT, ClockFollower

END = object()  # a source's end marker in a queue


class IterSource:
    """A note source over an iterable that never blocks (a score, a test list)."""

    def __init__(self, items: Iterable[Note | Voiced]) -> None:
        self._it: Iterator[Note | Voiced] = iter(items)
        self.done = False

    def poll(self, timeout: float) -> Note | Voiced | None:
        try:
            return next(self._it)
        except StopIteration:
            self.done = True
            return None


class QueueSource:
    """Notes a generator thread puts in a queue; `END` ends the stream."""

    def __init__(self, q: queue.Queue[Any]) -> None:
        self.queue = q
        self.done = False

    def poll(self, timeout: float) -> Note | Voiced | None:
        try:
            item = self.queue.get(timeout=timeout) if timeout > 0 else self.queue.get_nowait()
        except queue.Empty:
            return None
        if item is END:
            self.done = True
            return None
        return item


@dataclass
class SentEvent:
    scheduled: float  # clock time the event was due
    sent: float  # clock time just before port.send
    message: Any


@dataclass
class PlayStats:
    notes: int = 0
    underruns: int = 0  # notes that came from the source after their time
    max_late: float = 0.0  # seconds
    log: list[SentEvent] | None = None
    cleanup_error: Exception | None = None  # the port failed while silencing after another error
    stopped_by: str | None = None  # the signal that ended a live session (SIGINT, SIGTERM, SIGHUP)


class Player:
    """Plays a note source into a mido-like output port (anything with `send`).

    bpm: tempo when not following a clock; clock_out: send MIDI beat clock with
    start/stop; follow: a `ClockFollower` fed from an input, whose tempo and
    transport drive playback instead of `bpm`; length: stop after this many beats.
    """

    def __init__(
        self,
        port: Any,
        *,
        bpm: float = 120.0,
        channel: int = 0,
        velocity: int | None = None,
        program: int | None = None,
        clock: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], None] = time.sleep,
        spin: float = 0.001,
        max_wait: float = 0.02,
        clock_out: bool = False,
        follow: ClockFollower | None = None,
        length: float | None = None,
        stop: threading.Event | None = None,
        preroll: float = 0.05,
        record: bool = False,
        realtime: bool = False,
    ) -> None:
        import mido

        self._mido = mido
        self.core = BeatCore(channel=channel, velocity=velocity, length=length)  # checks the channel
        self.port = port
        self.bpm = float(bpm)
        self.channel = channel
        self.program = program
        self.clock = clock
        self.sleep = sleep
        self.spin = spin
        self.max_wait = max_wait
        self.clock_out = clock_out
        self.follow = follow
        self.length = length
        self.stop = stop or threading.Event()
        self.preroll = preroll
        self.realtime = realtime
        self.stats = PlayStats(log=[] if record else None)
        self._start = 0.0
        self._shift = 0  # whole beats added to the source's onsets after underruns
        self._base = 0  # stream beat of the follower's beat 0 (after a start)
        self._epoch = -1
        self._running = True
        self._tick = 0
        self._lock = threading.Lock()
        self._position = 0.0

    # -- time ------------------------------------------------------------

    def time_of(self, beat: float) -> float | None:
        """Clock time of a stream beat, or None while a followed clock is stopped."""
        if self.follow is None:
            return self._start + beat * 60.0 / self.bpm
        return self.follow.time_of(beat - self._base)

    def now_beat(self) -> float:
        """The source's beat at this moment: where a generator can place notes
        (a response) so that they play from now on."""
        now = self.clock()
        if self.follow is None:
            return (now - self._start) * self.bpm / 60.0 - self._shift
        beat = self.follow.beat_at(now)
        with self._lock:
            return (beat + self._base if beat is not None else self._position) - self._shift

    # -- sending ---------------------------------------------------------

    def _send(self, msg: Any, due: float) -> None:
        now = self.clock()
        self.port.send(msg)
        late = now - due
        if late > self.stats.max_late:
            self.stats.max_late = late
        if self.stats.log is not None:
            self.stats.log.append(SentEvent(due, now, msg))

    def _send_events(self, events: list[BeatEvent], due: float) -> None:
        for event in events:
            self._send(event.message(), due)
            if event.kind == NOTE_ON:
                self.stats.notes += 1

    def silence(self) -> None:
        """note_off for every sounding note, then all-notes-off on each channel used."""
        now = self.clock()
        self._send_events(self.core.stop(), now)
        for channel in sorted(self.core.channels):
            self._send(self._mido.Message("control_change", channel=channel, control=123), now)

    # -- the loop ----------------------------------------------------------

    def play(self, source: IterSource | QueueSource | Iterable[Note | Voiced]) -> PlayStats:
        """Play until the source ends, `length` beats pass, or `stop` is set.
        Sounding notes are silenced however this returns or raises."""
        src = source if isinstance(source, IterSource | QueueSource) else IterSource(source)
        restore = _timing_priority() if self.realtime else None
        try:
            self._run(src)
        except BaseException:
            if restore is not None:
                restore()
            try:
                self._finish()
            except Exception as err:  # the port failed too: keep it, report the first error
                self.stats.cleanup_error = err
            raise
        if restore is not None:
            restore()
        self._finish()  # a port that fails here is this call's error
        return self.stats

    def _finish(self) -> None:
        self.silence()
        if self.clock_out:
            self._send(self._mido.Message("stop"), self.clock())

    def _run(self, src: IterSource | QueueSource) -> None:
        self._start = self.clock() + self.preroll
        if self.program is not None:
            for ch in sorted(self.core.channels):
                msg = self._mido.Message("program_change", channel=ch, program=self.program)
                self._send(msg, self._start)
        if self.clock_out:
            self._wait_until(self._start)
            self._send(self._mido.Message("start"), self._start)
        core = self.core
        while not self.stop.is_set():
            if self.follow is not None and not self._sync_transport():
                continue
            if not core.buffered and not core.closed and not src.done:
                self._take(src.poll(0))
            nxt, tick = core.next_beat(), self._tick_beat()
            beat = min((b for b in (nxt, tick) if b is not None), default=None)
            if beat is None:
                if core.closed or src.done:
                    return
                self.sleep(0.002)  # the generator is behind: look again soon
                self._take(src.poll(0))
                continue
            due = self.time_of(float(beat))
            waiting = not core.buffered and not core.closed  # a new note may come first
            if due is None or not self._wait_until(due, interruptible=waiting):
                continue
            with self._lock:
                self._position = float(beat)
            events = core.through(beat) if nxt == beat else []
            offs = next((i for i, e in enumerate(events) if e.kind == NOTE_ON), len(events))
            self._send_events(events[:offs], due)  # at one beat: note-offs, the clock, note-ons
            if tick == beat:
                self._send(self._mido.Message("clock"), due)
                self._tick += 1
            self._send_events(events[offs:], due)

    def _tick_beat(self) -> Fraction | None:
        """The beat of the next MIDI clock tick to send, or None."""
        if not self.clock_out:
            return None
        beat = Fraction(self._tick, TICKS_PER_BEAT)
        return None if self.length is not None and beat >= self.length else beat

    def _take(self, item: Note | Voiced | None) -> None:
        """Give the core a note from the source. Count an underrun when it comes
        after its time; without an external clock, it and later notes move back
        by whole beats to keep the groove."""
        if item is None:
            return
        note, channel = item if isinstance(item, tuple) else (item, self.channel)
        due = self.time_of(float(note.onset) + self._shift)
        now = self.clock()
        if due is not None and now - due > 0.02:
            self.stats.underruns += 1
            if self.follow is None:
                late_beats = (now - due) * self.bpm / 60.0
                self._shift += math.ceil(late_beats)
        self.core.add((replace(note, onset=note.onset + self._shift), channel))

    def _sync_transport(self) -> bool:
        """Follow start/stop/continue; False while stopped (after waiting a bit)."""
        assert self.follow is not None
        running, epoch = self.follow.transport()
        if epoch != self._epoch:
            # a Start: the next stream beat becomes the DAW's beat 0, or, seen
            # late, the DAW's next bar line (the missed beats are not crammed in)
            nxt = self.core.next_beat()
            if not self.core.buffered:
                nxt = min(Fraction(self._position), nxt if nxt is not None else math.inf)
            self._base = math.ceil(nxt) - self.follow.join_beat(self.clock())
            self._epoch = epoch
            if self.core.sounding:
                self.silence()
        if running != self._running:
            self._running = running
            if not running and self.core.sounding:
                self.silence()
        if not running:
            self.sleep(min(self.max_wait, 0.005))
            return False
        if self.follow.time_of(0.0) is None:  # started: beat 0 is the next tick, soon
            self.sleep(0.0005)
            return False
        return True

    def _wait_until(self, due: float, interruptible: bool = False) -> bool:
        """Sleep coarsely, then spin; False when it woke early to look again
        (a long wait is cut into pieces so stop, tempo and new notes are seen)."""
        remaining = due - self.clock()
        if remaining <= 0:
            return True
        cap = 0.002 if interruptible else self.max_wait
        if self.follow is not None:
            cap = min(cap, 0.005)
        if remaining > self.spin:
            self.sleep(min(remaining - self.spin, cap))
            return False
        while self.clock() < due:
            self.sleep(0)
        return True


def _timing_priority() -> Callable[[], None]:
    """Make this thread hard to delay while it plays: a short GIL switch interval
    (another Python thread hands the GIL over within 0.5 ms, not 5 ms) and, where
    the OS allows it (Linux, root or an rtprio limit as for JACK), SCHED_FIFO.
    Returns the function that undoes both."""
    import os
    import sys

    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    old_policy = None
    if hasattr(os, "sched_setscheduler"):
        try:
            old_policy = (os.sched_getscheduler(0), os.sched_getparam(0))
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(20))
        except OSError:  # not permitted: normal priority works, only less tightly
            old_policy = None

    def restore() -> None:
        sys.setswitchinterval(interval)
        if old_policy is not None:
            with contextlib.suppress(OSError):
                os.sched_setscheduler(0, old_policy[0], old_policy[1])

    return restore

