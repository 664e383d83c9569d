"""Tune types in the header, pickups, and the bar rule on note strings."""

from __future__ import annotations

from fractions import Fraction

import pytest

from notetokens import ParseError, notes
from notetokens.bars import IrregularBars, bar_errors, fit_measures, text_bars
from notetokens.tunetype import TUNE_TYPES, normalize_tune_type


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Reel", "reel"),
        ("reels", "reel"),
        ("Double Jig", "jig"),
        ("Slip Jig", "slip-jig"),
        ("slipjig", "slip-jig"),
        ("Hornpipe", "hornpipe"),
        ("Polka", "polka"),
        ("Waltz", "waltz"),
        ("Strathspey", "strathspey"),
        ("March", "march"),
        ("Air", "air"),
        ("Slide", "slide"),
        ("Set Dance", "set-dance"),
        ("Highland Fling", "fling"),
        ("Tanz - Lied, Walzer", "waltz"),
        ("Romanze, Ballade, Lied", None),
        ("???", None),
        ("", None),
    ],
)
def test_tune_type_spellings(text, expected):
    assert normalize_tune_type(text) == expected


def test_every_tune_type_is_its_own_normal_form():
    for t in TUNE_TYPES:
        assert t == t.lower() and " " not in t
        assert normalize_tune_type(t) == t
        assert normalize_tune_type(t.replace("-", " ").title()) == t


def test_tune_type_leads_the_header_and_round_trips():
    text = "T:slip-jig L:1/8 M:9/8 K:G\nD | G A B C5 B A G A B | D5:9"
    score = notes.parse(text)
    assert score.tune_type == "slip-jig"
    assert score.pickup == Fraction(1, 2)
    assert notes.to_model_text(score) == "T:slip-jig L:1/8 M:9/8 K:G\nD4 | G4 A4 B4 C5 B4 A4 G4 A4 B4 | D5:9"


def test_unknown_tune_type_is_a_parse_error_at_its_column():
    with pytest.raises(ParseError, match=r"T: wants a tune type") as e:
        notes.parse("M:4/4 T:bolero\nC D E F")
    assert (e.value.line, e.value.col) == (1, 9)


def test_the_rest_field_in_a_body_is_not_a_tune_type():
    score = notes.parse("C4 R:1/2 D4")
    assert score.tune_type is None and len(score.notes) == 2


def test_pickup_moves_every_bar_line_and_the_last_bar_may_complete_it():
    score = notes.parse("M:3/4\nC4 | D4 E4 F4 | G4 A4 B4 | C5:2")
    assert score.pickup == 1
    text = notes.to_model_text(score)
    assert text == "M:3/4\nC4 | D4 E4 F4 | G4 A4 B4 | C5:2"
    assert text_bars(text).bars == [1, 3, 3, 2]
    assert bar_errors(text) == []


def test_a_first_bar_as_long_as_the_meter_is_no_pickup():
    score = notes.parse("M:2/4\nC4 D4 | E4 F4 | G4:2")
    assert score.pickup == 0
    assert notes.to_model_text(score) == "M:2/4\nC4 D4 | E4 F4 | G4:2"


def test_bar_errors_name_inner_bars_that_miss_the_meter():
    short = "M:4/4\nC4 | D4 E4 F4 G4 | A4 B4 C5 | D5"
    assert bar_errors(short) == ["bar 3 is 3 beats, the meter 4/4 wants 4 beats"]
    assert bar_errors("M:2/4\nC4:3 | D4") == ["bar 1 is 3 beats, the meter 2/4 wants 2 beats"]
    assert bar_errors("C4 | D4 E4 F4 | G4") == []  # no meter: bar lines are free


def test_fit_measures_finds_the_pickup_and_pairs_split_bars():
    f = Fraction
    # pickup 1/2, full bars of 2, a section ending 3/2 + next pickup 1/2, full bars again
    spans = [(f(0), f(1, 2)), (f(1, 2), f(2)), (f(5, 2), f(3, 2)), (f(4), f(1, 2)), (f(9, 2), f(2))]
    assert fit_measures(spans, f(2)) == f(1, 2)
    assert fit_measures([(f(0), f(2)), (f(2), f(2))], f(2)) == 0


def test_fit_measures_rejects_bars_off_the_grid_or_too_long():
    f = Fraction
    with pytest.raises(IrregularBars, match="bar 4 ends 1 beat past"):
        fit_measures([(f(0), f(1)), (f(1), f(3)), (f(4), f(1)), (f(5), f(3))], f(3))
    with pytest.raises(IrregularBars, match="bar 4 ends 2 beats past"):  # 4 + 4 in 6/4
        fit_measures([(f(0), f(1)), (f(1), f(6)), (f(7), f(4)), (f(11), f(4)), (f(15), f(3))], f(6))
    with pytest.raises(IrregularBars, match="bar 2 is 4 beats, longer"):
        fit_measures([(f(0), f(3)), (f(3), f(4))], f(3))


def test_abc_written_from_a_pickup_tune_reads_back_with_its_pickup_and_type():
    from notetokens import abc

    text = "T:hornpipe L:1/8 M:4/4 K:G\nB4 C5 | D5 B4 G4 B4 D5:2 B4 G4 | A4:2 F#4 D4 G4:4 | D5 B4 G4:2 D4:2"
    score = notes.parse(text)
    written = abc.format(score)
    assert "R:hornpipe" in written
    assert written.split("\n")[-2].startswith("B c | ")  # the pickup is a short first bar
    back = abc.parse(written)
    assert (back.tune_type, back.pickup, str(back.meter)) == ("hornpipe", 1, "4/4")
    assert notes.to_model_text(back) == text


def test_the_grammar_reads_a_tune_type_from_the_known_set_only():
    from notetokens.grammar import accepts

    # the sampling grammar ends a tune only with a full bar: 9/8 is 9/2 quarter units
    assert accepts(notes.grammar(), "T:slip-jig M:9/8\nC4:9/2")
    assert not accepts(notes.grammar(), "T:slip M:9/8\nC4:9/2")
    assert not accepts(notes.grammar(), "M:9/8 T:jig\nC4:9/2")  # T comes first
