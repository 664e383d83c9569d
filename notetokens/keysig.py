"""Pitches and keys: the one table of letter pitch classes and the one list of
modes, key names as `Score.key` holds them ("D", "Em", "Bb", "F#m", "Ddor",
"Amix"), the key signatures they stand for, and a key guessed from notes.

MIDI and ABC both need the number of sharps (negative for flats) and which
letters it alters; modes other than major and minor are written the ABC way
(tonic plus a three-letter mode). Note strings, tabs and tunings read their
letters through `LETTER_PC`; the note-string reader and grammar, `normalize_key`
and the music21 writer take every mode spelling from `MODE_TABLE`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

LETTERS = "CDEFGAB"
LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
PC_NAME = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
# The one table of modes: each as `Key.mode` holds it, its full name (music21's,
# and the word a key may be written with: "E minor") and its sharps relative to
# the major key on the same tonic. SYNONYMS are the church-mode names of major
# and minor; KEY_SUFFIX is how a key name writes major and minor ("D", "Em").
MODE_TABLE: tuple[tuple[str, str, int], ...] = (
    ("maj", "major", 0),
    ("min", "minor", -3),
    ("dor", "dorian", -2),
    ("phr", "phrygian", -4),
    ("lyd", "lydian", 1),
    ("mix", "mixolydian", -1),
    ("loc", "locrian", -5),
)
SYNONYMS: tuple[tuple[str, str, str], ...] = (("ion", "ionian", "maj"), ("aeo", "aeolian", "min"))
KEY_SUFFIX = {"maj": "", "min": "m"}
MODE_SHIFT = {mode: shift for mode, _, shift in MODE_TABLE}
MODES = tuple(MODE_SHIFT)
MODE_NAMES = {mode: word for mode, word, _ in MODE_TABLE}  # "maj" -> "major"
# the other spellings a key name may use after the tonic, and the mode each means
ALIASES = {**{suffix: mode for mode, suffix in KEY_SUFFIX.items()}, **{a: m for a, _, m in SYNONYMS}}
MODE_WORDS = (*MODES, *(a for a in ALIASES if a))  # every spelling after the tonic


def key_suffix(mode: str) -> str:
    """What a key name writes after the tonic for `mode` ("", "m", "dor", ...)."""
    return KEY_SUFFIX.get(mode, mode)


# a mode's full name (or synonym) -> what a key name writes for it: "minor" -> "m"
SUFFIX_OF_WORD = {
    **{word: key_suffix(mode) for mode, word, _ in MODE_TABLE},
    **{word: key_suffix(mode) for _, word, mode in SYNONYMS},
}
# Sharps of the major key on each natural letter; one more accidental on the
# tonic moves the signature by seven.
_MAJOR_SHARPS = {"C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5, "F": -1}
SHARP_ORDER = "FCGDAEB"
_MAJORS = ["Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#"]
MAJOR_BY_SHARPS = dict(zip(range(-7, 8), _MAJORS, strict=True))
_KEY_RE = re.compile(r"^\s*([A-Ga-g])([#b]?)\s*([A-Za-z]*)\s*$")
# Krumhansl and Kessler's probe-tone ratings of the 12 degrees in major and minor
_PROFILES = {
    "maj": (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
    "min": (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17),
}


@dataclass(frozen=True)
class Key:
    tonic: str  # letter, upper case
    alter: int  # -1, 0, 1 on the tonic
    mode: str  # "maj", "min", "dor", "phr", "lyd", "mix", "loc"

    @property
    def sharps(self) -> int:
        """Sharps of the signature; negative counts flats."""
        return _MAJOR_SHARPS[self.tonic] + 7 * self.alter + MODE_SHIFT[self.mode]

    @property
    def name(self) -> str:
        acc = {1: "#", -1: "b", 0: ""}[self.alter]
        return f"{self.tonic}{acc}{key_suffix(self.mode)}"


def parse_key(text: str | None) -> Key | None:
    """A key name, or None when `text` is empty or not a key this module knows
    (ABC's `HP`, `none`, explicit accidental lists)."""
    if not text:
        return None
    m = _KEY_RE.match(text)
    if not m:
        return None
    letter, acc, mode = m.groups()
    mode = mode.lower()[:3]
    mode = ALIASES.get(mode, mode)
    if mode not in MODE_SHIFT:
        return None
    return Key(letter.upper(), {"#": 1, "b": -1, "": 0}[acc], mode)


def signature(sharps: int) -> dict[str, int]:
    """The alteration of every letter under a signature of `sharps` (-7..7)."""
    alters = dict.fromkeys(LETTERS, 0)
    if sharps > 0:
        for letter in SHARP_ORDER[:sharps]:
            alters[letter] = 1
    else:
        for letter in reversed(SHARP_ORDER[len(SHARP_ORDER) + sharps :]):
            alters[letter] = -1
    return alters


def estimate_key(notes: Iterable[tuple[int, float]]) -> str:
    """The major or minor key that (pitch, weight) pairs fit best, as a key name
    ("D", "Em"): the Krumhansl-Schmuckler correlation of the pitch-class weights
    (durations, say) with each key's profile. Sharps are spelled as in the
    signature: a tonic of pitch class 6 is F# in major, F#m in minor."""
    weights = [0.0] * 12
    for pitch, weight in notes:
        weights[pitch % 12] += weight
    if not any(weights):
        return "C"
    best, best_r = (0, "maj"), -2.0
    for mode, profile in _PROFILES.items():
        for tonic in range(12):
            r = _correlation(weights, [profile[(pc - tonic) % 12] for pc in range(12)])
            if r > best_r:
                best, best_r = (tonic, mode), r
    tonic, mode = best
    if mode == "min":
        return ("G#" if tonic == 8 else PC_NAME[tonic]) + "m"
    return PC_NAME[tonic]


def _correlation(xs: list[float], ys: list[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    vx = sum((x - mx) ** 2 for x in xs) ** 0.5
    vy = sum((y - my) ** 2 for y in ys) ** 0.5
    return cov / (vx * vy) if vx and vy else -1.0
