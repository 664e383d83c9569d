"""Form rules: what the sampler does besides drawing from the model.

The grammar says what may be written; a rule decides among what may be
written. Each rule is a small object built from the options (`build` returns
None where it does not apply) and asked by the sampler at fixed points of each
character, in `RULES` order:

- `stop(ctx)`: end the text here (before the character is asked for);
- `forced(ctx)`: a character to write instead of sampling one;
- `banned(ctx)`: characters that may not come next (a `soft` rule's bans are
  dropped where they would leave nothing to write);
- `before_choice(ctx)`: a last look before the draw (it may draw, `ctx.chooses_end()`);
- `pushed(ch, ctx)`: the character written.

`ctx` is the sampler (`Context`): its grammar, the text so far (prime included),
the characters sampled and the options. Adding a constraint is one class here
and one line in `RULES`.
"""

from __future__ import annotations

from typing import Any, Protocol

from notetokens.grammar import Restricted
from notetokens.notes_grammar import NotesGrammar

from .options import SampleOptions

GRACE = 400  # characters the grammar may add past max_chars to reach its nearest end


class Context(Protocol):
    grammar: Restricted | None
    text: list[str]
    n: int  # characters sampled so far
    options: SampleOptions

    def chooses_end(self) -> bool: ...

    def refresh(self) -> None: ...

    def permits(self, ch: str) -> bool: ...


class Rule:
    """The no-op rule: subclasses override the hooks they need."""

    soft = False

    def stop(self, ctx: Context) -> bool:
        return False

    def forced(self, ctx: Context) -> str | None:
        return None

    def banned(self, ctx: Context) -> set[str]:
        return set()

    def before_choice(self, ctx: Context) -> None:
        pass

    def pushed(self, ch: str, ctx: Context) -> None:
        pass


def _melodic(grammar: Restricted | None) -> bool:
    return grammar is not None and isinstance(grammar.facts(), NotesGrammar)


class NearestEnd(Rule):
    """At `max_chars` the grammar closes (steers to its nearest end) and the text
    ends at the first end it allows, at most GRACE characters later (cut between
    tokens then); a closing grammar (one winding down) also ends at its first end.
    Without a grammar the text simply stops at `max_chars`."""

    def __init__(self, cap: int | None, grace: int) -> None:
        self.cap, self.limit, self.closed = cap, None if cap is None else cap + grace, False

    @classmethod
    def build(cls, options: SampleOptions, grammar: Restricted | None, prime: str) -> Rule:
        return cls(options.max_chars, GRACE if grammar is not None else 0)

    def stop(self, ctx: Context) -> bool:
        reached = self.cap is not None and ctx.n >= self.cap
        g = ctx.grammar
        if g is None:
            return reached
        if reached and ctx.n >= self.limit and (g.can_end() or g.resting()):  # type: ignore[operator]
            return True
        if reached and not self.closed:
            self.closed = True
            g.close()
        return g.can_end() and (reached or g.closing)


class PhraseEchoRule(Rule):
    """The echo (models/echo.py): replays earlier bars where folk tunes repeat."""

    def __init__(self, chance: float, seed: int | None, ctx_prime: list[str], grammar: Restricted) -> None:
        from .echo import PhraseEcho

        self.echo = PhraseEcho(chance, seed)
        for ch in ctx_prime:
            self.echo.push(ch, grammar.facts())

    @classmethod
    def build(cls, options: SampleOptions, grammar: Restricted | None, prime: str) -> Rule | None:
        if options.echo <= 0 or grammar is None or not _melodic(grammar):
            return None
        return cls(options.echo, options.seed, list(prime), grammar)

    def forced(self, ctx: Context) -> str | None:
        ch = self.echo.forced()
        if ch is None:
            return None
        if not ctx.permits(ch):  # a winding-down or closing tune: sampling takes over
            self.echo.drop()
            return None
        self.echo.took()
        return ch

    def pushed(self, ch: str, ctx: Context) -> None:
        self.echo.push(ch, ctx.grammar.facts())  # type: ignore[union-attr]


class LoopGuardRule(Rule):
    """The loop guard (models/loopguard.py); it never blocks the only way on."""

    soft = True

    def __init__(self) -> None:
        from .loopguard import LoopGuard

        self.guard = LoopGuard()

    @classmethod
    def build(cls, options: SampleOptions, grammar: Restricted | None, prime: str) -> Rule | None:
        return cls() if options.loop_guard else None

    def banned(self, ctx: Context) -> set[str]:
        return self.guard.banned(ctx.text)


class WindDown(Rule):
    """Where the model would end but the form may not yet, the tune winds down
    (its notes until the bar that completes four, then the tonic to the bar's
    end) instead of going on: the draw is made with the end token allowed."""

    @classmethod
    def build(cls, options: SampleOptions, grammar: Restricted | None, prime: str) -> Rule | None:
        return cls() if grammar is not None and options.form else None

    def before_choice(self, ctx: Context) -> None:
        g = ctx.grammar
        if g is not None and not g.can_end() and g.may_wind_down() and ctx.chooses_end():
            g.wind_down()
            ctx.refresh()


class PitchRange(Rule):
    """`range`: every sampled pitch inside LOW-HIGH (the prime is left as written).
    At a note's octave digit, the digits that would leave the range are banned."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    @classmethod
    def build(cls, options: SampleOptions, grammar: Restricted | None, prime: str) -> Rule | None:
        if options.range is None or grammar is None:
            return None
        if not _melodic(grammar):
            from .options import OptionError

            raise OptionError("range", options.range, "keeps the pitches of a note-string model only")
        from .options import pitch_range

        return cls(*pitch_range("range", options.range))

    def banned(self, ctx: Context) -> set[str]:
        notes = ctx.grammar.facts()  # type: ignore[union-attr] # a NotesGrammar (see build)
        return {d for d in "0123456789" if (p := notes.pitch_after(d)) is not None
                and not self.low <= p <= self.high}


# The rules in the order the sampler asks them (the end first, the echo before
# the guard, the wind-down last, next to the draw it shapes).
RULES: list[Any] = [NearestEnd, PhraseEchoRule, LoopGuardRule, WindDown, PitchRange]


def rules_for(options: SampleOptions, grammar: Restricted | None, prime: str) -> list[Rule]:
    """The rules that apply, built in `RULES` order (after the prime is read)."""
    return [rule for make in RULES if (rule := make.build(options, grammar, prime)) is not None]

