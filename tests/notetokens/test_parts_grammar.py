"""The grammar of tunes in parts: every walk it allows reads back as a tune in
parts with bars that add up; what breaks the repeat rules is refused."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from notetokens import notes
from notetokens.bars import bar_errors
from notetokens.grammar import accepts
from notetokens.parts_grammar import PART_BARS, PartsGrammar

FIELDS = ({"L": "1/8", "M": "4/4", "K": "G"}, {"L": "1/8", "M": "6/8", "K": "D"},
          {"L": "1/8", "M": "3/4", "K": "Em"}, {"L": "1/8", "M": "2/4", "K": "A"})
SIMPLE = [":2", ":3", ":4", ":6", ""]  # folk lengths, so that walks finish soon


def walk(rng: random.Random, g: PartsGrammar, steps: int, close: bool = False) -> str | None:
    """Random characters (marks when offered, half the time), then the way to an
    end; None when no end came within 600 characters (a wandering walk)."""
    out: list[str] = []
    for i in range(steps + 600):
        if i == steps and close:
            g.close()
        if i >= steps and g.can_end():
            return "".join(out)
        options = sorted(g.allowed())
        assert options, f"a dead end: {''.join(out)!r}"
        marks = [c for c in options if c in ":|[12"]
        plain = [c for c in options if c not in "#b/[R"] or options
        ch = rng.choice(marks if marks and rng.random() < 0.5 else plain if i >= steps else options)
        g.feed(ch)
        out.append(ch)
    return None


def header(fields: dict[str, str]) -> str:
    return " ".join(f"{k}:{fields[k]}" for k in "LMK") + "\n"


@pytest.mark.parametrize("form", ["auto", "AABB", "free"])
def test_every_walk_reads_back_in_parts_with_bars_that_add_up(form: str):
    rng = random.Random(11)
    finished = in_parts = 0
    for _ in range(60):
        fields = rng.choice(FIELDS)
        g = PartsGrammar(fields, min_notes=4, form=form != "free", parts=form)
        text = walk(rng, g, rng.randint(10, 250), close=rng.random() < 0.5)
        if text is None:
            continue
        finished += 1
        score = notes.parse(text)  # the marks fit (a RepeatError would say where they do not)
        assert bar_errors(text) == [], text
        in_parts += bool(score.sections)
        if form == "AABB":
            bar = Fraction(4 * score.meter.numerator, score.meter.denominator)
            assert len(score.sections) == 2, text
            played = score.played_out().end  # 32 bars, and the lead-ins of A and B (each under a bar)
            assert 4 * PART_BARS <= played / bar < 4 * PART_BARS + 2, text
    assert finished >= 20
    assert in_parts >= finished // 2


def test_ab_is_sixteen_bars_without_marks():
    rng = random.Random(5)
    for _ in range(20):
        fields = rng.choice(FIELDS)
        text = walk(rng, PartsGrammar(fields, min_notes=4, form=True, parts="AB"), rng.randint(10, 200), True)
        if text is None:
            continue
        assert ":|" not in text and "|:" not in text
        assert bar_errors(text) == []
        score = notes.parse(text)
        bar = Fraction(4 * score.meter.numerator, score.meter.denominator)
        assert not score.sections and 2 * PART_BARS - 1 < (score.end - score.pickup) / bar <= 2 * PART_BARS


G = "M:4/4 K:G\n"
A_PART = "G4 A4 B4 C5 | D5:4 | D5 C5 B4 A4 |"  # three bars


@pytest.mark.parametrize("text, ok", [
    (G + "|: G4 A4 B4 C5 | D5:4 | E5:4 | G4:4 :|", True),  # a part, repeated, home
    (G + "G4 A4 B4 C5 | D5:4 | E5:4 | G4:4 :|", True),  # from the tune's start, no |:
    (G + "|: G4 A4 B4 C5 | D5:4 | E5:4 | G4:2 :|", False),  # :| before the bar is full
    (G + "|: G4 A4 B4 C5 | D5:4 | E5:4 | D4:4 :|", False),  # not home at the end
    (G + "|: G4 A4 B4 C5 | D5:4 | E5:4 | G4:4", False),  # a part left open
    (G + "|: " + A_PART + " [1 D5:4 :| [2 G4:4", True),  # endings of one bar each
    (G + "|: " + A_PART + " [1 D5:4 :| [2 G4:2", False),  # the second ending short
    (G + "|: " + A_PART + " [2 G4:4", False),  # [2 with no [1
    (G + "|: " + A_PART + " [1 D5:4 :| G4:4", False),  # no [2 after the first ending's :|
    (G + "|: " + A_PART + " D5:4 | E5:4 | G4:4 :|", False),  # 6 bars: no phrase of four
    (G + "D4 |: " + A_PART + " D5:4 | E5:4 | D5:4 | E5:4 | G4:4 :|", True),  # a lead-in pickup
    ("L:1/8 M:6/8 K:D\n|: A4 | D5:3 F#5:2 A4 | " + " | ".join(["D5:6"] * 6) + " | D5:5 :|", True),
])
def test_repeat_rules(text: str, ok: bool):
    assert accepts(PartsGrammar(form=True), text) is ok, text
    if ok:
        assert notes.parse(text).sections


def test_aabb_repeats_two_parts_of_eight_bars():
    part = " | ".join(["G4:4"] * 7) + " | G4:4"
    tune = G + "|: " + part + " :: " + part + " :|"
    assert accepts(PartsGrammar(form=True, parts="AABB"), tune)
    assert not accepts(PartsGrammar(form=True, parts="AABB"), G + "|: " + part + " :|")  # one part
    short = " | ".join(["G4:4"] * 4)
    assert not accepts(PartsGrammar(form=True, parts="AABB"), G + "|: " + short + " :: " + short + " :|")
    played = notes.parse(tune).played_out()
    assert played.end == 32 * 4


def test_marks_are_offered_only_where_they_may_come():
    g = PartsGrammar({"M": "4/4", "K": "G"}, form=True)
    for ch in "M:4/4 K:G\n":
        g.feed(ch)
    assert "|" in g.allowed()  # `|:` at the start
    for ch in "|: G4:4 ":
        g.feed(ch)
    assert ":" not in g.allowed()  # one bar is no phrase
    for ch in "| G4:4 | G4:4 | G4:4 ":
        g.feed(ch)
    assert ":" in g.allowed() and "|" in g.allowed()
    g.close()
    assert "|" not in g.allowed()  # closing: the part ends here


def test_min_notes_and_bars_count_the_tune_played_out():
    tune = G + "|: G4 A4 B4 C5 | D5:4 | E5:4 | G4:4 :|"  # 7 notes written, 14 played
    assert accepts(PartsGrammar(min_notes=14, form=True), tune)
    assert not accepts(PartsGrammar(min_notes=15, form=True), tune)
    assert accepts(PartsGrammar(min_bars=8, form=True), tune)
    assert not accepts(PartsGrammar(min_bars=9, form=True), tune)


def test_a_dance_tune_in_parts_has_parts_of_eight_bars_or_four():
    reel = "T:reel M:4/4 K:G\n"
    bars = lambda n: " | ".join(["G4:4"] * n)  # noqa: E731
    assert accepts(PartsGrammar(form=True), reel + "|: " + bars(8) + " :|")
    assert accepts(PartsGrammar(form=True), reel + "|: " + bars(4) + " :|")
    assert not accepts(PartsGrammar(form=True), reel + "|: " + bars(12) + " :|")
    assert accepts(PartsGrammar(form=True), G + "|: " + bars(12) + " :|")  # no type: any phrase
    # the eighth bar of a part in a tune in parts closes it: no bar line there
    g = PartsGrammar(form=True)
    for ch in reel + "|: " + bars(7) + " | G4:4 ":
        g.feed(ch)
    assert "|" not in g.allowed() and ":" in g.allowed()
    # a first ending must leave room for the close by bar 8
    assert not accepts(PartsGrammar(form=True), reel + "|: " + bars(8) + " | [1 G4:4 :| [2 G4:4")


def test_a_part_that_begins_inside_a_bar_closes_inside_its_eighth():
    jig = "T:jig L:1/8 M:6/8 K:G\n|: D5 | " + " | ".join(["G4:6"] * 7) + " | G4:5 :: D5 | "
    g = PartsGrammar(form=True)
    for ch in jig + " | ".join(["B4:6"] * 7) + " | B4:5 ":
        g.feed(ch)
    assert g.allowed() == frozenset(":")  # the B part is eight bars at this point: no more notes


def test_a_dance_tune_whose_first_part_repeats_repeats_its_last():
    reel = "T:reel M:4/4 K:G\n"
    bars = " | ".join(["G4:4"] * 8)
    assert not accepts(PartsGrammar(form=True), reel + "|: " + bars + " :| " + bars)
    assert accepts(PartsGrammar(form=True), reel + "|: " + bars + " :| " + bars + " :|")
    assert accepts(PartsGrammar(form=True), G + "|: " + bars + " :| " + bars)  # no type: AAB may end
