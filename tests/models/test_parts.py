"""The judge's figures of form (models/parts.py, models/judge.py): parts, their
lengths in bars, AABB, and lengths counted played out."""

from __future__ import annotations

from fractions import Fraction

from notegen.models import judge, parts
from notetokens import notes

HEAD = "L:1/8 M:4/4 K:G\n"
A = "G4:2 A4:2 B4:2 C5:2 | D5:8 | E5:4 D5:4 | B4:4 G4:4"
B = "D5:8 | E5:8 | D5:4 B4:4 | G4:8"
AABB = HEAD + f"|: {A} :: {B} :|"
PICKUP_AABB = HEAD + f"D4:2 | |: {A} :| |: {B} :|"
PLAIN = HEAD + f"{A} | {B} |"
ENDINGS = HEAD + f"|: {A} | [1 G4:8 :| [2 D5:8 |"


def test_aabb_with_and_without_a_pickup():
    for text in (AABB, PICKUP_AABB):
        s = parts.shape(notes.parse(text))
        assert s.in_parts and s.aabb and s.whole_parts
        assert s.part_bars == (Fraction(4), Fraction(4))


def test_a_tune_without_repeats_has_no_parts():
    s = parts.shape(notes.parse(PLAIN))
    assert not s.in_parts and not s.aabb and s.part_bars == ()


def test_a_part_with_endings_is_its_body_and_first_ending():
    s = parts.shape(notes.parse(ENDINGS))
    assert s.in_parts and not s.aabb and s.part_bars == (Fraction(5),)


def test_the_judge_counts_parts_and_plays_lengths_out():
    f = judge.judge([AABB, PLAIN, ENDINGS])
    assert (f.tunes, f.in_parts, f.aabb, f.parts, f.whole_parts) == (3, 2, 1, 3, 3)
    assert f.part_bars == {Fraction(4): 2, Fraction(5): 1}
    # played out, AABB is 16 bars (a 4-bar multiple), the plain tune 8, the endings tune 10
    assert f.four_bar_multiple == 2
    table = judge.table(f, f, told=(0.5, 0.48, 3))
    assert "| written in repeated parts | 66.7% | 66.7% |" in table
    assert "| in AABB form | 33.3% | 33.3% |" in table
    assert "4; 4 (2), 5 (1)" in table and "0.48 (real vs real) | 0.50 |" in table


def test_told_apart_uses_the_held_out_tunes_of_the_asked_type():
    jigs = [HEAD.replace("L:1/8", "L:1/8 T:jig") + f"{A} | G4:{i + 1} |" for i in range(12)]
    reels = [HEAD.replace("L:1/8", "L:1/8 T:reel") + f"{B} | D5:{i + 1} |" for i in range(12)]
    acc, floor, n = judge.told_apart(jigs, jigs + reels, "reel")
    assert n == 12 and floor is None  # 6 and 6: too few for a figure
    acc, floor, n = judge.told_apart(jigs, jigs + reels)
    assert n == 24 and acc is not None


def test_held_out_tunes_without_types_are_taken_by_the_types_meter():
    jig = "L:1/8 M:6/8 K:D\nD5:6 | A4:6 | D5:6 |"
    reel = "L:1/8 M:4/4 K:D\nD5:8 | A4:8 | D5:8 |"
    _, _, n = judge.told_apart([jig], [jig] * 5 + [reel] * 7, "reel")
    assert n == 7
    _, _, n = judge.told_apart([jig], [jig] * 5 + [reel] * 7, "jig")
    assert n == 5


def test_a_reel_that_misses_home_at_its_eighth_bar_still_ends_on_the_tonic():
    # bundled folk, reel seed 141: winding down, the part's eighth bar ended off the
    # tonic; the close was then refused for good and the tune ran on to the cap
    from notegen.models.checkpoint import load
    from notegen.models.options import SampleOptions
    from notegen.models.tunes import draw

    tune = draw(load("folk"), "", SampleOptions(tune_type="reel", seed=141))
    assert len(tune.text) < 1500 and tune.text.rstrip().endswith(":|"), tune.text[-120:]
    score = notes.parse(tune.text)
    last = score.parts[0].notes[-1].pitch
    assert last % 12 == 7, tune.text[-120:]  # G, the reel's key
    assert "K:G" in tune.text.splitlines()[0]
