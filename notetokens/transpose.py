"""Tunes moved into the keys fiddle tunes are played in, to add training text.

Most of the folk training collection is Essen's German and Chinese songs, in F,
C, Bb or Eb as often as in G or D; the Irish and Scottish tunes a fiddler plays
sit in G, D and A (major and mixolydian) or E, A and B (minor and dorian).
`fiddle_copy(text)` is a tune's note-string model text moved to the nearest
such tonic (by the smaller shift, up or down), with the key re-spelled and the
notes spelled for the new key; a tune already in one of them, or whose notes
would leave the fiddle's range, gets no copy. `notegen corpus --transpose`
appends the copies to a corpus.
"""

from __future__ import annotations

import re
from dataclasses import replace

from . import notes
from .keysig import LETTER_PC, Key, parse_key

MAJOR_LIKE = ("G", "D", "A")  # tonics of major, mixolydian and lydian fiddle keys
MINOR_LIKE = ("E", "A", "B")  # tonics of minor, dorian, phrygian and locrian ones
LOWEST, HIGHEST = 55, 88  # G3 (the open G string) to E6


def targets(key: Key) -> tuple[str, ...]:
    return MAJOR_LIKE if key.mode in ("maj", "mix", "lyd") else MINOR_LIKE


def fiddle_copy(text: str) -> str | None:
    """The tune moved to the nearest fiddle tonic, or None (already there, no
    key, or out of range after the move)."""
    score = notes.parse(text)
    key = parse_key(score.key)
    if key is None or (key.alter == 0 and key.tonic in targets(key)):
        return None
    tonic = LETTER_PC[key.tonic] + key.alter
    shift, letter = min(
        (((LETTER_PC[t] - tonic + 6) % 12 - 6, t) for t in targets(key)),
        key=lambda c: (abs(c[0]), c[0]),
    )
    pitches = [n.pitch + shift for p in score.parts for n in p.notes]
    if not pitches or min(pitches) < LOWEST or max(pitches) > HIGHEST:
        return None
    moved = replace(
        score,
        key=Key(letter, 0, key.mode).name,
        parts=[replace(p, notes=[replace(n, pitch=n.pitch + shift) for n in p.notes]) for p in score.parts],
    )
    return notes.to_model_text(moved)


_PITCH = re.compile(r"(?<![A-Za-z])([A-Ga-g])(##|#|bb|b)?(\d)")
_ALTER = {"": 0, "#": 1, "##": 2, "b": -1, "bb": -2}
_KEY = re.compile(r"K:\S+")


def transposition_class(text: str) -> str:
    """One string for a tune and every copy of it in another key (its pitches as
    semitones from its first, the key field blanked), so that a training split
    keeps `fiddle_copy`'s copies on the side of their tune. Read with a pattern,
    not parsed: it runs over whole corpora before training."""
    head, newline, body = text.partition("\n")
    first: list[int] = []

    def relative(m: re.Match[str]) -> str:
        pitch = LETTER_PC[m.group(1).upper()] + _ALTER[m.group(2) or ""] + 12 * int(m.group(3))
        if not first:
            first.append(pitch)
        return f"<{pitch - first[0]}>"

    return _KEY.sub("K:", head) + newline + _PITCH.sub(relative, body)
