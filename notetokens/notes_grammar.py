"""The incremental grammar of note-string model text.

It accepts the canonical form `to_model_text` writes, a strict subset of what
`notes.parse` reads: a header line with fields in the order T L M K Q (the meter
required, each value from a known set), then single spaces between tokens,
octave digits always written (C0 to G9; a model that never saw a header writes
none, and its bar lines are free), at most two accidentals of one kind, chords
of two to four notes, and durations from `durations.CANDIDATES`.

Bars add up by construction: a note fits in what is left of its bar, a bar line
comes exactly when the bar is full, and only the first bar may be shorter (a
pickup). A tune may end only where a bar is full or where its last bar
completes the pickup, and only after `min_notes` notes and `min_bars` bars.
With `form` (the sampler's default), a tune ends only on its key's tonic and
after a multiple of four bars. `fields` fixes header values (`{"T": "reel"}`)
or narrows them to a choice (`{"M": ("3/4", "6/8")}`). `close()` (the
sampler's character cap) steers to the nearest end: no new chords or rests, no
note shorter than a unit while one fits, and with `form` only the tonic, held
to the bar's end where one note can fill it (the multiple of four is waived).
While `relaxed` (a prime the user wrote), any meter, free bar lines and any
duration are read, and bar positions are kept for what follows. Repeat marks
are notetokens/parts_grammar.py's, on top of this one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction

from . import durations
from .errors import ParseError
from .header_values import METERS, MODES, NEXT_CHARS, UNITS, VALUES  # noqa: F401 (re-exported)
from .notes_reader import KEY_RE, LETTER_PC

LETTERS = frozenset("ABCDEFG")
DIGITS = frozenset("0123456789")
HEADER_KEYS = "TLMKQ"
PHRASE_BARS = 4  # with `form`, a tune's length in bars is a multiple of this
EVENT_START = LETTERS | {"R", "["}
Field = str | tuple[str, ...]  # a fixed header value, or the values to choose from
MAX_CHORD = 4
EVENT_END = ("note", "rest", "chord_end", "dur")
WIND_STATES = ("sep", *EVENT_END)  # where a tune may begin to wind down
_RELAXED_DUR = re.compile(r"\d*(/\d*)?")




class NotesGrammar:
    """`allowed()` / `feed(ch)` / `can_end()` over note-string model text."""

    def __init__(
        self, fields: Mapping[str, Field] | None = None, min_notes: int = 0, min_bars: int = 0,
        *, required: str = "M", form: bool = False, relaxed: bool = False,
    ) -> None:
        self.fields = dict(fields or {})
        self.min_notes = min_notes
        self.min_bars = min_bars
        self.required = required  # header fields that must be written ("" for a headerless model)
        self.form = form  # end only on the tonic, after a multiple of PHRASE_BARS bars
        self.tonic: tuple[str, str] | None = None  # the key's tonic: letter, accidental
        self.relaxed = relaxed
        self.closing = False
        self._close_at_next_token = False
        self.winding = False  # see wind_down()
        self.state = "start"
        self.written = ""  # header keys written so far
        self.hval = ""  # the header value being read
        self.header: dict[str, str] = {}
        self.bar_len: Fraction | None = None  # units per bar; None without a meter
        self.pos = Fraction(0)  # units into the current bar
        self.bars = 0  # bar lines read
        self.pickup = Fraction(0)  # the first bar's length when shorter than a bar
        self.events = 0  # notes and chords read
        self.letter, self.acc, self.count = "C", "", 0
        self.chord = -1  # notes in the open chord; -1 outside a chord
        self.dur: str | None = None  # duration text after ':' being read
        self.pitched = False  # the event being read has a pitch
        self.on_tonic = False  # the event being read sounds the tonic

    @classmethod
    def reading(cls) -> NotesGrammar:
        """A grammar that reads any canonical note string (relaxed): how the
        sampler reads a prime before the rules hold."""
        return cls(relaxed=True)

    def copy(self) -> NotesGrammar:
        g = type(self).__new__(type(self))
        g.__dict__.update(self.__dict__)
        return g

    def key(self) -> tuple[object, ...]:
        """What `allowed()` and the finishing look-ahead depend on (no counters)."""
        return (
            self.state, self.written, self.hval, self.bar_len, self.pos, self.bars == 0, self.pickup,
            self.letter, self.acc, self.count, self.chord, self.dur, self.relaxed, self.closing,
            self.on_tonic,
        )

    def close(self) -> None:
        """Steer to the nearest end (see `closing`), from the next token on: the
        token being written may already need what closing forbids."""
        if self.resting() or self.state.startswith("h") or self.state == "start":
            self.closing = True
        else:
            self._close_at_next_token = True

    def wind_down(self) -> None:
        """The model would end here, but may not: close (as `close()`) in the bar
        that completes the next multiple of four bars, so the tune ends there."""
        self.winding = True
        if self._last_of_phrase():
            self.close()

    def may_wind_down(self) -> bool:
        """Where the model would end but the form may not yet: between tokens
        or after a complete event, with `min_notes` notes (and one) written."""
        return (
            self.form and not self.winding and not self.closing and self.state in WIND_STATES
            and self.events >= max(1, self.min_notes)
        )

    def pitch_after(self, ch: str) -> int | None:
        """The MIDI pitch of the note being written if `ch` (its octave digit)
        comes next; None where `ch` completes no pitch."""
        if self.state != "letter" or ch not in DIGITS:
            return None
        shift = self.count if self.acc == "#" else -self.count
        return 12 * (int(ch) + 1) + LETTER_PC[self.letter] + shift

    def _last_of_phrase(self) -> bool:
        """The bar being written completes a multiple of PHRASE_BARS bars."""
        bars = self.bars + (self.pickup == 0) + (self.bars == 0 and self.pos == 0)
        return not self.form or self.bar_len is None or bars % PHRASE_BARS == 0

    def begin(self) -> None:
        """End of the prime: what follows is held to every rule."""
        self.relaxed = False
        if self.bar_len is not None and self.pos > self.bar_len:
            self.pos %= self.bar_len
            self.pos = self.pos or self.bar_len  # a full bar wants its bar line

    # -- queries -----------------------------------------------------------
    def remaining(self) -> Fraction | None:
        if self.bar_len is None or self.relaxed:
            return None
        return self.bar_len - self.pos

    def can_end(self) -> bool:
        if self.state not in EVENT_END or self.chord >= 0:
            return False
        v = durations.value(self.dur)
        if v is None:
            return False
        events = self.events + self.pitched
        if events == 0 or events < self.min_notes:
            return False
        if self.relaxed:
            return True
        if self.form and self.tonic is not None and not self.on_tonic:
            return False
        if self.bar_len is None:
            return True
        end = self.pos + v
        bars = self.bars + (self.pickup == 0)  # whole bars at the end (pickup + last bar = one)
        if bars < self.min_bars or (self.form and not self.closing and bars % PHRASE_BARS):
            return False
        return end == self.bar_len or (self.pickup > 0 and end == self.bar_len - self.pickup)

    def resting(self) -> bool:
        """Between tokens of the body: from here the text can always go on."""
        return self.state in ("sep", "body")

    def allowed(self) -> frozenset[str]:
        s = self.state
        if s in ("start", "h_after"):
            keys = self._next_keys()
            free = self.relaxed or not self.required
            return keys | (EVENT_START if s == "start" and free else frozenset())
        if s == "h_key":
            return frozenset(":")
        if s == "h_val":
            return self._value_allowed()
        if s in ("body", "sep"):
            return self._event_allowed(s == "sep")
        if s == "letter":
            if self._tonic_only():
                assert self.tonic is not None
                return frozenset({self.tonic[1]}) if self.count < len(self.tonic[1]) else self._octaves()
            more = self.count < 2
            return self._octaves() | ({"#", "b"} if more and not self.acc else {self.acc} if more else set())
        if s == "note" and self.chord >= 0:
            return frozenset(
                ({" "} if self.chord < MAX_CHORD else set()) | ({"]"} if self.chord >= 2 else set())
            )
        if s in ("note", "rest", "chord_end"):
            return self._duration_allowed(None)
        if s == "dur":
            return self._duration_allowed(self.dur)
        if s == "chord":
            return LETTERS
        if s == "bar":
            return frozenset(" ")
        raise AssertionError(f"unknown grammar state {s}")  # a bug, not user input

    def _next_keys(self) -> frozenset[str]:
        last = HEADER_KEYS.index(self.written[-1]) if self.written else -1
        out = set()
        for k in HEADER_KEYS[last + 1 :]:
            out.add(k)
            if k in self.fields or (k in self.required and not self.relaxed):
                break  # a required field cannot be skipped
        return frozenset(out)

    def _header_done(self) -> bool:
        need = set(self.fields) | (set() if self.relaxed else set(self.required))
        return need <= set(self.written)

    def _value_allowed(self) -> frozenset[str]:
        field, prefix = self.written[-1], self.hval
        if field in self.fields:
            choice = self.fields[field]
            values = (choice,) if isinstance(choice, str) else choice
            nxt = {v[len(prefix)] for v in values if len(v) > len(prefix) and v.startswith(prefix)}
            complete = prefix in values
        elif self.relaxed and field in "LMQ":
            nxt = set(DIGITS | {"/"})
            pattern = r"[1-9]\d*" if field == "Q" else r"[1-9]\d*(/[1-9]\d*)?"
            complete = re.fullmatch(pattern, prefix) is not None
        else:
            nxt = set(NEXT_CHARS[field].get(prefix, ()))
            complete = prefix in VALUES[field] and (field != "K" or bool(KEY_RE.match(prefix)))
        if complete:
            if self._next_keys() - {field} and self.written[-1] != HEADER_KEYS[-1]:
                nxt.add(" ")
            if self._header_done():
                nxt.add("\n")
        return frozenset(nxt)

    def _bar_allowed(self, after_sep: bool) -> bool:
        """A bar line may come next: the bar is full, or it ends the pickup."""
        if not after_sep or self.state == "bar" or self._just_barred:
            return False
        r = self.remaining()
        return r is None or r == 0 or (self.bars == 0 and self.pos > 0)

    def _event_allowed(self, after_sep: bool) -> frozenset[str]:
        r = self.remaining()
        bar = self._bar_allowed(after_sep)
        out = set()
        if self._tonic_only():
            assert self.tonic is not None
            out.add(self.tonic[0])  # closing: the tune's last notes are the tonic
        elif r is None or r > 0:
            out |= LETTERS | (set() if self.closing else {"R", "["})
        if bar:
            out.add("|")
        return frozenset(out)

    def _tonic_only(self) -> bool:
        return self.closing and self.form and self.tonic is not None and self.chord < 0 and not self.relaxed

    @property
    def _just_barred(self) -> bool:
        return self.state == "sep" and self.count == -1

    def _duration_allowed(self, prefix: str | None) -> frozenset[str]:
        # without a meter, lengths still come from durations.CANDIDATES (up to
        # MAX_UNITS): a free-meter tune once wrote `:2254`, past the decoder's limit
        if self.relaxed:
            if prefix is None:
                return frozenset(": ")
            ok = _RELAXED_DUR.fullmatch(prefix) is not None
            done = durations.value(prefix) is not None
            return frozenset((DIGITS | {"/"} if ok else set()) | ({" "} if done else set()))
        r = self.remaining()
        last = durations.suffix(r) if r and r in durations.PLAIN else None
        if self._tonic_only() and last is not None and self.state != "rest":
            # the closing tonic holds to the end of the bar: one last long note
            # (where the rest of the bar is no plain length, several tonic notes fill it)
            typed = prefix or ""
            if prefix is None:
                return frozenset(":" if last else " ")
            return frozenset(last[len(typed)] if len(typed) < len(last) else " ")
        nxt, whole = durations.next_chars(prefix or "", r, self.closing)
        if prefix is None:  # a note, rest or chord without a duration yet
            one = durations.fits(Fraction(1), self.remaining(), self.closing)
            return frozenset(({":"} if nxt else set()) | ({" "} if one else set()))
        return frozenset(nxt | ({" "} if whole else set()))

    def _octaves(self) -> frozenset[str]:
        """Octave digits that keep the pitch in C0..G9 (MIDI 12..127)."""
        shift = self.count if self.acc == "#" else -self.count
        base = LETTER_PC[self.letter] + shift
        return frozenset(d for d in DIGITS if 12 <= 12 * (int(d) + 1) + base <= 127)

    # -- transitions -------------------------------------------------------
    def feed(self, ch: str) -> None:
        if ch not in self.allowed():
            raise ParseError(f"{ch!r} cannot follow here (state {self.state})")
        s = self.state
        if s in ("start", "h_after") and ch in HEADER_KEYS:
            self.state, self.written, self.hval = "h_key", self.written + ch, ""
        elif s == "h_key":
            self.state = "h_val"
        elif s == "h_val":
            self._header_feed(ch)
        else:
            self._body_feed(ch)

    def _header_feed(self, ch: str) -> None:
        if ch not in " \n":
            self.hval += ch
            return
        self.header = {**self.header, self.written[-1]: self.hval}  # copies share the old one
        self.state = "h_after" if ch == " " else "body"
        if ch == "\n":
            self._set_meter()

    def _set_meter(self) -> None:
        meter, unit, key = self.header.get("M"), self.header.get("L", "1/4"), self.header.get("K")
        if meter is not None:
            self.bar_len = Fraction(meter) / Fraction(unit)
        if key:
            self.tonic = (key[0], key[1] if key[1:2] in ("#", "b") else "")

    def _body_feed(self, ch: str) -> None:
        s = self.state
        if ch == " ":
            if s in EVENT_END and self.chord < 0:
                self._complete_event()
                self.state, self.count = "sep", 0
            elif s == "bar":
                self.state, self.count = "sep", -1  # no second bar line
            else:  # between chord notes
                self.state = "chord"
            if self.state == "sep" and self._close_at_next_token:
                self.closing, self._close_at_next_token = True, False
        elif ch == "|":
            self._bar_line()
        elif ch == "[":
            self.state, self.chord, self.pitched, self.on_tonic = "chord", 0, True, False
        elif ch == "]":
            self.state, self.chord, self.dur = "chord_end", -1, None
        elif ch == "R":
            self.state, self.dur, self.pitched, self.on_tonic = "rest", None, False, False
        elif ch in LETTERS and s in ("body", "sep", "chord", "start"):
            self.state, self.count, self.acc, self.letter = "letter", 0, "", ch
            if self.chord < 0:
                self.pitched, self.dur = True, None
        elif s == "letter" and ch in "#b":
            self.count, self.acc = self.count + 1, ch
        elif s == "letter":
            self.state = "note"
            pc = self._pc(self.letter, self.acc * self.count)
            tonic = self.tonic is not None and pc == self._pc(*self.tonic)
            if self.chord >= 0:
                self.chord += 1
                self.on_tonic = self.on_tonic or tonic
            else:
                self.on_tonic = tonic
        elif ch == ":":
            self.state, self.dur = "dur", ""
        else:  # a duration character
            self.dur = (self.dur or "") + ch

    def _bar_line(self) -> None:
        """A bar line read (`|`, or a repeat mark's)."""
        self.state = "bar"
        if self.bars == 0 and self.bar_len is not None and 0 < self.pos < self.bar_len:
            self.pickup = self.pos
        self.bars += 1
        self.pos = Fraction(0)
        if self.winding and self._last_of_phrase():
            self.closing = True

    @staticmethod
    def _pc(letter: str, acc: str) -> int:
        return (LETTER_PC[letter] + acc.count("#") - acc.count("b")) % 12

    def _complete_event(self) -> None:
        v = durations.value(self.dur) or Fraction(1)
        self.pos += v
        self.events += self.pitched
        self.pitched, self.dur = False, None
