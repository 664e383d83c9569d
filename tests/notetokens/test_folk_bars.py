"""Bars, meters, pickups and tune types of real tunes from music21's folk collections."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from notetokens import ParseError, abc, corpus, notes
from notetokens.bars import bar_errors, bar_length, text_bars
from notetokens.sources import music21_corpus_dir


def tune(path: str, x: int) -> str:
    text = (music21_corpus_dir() / path).read_text(encoding="utf-8", errors="replace")
    for _, t in abc.split_tunes(text):
        if re.search(rf"^X:\s*{x}\s*$", t, re.MULTILINE):
            return t
    raise AssertionError(f"no X:{x} in {path}")


def measure_starts(t: str) -> set[Fraction]:
    s = abc._music21_tune(abc._default_unit(t))
    return {on for on, _ in abc._measure_spans(s)}


def test_pickup_read_as_a_meter_by_music21_keeps_the_tunes_meter_and_bar_lines():
    t = tune("oneills1850/0001-0050.abc", 26)  # M:3/4, a pickup of six sixteenths
    score = abc.parse(t, expand_repeats=False, strict_bars=True)
    assert str(score.meter) == "3/4"  # music21 alone reads the pickup as 3/8
    assert score.pickup == Fraction(3, 2)
    text = notes.to_model_text(score)
    assert text.startswith("L:1/16 M:3/4 K:G\n")
    tb = text_bars(text)
    assert tb.bars[0] == Fraction(3, 2)
    assert bar_errors(text) == []
    # every bar line of the text stands where a measure of the source starts
    lines = [sum(tb.bars[:i]) for i in range(1, len(tb.bars))]
    assert set(lines) <= measure_starts(t)


def test_section_ending_and_next_pickup_make_one_bar():
    t = tune("oneills1850/0001-0050.abc", 2)  # "... | d6 || A2 | ..." in 2/4, L:1/16
    score = abc.parse(t, expand_repeats=False, strict_bars=True)
    assert score.pickup == Fraction(1, 2)
    text = notes.to_model_text(score)
    assert bar_errors(text) == []
    lengths = text_bars(text).bars
    assert lengths[0] == Fraction(1, 2) and set(lengths[1:-1]) == {Fraction(2)}
    lines = [sum(lengths[:i]) for i in range(1, len(lengths))]
    assert set(lines) <= measure_starts(t)


def test_tune_whose_bars_change_length_is_skipped_in_a_corpus_but_read_for_a_user():
    t = tune("essenFolksong/altdeu10.abc", 139)  # M:3/4, later bars of four beats
    with pytest.raises(ParseError, match="the bars do not fit M:3/4"):
        abc.parse(t, expand_repeats=False, strict_bars=True)
    score = abc.parse(t, expand_repeats=False)
    assert str(score.meter) == "3/4" and score.pickup == 1  # not music21's 1/4


def test_tune_without_a_meter_is_skipped_in_a_corpus():
    t = tune("essenFolksong/altdeu10.abc", 2)  # M: none
    with pytest.raises(ParseError, match="no meter"):
        abc.parse(t, strict_bars=True)
    assert abc.parse(t).meter is None


def test_reel_carries_its_tune_type_first_in_the_header():
    t = (music21_corpus_dir() / "ryansMammoth/7thRegimentReel.abc").read_text()
    score = abc.parse(t, expand_repeats=False, strict_bars=True)
    assert score.tune_type == "reel"
    text = abc.to_model_text(score)
    assert text.startswith("T:reel L:1/16 M:2/4 K:A\n")
    assert notes.from_model_text(text).tune_type == "reel"


def test_every_kept_tune_of_a_collection_has_exact_inner_bars():
    path = music21_corpus_dir() / "oneills1850/0626-0635.abc"
    c = corpus.file_documents(str(path), "notes")
    assert len(c.documents) + len(c.skipped) == 10
    assert len(c.documents) >= 5
    for doc in c.documents:
        assert bar_errors(doc) == []
        tb = text_bars(doc)
        assert tb.header.meter is not None
        assert all(b <= bar_length(tb.header.meter) for b in tb.bars)
    assert all(r in ("no meter", "meter changes", "bars do not fit the meter", "repeat marks do not fit")
               for r in corpus.skip_counts(c.skipped))


def test_a_meter_field_that_no_bar_follows_gives_way_to_the_bars():
    t = "X:1\nM:4/4\nL:1/8\nK:G\nD | GABc | dBAG | GABc | d2B2 | cABG | A2D2 | GABc | B2G |]\n"
    score = abc.parse(t, expand_repeats=False, strict_bars=True)
    assert str(score.meter) == "2/4" and score.pickup == Fraction(1, 2)
    assert bar_errors(notes.to_model_text(score)) == []
