"""The incremental grammar of tab model text (format in `tab_model`).

A small hand-written state machine: the header (`T:` notes, optional ` Q:`
tempo, newline), then tokens separated by exactly one space or newline. Every
text it lets end is one `tab_model.from_model_text` reads; it is stricter than
the reader (no doubled separators, no trailing whitespace, at least one slice).
"""

from __future__ import annotations

from .errors import ParseError

LETTERS = frozenset("ABCDEFG")
OCTAVES = frozenset("01234")
DIGITS = frozenset("0123456789")
NONZERO = frozenset("123456789")
SLICE = frozenset("-0123456789abcdefghijklmno")
SEP = frozenset(" \n")
MAX_DIGITS = 3
MIN_STRINGS, MAX_STRINGS = 4, 6


class TabGrammar:
    def __init__(self) -> None:
        self.state = "T"
        self.strings = 0  # header notes so far, then the slice width
        self.width = 0  # characters of the current slice, or digits of a number
        self.slices = 0

    def copy(self) -> TabGrammar:
        g = TabGrammar()
        g.__dict__.update(self.__dict__)
        return g

    def allowed(self) -> frozenset[str]:
        s = self.state
        if s == "T":
            return frozenset("T")
        if s in ("T:", "Q:"):
            return frozenset(":")
        if s == "letter":
            return LETTERS
        if s == "acc":
            return OCTAVES | frozenset("#b")
        if s == "octave":
            return OCTAVES
        if s == "after_note":
            more = LETTERS if self.strings < MAX_STRINGS else frozenset()
            return more | (SEP if self.strings >= MIN_STRINGS else frozenset())
        if s == "Q":
            return frozenset("Q")
        if s == "tempo":
            out = DIGITS if 0 < self.width < MAX_DIGITS else frozenset()
            return (NONZERO if self.width == 0 else out) | (
                frozenset("\n") if self.width else frozenset()
            )
        if s == "token":
            return SLICE | frozenset("|")
        if s == "slice":
            if self.width < self.strings:
                return SLICE
            return SEP | frozenset(":")
        if s == "bar":
            return SEP
        if s == "dur":
            return NONZERO | frozenset("/")
        if s in ("num", "den"):
            out = SEP | (DIGITS if self.width < MAX_DIGITS else frozenset())
            return out | frozenset("/") if s == "num" else out
        if s == "den0":
            return NONZERO
        return frozenset()

    def feed(self, ch: str) -> None:
        if ch not in self.allowed():
            raise ParseError(f"{ch!r} cannot come next in tab model text (state {self.state})")
        s = self.state
        if s == "T":
            self.state = "T:"
        elif s == "T:":
            self.state = "letter"
        elif s == "letter":
            self.state = "acc"
        elif s == "acc":
            if ch in OCTAVES:
                self.strings += 1
                self.state = "after_note"
            else:
                self.state = "octave"
        elif s == "octave":
            self.strings += 1
            self.state = "after_note"
        elif s == "after_note":
            self.state = {" ": "Q", "\n": "token"}.get(ch, "acc")
        elif s == "Q":
            self.state = "Q:"
        elif s == "Q:":
            self.state, self.width = "tempo", 0
        elif s == "tempo":
            if ch == "\n":
                self.state = "token"
            else:
                self.width += 1
        elif s == "token":
            if ch == "|":
                self.state = "bar"
            else:
                self.state, self.width = "slice", 1
                self._slice_done()
        elif s == "slice":
            if ch in SEP:
                self.state = "token"
            elif ch == ":":
                self.state = "dur"
            else:
                self.width += 1
                self._slice_done()
        elif s == "bar":
            self.state = "token"
        elif s == "dur":
            self.state, self.width = ("den0", 0) if ch == "/" else ("num", 1)
        elif s in ("num", "den"):
            if ch in SEP:
                self.state = "token"
            elif ch == "/":
                self.state, self.width = "den0", 0
            else:
                self.width += 1
        elif s == "den0":
            self.state, self.width = "den", 1

    def _slice_done(self) -> None:
        if self.width == self.strings:
            self.slices += 1

    # the sampler's lifecycle (notetokens.grammar.Grammar): a tab has no form
    # rules, so it reads a prime strictly, closes by ending where it may, and
    # never winds down
    closing = False

    def begin(self) -> None:
        pass

    def close(self) -> None:
        pass

    def wind_down(self) -> None:
        pass

    def may_wind_down(self) -> bool:
        return False

    def resting(self) -> bool:
        return False

    def can_end(self) -> bool:
        if self.slices == 0:
            return False
        if self.state == "slice":
            return self.width == self.strings
        return self.state in ("bar", "num", "den")


def grammar() -> TabGrammar:
    return TabGrammar()
