"""One live session: model, ports, generator thread and player wired together,
with the clean-up that leaves no note sounding however it ends.

Ctrl-C, SIGTERM and SIGHUP (closing the terminal) do not raise in the middle of
whatever runs: while a session plays, they only set its stop event. The player
sees it within a few milliseconds and silences every note, the generator thread
is joined, the ports are closed (their MIDI clients end), and `run_live`
returns with the signal's name in `stopped_by`. A second signal during that
clean-up changes nothing. The generator is joined before returning, so no
thread of ours is still inside the model while the interpreter shuts down.
"""

from __future__ import annotations

import json
import math
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from notegen.models.options import SampleOptions
from notegen.models.ranges import BPM
from notetokens.errors import NotegenError

from .feed import Generator, Temperature, endless_notes
from .player import Player, PlayStats, QueueSource
from .respond import PhraseListener, responses
from .timebase import ClockFollower

STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


@dataclass(frozen=True)
class LiveOptions(SampleOptions):
    """A live session: every sampling choice of `SampleOptions` (the same defaults
    as `notegen sample`, so one seed draws the same first tune), and playback."""

    SPELLING: ClassVar[str] = "command"  # errors name the option (`--temperature`)

    model: str = "folk"
    virtual: str | None = None  # a new virtual output port with this name
    port: str | None = None  # or an existing output port
    api: str | None = None
    bpm: float = 120.0  # playback tempo (redefines the written tune's tempo)
    channel: int = 0
    program: int | None = None
    velocity: int | None = None
    length: float | None = None  # beats; None plays until stopped (redefines `length` in notes)
    clock_out: bool = False
    sync: bool = False
    input: str | None = None  # input port for --sync, --cc-temperature, --respond
    cc_temperature: int | None = None
    respond: bool = False
    lookahead: int = 16  # notes generated ahead of playback
    log_events: str | None = None  # JSON lines of (scheduled, sent, bytes) for benchmarks

    def check(self) -> None:
        """Every option a user can get wrong, before a port is opened."""
        if self.virtual is not None and self.port is not None:
            raise NotegenError("give --virtual NAME or --port NAME, not both")
        if self.sync and self.clock_out:
            raise NotegenError("--sync follows another clock; it cannot also send --clock-out")
        if not BPM.holds(self.bpm):  # the range of `notegen sample --bpm` too
            raise NotegenError(f"--bpm must be {BPM.words}, got {self.bpm}")
        if self.length is not None and not (math.isfinite(self.length) and self.length > 0):
            raise NotegenError(f"--length must be a number of beats > 0, got {self.length}")
        if not 0 <= self.channel <= 15:
            raise NotegenError(f"--channel must be 0-15, got {self.channel}")
        if self.lookahead < 1:
            raise NotegenError(f"--lookahead must be >= 1, got {self.lookahead}")
        if self.log_events:
            from notetokens.outputs import check

            check(self.log_events)  # a folder, a missing folder, a write-protected file: now

    @property
    def needs_input(self) -> bool:
        return self.sync or self.respond or self.cc_temperature is not None


class StopSignals:
    """While entered (main thread only), SIGINT, SIGTERM and SIGHUP set `stop`
    and are remembered in `caught`; the previous handlers come back on exit.
    A signal the process was told to ignore stays ignored (`nohup` ignores
    SIGHUP, a shell without job control SIGINT for a background command)."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.caught: str | None = None
        self._previous: dict[int, Any] = {}

    def _handler(self, signum: int, frame: Any) -> None:
        if self.caught is None:
            self.caught = signal.Signals(signum).name
        self.stop.set()

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for name in STOP_SIGNALS:
                sig = getattr(signal, name, None)
                if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:
                    self._previous[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)


def run_live(opts: LiveOptions, stop: threading.Event | None = None) -> PlayStats:
    """Play until `length` beats, `stop`, Ctrl-C, SIGTERM or SIGHUP; returns the
    player's statistics with `stopped_by` set to the signal that ended it."""
    opts.check()
    stop = stop or threading.Event()
    with StopSignals(stop) as signals:
        from notegen.models.checkpoint import load
        from notegen.models.tunes import check_music_model

        lm = load(opts.model)
        check_music_model(lm, opts.model, require_notes=True)  # before a port opens
        stats = _play(opts, lm, stop) if not stop.is_set() else PlayStats()
    stats.stopped_by = signals.caught
    return stats


def _play(opts: LiveOptions, lm: Any, stop: threading.Event) -> PlayStats:
    from .ports import close_port, open_input, open_output

    clock = time.perf_counter
    temperature = Temperature(opts.temperature, cc=opts.cc_temperature)
    follower = ClockFollower(opts.bpm) if opts.sync else None
    listener = PhraseListener() if opts.respond else None
    virtual = opts.virtual if opts.port is None else None
    if opts.port is None and virtual is None:
        virtual = "notegen"
    out = inp = gen = None
    try:
        out = _unless_stopped(stop, open_output, opts.port, virtual=virtual, api=opts.api)
        if out is None:
            return PlayStats()
        player = Player(
            out, bpm=opts.bpm, channel=opts.channel, velocity=opts.velocity,
            program=opts.program, clock=clock, clock_out=opts.clock_out, follow=follower,
            length=opts.length, stop=stop, record=opts.log_events is not None, realtime=True,
        )

        if opts.needs_input:
            on_input = _input_handler(clock, follower, temperature, listener)
            in_virtual = None if opts.input else f"{virtual or 'notegen'}-in"
            inp = _unless_stopped(stop, open_input, opts.input, virtual=in_virtual, api=opts.api,
                                  callback=on_input)
            if inp is None:
                return PlayStats()
        gen = Generator(_notes(opts, lm, temperature, listener, player, stop), opts.lookahead, stop=stop)
        gen.start()
        _wait_filled(gen, opts.respond, stop)
        watch = _watch(opts.api, stop)
        try:
            with watch:
                stats = played(player, QueueSource(gen.queue))
        finally:
            stop.set()
            _join(gen)
            if opts.log_events:
                _write_log(opts.log_events, player.stats, temperature.history)
        if gen.error is not None:
            raise gen.error
        if watch.gone.is_set():
            raise NotegenError("the JACK server stopped while notegen played; playback ended "
                               "(start the server again, then notegen live)")
        return stats
    finally:
        stop.set()
        try:
            if gen is not None and gen.is_alive():
                _join(gen)
        finally:
            for port in (inp, out):
                if port is not None:
                    close_port(port)


def _input_handler(
    clock: Any, follower: ClockFollower | None, temperature: Temperature, listener: PhraseListener | None
) -> Any:
    """What each incoming message is given to (called on rtmidi's thread: stamp first)."""

    def on_input(msg: Any) -> None:
        t = clock()
        if follower is not None:
            follower.feed(t, msg)
        temperature.feed(msg, t)
        if listener is not None:
            listener.feed(t, msg)

    return on_input


def played(player: Player, source: Any) -> PlayStats:
    """`player.play(source)`. Where that raises and the port failed again while the
    player silenced the notes, the second error is one warning line on stderr
    (notes may still sound); the first is raised for the command to report."""
    try:
        return player.play(source)
    except BaseException:
        err = player.stats.cleanup_error
        if err is not None:
            why = " ".join(str(err).split()) or type(err).__name__  # one line
            print(f"notegen: warning: notes may still sound: the port failed while silencing them ({why})",
                  file=sys.stderr, flush=True)
        raise


def _watch(api: str | None, stop: threading.Event) -> Any:
    """A `JackWatch` when playing through JACK (it sets `stop` if the server goes)."""
    from .jackwatch import JackWatch
    from .ports import resolve_api

    return JackWatch(stop, enabled=resolve_api(api) == "UNIX_JACK")


def _unless_stopped(stop: threading.Event, opener: Any, *args: Any, **kwargs: Any) -> Any:
    """The port `opener` opens, or None where Ctrl-C (or SIGTERM) came while it
    opened: a signal interrupts JACK's connect, whose error is then no error."""
    try:
        return opener(*args, **kwargs)
    except NotegenError:
        if stop.is_set():
            return None
        raise


def _join(gen: Generator) -> None:
    if not gen.close(timeout=30.0):
        raise NotegenError("the generator thread did not stop within 30 s")


def _notes(
    opts: LiveOptions,
    lm: Any,
    temperature: Temperature,
    listener: PhraseListener | None,
    player: Player,
    stop: threading.Event,
) -> Iterator[Any]:
    options = opts.sampling().but(temperature=temperature)
    if listener is None:
        return endless_notes(lm, "", options, stop=stop)

    def spb() -> float:
        return player.follow.seconds_per_beat if player.follow else 60.0 / player.bpm

    return responses(
        lm, listener, bar_seconds=lambda: 4 * spb(), spb=spb, now_beat=player.now_beat,
        clock=player.clock, stop=stop, options=options,
    )


def _wait_filled(gen: Generator, respond: bool, stop: threading.Event, timeout: float = 10.0) -> None:
    """Let the generator get ahead before the first note is due."""
    if respond:
        return
    deadline = time.monotonic() + timeout
    while not gen.queue.full() and gen.is_alive() and not stop.is_set() and time.monotonic() < deadline:
        time.sleep(0.005)


def _write_log(path: str, stats: PlayStats, temperatures: list[tuple[float | None, float]]) -> None:
    """The event log as JSON lines, written by the output rules (a temporary file
    renamed into place: a failed write keeps the old log)."""
    from notetokens.outputs import write_bytes

    lines = [json.dumps({"scheduled": ev.scheduled, "sent": ev.sent, "bytes": ev.message.bytes()})
             for ev in stats.log or []]
    lines += [json.dumps({"time": t, "temperature": value}) for t, value in temperatures]
    write_bytes(path, "".join(line + "\n" for line in lines).encode(), force=False)
