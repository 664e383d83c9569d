"""Tunes in parts: the note-string grammar with repeat marks and endings.

On top of `NotesGrammar` (bars, header, tonic endings), `PartsGrammar` reads
and writes the marks `|:` `:|` `::` and the endings `| [1` ... `:| [2`, by the
rules `notetokens/repeats.py` checks, in written time (units since the body's
start):

- a part starts at the tune's start (or after its pickup, which is then a
  lead-in played once), after a part ends, or at a `|:` written in place of the
  bar line there; parts do not nest;
- `:|` (and `::`) comes where the part so far is a whole number of bars: at a
  bar line, or in a part that begins with the pickup, that many beats before
  it (the pickup fills the bar when the part comes round again); a mark that
  falls inside a bar is no bar line;
- `[1` follows a bar line inside a part, `[2` comes right after the `:|` that
  closes it, and the second ending lasts as many bars as the first (rounded up
  to whole bars), after which the next part begins;
- once a tune uses marks it ends at the end of a part: right after a `:|`, at
  the end of its second ending, or at the end of an unrepeated part after the
  others, on the tonic with `form`, after a multiple of four bars of the part.

`parts` chooses the form: "auto" (the model decides whether to write parts),
"AABB" (two parts of eight bars, each repeated), "AB" (two parts of eight bars
played once: sixteen bars, no marks), "free" (marks allowed, no phrase rule);
"one" (no marks at all) is `NotesGrammar` itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from . import durations
from .notes_grammar import DIGITS, PHRASE_BARS, Field, NotesGrammar

FORMS = ("auto", "AABB", "AB", "free", "one")  # "one": NotesGrammar itself (grammar_for)
PART_BARS = 8  # a part's bars in AABB and AB


class PartsGrammar(NotesGrammar):
    """`NotesGrammar` with repeat marks and endings (see the module)."""

    def __init__(
        self, fields: Mapping[str, Field] | None = None, min_notes: int = 0, min_bars: int = 0,
        *, required: str = "M", form: bool = False, relaxed: bool = False, parts: str = "auto",
    ) -> None:
        if parts not in FORMS[:-1]:
            raise ValueError(f"unknown form {parts!r}; known: {', '.join(FORMS)}")
        super().__init__(fields, min_notes, min_bars, required=required, form=form and parts != "free",
                         relaxed=relaxed)
        self.parts = parts
        self.t = Fraction(0)  # units written in the body
        self.extra = Fraction(0)  # units the repeats add when the tune is played out
        self.extra_notes = 0  # and the notes they add
        self.part_events = 0  # notes and chords read before the current part
        self.ending_events = 0  # and before its first ending
        self.first_bar_events = 0  # notes and chords of the pickup
        self.start_at = Fraction(0)  # where the current part starts
        self.opened = False  # a `|:` opened the current part
        self.ending = 0  # 1 or 2 while in that ending
        self.ending_at = Fraction(0)  # where the open ending started
        self.ending1 = Fraction(0)  # the first ending's length
        self.ending_end = Fraction(0)  # where the second ending ends
        self.expect2 = False  # the `:|` that closed [1 was read: `[2` next
        self.closed = 0  # parts closed
        self.marks_used = False
        self.boundary = ""  # what the last token before a separator was: "bar", "open", "close"
        self.just_closed = False  # the last token was a `:|` that ended a part
        self.last_tonic = False  # the last event sounded the tonic
        self.after_endings = False  # the last part closed with endings: the next repeats from a `|:`

    # -- the part's arithmetic -------------------------------------------------
    def _part_start(self) -> Fraction:
        """The current part's start; a part from the tune's start that is whole
        bars only after the pickup starts after it (the pickup is a lead-in)."""
        s, bar = self.start_at, self.bar_len
        if s == 0 and not self.opened and self.pickup and bar and (self.t - s) % bar:
            return self.pickup
        return s

    def _passed(self) -> Fraction:
        return self.t - self._part_start()

    def _part_bars(self) -> Fraction:
        assert self.bar_len is not None
        return self._passed() / self.bar_len

    def _bars_of(self, x: Fraction) -> Fraction:
        assert self.bar_len is not None
        return -(-x // self.bar_len) * self.bar_len

    def _close_point(self) -> Fraction | None:
        """Units into the current bar where the part so far will be whole bars
        (the bar's length where that is its end), or None without a meter."""
        bar = self.bar_len
        if bar is None:
            return None
        bar_start = self.t - self.pos
        return (self._part_start() - bar_start) % bar or bar

    def _longest_part(self) -> int | None:
        """Bars a part may have at most: eight in AABB and in a tune of a named
        type under "auto" (dance tunes' parts are eight bars, or four)."""
        if self.parts == "AABB" or (self.parts == "auto" and self.header.get("T")):
            return PART_BARS
        return None

    def _must_close(self) -> bool:
        """Steering to the part's end: closing, or a part in a tune in parts at
        its longest (AABB's at its eighth bar)."""
        if not self.marks_used and self.parts != "AABB":
            return False
        if self.closing:
            return True
        longest = self._longest_part()
        point = self._close_point()
        if longest and point is not None and self.ending != 2 and not self.relaxed:
            # the part's next whole-bar point (in this bar) makes it `longest` bars
            return self._passed() + (point - self.pos) >= longest * self.bar_len  # type: ignore[operator]
        return False

    def played_bars(self) -> Fraction:
        """Bars of the tune played out so far (the pickup counted once)."""
        if self.bar_len is None:
            return Fraction(0)
        return (self.t + self.extra - self.pickup) / self.bar_len

    # -- what may come ----------------------------------------------------------
    def key(self) -> tuple[object, ...]:
        bar = self.bar_len
        passed = self._passed()
        phase = None if bar is None else (
            passed % (PART_BARS * bar), min(passed // bar, PART_BARS + 1), passed > 0)
        return (
            *super().key(), self.marks_used, self.opened, self.ending, self.expect2, self.boundary,
            self.just_closed, self.last_tonic, self.after_endings, phase, self.start_at == 0, self.t == 0,
            self.ending_end - self.t if self.ending == 2 else None, min(self.closed, 3),
            self.bars if self.parts == "AB" else None, self.events > 0, self._enough(),
        )

    def _enough(self) -> bool:
        """The tune is long enough to end (min_notes and min_bars played out)."""
        return self.events + self.extra_notes >= self.min_notes and self.played_bars() >= self.min_bars

    def remaining(self) -> Fraction | None:
        r = super().remaining()
        if r is None:
            return r
        if self.ending == 2:
            r = min(r, self.ending_end - self.t)
        point = self._close_point()
        ahead = point is not None and (point > self.pos or (point == self.pos and self._close_allowed()))
        if ahead and self._must_close():
            assert point is not None
            r = min(r, point - self.pos)  # 0 at the point: the part closes here
        return r

    def _open_allowed(self, at_start: bool) -> bool:
        """`|:` may come here (at the body's start, or in place of a bar line)."""
        if self.parts == "AB" or self.bar_len is None or self.opened or self.ending or self.expect2:
            return False
        if self.parts == "AABB" and self.closed >= 2:
            return False
        if at_start:
            return self.t == 0 and self.events == 0
        # at a part's first bar line (after the pickup, a lead-in then)
        return self.relaxed or self.start_at <= self.t < self.start_at + self.bar_len

    def _close_allowed(self) -> bool:
        """`:|` may come here (after an event and a space)."""
        if self.parts == "AB" or self.bar_len is None or self.expect2 or self.ending == 2:
            return False
        if self.state != "sep" or self._just_barred or self.chord >= 0 or self.pos == 0:
            return False
        if self.after_endings and not self.opened:
            return False  # read back, this :| would close the last part's second ending
        if self.relaxed:
            return True
        passed = self._passed()
        if passed <= 0 or passed % self.bar_len or (self.ending == 1 and self.t <= self.ending_at):
            return False
        bars = passed / self.bar_len
        longest = self._longest_part()
        if longest and bars > longest and not (self.opened or self.ending == 1 or self.closing):
            # a long stretch without marks is no part; but a part winding down that
            # missed home at its eighth bar may still close on the tonic later
            return False
        if self.parts == "AABB":
            last = self.closed == 1
            return bars == PART_BARS and (not last or not self.form or self.last_tonic)
        if self.closing:  # this :| ends the tune: at home
            return not self.form or self.tonic is None or self.last_tonic
        return not self.form or bars % PHRASE_BARS == 0

    def _both_allowed(self) -> bool:
        if self.closing or (self.parts == "AABB" and self.closed):
            return False  # closing: the part ends the tune, none begins
        if self._longest_part() and self.closed >= 2:
            return False  # a dance tune has two or three parts: the third closes with :|
        return self._close_allowed() and self.ending == 0

    def _ending_allowed(self) -> bool:
        """`[1` may follow the bar line just read."""
        if self.expect2 or self.ending or self.boundary != "bar" or self.bar_len is None:
            return False
        if self.parts == "AB":
            return False
        if self.after_endings and not self.opened:
            return False
        longest = self._longest_part()
        if longest and not self.relaxed and self._passed() >= (longest - 1) * self.bar_len:
            return False  # no room left for the ending before the part's close
        return self.relaxed or self._passed() >= self.bar_len

    def _bar_allowed(self, after_sep: bool) -> bool:
        if self.expect2 or not after_sep or self.state == "bar" or self._just_barred:
            return False
        if self.bar_len is None or self.relaxed:
            return super()._bar_allowed(after_sep)
        full = self.pos == self.bar_len or (self.bars == 0 and self.pos > 0 and self.ending == 0)
        if not full:
            return False
        if self.parts == "AB" and self.bars + (self.pickup == 0) >= 2 * PART_BARS:
            return False
        return not (self._must_close() and self._close_allowed())

    def _event_allowed(self, after_sep: bool) -> frozenset[str]:
        if self.expect2:
            return frozenset("[") if after_sep else frozenset()
        out = set(super()._event_allowed(after_sep))
        if self.parts == "AABB" and self.closed >= 2:
            return frozenset()
        if self.remaining() == 0:
            out -= set("ABCDEFGR[")  # no room: the closing tonic too (the base offers it for a bar line)
        if self._close_allowed():
            out.add(":")
        if self.state == "body" and self._open_allowed(at_start=True):
            out.add("|")
        if self.parts == "AABB" and not self.marks_used and self.state == "body" and self.t == 0:
            out &= {"|"} | set("ABCDEFG")  # the first part begins here or after a pickup
        return frozenset(out)

    def allowed(self) -> frozenset[str]:
        s = self.state
        if s == "m_open":
            return frozenset(":")
        if s == "m_colon":
            both = self._both_allowed_at_colon
            return frozenset("|" + (":" if both else ""))
        if s in ("m_done", "ending"):
            if s == "m_done" and self.parts == "AABB" and self.closed >= 2:
                return frozenset()
            third = self._longest_part() and self.closed >= 3 and not self.relaxed
            if s == "m_done" and third and self.can_end():
                return frozenset()  # a dance tune has at most three parts: the third ends it
            return frozenset(" ")
        if s == "bar":
            return frozenset(" " + (":" if self._open_allowed(at_start=False) else ""))
        if s == "chord" and self.chord == 0 and self._bracket_mark:
            if self.expect2:
                return frozenset("2")
            return super().allowed() | (frozenset("1") if self._ending_allowed() else frozenset())
        out = super().allowed()
        if " " in out and s in ("note", "rest", "chord_end", "dur") and self.chord < 0 and not self.relaxed:
            after = self.copy()
            after._body_feed(" ")  # (feed would ask allowed() again)
            if not after.allowed() and not after.can_end():
                out -= {" "}  # the event ends the tune (AB's sixteenth bar, AABB's last ending)
        return out

    # -- the end ----------------------------------------------------------------
    def can_end(self) -> bool:
        if not self.marks_used:
            if self.parts == "AABB" or self.state in ("m_open", "bar"):
                return False
            if self.parts == "AB" and self.bars + (self.pickup == 0) != 2 * PART_BARS:
                return False
            return super().can_end()
        if self.relaxed:
            return self.state in ("m_done",) or super().can_end()
        if self.opened or self.ending == 1 or self.expect2 or self.events + self.extra_notes < self.min_notes:
            return False
        if self.played_bars() < self.min_bars:
            return False
        if self.parts == "AABB" and self.closed + (self.ending == 2) < 2:
            return False
        if self.state == "m_done":
            return self.just_closed and (not self.form or self.tonic is None or self.last_tonic)
        return self._event_ends_part()

    def _event_ends_part(self) -> bool:
        """The event being read ends the tune's last part, as the form wants."""
        if self.state not in ("note", "rest", "chord_end", "dur") or self.chord >= 0:
            return False
        v = durations.value(self.dur)
        if v is None or self.bar_len is None or self.pos + v > self.bar_len:
            return False  # (a duration being typed may be the prefix of one that fits)
        if self.form and self.tonic is not None and not self.on_tonic:
            return False
        end = self.t + v
        if self.ending == 2:
            return end == self.ending_end
        passed = end - self._part_start()
        whole = passed > 0 and passed % self.bar_len == 0
        if self.parts == "AABB" or (self.closed and self._longest_part()):
            return False  # a dance tune whose first part repeats repeats the last one too
        return whole and (not self.form or self.closing or (passed / self.bar_len) % PHRASE_BARS == 0)

    def _last_of_phrase(self) -> bool:
        if not self.marks_used or self.bar_len is None:
            return super()._last_of_phrase()
        bars = (self._passed() + self.bar_len - self.pos) / self.bar_len
        return not self.form or bars % PHRASE_BARS == 0

    # -- reading ----------------------------------------------------------------
    def feed(self, ch: str) -> None:
        if self.state in ("m_open", "m_colon", "m_done", "ending") or (
            self.state == "bar" and ch == ":"
        ) or (self.state == "chord" and self.chord == 0 and ch in DIGITS):
            if ch not in self.allowed():
                from .errors import ParseError

                raise ParseError(f"{ch!r} cannot follow here (state {self.state})")
            self._mark_feed(ch)
            return
        if ch == "[":
            self._bracket_mark = self._just_barred and self.boundary in ("bar", "close")
        was = self.state
        super().feed(ch)
        if ch == " " and was in ("note", "rest", "chord_end", "dur"):
            self.boundary = ""
        if was == "bar" and ch == " ":
            self.boundary = "bar"

    def _body_feed(self, ch: str) -> None:
        if ch == ":" and self.state in ("sep", "body"):
            self._both_allowed_at_colon = self._both_allowed()
            self.state = "m_colon"
            return
        if ch == "|" and self.state == "body":
            self.state = "m_open"
            return
        self.just_closed = False
        super()._body_feed(ch)

    def _mark_feed(self, ch: str) -> None:
        s = self.state
        self.marks_used = True
        if s == "m_open" or s == "bar":  # `|:` at the start, or in place of the bar line just read
            self._open()
            self.state, self.boundary = "m_done", "open"
        elif s == "m_colon":
            self._close(both=ch == ":")
            self.state, self.boundary = "m_done", "close"
        elif s == "chord":  # `[1` or `[2`
            self.state, self.chord, self.pitched = "ending", -1, False
            self.ending, self.ending_at = int(ch), self.t
            if self.ending == 1:
                self.ending_events = self.events
            if self.ending == 2:
                self.expect2 = False
                self.ending_end = self.t + self._bars_of(self.ending1)
        else:  # " " after a mark
            self.state, self.count = "sep", -1
            if self._close_at_next_token:
                self.closing, self._close_at_next_token = True, False

    def _open(self) -> None:
        self.start_at, self.opened, self.after_endings = self.t, True, False
        self.part_events = self.events

    def _close(self, both: bool) -> None:
        full = self.pos == self.bar_len
        start = self._part_start()
        if full:
            self._bar_line()
        if self.ending == 1:
            self.ending1 = self.t - self.ending_at
            self.extra += self.ending_at - start  # the body is played again
            lead_in = start != self.start_at
            self.extra_notes += self.ending_events - (self.first_bar_events if lead_in else self.part_events)
            self.ending, self.expect2 = 0, True
            self.start_at, self.opened = start, False
            return
        self.extra += self.t - start
        lead_in = start != self.start_at  # the pickup is heard once: its notes are not replayed
        self.extra_notes += self.events - (self.first_bar_events if lead_in else self.part_events)
        self.part_events = self.events
        self.closed += 1
        self.just_closed = True
        self.start_at, self.opened = self.t, both

    def _bar_line(self) -> None:
        if self.bars == 0:
            self.first_bar_events = self.events
        super()._bar_line()
        if self.parts == "AB" and self.bars + (self.pickup == 0) == 2 * PART_BARS and not self.relaxed:
            self.closing = True  # the sixteenth bar: close on the tonic
        if self.parts == "AABB" and self.closed == 1 and not self.relaxed:
            bars = self._passed() / self.bar_len if self.bar_len else 0
            if bars >= PART_BARS - 1:
                self.closing = True  # the last bar of the tune: close on the tonic
        third = self.parts == "auto" and self._longest_part() and self.closed == 2 and self.marks_used
        if third and not self.relaxed:
            bars = self._passed() / self.bar_len if self.bar_len else 0
            if bars >= PART_BARS - 1:
                self.closing = True  # the third part's last bar: home, and the tune ends there

    def _complete_event(self) -> None:
        v = durations.value(self.dur) or Fraction(1)
        if self.pitched:
            self.last_tonic = self.on_tonic
        elif self.state == "rest":
            self.last_tonic = False
        super()._complete_event()
        self.t += v
        if self.ending == 2 and self.t >= self.ending_end:
            self.ending = 0
            self.closed += 1
            self.start_at, self.opened, self.after_endings = self.t, False, True
            self.part_events = self.events
        if self.parts == "AABB" and self.closed >= 2:
            self.closing = True

    _bracket_mark = False
    _both_allowed_at_colon = False
