"""The look-ahead feed: sampler -> note decoder -> bounded queue.

A thread runs the streaming sampler, feeds its characters to the incremental
`NoteDecoder` (through `repeatplay.PlayedOut`, so a tune written in repeated
parts is heard played out, as its MIDI file plays it) and puts finished notes
in a bounded queue, so it stays a few
notes ahead of the player and never further (the look-ahead). The temperature
is read before every character from a holder a MIDI controller can change.
The thread checks a stop event before every character, so `Generator.close`
can join it within one model step: no generator thread outlives a session.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from typing import Any

from notegen.models.options import SampleOptions
from notetokens.errors import ParseError
from notetokens.score import Note

from .player import END
from .repeatplay import PlayedOut, without_marks

TEMP_MIN, TEMP_MAX = 0.1, 2.0


def cc_to_temperature(value: int) -> float:
    """A controller value 0..127 mapped linearly onto temperature 0.1..2.0."""
    return TEMP_MIN + max(0, min(127, value)) / 127 * (TEMP_MAX - TEMP_MIN)


class Temperature:
    """The current sampling temperature; call it to read, `feed` it CC messages."""

    def __init__(self, value: float = 1.0, cc: int | None = None) -> None:
        self._value = float(value)
        self.cc = cc
        self._lock = threading.Lock()
        self.changes = 0
        self.history: list[tuple[float | None, float]] = []  # (time, value) set by the CC

    def __call__(self) -> float:
        with self._lock:
            return self._value

    def set(self, value: float) -> None:
        with self._lock:
            self._value = float(value)
            self.changes += 1

    def feed(self, msg: Any, t: float | None = None) -> None:
        if self.cc is not None and msg.type == "control_change" and msg.control == self.cc:
            value = cc_to_temperature(msg.value)
            self.set(value)
            self.history.append((t, value))


def _tail_prime(text: str, bars: int = 4, max_chars: int = 200) -> str:
    """The header line plus the last few bars of `text`, to carry a melody on
    into the next sampled segment; its repeat marks are plain bar lines there
    (the segment does not play its prime, so it must not repeat or end a part
    that began in it)."""
    header, _, body = text.rpartition("\n") if "\n" in text else ("", "", text)
    body = without_marks(body)[-max_chars:]
    cut = -1
    for _ in range(bars):
        cut = body.rfind("|", 0, cut if cut >= 0 else len(body))
        if cut < 0:
            break
    if cut >= 0:
        body = body[cut + 1 :]
    else:  # no bar lines: start at a token boundary
        space = body.find(" ")
        body = body[space + 1 :] if space >= 0 else body
    body = body.lstrip(" |")
    return (header.split("\n")[0] + "\n" if header else "") + body


def endless_notes(
    lm: Any,
    prime: str = "",
    options: SampleOptions | None = None,
    *,
    stop: threading.Event | None = None,
    play_prime: bool = True,
    endless: bool = True,
    segment_chars: int | None = None,
    **changes: Any,
) -> Iterator[Note]:
    """Notes of an endless sampled melody, onsets in beats from its start.

    Each segment is one tune from `models.tunes.note_stream`, the note stream
    `notegen sample` reads too, with the same options (`SampleOptions()` unless
    given, with `changes`): so the first segment is the tune `sample` draws for
    the same seed. When a tune ends, the next segment is primed with its header
    and last bars and continues in time (segment i uses seed + i, so a seed
    fixes it all; the header fields and `min_notes` hold for the first only).
    `segment_chars` caps each segment's characters. `stop` ends it before the
    next note. Repeats are played out: a part between `|:` and `:|` comes twice,
    the rest of the tune (and the next segment) after it.
    """
    from notegen.models.tunes import NoteStream, prime_text

    opts = (options or SampleOptions()).but(**changes)
    if segment_chars:
        opts = opts.but(max_chars=segment_chars)
    later = opts.but(key=None, meter=None, tune_type=None, min_notes=0, prime=None)
    offset = Fraction(0)
    segment = 0
    text_prime = prime_text(prime or opts.prime)
    while True:
        first = segment == 0
        seed = None if opts.seed is None else opts.seed + segment
        s = NoteStream(lm, (opts if first else later).but(seed=seed), text_prime, play_prime and first)
        heard = _Heard(s, play_prime and first, stop)
        for note in heard:
            yield replace(note, onset=note.onset + (0 if heard.with_prime else offset - s.start))
        offset += heard.time - (Fraction(0) if heard.with_prime else s.start)
        if not endless or (stop is not None and stop.is_set()):
            return
        segment += 1
        text_prime = _tail_prime(s.text)
        if heard.count == 0 and segment > 3 and not text_prime.strip():
            return  # the model produces nothing: do not spin forever


class _Heard:
    """The notes of one segment as heard: its text decoded as the stream writes
    it, with the repeats played out (`PlayedOut`); the prime's notes only
    `with_prime`. Onsets in beats from the start of the text, played out. A text
    that stops parsing (an unconstrained sample) ends the segment there."""

    def __init__(self, s: Any, with_prime: bool, stop: threading.Event | None = None) -> None:
        self.s, self.with_prime, self.stop = s, with_prime, stop
        self.played = PlayedOut() if s.streams_notes else None
        self.count = 0  # notes of new material
        self._fed = 0

    @property
    def time(self) -> Fraction:
        """Where the segment ends as heard (the written end plus the replays)."""
        return self.s.time + (self.played.shift if self.played is not None else 0)

    def __iter__(self) -> Iterator[Note]:
        try:
            for event in self.s:
                if self.stop is not None and self.stop.is_set():
                    return
                if self.played is None:  # a notation without a note decoder: as it is
                    if isinstance(event, Note):
                        yield from self._kept([event])
                    continue
                yield from self._kept(self._feed())
            if self.played is not None:
                yield from self._kept(self._feed() + self.played.close())
        except ParseError:
            pass  # an unconstrained sample broke the notation: start a new segment

    def _feed(self) -> list[Note]:
        assert self.played is not None
        text, self._fed = self.s.text[self._fed :], len(self.s.text)
        return self.played.feed(text)

    def _kept(self, notes: list[Note]) -> list[Note]:
        out = notes if self.with_prime else [n for n in notes if n.onset >= self.s.start]
        self.count += sum(1 for n in out if n.onset >= self.s.start)
        return out


class Generator(threading.Thread):
    """Pumps a note iterator into a bounded queue (the look-ahead) until stopped;
    an exception in the model ends the queue and is kept in `error`."""

    def __init__(
        self, notes: Iterator[Note], lookahead: int = 16, stop: threading.Event | None = None
    ) -> None:
        super().__init__(name="notegen-generator", daemon=True)
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=lookahead)
        self.notes = notes
        self.stop_event = stop or threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for note in self.notes:
                if not self._put(note):
                    return
        except BaseException as err:  # handed to the player's thread via `error`
            self.error = err
        self._put(END)

    def _put(self, item: Any) -> bool:
        while not self.stop_event.is_set():
            try:
                self.queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def stop(self) -> None:
        self.stop_event.set()

    def close(self, timeout: float = 10.0) -> bool:
        """Stop and join the thread; False if it is still running after `timeout`
        (a model step that never returns)."""
        self.stop_event.set()
        if self.is_alive():
            self.join(timeout)
        return not self.is_alive()
