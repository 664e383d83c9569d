"""Reading note strings one character at a time.

`NoteDecoder` is the one reader of the note-string notation: `notes.parse` feeds
it a whole file, and the live player feeds it characters as the sampler makes
them, getting each note back as soon as its duration is known (when the token
after it starts). Errors carry line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from .errors import ParseError
from .keysig import LETTER_PC, MODE_WORDS
from .limits import MAX_DIGITS, duration_problem, meter_problem
from .repeats import BOTH, END, ENDING, START, Mark
from .score import DEFAULT_VELOCITY, Note, TimeSignature
from .tunetype import TUNE_TYPES

DEFAULT_OCTAVE = 4
HEADER_KEYS = ("T", "L", "M", "K", "Q")  # canonical order
KEY_RE = re.compile(r"([A-G])([#b]?)(" + "|".join(MODE_WORDS) + ")?$")
_DUR = r"(?::(?:(?P<num>\d+)(?:/(?P<den>\d+))?|/(?P<den2>\d+)))?"
NOTE_RE = re.compile(r"(?P<letter>[A-Ga-g])(?P<acc>#+|b+)?(?P<oct>\d)?" + _DUR)
REST_RE = re.compile(r"R" + _DUR)
CHORD_END_RE = re.compile(r"\]" + _DUR)
SEPARATORS = " \t-"
REPEAT_COLON = "expected '|' or ':' after ':' (the repeat marks are |: :| ::)"


@dataclass(frozen=True)
class Header:
    unit: Fraction = Fraction(1, 4)  # of a whole note
    meter: TimeSignature | None = None
    key: str | None = None
    bpm: float | None = None
    tune_type: str | None = None  # one of TUNE_TYPES

    def text(self) -> str:
        """The canonical header line (without newline); '' when all defaults."""
        parts = [f"T:{self.tune_type}"] if self.tune_type else []
        if self.unit != Fraction(1, 4):
            parts.append(f"L:{self.unit.numerator}/{self.unit.denominator}")
        if self.meter is not None:
            parts.append(f"M:{self.meter}")
        if self.key:
            parts.append(f"K:{self.key}")
        if self.bpm is not None:
            parts.append(f"Q:{max(1, round(self.bpm))}")
        return " ".join(parts)


def duration_suffix(units: Fraction) -> str:
    """`:N`, `:/M` or `:N/M` for a duration counted in units; '' for one unit.
    Note strings and tab model text both write durations this way."""
    if units == 1:
        return ""
    if units.denominator == 1:
        return f":{units.numerator}"
    if units.numerator == 1:
        return f":/{units.denominator}"
    return f":{units.numerator}/{units.denominator}"


def pitch_of(letter: str, acc: str, octave: int) -> int:
    return 12 * (octave + 1) + LETTER_PC[letter.upper()] + acc.count("#") - acc.count("b")


def parse_header(line: str, lineno: int = 1) -> Header:
    fields: dict[str, object] = {}
    col = 1
    for tok in line.split(" "):
        if tok:
            fields.update(_header_field(tok, lineno, col, fields))
        col += len(tok) + 1
    return Header(**fields)  # type: ignore[arg-type]


def _header_field(tok: str, line: int, col: int, seen: dict[str, object]) -> dict[str, object]:
    key, _, value = tok.partition(":")
    name = {"T": "tune_type", "L": "unit", "M": "meter", "K": "key", "Q": "bpm"}.get(key)
    if not _ or name is None:
        raise ParseError(f"expected a header field T:, L:, M:, K: or Q:, got {tok!r}", line=line, col=col)
    if name in seen:
        raise ParseError(f"header field {key}: given twice", line=line, col=col)
    vcol = col + 2
    if key == "T":
        if value not in TUNE_TYPES:
            raise ParseError(
                f"T: wants a tune type ({', '.join(TUNE_TYPES[:4])}, ...), got {value!r}", line=line, col=vcol
            )
        return {name: value}
    if key in "LM":
        m = re.fullmatch(r"(\d+)/(\d+)", value) or (re.fullmatch(r"(1)()", value) if key == "L" else None)
        if key == "M" and value in ("C", "C|"):
            return {name: TimeSignature(Fraction(0), *((4, 4) if value == "C" else (2, 2)))}
        if m and max(len(m.group(1)), len(m.group(2))) > MAX_DIGITS:
            raise ParseError(f"{key}: {value[:20]!r}... has too many digits", line=line, col=vcol)
        if not m or int(m.group(1)) == 0 or (m.group(2) and int(m.group(2)) == 0):
            raise ParseError(f"{key}: wants a fraction like 1/8, got {value!r}", line=line, col=vcol)
        num, den = int(m.group(1)), int(m.group(2) or 1)
        if key == "L":
            return {name: Fraction(num, den)}
        if problem := meter_problem(num, den):
            raise ParseError(f"M: {problem}", line=line, col=vcol)
        return {name: TimeSignature(Fraction(0), num, den)}
    if key == "K":
        if not KEY_RE.match(value):
            raise ParseError(f"K: wants a key like D, Bb or F#m, got {value!r}", line=line, col=vcol)
        return {name: value}
    try:
        bpm = float(value)
    except ValueError:
        bpm = 0.0
    if not 0 < bpm < 10000:
        raise ParseError(f"Q: wants quarter notes per minute, got {value!r}", line=line, col=vcol)
    return {name: bpm}


class NoteDecoder:
    """Feed note-string characters; get notes back as they complete.

    `max_events` and `max_beats` bound a file's tune (`notes.parse` sets them
    from `limits`); the live player's endless stream leaves them None."""

    def __init__(
        self,
        velocity: int = DEFAULT_VELOCITY,
        *,
        max_events: int | None = None,
        max_beats: int | None = None,
    ) -> None:
        self.header = Header()
        self.velocity = velocity
        self.max_events = max_events
        self.max_beats = max_beats
        self.time = Fraction(0)  # beats: where the next event starts
        self.events = 0  # notes, rests and chords read
        self.bars: list[Fraction] = []  # the time of each bar line read
        self.marks: list[Mark] = []  # repeat marks and endings, in order (`repeats`)
        self._mark = ""  # '|' just read (a ':' makes it '|:'), or ':' waiting for '|' or ':'
        self._mark_at = (1, 1)
        self._line, self._col = 1, 0
        self._tok = ""  # the token being read
        self._tok_at = (1, 1)
        self._header_line: str | None = None  # collecting the first line as a header
        self._first = True  # nothing but blanks seen yet

    @property
    def bpm(self) -> float | None:
        return self.header.bpm

    def feed(self, text: str) -> list[Note]:
        out: list[Note] = []
        for ch in text:
            out.extend(self._feed(ch))
        return out

    def close(self) -> list[Note]:
        if self._header_line is not None:
            self._end_header()
        if self._tok.startswith("[") and "]" not in self._tok:
            raise ParseError("unclosed chord: expected ']'", line=self._line, col=self._col + 1)
        if self._mark == ":":
            raise ParseError(REPEAT_COLON, line=self._mark_at[0], col=self._mark_at[1])
        return self._flush()

    def _feed(self, ch: str) -> list[Note]:
        if ch == "\n":
            self._line, self._col = self._line + 1, 0
        else:
            self._col += 1
        if self._header_line is not None:
            if ch == "\n":
                self._end_header()
            else:
                self._header_line += ch
            return []
        if self._first and ch in HEADER_KEYS and self._line == 1:
            self._header_line = ch
            self._first = False
            return []
        if ch in " \t\n":
            pass
        else:
            self._first = False
        if self._mark and self._repeat(ch):
            return []
        in_chord = self._tok.startswith("[") and "]" not in self._tok
        if in_chord and self._tok == "[" and ch in "123456789":
            self._ending(int(ch))
            return []
        if in_chord:
            if ch == "\n":
                raise ParseError("unclosed chord: expected ']'", line=self._line - 1, col=self._col_end())
            if ch == "[":
                raise ParseError(
                    "a chord cannot hold another chord: close the first with ']'",
                    line=self._line,
                    col=self._col,
                )
            self._tok += ch
            return []
        if ch in SEPARATORS or ch in "\n|[":
            notes = self._flush()
            if ch == "[":
                self._tok, self._tok_at = "[", (self._line, self._col)
            elif ch == "|":
                self.bars.append(self.time)
                self._mark, self._mark_at = "|", (self._line, self._col)
            return notes
        if ch == ":" and not self._tok:
            self._mark, self._mark_at = ":", (self._line, self._col)
            return []
        if not self._tok and ch not in "ABCDEFGabcdefgR":
            raise ParseError(f"expected a note letter, got {ch!r}", line=self._line, col=self._col)
        if not self._tok:
            self._tok_at = (self._line, self._col)
        self._tok += ch
        return []

    def _repeat(self, ch: str) -> bool:
        """Read `ch` after a '|' or a ':' that may begin a repeat mark; True when
        `ch` was part of the mark."""
        mark, self._mark = self._mark, ""
        if mark == "|":
            if ch != ":":
                return False
            if self.time == 0 or self.bars[-2:-1] == [self.time]:
                self.bars.pop()  # '|:' at the start or after a bar line is no bar of its own
            self._add_mark(START)
            return True
        if ch not in "|:":
            raise ParseError(REPEAT_COLON, line=self._mark_at[0], col=self._mark_at[1])
        if self.time > 0 and self.bars[-1:] != [self.time]:
            self.bars.append(self.time)
        self._add_mark(END if ch == "|" else BOTH)
        return True

    def _add_mark(self, kind: str, number: int = 0) -> None:
        self.marks.append(Mark(kind, self.time, number, *self._mark_at))

    def _ending(self, number: int) -> None:
        self._tok, self._mark_at = "", self._tok_at
        if not self.bars or self.bars[-1] != self.time:
            raise ParseError(f"an ending [{number} starts at a bar line: write | [{number}",
                             line=self._mark_at[0], col=self._mark_at[1])
        self._add_mark(ENDING, number)

    def _col_end(self) -> int:
        return self._tok_at[1] + len(self._tok)

    def _end_header(self) -> None:
        line, self._header_line = self._header_line or "", None
        self.header = parse_header(line.rstrip(), 1)

    def _flush(self) -> list[Note]:
        tok, self._tok = self._tok, ""
        if not tok:
            return []
        notes = self._event(tok, *self._tok_at)
        self._check_length(*self._tok_at)
        return notes

    def _check_length(self, line: int, col: int) -> None:
        if self.max_events is not None and self.events > self.max_events:
            raise ParseError(
                f"the tune has more than {self.max_events} notes, rests and chords (the limit)",
                line=line,
                col=col,
            )
        if self.max_beats is not None and self.time > self.max_beats:
            raise ParseError(
                f"the tune lasts past beat {self.max_beats} (the limit)", line=line, col=col
            )

    def _event(self, tok: str, line: int, col: int) -> list[Note]:
        if tok.startswith("["):
            return self._chord(tok, line, col)
        if tok.startswith("R"):
            m = REST_RE.match(tok)
            self._check_whole(tok, m, line, col, "rest")
            self.time += self._duration(m, line, col)  # type: ignore[arg-type]
            self.events += 1
            return []
        m = NOTE_RE.match(tok)
        if not m:
            raise ParseError(f"expected a note letter, got {tok[0]!r}", line=line, col=col)
        self._check_whole(tok, m, line, col, "note")
        pitch = self._pitch(m, line, col)
        dur = self._duration(m, line, col)
        note = Note(self.time, pitch, dur, self.velocity)
        self.time += dur
        self.events += 1
        return [note]

    def _chord(self, tok: str, line: int, col: int) -> list[Note]:
        close = tok.index("]")
        inner = tok[1:close]
        m = CHORD_END_RE.match(tok, close)
        self._check_whole(tok, m, line, col, "chord")
        dur = self._duration(m, line, col)  # type: ignore[arg-type]
        pitches = []
        pos = 0
        for part in re.split(r"([ \t-]+)", inner):
            if part and part[0] not in " \t-":
                pm = NOTE_RE.fullmatch(part)
                pcol = col + 1 + pos
                if not pm:
                    bad = NOTE_RE.match(part)
                    at = pcol + (bad.end() if bad else 0)
                    got = part[bad.end()] if bad else part[0]
                    raise ParseError(f"expected a chord note, got {got!r}", line=line, col=at)
                if pm.group("num") or pm.group("den2"):
                    raise ParseError(
                        "a note in a chord takes the chord's duration: write [C4 E4]:2",
                        line=line,
                        col=pcol,
                    )
                pitches.append(self._pitch(pm, line, pcol))
            pos += len(part)
        if not pitches:
            raise ParseError("empty chord", line=line, col=col)
        notes = [Note(self.time, p, dur, self.velocity) for p in sorted(set(pitches))]
        self.time += dur
        self.events += 1
        return notes

    @staticmethod
    def _check_whole(tok: str, m: re.Match[str] | None, line: int, col: int, what: str) -> None:
        end = m.end() if m else 1
        if end < len(tok):
            raise ParseError(f"unexpected {tok[end]!r} after {what} {tok[:end]!r}", line=line, col=col + end)

    def _pitch(self, m: re.Match[str], line: int, col: int) -> int:
        acc = m.group("acc") or ""
        octave = int(m.group("oct")) if m.group("oct") else DEFAULT_OCTAVE
        pitch = pitch_of(m.group("letter"), acc, octave)
        if not 0 <= pitch <= 127:
            raise ParseError(f"pitch {m.group(0)!r} is outside MIDI 0..127", line=line, col=col)
        return pitch

    def _duration(self, m: re.Match[str], line: int, col: int) -> Fraction:
        num_s = m.group("num") or "1"
        den_s = m.group("den") or m.group("den2") or "1"
        at = col + m.start() + m.group(0).find(":")
        if max(len(num_s), len(den_s)) > MAX_DIGITS:
            raise ParseError(f"a duration with more than {MAX_DIGITS} digits", line=line, col=at)
        num, den = int(num_s), int(den_s)
        if num == 0 or den == 0:
            raise ParseError("a duration must be more than zero", line=line, col=at)
        beats = Fraction(num, den) * self.header.unit * 4
        if problem := duration_problem(beats):
            raise ParseError(problem, line=line, col=at)
        return beats
