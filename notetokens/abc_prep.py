"""One ABC tune rewritten into the ABC that music21 reads right, or refused.

music21 reads some common ABC wrong without a word: it loses the notes around
`::` (end one repeat, start the next), reads decorations (`+fermata+`, `Hc`) as
notes or swallows the note after them, puts voices with names (`V:T1`) or
inline voices (`[V:1]`) one after another in one part, ignores inline fields
(`[K:D]`) and a field line just after a bar line, makes one chord of
`[CEG D E F|]`, and skips characters that are not ABC and notes past MIDI's
range. `prepare` scans each line of the tune's body once and returns the text
music21 should read:

- decorations are blanked (the note stays);
- repeat marks are spelled as music21 reads them (`REPEAT_SPELLING`);
- voices are numbered 1, 2, ... in order of first appearance, each voice's
  lines gathered after one `V:` line (music21 makes a part of each `V:` block);
- inline `K:`, `M:`, `L:`, `Q:` fields become field lines, and a bar line just
  before a field line moves after it (where music21 reads the field);
- `K:`, `L:`, `M:` and `Q:` values are checked and rewritten (`abc_fields`).

It raises ParseError, naming the line and column, for a chord, quote or
decoration left open, a character that is not ABC, an accidental without a
note, or a note outside MIDI's 0..127.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .abc_check import fail, position
from .abc_fields import FieldError, check_meter, check_unit, key_value, tempo_bpm
from .keysig import LETTER_PC

# ABC's repeat marks that music21 misreads, and the spelling it reads right;
# the one place that knows the tune's repeat structure before music21 does
REPEAT_SPELLING = {"::": ":||:", ":|:": ":||:"}
# ABC 2.1's single-letter decorations: the default ones (~ . H L M O P S T u v)
# and the letters it keeps for decorations a tune defines with U: (H-W, h-w)
DECORATION_LETTERS = frozenset("~.HIJKLMNOPQRSTUVWhijklmnopqrstuvw")
_FIELD = re.compile(r"^([A-Za-z]):(.*)$")
_NOTES = frozenset("ABCDEFGabcdefg")
_RESTS = frozenset("zZxXy")
# lengths, broken rhythm, ties, slurs, grace notes, bar lines, spacing, line continuation
_PLAIN = frozenset("0123456789/<>-)(|{} \t`\\&")
_ALTER = {"^^": 2, "^": 1, "__": -2, "_": -1, "=": 0}
_BAR_END = re.compile(r"(:*\|[\]|:]*|\[\|)\s*$")
_CHECKED = {"K", "L", "M", "Q"}
_DECORATION = re.compile(r"!([^!\s|]{1,40})!|\+([^+\s|]{1,40})\+")  # !trill! +fermata+ !D.C.!


@dataclass
class _Voice:
    props: str = ""  # what its V: line says after the id (name="Tenor")
    lines: list[tuple[bool, str]] = field(default_factory=list)  # (is a field, text)
    moved: str = ""  # a bar line taken from before a field line, for the next music
    sig: dict[str, int] = field(default_factory=dict)


class _Tune:
    def __init__(self, tune: str, first_line: int) -> None:
        self.tune, self.first_line = tune, first_line
        self.header: list[str] = []
        self.voices: dict[str, _Voice] = {"": _Voice()}
        self.voice = self.voices[""]
        self.decorations = set(DECORATION_LETTERS)
        self.sig: dict[str, int] = dict.fromkeys("CDEFGAB", 0)
        self.header_sig = self.sig  # the header's K:, which every voice starts in
        self.in_body = False
        self.has_key = re.search(r"^K:", tune, re.MULTILINE) is not None

    def fail(self, offset: int, message: str) -> None:
        fail(self.tune, self.first_line, offset, message)

    def field_value(self, name: str, value: str, offset: int) -> str:
        """`value` checked, and rewritten for music21 (`K:`); `offset` is the
        value's place in the tune."""
        try:
            if name == "K":
                value, self.sig = key_value(value)
                self.voice.sig = self.sig  # a K: in a voice's lines is that voice's
            elif name == "L":
                check_unit(value)
            elif name == "M":
                check_meter(value)
            elif name == "Q":
                tempo_bpm(value)
        except FieldError as e:
            self.fail(offset + e.offset, e.message)
        return value

    def switch(self, ident: str, props: str) -> None:
        if ident not in self.voices:
            self.voices[ident] = _Voice(props=props, sig=dict(self.header_sig))
        elif props and not self.voices[ident].props:
            self.voices[ident].props = props
        self.voice = self.voices[ident]
        self.sig = self.voice.sig

    def read_line(self, ln: str, offset: int, comment: bool) -> None:
        m = _FIELD.match(ln)
        if m and m.group(1) == "U":
            self.decorations.add(m.group(2).strip()[:1])
        if m and m.group(1) == "V":
            ident, _, props = m.group(2).strip().partition(" ")
            self.switch(ident, props.strip())
        elif m and m.group(1) in _CHECKED:
            value = self.field_value(m.group(1), m.group(2), offset + 2)
            if self.in_body:
                self.add_field(m.group(1), value)
            else:
                self.header.append(f"{m.group(1)}:{value}")
                if m.group(1) == "K":
                    self.start_body()
        elif m or comment or not ln.strip():
            (self.voice.lines.append((True, ln)) if self.in_body else self.header.append(ln))
        else:
            if not self.in_body and self.has_key:
                self.fail(offset, "this header line is not a field (fields are like T:Title; "
                          "the music starts after the K: line)")
            if not self.in_body:  # music without a K: line
                self.start_body()
            _Line(self, ln, offset).scan()

    def start_body(self) -> None:
        """After `K:`: music goes to the first voice the header declared, if any."""
        self.in_body = True
        self.header_sig = self.sig
        for v in self.voices.values():
            v.sig = dict(self.sig)
        self.voice = next((v for k, v in self.voices.items() if k), self.voices[""])

    def add_field(self, name: str, value: str) -> None:
        lines = self.voice.lines
        if lines and not lines[-1][0]:
            m = _BAR_END.search(lines[-1][1])
            if m:  # music21 drops a field line just after a bar line: move the bar
                lines[-1] = (False, lines[-1][1][: m.start()])
                self.voice.moved += m.group(1)
        lines.append((True, f"{name}:{value}"))

    def add_music(self, text: str) -> None:
        if text.strip():
            self.voice.lines.append((False, self.voice.moved + text))
            self.voice.moved = ""

    def text(self) -> str:
        for v in self.voices.values():
            if v.moved:
                v.lines.append((False, v.moved))
        out = list(self.header)
        named = [v for k, v in self.voices.items() if k]
        first = self.voices[""]
        if named and not any(not is_field for is_field, _ in first.lines):
            out += [t for _, t in first.lines]  # fields before the first voice apply to all
        else:
            named.insert(0, first)
        for n, v in enumerate(named, 1):
            if len(named) > 1:
                out.append(f"V:{n} {v.props}".rstrip())
            out += [t for _, t in v.lines]
        return "\n".join(out) + "\n"


def prepare(tune: str, first_line: int) -> str:
    """The ABC music21 should read for `tune` (whose `X:` is on file line
    `first_line`), or ParseError (see the module docstring)."""
    t = _Tune(tune, first_line)
    offset, ended = 0, 0
    for ln in tune.split("\n"):
        comment = ln.lstrip().startswith("%")
        if ended and not (comment or _FIELD.match(ln) or not ln.strip()):
            line = position(tune, first_line, ended)[0]
            t.fail(offset, f"music after the empty line that ends the tune (line {line}); "
                   "an empty line ends an ABC tune, so take it out")
        elif t.in_body and not ln.strip():
            ended = ended or offset
        elif not ended:
            t.read_line(ln, offset, comment)
        offset += len(ln) + 1
    return t.text()


class _Line:
    """One line of music: scanned left to right into `_Tune`."""

    def __init__(self, tune: _Tune, line: str, offset: int) -> None:
        self.t, self.s, self.base = tune, line, offset
        self.out: list[str] = []
        self.chord: int | None = None  # where an open chord's `[` is
        self.bar: dict[tuple[str, int], int] = {}  # accidentals so far in the bar

    def fail(self, i: int, message: str) -> None:
        self.t.fail(self.base + i, message)

    def flush(self) -> None:
        self.t.add_music("".join(self.out))
        self.out = []

    def scan(self) -> None:
        s, i = self.s, 0
        while i < len(s):
            i = self.step(s, i)
        if self.chord is not None:
            self.fail(self.chord, "this chord is not closed: '[' has no ']' on its line")
        self.flush()

    def step(self, s: str, i: int) -> int:
        c = s[i]
        if c == "%":
            return len(s)
        if c == '"':
            end = s.find(c, i + 1)
            if end < 0:
                self.fail(i, "this quoted text is not closed on its line")
            self.out.append(s[i:end + 1])
            return end + 1
        if c in "!+":
            m = _DECORATION.match(s, i)
            if m is None and c == "+":
                self.fail(i, "this decoration +...+ is not closed on its line")
            # a lone `!` is the line break of older ABC
            self.out.append(" " * (len(m.group(0)) if m else 1))
            return m.end() if m else i + 1
        if c == "[":
            return self.bracket(s, i)
        if c == "]":
            if self.chord is None and not "".join(self.out).rstrip().endswith("|"):
                self.fail(i, "this is not ABC: ']' closes no chord")
            self.chord = None
            self.out.append(c)
            return i + 1
        if c == "|" or c == ":":
            return self.bar_line(s, i)
        if c in _ALTER or c in _NOTES:
            return self.note(s, i)
        if c in self.t.decorations and c not in _NOTES:
            self.out.append(" ")
            return i + 1
        if c == "(" and s[i + 1:i + 2].isdigit():
            m = re.match(r"\(\d+(?::\d*){0,2}", s[i:])
            assert m is not None
            self.out.append(m.group(0))
            return i + len(m.group(0))
        if c in _RESTS or c in _PLAIN:
            self.out.append(c)
            return i + 1
        self.fail(i, f"this is not ABC: {c!r}")
        return i + 1

    def bracket(self, s: str, i: int) -> int:
        m = re.match(r"\[([A-Za-z]):([^\]]*)\]", s[i:])
        if m:  # an inline field
            name, value = m.group(1), m.group(2)
            if name == "V":
                self.flush()
                ident, _, props = value.strip().partition(" ")
                self.t.switch(ident, props.strip())
            elif name in _CHECKED:
                self.flush()
                self.t.add_field(name, self.t.field_value(name, value, self.base + i + 3))
            else:
                self.out.append(" " * len(m.group(0)))  # parts, instructions: no music
            return i + len(m.group(0))
        if re.match(r"\[[A-Za-z]:", s[i:]):
            self.fail(i, "this inline field is not closed: '[' has no ']' on its line")
        if s[i + 1:i + 2] == "|" or s[i + 1:i + 2].isdigit():  # a bar line or an ending
            self.out.append("[")
            return i + 1
        if self.chord is not None:
            self.fail(i, "a chord inside a chord")
        self.chord = i
        self.out.append("[")
        return i + 1

    def bar_line(self, s: str, i: int) -> int:
        if self.chord is not None:
            self.fail(self.chord, "this chord is not closed: '[' has no ']' before the bar line")
        self.bar = {}
        for mark, spelling in REPEAT_SPELLING.items():
            if s.startswith(mark, i):
                self.out.append(spelling)
                return i + len(mark)
        # a repeat mark may be split at a line break (`|` and `:` on the next line)
        if s[i] == ":" and not (s[i + 1:i + 2] in ("|", ":", "[", "]") or s[i - 1:i] in ("|", ":", "]")
                                or not s[:i].strip() or not s[i + 1:].strip()):
            self.fail(i, "this is not ABC: ':' outside a bar line or a tuplet")
        self.out.append(s[i])
        return i + 1

    def note(self, s: str, i: int) -> int:
        m = re.match(r"(\^\^|\^|__|_|=)?([A-Ga-g])([',]*)", s[i:])
        if m is None:
            self.fail(i, "an accidental without a note after it")
        assert m is not None
        acc, letter, marks = m.groups()
        octave = (4 if letter.isupper() else 5) + marks.count("'") - marks.count(",")
        name = (letter.upper(), octave)
        if acc is not None:
            self.bar[name] = _ALTER[acc]
        alter = self.bar.get(name, self.t.sig.get(letter.upper(), 0))
        midi = 12 * (octave + 1) + LETTER_PC[letter.upper()] + alter
        if not 0 <= midi <= 127:
            self.fail(i, f"the note {m.group(0)} is outside MIDI's range of pitches (C-1 to G9)")
        self.out.append(m.group(0))
        return i + len(m.group(0))
