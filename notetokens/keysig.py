"""Key names as `Score.key` holds them ("D", "Em", "Bb", "F#m", "Ddor", "Amix") and
the key signatures they stand for. MIDI and ABC both need the number of sharps
(negative for flats) and which letters it alters; modes other than major and
minor are written the ABC way (tonic plus a three-letter mode)."""

from __future__ import annotations

import re
from dataclasses import dataclass

LETTERS = "CDEFGAB"
LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
# Sharps of the major key on each natural letter; one more accidental on the
# tonic moves the signature by seven.
_MAJOR_SHARPS = {"C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5, "F": -1}
# Sharps of each mode relative to the major key on the same tonic.
MODE_SHIFT = {"maj": 0, "ion": 0, "min": -3, "aeo": -3, "m": -3, "dor": -2,
              "phr": -4, "lyd": 1, "mix": -1, "loc": -5}
SHARP_ORDER = "FCGDAEB"
_MAJORS = ["Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#"]
MAJOR_BY_SHARPS = dict(zip(range(-7, 8), _MAJORS, strict=True))
_KEY_RE = re.compile(r"^\s*([A-Ga-g])([#b]?)\s*([A-Za-z]*)\s*$")


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
        suffix = {"maj": "", "min": "m"}.get(self.mode, self.mode)
        return f"{self.tonic}{acc}{suffix}"


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
    if mode in ("", "maj", "ion"):
        mode = "maj"
    elif mode in ("m", "min", "aeo"):
        mode = "min"
    elif mode not in MODE_SHIFT:
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
