"""The values of ABC's `K:`, `L:`, `M:` and `Q:` fields, checked and rewritten
where music21 would read them wrong.

music21 reads `K:HP` (highland pipes) as C major and ignores explicit
accidentals (`K:D exp _b`); it reads `M:3+2+2/8` as 322/8, `Q:1/4=0` as a
division by zero and `L:1/999999999` as a tune without notes. Each function
here returns the value music21 should see, or a message saying why the value
is refused (`abc_prep` turns it into a ParseError at the field).
"""

from __future__ import annotations

import re
from fractions import Fraction

from .keysig import MAJOR_BY_SHARPS, MODES, Key, parse_key, signature
from .limits import MAX_DIGITS, tempo_problem

_ACCIDENTAL = re.compile(r"(\^\^|\^|__|_|=)([A-Ga-g])")
_ALTER = {"^^": 2, "^": 1, "__": -2, "_": -1, "=": 0}
_ACC_WORD = {1: "sharp", -1: "flat", 0: "natural", 2: "double sharp", -2: "double flat"}
_UNIT = re.compile(r"(\d+)/(\d+)|(1)")
MIN_UNIT_BEATS = Fraction(1, 256)  # L:1/1024
MAX_UNIT_BEATS = Fraction(16)  # L:4/1
_BEAT = re.compile(r"(\d+)/(\d+)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


class FieldError(ValueError):
    """A field value refused; `offset` is where in the value the fault lies."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def key_value(value: str) -> tuple[str, dict[str, int]]:
    """The `K:` value music21 should read and the alteration of each letter
    under it. `HP` and `Hp` (highland pipes) are A mixolydian (F and C sharp,
    G natural); explicit accidentals (`D exp _b`, `D ^g`) must make a key
    signature, which becomes the mode of that tonic that has it (`Dm`)."""
    words = value.split()
    if not words:
        return value, signature(0)
    if words[0] in ("HP", "Hp"):
        return " ".join(["Amix", *words[1:]]), signature(2)
    head, rest = _key_words(words)
    key = parse_key(head)
    accidentals = [w for w in rest if _ACCIDENTAL.fullmatch(w)]
    explicit = "exp" in rest
    if not accidentals and not explicit:
        return value, signature(key.sharps) if key is not None and -7 <= key.sharps <= 7 else signature(0)
    if key is None:
        raise FieldError(f"K:{value}: explicit accidentals need a key notegen knows, like K:D exp _b")
    alters = dict.fromkeys(signature(0), 0) if explicit else signature(key.sharps)
    for word in accidentals:
        m = _ACCIDENTAL.fullmatch(word)
        assert m is not None
        alters[m.group(2).upper()] = _ALTER[m.group(1)]
    sharps = next((n for n in range(-7, 8) if signature(n) == alters), None)
    if sharps is None:
        shown = ", ".join(f"{letter} {_ACC_WORD[a]}" for letter, a in alters.items() if a)
        raise FieldError(
            f"K:{value}: {shown or 'no accidentals'} is not a key signature notegen can hold "
            "(sharps in the order F C G D A E B, or flats in the order B E A D G C F)"
        )
    mode = next((m for m in MODES if Key(key.tonic, key.alter, m).sharps == sharps), None)
    if mode is None:
        raise FieldError(f"K:{value}: no mode of {key.name} has that key signature")
    # music21 reads locrian keys as major: the signature's major key keeps the notes
    name = MAJOR_BY_SHARPS[sharps] if mode == "loc" else Key(key.tonic, key.alter, mode).name
    others = [w for w in rest if w != "exp" and not _ACCIDENTAL.fullmatch(w)]
    return " ".join([name, *others]), signature(sharps)


def _key_words(words: list[str]) -> tuple[str, list[str]]:
    """The tonic and mode (`D`, `D minor`, `Dmix`) and the words after them."""
    if len(words) > 1 and words[1].isalpha() and words[1].lower() != "exp" and parse_key(
            f"{words[0]} {words[1]}") is not None:
        return f"{words[0]} {words[1]}", words[2:]
    return words[0], words[1:]


def check_unit(value: str) -> None:
    """Refuse an `L:` value that is not a note length notegen reads."""
    m = _UNIT.fullmatch(value.strip())
    if m and max(len(d) for d in m.groups("") if d) <= MAX_DIGITS:
        num, den = (int(m.group(1)), int(m.group(2))) if m.group(1) else (1, 1)
        if den and MIN_UNIT_BEATS <= Fraction(4 * num, den) <= MAX_UNIT_BEATS:
            return
    raise FieldError(f"L:{value}: the unit length must be a note length from 1/1024 to 4/1, like L:1/8")


def check_meter(value: str) -> None:
    """Refuse an additive meter (`3+2+2/8`): a Score keeps no beat grouping."""
    if "+" in value.split("%")[0]:
        total = sum(int(d) for d in re.findall(r"\d+", value.partition("/")[0]))
        den = value.partition("/")[2].strip()
        raise FieldError(
            f"M:{value}: an additive meter; notegen keeps no beat grouping, "
            f"so write it as M:{total}/{den}", value.find("+"))


def tempo_bpm(value: str) -> float | None:
    """Quarter notes per minute of a `Q:` value (`1/4=120`, `3/8=112`, `1/8 3/8=40`,
    a bare `120`, with or without quoted text), None when it names no tempo;
    refused outside `limits.tempo_problem`'s range."""
    text = re.sub(r'"[^"]*"', lambda m: " " * len(m.group(0)), value)
    if not text.strip():
        return None
    beats_text, eq, number = text.rpartition("=")
    if not eq:
        beats_text, number = "1/4", text
    m = _NUMBER.fullmatch(number.strip())
    beats = [_BEAT.fullmatch(b) for b in beats_text.split()]
    if (not m or not beats or not all(b and int(b.group(2)) for b in beats)
            or any(len(d) > MAX_DIGITS for d in re.findall(r"\d+", text))):
        raise FieldError(f"Q:{value}: a tempo is written like Q:1/4=120")
    quarters = sum(Fraction(4 * int(b.group(1)), int(b.group(2))) for b in beats if b)
    bpm = float(quarters * Fraction(m.group(0)))
    if problem := tempo_problem(bpm):
        raise FieldError(f"Q:{value}: {problem}")
    return bpm
