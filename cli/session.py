"""One `notegen live` session: model, ports, generator thread and player wired
together, with the clean-up that leaves no note sounding however it ends."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from notetokens.errors import NotegenError

from .generator import Generator, PhraseListener, Temperature, melody, responses
from .scheduler import Player, PlayStats, QueueSource
from .sync import ClockFollower


@dataclass(frozen=True)
class LiveOptions:
    model: str = "folk"
    virtual: str | None = None  # a new virtual output port with this name
    port: str | None = None  # or an existing output port
    api: str | None = None
    bpm: float = 120.0
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    seed: int | None = None
    prime: str = ""
    channel: int = 0
    program: int | None = None
    velocity: int | None = None
    length: float | None = None  # beats; None plays until stopped
    clock_out: bool = False
    sync: bool = False
    input: str | None = None  # input port for --sync, --cc-temperature, --respond
    cc_temperature: int | None = None
    respond: bool = False
    lookahead: int = 16  # notes generated ahead of playback
    log_events: str | None = None  # JSON lines of (scheduled, sent, bytes) for benchmarks

    def check(self) -> None:
        if self.virtual is not None and self.port is not None:
            raise NotegenError("give --virtual NAME or --port NAME, not both")
        if self.sync and self.clock_out:
            raise NotegenError("--sync follows another clock; it cannot also send --clock-out")
        if self.bpm <= 0:
            raise NotegenError(f"--bpm must be > 0, got {self.bpm}")
        if self.length is not None and self.length <= 0:
            raise NotegenError(f"--length must be > 0 beats, got {self.length}")

    @property
    def needs_input(self) -> bool:
        return self.sync or self.respond or self.cc_temperature is not None


def _interrupt_on_sigterm() -> Any:
    """SIGTERM raises KeyboardInterrupt in the main thread, so the same clean-up
    runs as for Ctrl-C. Returns the previous handler (None off the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, handler)


def run_live(opts: LiveOptions, stop: threading.Event | None = None) -> PlayStats:
    """Play until `length` beats, `stop`, Ctrl-C or SIGTERM (KeyboardInterrupt
    propagates after every note is off and the ports are closed)."""
    opts.check()
    from notegen.models.checkpoint import load

    from .ports import open_input, open_output

    lm = load(opts.model)
    clock = time.perf_counter
    stop = stop or threading.Event()
    temperature = Temperature(opts.temperature, cc=opts.cc_temperature)
    follower = ClockFollower(opts.bpm) if opts.sync else None
    listener = PhraseListener() if opts.respond else None
    virtual = opts.virtual if opts.port is None and opts.virtual is not None else None
    if opts.port is None and virtual is None:
        virtual = "notegen"
    previous = _interrupt_on_sigterm()
    out = inp = gen = None
    try:
        out = open_output(opts.port, virtual=virtual, api=opts.api)
        player = Player(
            out, bpm=opts.bpm, channel=opts.channel, velocity=opts.velocity,
            program=opts.program, clock=clock, clock_out=opts.clock_out, follow=follower,
            length=opts.length, stop=stop, record=opts.log_events is not None, realtime=True,
        )

        def on_input(msg: Any) -> None:  # on rtmidi's thread: stamp first
            t = clock()
            if follower is not None:
                follower.feed(t, msg)
            temperature.feed(msg, t)
            if listener is not None:
                listener.feed(t, msg)

        if opts.needs_input:
            in_virtual = None if opts.input else f"{virtual or 'notegen'}-in"
            inp = open_input(opts.input, virtual=in_virtual, api=opts.api, callback=on_input)
        gen = Generator(_notes(opts, lm, temperature, listener, player, stop), opts.lookahead)
        gen.start()
        _wait_filled(gen, opts.respond)
        try:
            stats = player.play(QueueSource(gen.queue))
        finally:
            gen.stop()
            if opts.log_events:
                _write_log(opts.log_events, player.stats, temperature.history)
        if gen.error is not None:
            raise gen.error
        return stats
    finally:
        stop.set()
        if gen is not None:
            gen.stop()
        for port in (inp, out):
            if port is not None:
                port.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _notes(
    opts: LiveOptions,
    lm: Any,
    temperature: Temperature,
    listener: PhraseListener | None,
    player: Player,
    stop: threading.Event,
) -> Iterator[Any]:
    sampling: dict[str, Any] = {
        "temperature": temperature, "top_k": opts.top_k, "top_p": opts.top_p, "seed": opts.seed,
    }
    if listener is None:
        return melody(lm, opts.prime, **sampling)

    def spb() -> float:
        return player.follow.seconds_per_beat if player.follow else 60.0 / player.bpm

    return responses(
        lm, listener, bar_seconds=lambda: 4 * spb(), spb=spb, now_beat=player.now_beat,
        clock=player.clock, stop=stop, **sampling,
    )


def _wait_filled(gen: Generator, respond: bool, timeout: float = 10.0) -> None:
    """Let the generator get ahead before the first note is due."""
    if respond:
        return
    deadline = time.monotonic() + timeout
    while not gen.queue.full() and gen.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)


def _write_log(path: str, stats: PlayStats, temperatures: list[tuple[float | None, float]]) -> None:
    with open(path, "w") as f:
        for ev in stats.log or []:
            f.write(json.dumps({"scheduled": ev.scheduled, "sent": ev.sent,
                                "bytes": ev.message.bytes()}) + "\n")
        for t, value in temperatures:
            f.write(json.dumps({"time": t, "temperature": value}) + "\n")
