"""Generation ahead of playback: sampler -> note decoder -> bounded queue.

A thread runs the streaming sampler, feeds its characters to the incremental
`NoteDecoder` and puts finished notes in a bounded queue, so it stays a few
notes ahead of the player and never further (the look-ahead). The temperature
is read before every character from a holder a MIDI controller can change.
Call and response: a listener collects what a player plays on an input; after a
bar of silence their phrase becomes the prime and the model's continuation is
placed on the next beat.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from fractions import Fraction
from typing import Any

from notetokens.errors import ParseError
from notetokens.score import Note, Score

from .scheduler import END

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
    into the next sampled segment."""
    header, _, body = text.rpartition("\n") if "\n" in text else ("", "", text)
    body = body[-max_chars:]
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


def melody(
    lm: Any,
    prime: str = "",
    *,
    temperature: float | Callable[[], float] = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    play_prime: bool = True,
    endless: bool = True,
    segment_chars: int | None = None,
    stream_fn: Callable[..., Iterator[str]] | None = None,
) -> Iterator[Note]:
    """Notes of an endless sampled melody, onsets in beats from its start.

    When the sampler ends a tune, the next segment is primed with the last bars
    and continues in time (segment i uses seed + i, so a seed fixes it all).
    """
    if stream_fn is None:
        from notegen.models.sampling import stream as stream_fn
    from notetokens.notes import NoteDecoder

    offset = Fraction(0)
    segment = 0
    text_prime = prime
    while True:
        decoder = NoteDecoder()
        # a separator ends the prime's last note, so the model cannot lengthen it
        if text_prime and not text_prime.endswith((" ", "\n", "|")):
            text_prime += " "
        prime_notes = decoder.feed(text_prime)
        start = decoder.time
        if play_prime and segment == 0:
            yield from prime_notes
            offset += start  # the continuation follows the prime
        text = text_prime
        seg_seed = None if seed is None else seed + segment
        chars = stream_fn(
            lm,
            text_prime,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            seed=seg_seed,
            max_chars=segment_chars,
        )
        got = 0
        try:
            for ch in chars:
                text += ch
                for note in decoder.feed(ch):
                    got += 1
                    yield replace(note, onset=note.onset - start + offset)
            for note in decoder.close():
                got += 1
                yield replace(note, onset=note.onset - start + offset)
        except ParseError:
            pass  # an unconstrained sample broke the notation: start a new segment
        offset += decoder.time - start
        if not endless:
            return
        segment += 1
        text_prime = _tail_prime(text)
        if got == 0 and segment > 3 and not text_prime.strip():
            return  # the model produces nothing: do not spin forever


class Generator(threading.Thread):
    """Pumps a note iterator into a bounded queue (the look-ahead) until stopped;
    an exception in the model ends the queue and is kept in `error`."""

    def __init__(self, notes: Iterator[Note], lookahead: int = 16) -> None:
        super().__init__(name="notegen-generator", daemon=True)
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=lookahead)
        self.notes = notes
        self.stop_event = threading.Event()
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


class PhraseListener:
    """Collects notes played on an input; a phrase ends after `silence` seconds
    with no key down."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._notes: list[tuple[float, float | None, int, int]] = []  # on, off, pitch, vel
        self._last = 0.0
        self.enabled = True

    def feed(self, t: float, msg: Any) -> None:
        if msg.type not in ("note_on", "note_off") or not self.enabled:
            return
        with self._lock:
            if msg.type == "note_on" and msg.velocity > 0:
                self._notes.append((t, None, msg.note, msg.velocity))
            else:
                for i in range(len(self._notes) - 1, -1, -1):
                    on, off, pitch, vel = self._notes[i]
                    if pitch == msg.note and off is None:
                        self._notes[i] = (on, t, pitch, vel)
                        break
            self._last = t
            self._lock.notify_all()

    def wait_phrase(
        self, silence: float, clock: Callable[[], float], stop: threading.Event
    ) -> list[tuple[float, float, int, int]] | None:
        """Block until a phrase is complete; None when stopped."""
        while not stop.is_set():
            with self._lock:
                held = any(off is None for _, off, _, _ in self._notes)
                if self._notes and not held and clock() - self._last >= silence:
                    phrase = [(on, off, p, v) for on, off, p, v in self._notes if off is not None]
                    self._notes = []
                    return phrase
                self._lock.wait(timeout=0.02)
        return None


def phrase_score(phrase: list[tuple[float, float, int, int]], spb: float, grid: int = 4) -> Score:
    """Played notes as a melody in beats from the first onset, on a 1/`grid` beat grid."""
    t0 = min(on for on, _, _, _ in phrase)

    def q(seconds: float) -> Fraction:
        return Fraction(round(seconds / spb * grid), grid)

    notes = []
    for on, off, pitch, vel in sorted(phrase):
        dur = max(q(off - on), Fraction(1, grid))
        notes.append(Note(q(on - t0), pitch, dur, vel))
    return Score.melody(notes)


def responses(
    lm: Any,
    listener: PhraseListener,
    *,
    bar_seconds: Callable[[], float],
    spb: Callable[[], float],
    now_beat: Callable[[], float],
    clock: Callable[[], float],
    stop: threading.Event,
    min_beats: float = 4.0,
    **sampling: Any,
) -> Iterator[Note]:
    """Endless call and response: each phrase heard is continued by the model,
    the answer as long as the call (at least a bar), placed on a coming beat."""
    from notetokens import notes as notation

    while True:
        phrase = listener.wait_phrase(bar_seconds(), clock, stop)
        if phrase is None:
            return
        if not phrase:
            continue
        call = phrase_score(phrase, spb())
        prime = notation.format(call)
        length = max(float(call.end), min_beats)
        listener.enabled = False  # do not answer our own echo through a thru port
        try:
            answer = []
            for note in melody(lm, prime, play_prime=False, endless=False, **sampling):
                if note.onset >= length:
                    break
                answer.append(note)
                if len(answer) >= 512:
                    break
            at = Fraction(math.ceil(now_beat() + 0.5))
            for note in answer:
                yield replace(note, onset=note.onset + at)
            if answer:  # listen again once the answer has been played
                end = at + max(n.end for n in answer)
                while not stop.is_set() and now_beat() < float(end):
                    stop.wait(0.02)
        finally:
            listener.enabled = True
