"""The model text of tab: time runs along the string, one token per onset.

    T:E2A2D3G3B3E4 Q:96
    3-0003:2 -2---- | --0--- --2---:/2 ------:3/2 ...

- Header line: `T:` and the open strings from the lowest up (4, 5 or 6 notes,
  letter, optional `#`/`b`, octave 0-4), optionally ` Q:` and the tempo (1-999
  quarter notes per minute), then a newline.
- Then tokens separated by one space or newline. A token is a slice: one
  character per string, lowest string first, `-` for a silent string, `0`-`9`
  for frets 0-9 and `a`-`o` for frets 10-24, like a tab's column read bottom
  up; then an optional duration `:N`, `:N/M` or `:/M` in eighth notes (no
  duration is one eighth). A slice of only `-` is a rest. A note lasts for its
  token's duration and the next token starts when it ends.
- `|` tokens mark bar lines (structure only; a newline follows every 4th).
- No repeat marks: a score in repeated parts is written played out
  (`Score.played_out()`), so no note is lost.

What round trips exactly: pitches (within the instrument's range), onsets, and
durations of notes that end no later than the next onset; a note sounding past
the next onset is cut there, and durations are limited to 999 eighths and to
denominators up to 999 (finer values are rounded).
"""

from __future__ import annotations

import re
from fractions import Fraction

from .errors import ParseError
from .keysig import LETTER_PC
from .notes_reader import duration_suffix
from .score import Note, Part, Score, Tempo
from .tab_fingering import fingering, playable
from .tab_format import instrument
from .tab_parse import BASS_PROGRAM, GUITAR_PROGRAM
from .tab_tuning import note_name

FRET_CHARS = "0123456789abcdefghijklmno"  # index = fret, 0..MAX_FRET
SILENT = "-"
UNIT = Fraction(1, 2)  # a duration of 1 in model text is an eighth note
MAX_NUM = 999
BARS_PER_LINE = 4
_HEAD = re.compile(r"T:((?:[A-G][#b]?[0-4]){4,6})(?: Q:([1-9]\d{0,2}))?")
_HEAD_NOTE = re.compile(r"([A-G])([#b]?)([0-4])")
_TOKEN = re.compile(r"([-0-9a-o]+)(?::(?:([1-9]\d{0,2})(?:/([1-9]\d{0,2}))?|/([1-9]\d{0,2})))?")


def _dur_text(d: Fraction) -> str:
    units = (d / UNIT).limit_denominator(MAX_NUM)
    return duration_suffix(min(max(units, Fraction(1, MAX_NUM)), Fraction(MAX_NUM)))


def _slice(f: tuple[tuple[int, int], ...], nstrings: int) -> str:
    chars = [SILENT] * nstrings
    for string, fret in f:
        chars[string] = FRET_CHARS[fret]
    return "".join(chars)


def to_model_text(score: Score) -> str:
    """The busiest voice of `score` as model text (see the module docstring),
    repeats played out (the model text has no repeat marks). Raises
    NotegenError for a pitch the guitar or bass cannot play."""
    notes = score.played_out().one_voice().notes
    by_onset: dict[Fraction, list[Note]] = {}
    for n in notes:
        by_onset.setdefault(n.onset, []).append(n)
    times = sorted(by_onset)
    strings = instrument([n.pitch for n in notes])
    chords = [playable([n.pitch for n in by_onset[t]], strings) for t in times]
    fingers = fingering(chords, strings)
    head = "T:" + "".join(note_name(p) for p in strings)
    if score.tempos:
        head += f" Q:{min(MAX_NUM, max(1, round(score.bpm)))}"
    meter = score.meter
    bar = Fraction(4 * meter.numerator, meter.denominator) if meter else Fraction(4)
    rest = SILENT * len(strings)
    tokens: list[str] = []
    if times and times[0] > 0:
        tokens.append(rest + _dur_text(times[0]))
    for i, (t, f) in enumerate(zip(times, fingers, strict=True)):
        if t > 0 and t % bar == 0:
            tokens.append("|")
        held = max(n.duration for n in by_onset[t])
        gap = times[i + 1] - t if i + 1 < len(times) else held
        sounding = min(held, gap)
        tokens.append(_slice(f, len(strings)) + _dur_text(sounding))
        if sounding < gap:
            tokens.append(rest + _dur_text(gap - sounding))
    if not tokens:
        tokens.append(rest)
    body = []
    bars = 0
    for i, tok in enumerate(tokens):
        body.append(tok)
        if i + 1 < len(tokens):
            bars += tok == "|"
            body.append("\n" if tok == "|" and bars % BARS_PER_LINE == 0 else " ")
    return head + "\n" + "".join(body)


def _tuning(head: str) -> tuple[tuple[int, ...], float | None]:
    m = _HEAD.fullmatch(head)
    if not m:
        raise ParseError(
            "expected a header like 'T:E2A2D3G3B3E4' or 'T:E1A1D2G2 Q:100'", line=1, col=1
        )
    strings = tuple(
        LETTER_PC[letter] + {"#": 1, "b": -1, "": 0}[acc] + 12 * (int(octave) + 1)
        for letter, acc, octave in _HEAD_NOTE.findall(m.group(1))
    )
    return strings, (float(m.group(2)) if m.group(2) else None)


def from_model_text(text: str) -> Score:
    """A Score from model text; ParseError with line and column otherwise."""
    lines = text.split("\n")
    strings, bpm = _tuning(lines[0].strip())
    notes: list[Note] = []
    t = Fraction(0)
    for lineno, line in enumerate(lines[1:], start=2):
        for m in re.finditer(r"\S+", line):
            tok, col = m.group(), m.start() + 1
            if tok == "|":
                continue
            tm = _TOKEN.fullmatch(tok)
            if not tm or len(tm.group(1)) != len(strings):
                raise ParseError(
                    f"expected a slice of {len(strings)} characters from '-0-9a-o' with an "
                    f"optional duration like ':2' or ':1/2', or '|'; got {tok!r}",
                    line=lineno,
                    col=col,
                )
            num = int(tm.group(2)) if tm.group(2) else 1
            den = int(tm.group(3) or tm.group(4) or 1)
            dur = Fraction(num, den) * UNIT
            for string, ch in enumerate(tm.group(1)):
                if ch != SILENT:
                    notes.append(Note(t, strings[string] + FRET_CHARS.index(ch), dur))
            t += dur
    bass = len(strings) < 6
    part = Part(
        notes=sorted(notes),
        name="bass" if bass else "guitar",
        program=BASS_PROGRAM if bass else GUITAR_PROGRAM,
    )
    return Score(parts=[part], tempos=[Tempo(Fraction(0), bpm)] if bpm else [])

