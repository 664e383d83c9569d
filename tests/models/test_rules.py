"""Each form rule on its own (models/rules.py), against the real note-string
grammar and a scripted context instead of a model: what it stops, forces,
bans or changes, at the point the sampler asks it."""

from __future__ import annotations

import string
from dataclasses import dataclass, field

import pytest

from notegen.models import rules
from notegen.models.options import SampleOptions
from notetokens.grammar import Restricted, grammar_for

HEADER = "L:1/8 M:4/4 K:G\n"
BARS = ["G4 A4 B4 C5 D5 E5 D5 B4", "A4 B4 C5 D5 E5 D5 B4 A4", "G4:2 B4:2 D5:2 B4:2", "A4:2 C5:2 E5:2 C5:2"]


@dataclass
class Script:
    """A rules.Context with no model: `wants_end` is what `chooses_end` answers."""

    grammar: Restricted | None
    options: SampleOptions = field(default_factory=SampleOptions)
    text: list[str] = field(default_factory=list)
    n: int = 0
    wants_end: bool = False
    refreshed: int = 0

    def chooses_end(self) -> bool:
        return self.wants_end

    def refresh(self) -> None:
        self.refreshed += 1

    def permits(self, ch: str) -> bool:
        return self.grammar is None or ch in self.grammar.allowed()

    def write(self, text: str, *watchers: rules.Rule) -> None:
        for ch in text:
            if self.grammar is not None:
                self.grammar.feed(ch)
            self.text.append(ch)
            self.n += 1
            for rule in watchers:
                rule.pushed(ch, self)


def notes_grammar(**kw) -> Restricted:
    g = grammar_for("notes", {}, alphabet=frozenset(string.printable), **kw)
    g.begin()
    return g


def test_nearest_end_without_a_grammar_stops_exactly_at_the_cap():
    rule = rules.NearestEnd.build(SampleOptions(max_chars=5), None, "")
    ctx = Script(None)
    stops = []
    for _ in range(8):
        stops.append(rule.stop(ctx))
        ctx.n += 1
    assert stops == [False] * 5 + [True] * 3


def test_nearest_end_closes_the_grammar_at_the_cap_and_stops_at_its_first_end():
    g = notes_grammar(min_notes=0)
    rule = rules.NearestEnd.build(SampleOptions(max_chars=len(HEADER) + 6), g, "")
    ctx = Script(g)
    ctx.write(HEADER + "G4 A4 ")  # the cap falls inside bar 1
    assert not g.can_end()
    assert rule.stop(ctx) is False and g.closing  # closed, not yet at an end
    while not rule.stop(ctx):  # the sampler takes what the closing grammar allows first
        ctx.write(sorted(g.allowed())[0])
        assert ctx.n < len(HEADER) + 6 + rules.GRACE
    assert g.can_end()


def test_the_echo_replays_bars_one_and_two_at_bar_five():
    g = notes_grammar()
    ctx = Script(g)
    echo = rules.PhraseEchoRule.build(SampleOptions(echo=1.0, seed=1), g, "")
    ctx.write(HEADER + " | ".join(BARS) + " |", echo)
    replay = []
    while (ch := echo.forced(ctx)) is not None:
        replay.append(ch)
        ctx.write(ch, echo)
    assert "".join(replay).split() == " ".join([BARS[0], "|", BARS[1], "|"]).split()


def test_no_echo_at_chance_zero_and_none_for_text():
    g = notes_grammar()
    assert rules.PhraseEchoRule.build(SampleOptions(echo=0.0), g, "") is None
    assert rules.PhraseEchoRule.build(SampleOptions(echo=1.0), None, "") is None


def test_the_echo_gives_way_where_the_grammar_does_not_allow_its_character():
    g = notes_grammar()
    ctx = Script(g)
    echo = rules.PhraseEchoRule.build(SampleOptions(echo=1.0, seed=1), g, "")
    ctx.write(HEADER + " | ".join(BARS) + " |", echo)
    ctx.permits = lambda ch: False  # type: ignore[method-assign] # a closing tune allows none of it
    assert echo.forced(ctx) is None
    ctx.permits = lambda ch: True  # type: ignore[method-assign]
    assert echo.forced(ctx) is None  # the echo was dropped, not postponed


def test_the_loop_guard_bans_the_next_copy_and_only_then():
    guard = rules.LoopGuardRule.build(SampleOptions(), None, "")
    assert guard.soft  # its bans never leave nothing to write
    loop = Script(None, text=list(HEADER + "G4 A4 B4 | " * 12))
    varied = Script(None, text=list(HEADER + " | ".join(BARS) + " | "))
    assert guard.banned(loop) and guard.banned(varied) == set()
    assert rules.LoopGuardRule.build(SampleOptions(loop_guard=False), None, "") is None


def test_wind_down_only_where_the_model_would_end_too_early():
    g = notes_grammar(min_notes=0)
    ctx = Script(g)
    wind = rules.WindDown.build(SampleOptions(), g, "")
    ctx.write(HEADER + BARS[0] + " | ")  # one bar: the form wants four
    assert not g.can_end() and g.may_wind_down()
    wind.before_choice(ctx)  # the model does not want to end: nothing changes
    assert ctx.refreshed == 0 and not g.facts().winding
    ctx.wants_end = True
    wind.before_choice(ctx)
    assert ctx.refreshed == 1 and g.facts().winding
    assert rules.WindDown.build(SampleOptions(form=False), g, "") is None


@pytest.mark.parametrize(("span", "allowed", "banned"), [("G3-E6", "345", "0126789"), ("C4-B4", "4", "3567")])
def test_pitch_range_bans_the_octaves_outside_it(span, allowed, banned):
    g = notes_grammar()
    ctx = Script(g)
    rule = rules.PitchRange.build(SampleOptions(range=span), g, "")
    ctx.write(HEADER + "G")  # a note letter: its octave digit comes next
    out = rule.banned(ctx)
    assert set(banned) <= out and not set(allowed) & out
    assert rules.PitchRange.build(SampleOptions(), g, "") is None


def test_rules_for_builds_the_registered_rules_in_order():
    g = notes_grammar()
    built = rules.rules_for(SampleOptions(range="G3-E6", seed=1), g, "")
    assert [type(r) for r in built] == rules.RULES
    assert [type(r) for r in rules.rules_for(SampleOptions(echo=0, loop_guard=False), None, "")] == [
        rules.NearestEnd]
