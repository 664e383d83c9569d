"""Call and response: a listener collects what a player plays on an input; after
a bar of silence the phrase becomes the prime (in its key, on a beat grid at the
followed tempo) and the model's continuation, as long as the call and at least a
bar, is placed on the next beat. Then it listens again.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from fractions import Fraction
from typing import Any

from notegen.models.options import SampleOptions
from notetokens.score import Note, Score

from .feed import endless_notes


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
    return Score.from_notes(notes)


def call_prime(phrase: list[tuple[float, float, int, int]], spb: float) -> tuple[str, Fraction]:
    """The model text that primes the answer to a played phrase, and the phrase's
    length in beats: the phrase on the beat grid of the followed tempo, with the
    key it fits best in the header, so the model continues in that key."""
    from notetokens import notes as notation
    from notetokens.keysig import estimate_key

    call = phrase_score(phrase, spb)
    key = estimate_key((n.pitch, float(n.duration)) for n in call.notes)
    return notation.to_model_text(replace(call, key=key)), call.end


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
    options: SampleOptions | None = None,
) -> Iterator[Note]:
    """Endless call and response: each phrase heard is continued by the model,
    the answer as long as the call (at least a bar), placed on a coming beat.
    The answers are sampled with `options` (the session's), less the header
    fields and prime: the call sets the key, and its notes are the prime."""
    answering = (options or SampleOptions()).but(key=None, meter=None, tune_type=None, prime=None)
    while True:
        phrase = listener.wait_phrase(bar_seconds(), clock, stop)
        if phrase is None:
            return
        if not phrase:
            continue
        prime, call_end = call_prime(phrase, spb())
        length = max(float(call_end), min_beats)
        listener.enabled = False  # do not answer our own echo through a thru port
        try:
            answer = []
            for note in endless_notes(lm, prime, answering, play_prime=False, endless=False, stop=stop):
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
