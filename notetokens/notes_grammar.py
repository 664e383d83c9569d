"""The incremental grammar of note-string model text.

It accepts the canonical form `to_model_text` writes, a strict subset of what
`notes.parse` reads: single spaces between tokens, octave digits always
written (C0 to G9), at most two accidentals of one kind, durations `:N`, `:/M`, `:N/M`
with up to three and two digits, header fields in the order L M K Q. Every
text it accepts to the end parses, so a sampler masked by it cannot write an
invalid melody.
"""

from __future__ import annotations

from .errors import ParseError
from .notes_reader import LETTER_PC
from .tunetype import TUNE_TYPES

LETTERS = frozenset("ABCDEFG")
DIGITS = frozenset("0123456789")
NONZERO = frozenset("123456789")
HEADER_KEYS = "TLMKQ"
MODES = ("m", "min", "maj", "dor", "phr", "lyd", "mix", "loc", "aeo", "ion")
EVENT_START = LETTERS | {"R", "["}
# States in which the body may end: a complete token has just been read.
FINAL = {"note", "rest", "num", "den", "chord_end", "bar"}


class NotesGrammar:
    """`allowed()` / `feed(ch)` / `can_end()` over note-string model text."""

    def __init__(self) -> None:
        self.state = "start"
        self.count = 0  # digits or accidentals read in the current run
        self.acc = ""  # the accidental being repeated
        self.keys_done = -1  # index in HEADER_KEYS of the last header field
        self.field = ""  # the header field being read
        self.mode = ""  # the key's mode suffix read so far
        self.after_bar = False
        self.in_chord = False
        self.letter = "C"  # the note letter being read
        self.pitched = False  # a note has been read: a melody needs one

    def copy(self) -> NotesGrammar:
        g = NotesGrammar()
        g.__dict__.update(self.__dict__)
        return g

    # -- queries -----------------------------------------------------------
    def can_end(self) -> bool:
        return self.state in FINAL and not self.in_chord and self.pitched

    def allowed(self) -> frozenset[str]:
        s = self.state
        if s == "start":
            return EVENT_START | frozenset(HEADER_KEYS)
        if s.startswith("h"):
            return self._header_allowed()
        if s in ("body", "sep"):
            bar = s == "sep" and not self.after_bar
            return EVENT_START | ({"|"} if bar else set())
        if s == "letter":
            return (
                self._octaves()
                | ({"#", "b"} if self.count < 2 and not self.acc else set())
                | ({self.acc} if self.acc and self.count < 2 else set())
            )
        if s == "note" and self.in_chord:
            return frozenset(" ]")
        if s in ("note", "rest", "chord_end"):
            return frozenset(": ")
        if s == "colon":
            return NONZERO | {"/"}
        if s == "num":
            return (DIGITS if self.count < 3 else frozenset()) | {"/", " "}
        if s == "slash":
            return NONZERO
        if s == "den":
            return (DIGITS if self.count < 2 else frozenset()) | {" "}
        if s == "chord":
            return LETTERS
        if s == "bar":
            return frozenset(" ")
        raise AssertionError(f"unknown grammar state {s}")  # a bug, not user input

    def _octaves(self) -> frozenset[str]:
        """Octave digits that keep the pitch in C0..G9 (MIDI 12..127): a note
        string cannot write octave -1, and G#9 is past MIDI's range."""
        shift = self.count if self.acc == "#" else -self.count
        base = LETTER_PC[self.letter] + shift
        return frozenset(d for d in DIGITS if 12 <= 12 * (int(d) + 1) + base <= 127)

    def _header_allowed(self) -> frozenset[str]:
        s, later = self.state, frozenset(HEADER_KEYS[self.keys_done + 1 :])
        end = ({" "} if later else set()) | {"\n"}
        if s == "h_key":
            return frozenset(":")
        if s == "h_type" or (s == "h_colon" and self.field == "T"):
            done = self.mode if s == "h_type" else ""
            nxt = {t[len(done)] for t in TUNE_TYPES if t.startswith(done) and len(t) > len(done)}
            return frozenset(nxt | (end if done in TUNE_TYPES else set()))
        if s in ("h_colon", "h_den0"):
            return NONZERO if self.field != "K" else LETTERS
        if s == "h_num":
            rest = DIGITS if self.count < 3 else set()
            return frozenset(rest | ({"/"} if self.field in "LM" else end))
        if s == "h_den":
            return frozenset((DIGITS if self.count < 2 else set()) | end)
        if s == "h_tonic":
            first = {m[0] for m in MODES}
            return frozenset({"#", "b"} | first | end)
        if s == "h_mode":
            nxt = {m[len(self.mode)] for m in MODES if m.startswith(self.mode) and len(m) > len(self.mode)}
            return frozenset(nxt | (end if self.mode in ("", *MODES) else set()))
        if s == "h_after":
            return frozenset(HEADER_KEYS[self.keys_done + 1 :])
        raise AssertionError(f"unknown grammar state {s}")

    # -- transitions -------------------------------------------------------
    def feed(self, ch: str) -> None:
        if ch not in self.allowed():
            raise ParseError(f"{ch!r} cannot follow here (state {self.state})")
        s = self.state
        if (s == "start" and ch in HEADER_KEYS) or s == "h_after":
            self.state, self.field = "h_key", ch
            self.keys_done = HEADER_KEYS.index(ch)
        elif s.startswith("h"):
            self._header_feed(ch)
        elif ch == "\n":
            raise AssertionError("newline outside the header")
        else:
            self._body_feed(ch)

    def _header_feed(self, ch: str) -> None:
        s = self.state
        if ch == "\n":
            self.state = "body"
        elif ch == " ":
            self.state = "h_after"
        elif s == "h_key":
            self.state = "h_colon"
        elif (s == "h_colon" and self.field == "T") or s == "h_type":
            self.mode = self.mode + ch if s == "h_type" else ch  # the tune type read so far
            self.state = "h_type"
        elif s == "h_colon":
            self.state, self.count = ("h_tonic", 0) if self.field == "K" else ("h_num", 1)
            self.mode = ""
        elif s == "h_num":
            self.state, self.count = ("h_den0", 0) if ch == "/" else ("h_num", self.count + 1)
        elif s == "h_den0":
            self.state, self.count = "h_den", 1
        elif s == "h_den":
            self.count += 1
        elif s == "h_tonic" and ch in "#b":
            self.state = "h_mode"
            self.mode = ""
        else:  # a mode letter
            self.state = "h_mode"
            self.mode += ch

    def _body_feed(self, ch: str) -> None:
        s = self.state
        if ch == " ":
            if self.in_chord:
                self.state = "chord"
            else:
                self.after_bar = s == "bar"
                self.state = "sep"
        elif ch == "|":
            self.state = "bar"
        elif ch == "[":
            self.state, self.in_chord = "chord", True
        elif ch == "]":
            self.state, self.in_chord = "chord_end", False
        elif ch == "R":
            self.state = "rest"
        elif ch in LETTERS and s in ("start", "body", "sep", "chord"):
            self.state, self.count, self.acc, self.letter = "letter", 0, "", ch
        elif s == "letter" and ch in "#b":
            self.count, self.acc = self.count + 1, ch
        elif s == "letter":
            self.state, self.pitched = "note", True
        elif ch == ":":
            self.state = "colon"
        elif ch == "/":
            self.state = "slash"
        elif s == "colon":
            self.state, self.count = "num", 1
        elif s == "slash":
            self.state, self.count = "den", 1
        else:  # another digit of a duration
            self.count += 1
