"""String tunings for tab: named tunings, note-name specs, and string labels.

A tuning is a tuple of open-string MIDI pitches from the lowest string to the
highest, the order musicians spell it ("DADGAD"). Tab systems draw the highest
string on top, so the parser reverses its lines before looking tunings up.
"""

from __future__ import annotations

import re

from .errors import ParseError
from .keysig import LETTER_PC, PC_NAME

Tuning = tuple[int, ...]



def note_name(pitch: int) -> str:
    """Scientific pitch name, e.g. 40 -> 'E2'."""
    return f"{PC_NAME[pitch % 12]}{pitch // 12 - 1}"


def pc_name(pitch: int) -> str:
    """The pitch-class name, e.g. 40 -> 'E', 63 -> 'Eb'."""
    return PC_NAME[pitch % 12]


def _pitches(spec: str) -> Tuning:
    out = []
    for tok in spec.split():
        m = re.fullmatch(r"([A-G])([#b]?)(\d)", tok)
        if not m:
            raise ValueError(tok)
        acc = {"#": 1, "b": -1, "": 0}[m.group(2)]
        out.append(LETTER_PC[m.group(1)] + acc + 12 * (int(m.group(3)) + 1))
    return tuple(out)


STANDARD: dict[int, Tuning] = {
    6: _pitches("E2 A2 D3 G3 B3 E4"),
    5: _pitches("B0 E1 A1 D2 G2"),
    4: _pitches("E1 A1 D2 G2"),
}

# Names a tab's `tuning:` line or the `tuning` option may use, normalized by
# `_key` (lower case, no spaces or dashes). "standard" resolves per string count.
TUNINGS: dict[str, Tuning] = {
    "standard": STANDARD[6],
    "dropd": _pitches("D2 A2 D3 G3 B3 E4"),
    "dropc": _pitches("C2 G2 C3 F3 A3 D4"),
    "dadgad": _pitches("D2 A2 D3 G3 A3 D4"),
    "openg": _pitches("D2 G2 D3 G3 B3 D4"),
    "opend": _pitches("D2 A2 D3 F#3 A3 D4"),
    "opene": _pitches("E2 B2 E3 G#3 B3 E4"),
    "opena": _pitches("E2 A2 E3 A3 C#4 E4"),
    "openc": _pitches("C2 G2 C3 G3 C4 E4"),
    "halfstepdown": _pitches("Eb2 Ab2 Db3 Gb3 Bb3 Eb4"),
    "ebstandard": _pitches("Eb2 Ab2 Db3 Gb3 Bb3 Eb4"),
    "bass": STANDARD[4],
    "bass5": STANDARD[5],
    "5stringbass": STANDARD[5],
    "dropdbass": _pitches("D1 A1 D2 G2"),
    "bass6": _pitches("B0 E1 A1 D2 G2 C3"),
    "6stringbass": _pitches("B0 E1 A1 D2 G2 C3"),
}
_BY_COUNT: dict[tuple[str, int], Tuning] = {
    ("standard", 4): STANDARD[4],
    ("standard", 5): STANDARD[5],
    ("estandard", 4): STANDARD[4],
    ("estandard", 6): STANDARD[6],
    ("dropd", 4): TUNINGS["dropdbass"],
    ("halfstepdown", 4): tuple(p - 1 for p in STANDARD[4]),
}

def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.lower())


def nearest(pc: int, around: int) -> int:
    """The pitch with pitch class `pc` closest to `around` (-6..+5 semitones)."""
    return around + ((pc - around + 6) % 12) - 6


def letter_pc(label: str) -> int | None:
    """Pitch class of a note label such as 'e', 'D', 'Bb', 'F#'; None if not one."""
    m = re.fullmatch(r"([A-Ga-g])([#b]?)", label)
    if not m:
        return None
    return (LETTER_PC[m.group(1).upper()] + {"#": 1, "b": -1, "": 0}[m.group(2)]) % 12


def _split_notes(spec: str) -> list[tuple[int, int | None]] | None:
    """(pitch class, octave or None) per note of 'D2 A2 D3...' or 'DADGBE'; None
    when the text is not only note names. A 'b' right after an upper-case letter is
    a flat; after a lower-case one it is the B string ('eadgbe')."""
    tokens = spec.replace(",", " ").split()
    if len(tokens) == 1:
        tokens = [spec.strip()]
    notes: list[tuple[int, int | None]] = []
    for tok in tokens:
        pos = 0
        while pos < len(tok):
            letter = tok[pos]
            if letter.upper() not in LETTER_PC:
                return None
            pos += 1
            acc = 0
            if pos < len(tok) and tok[pos] == "#":
                acc, pos = 1, pos + 1
            elif pos < len(tok) and tok[pos] == "b" and letter.isupper():
                acc, pos = -1, pos + 1
            octave: int | None = None
            if pos < len(tok) and tok[pos].isdigit():
                octave, pos = int(tok[pos]), pos + 1
            notes.append(((LETTER_PC[letter.upper()] + acc) % 12, octave))
    return notes


def resolve(spec: str, strings: int | None = None) -> Tuning:
    """A tuning from a name ('standard', 'drop D', 'DADGAD', 'open G') or note names
    ('D2 A2 D3 G3 B3 E4', 'DADGBE'), low string first. `strings` picks the variant
    of a name ('standard' on a 4-line system is the bass). Raises ValueError with a
    message naming what is accepted."""
    key = _key(spec.split("(")[0]) if spec.strip() else ""
    if strings is not None and (key, strings) in _BY_COUNT:
        return _BY_COUNT[(key, strings)]
    if key in TUNINGS and (strings is None or len(TUNINGS[key]) == strings):
        return TUNINGS[key]
    notes = _split_notes(spec.split("(")[0].strip()) if spec.strip() else None
    if notes is None and "(" in spec:  # "Standard (E A D G B E)" style
        inner = spec[spec.index("(") + 1 :].split(")")[0]
        notes = _split_notes(inner) if inner.strip() else None
    if notes is None or len(notes) not in STANDARD:
        if key in TUNINGS:
            raise ValueError(
                f"tuning {spec.strip()!r} has {len(TUNINGS[key])} strings, the tab has {strings}"
            )
        raise ValueError(
            f"unknown tuning {spec.strip()!r}; use a name ({', '.join(sorted(TUNINGS))}) "
            "or note names from the low string up, like 'D2 A2 D3 G3 B3 E4' or 'DADGBE'"
        )
    base = STANDARD[len(notes)]
    out = tuple(
        12 * (octave + 1) + pc if octave is not None else nearest(pc, b)
        for (pc, octave), b in zip(notes, base, strict=True)
    )
    if any(not 0 <= p <= 103 for p in out):
        raise ValueError(f"tuning {spec.strip()!r} has a string outside the MIDI range")
    if strings is not None and len(out) != strings:
        raise ValueError(f"tuning {spec.strip()!r} has {len(out)} strings, the tab has {strings}")
    return out


def resolve_or_raise(spec: str, strings: int | None, line: int | None, col: int | None) -> Tuning:
    try:
        return resolve(spec, strings)
    except ValueError as e:
        raise ParseError(str(e), line=line, col=col) from None


# The instruments a system's string labels are matched against, by line count:
# (name, open strings low first). The first of each count is what a system
# without labels is read as. A 5-line `e B G D A` system is a guitar's top five
# strings, not a bass two octaves lower; `A E C G` is a ukulele (its G string
# re-entrant, above middle C), `E A D G` a mandolin, `e B G D` a guitar's top four;
# 6 lines `C G D A E B` are a 6-string bass (B0 up to C3), not a guitar.
INSTRUMENTS: dict[int, list[tuple[str, Tuning]]] = {
    6: [("guitar", STANDARD[6]), ("bass", TUNINGS["bass6"])],
    5: [("bass", STANDARD[5]), ("guitar", STANDARD[6][1:])],
    4: [
        ("bass", STANDARD[4]),
        ("guitar", STANDARD[6][2:]),
        ("ukulele", _pitches("G4 C4 E4 A4")),
        ("mandolin", _pitches("G3 D4 A4 E5")),
    ],
}
# Labels that retune an instrument's strings by amounts further apart than this
# (in semitones) fit it in no tuning players use: a tab drawn upside down (low E
# on the top line) or labels that are not string names. Open C, the furthest of
# the common guitar tunings from standard, spans 5 (C -4 ... C +1).
MAX_RETUNE_SPREAD = 6


def instrument_for_labels(labels: list[str | None]) -> tuple[str, Tuning]:
    """The instrument and open pitches (low first) for a system whose lines
    carry `labels` (top line, i.e. highest string, first).

    Each instrument with that many strings is tried: a label naming another
    note than its string's retunes that string to the nearest such pitch (drop
    D, DADGAD, a whole tuning a step down); the instrument whose strings move
    least wins, the first listed on a tie. Raises ValueError when the labels fit
    none of them (`MAX_RETUNE_SPREAD`)."""
    options = INSTRUMENTS[len(labels)]
    best: tuple[int, str, Tuning] | None = None
    for name, base in options:
        out, moves = [], []
        for label, std in zip(reversed(labels), base, strict=True):
            pc = letter_pc(label) if label else None
            pitch = std if pc is None else nearest(pc, std)
            out.append(pitch)
            if pc is not None:
                moves.append(pitch - std)
        if moves and max(moves) - min(moves) > MAX_RETUNE_SPREAD:
            continue
        cost = sum(abs(m) for m in moves)
        if best is None or cost < best[0]:
            best = (cost, name, tuple(out))
    if best is None:
        names = " or ".join(sorted({name for name, _ in options}))
        shown = " ".join(label or "?" for label in labels)
        raise ValueError(
            f"the string labels {shown} (top line first) fit no tuning of a {len(labels)}-string "
            f"{names}; the top line is the highest string (or give a 'tuning:' line)"
        )
    return best[1], best[2]


def from_labels(labels: list[str | None]) -> Tuning:
    """Open pitches (low first) for a system whose lines carry `labels`; see
    `instrument_for_labels`."""
    return instrument_for_labels(labels)[1]
