"""Parsing tabs as posted on the web."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from notetokens import io, tab
from notetokens.errors import ParseError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "tabs"


def onsets(score):
    """{onset: sorted pitches}"""
    out: dict[Fraction, list[int]] = {}
    for n in score.notes:
        out.setdefault(n.onset, []).append(n.pitch)
    return {t: sorted(ps) for t, ps in out.items()}


def melody(score):
    return [n.pitch for n in score.notes]


def guitar(e="", B="", G="", D="", A="", E="", labels="eBGDAE"):
    rows = [e, B, G, D, A, E]
    width = max(len(r) for r in rows)
    return "\n".join(f"{lab}|{r.ljust(width, '-')}|" for lab, r in zip(labels, rows, strict=True))


def test_guitar_chords_from_the_notation_example():
    text = """[Intro]
   G        C
e|-3--------0-------|
B|-0--------1-------|
G|-0--------0-------|
D|-0--------2-------|
A|-2--------3-------|
E|-3----------------|
"""
    s = tab.parse(text)
    chords = list(onsets(s).values())
    assert chords == [[43, 47, 50, 55, 59, 67], [48, 52, 55, 60, 64]]
    assert s.parts[0].name == "guitar"


def test_even_dashes_give_even_notes_and_longer_gaps_longer_notes():
    s = tab.parse(guitar(A="-3-3-3-5---7-"))
    durs = [n.duration for n in s.notes]
    assert durs[0] == durs[1] == durs[2] == Fraction(1, 2)
    assert durs[3] == 2 * durs[0]
    wide = tab.parse(guitar(A="--3--3--3--"))
    assert [n.duration for n in wide.notes] == [Fraction(1, 2)] * 3


def test_bar_lines_take_no_time():
    bars = "e|-----|-----|---|\nB|-----|-----|---|\nG|-0-2-|-4-5-|-7-|\n"
    bars += "D|-----|-----|---|\nA|-----|-----|---|\nE|-----|-----|---|"
    with_bars = tab.parse(bars)
    without = tab.parse(guitar(G="-0-2--4-5--7-"))
    assert [n.onset for n in with_bars.notes] == [Fraction(k, 2) for k in range(5)]
    assert melody(with_bars) == melody(without) == [55, 57, 59, 60, 62]


def test_bass_four_and_five_strings():
    four = "G|-----|\nD|-----|\nA|-0-2-|\nE|-3---|"
    assert melody(tab.parse(four)) == [31, 33, 35]
    five = "G|-----|\nD|-----|\nA|-----|\nE|-----|\nB|-0-2-|"
    s = tab.parse(five)
    assert melody(s) == [23, 25] and s.parts[0].name == "bass"


def test_multi_digit_frets_start_at_their_first_digit():
    s = tab.parse(guitar(e="-10-12-3-", B="-10------"))
    assert onsets(s) == {
        Fraction(0): [69, 74],
        Fraction(1, 2): [76],
        Fraction(1): [67],
    }


def test_digit_runs_that_cannot_be_one_fret_are_refused_at_their_first_digit():
    with pytest.raises(ParseError, match="fret 020 has a leading zero") as e:
        tab.parse(guitar(e="-020-35-"))
    assert (e.value.line, e.value.col) == (1, 4)
    assert melody(tab.parse(guitar(e="-0-2-0-3-5-"))) == [64, 66, 64, 67, 69]


def test_drop_d_label_retunes_only_the_lowest_string():
    s = tab.parse(guitar(E="-0-", D="-0-", labels="eBGDAD"))
    assert onsets(s)[Fraction(0)] == [38, 50]


def test_upper_case_high_e_and_position_not_label():
    s = tab.parse(guitar(e="-0-", E="-0-", labels="EBGDAE"))
    assert onsets(s)[Fraction(0)] == [40, 64]


def test_tuning_option_overrides_labels_and_accepts_names_and_notes():
    text = guitar(E="-0-", A="-0-", B="-0-")
    assert onsets(tab.parse(text, tuning="drop D"))[0] == [38, 45, 59]
    assert onsets(tab.parse(text, tuning="DADGAD"))[0] == [38, 45, 57]
    assert onsets(tab.parse(text, tuning="open G"))[0] == [38, 43, 59]
    assert onsets(tab.parse(text, tuning="D2 A2 D3 G3 B3 E4"))[0] == [38, 45, 59]
    assert onsets(tab.parse(text, tuning="DADGBE"))[0] == [38, 45, 59]
    dropped = guitar(E="-0-", labels="eBGDAC")
    assert onsets(tab.parse(dropped, tuning="standard"))[0] == [40]


def test_unknown_or_mismatched_tuning_is_a_parse_error():
    with pytest.raises(ParseError, match="unknown tuning"):
        tab.parse(guitar(E="-0-"), tuning="banjo")
    with pytest.raises(ParseError, match="4 strings, the tab has 6"):
        tab.parse(guitar(E="-0-"), tuning="E1 A1 D2 G2")


def test_tuning_and_capo_lines():
    text = "Tuning: drop D\nCapo: 2\n\n" + guitar(E="-0-", e="-3-")
    assert onsets(tab.parse(text))[0] == [40, 69]
    text = "capo 3\n" + guitar(A="-0-")
    assert melody(tab.parse(text)) == [48]
    with pytest.raises(ParseError) as err:
        tab.parse("tuning: kazoo\n" + guitar(A="-0-"))
    assert (err.value.line, err.value.col) == (1, 9)


def test_repeat_marks_repeat_the_system():
    once = guitar(G="-0-2-")
    marked = once.replace("G|-0-2-|", "G|-0-2-| x2")
    assert melody(tab.parse(marked)) == [55, 57, 55, 57]
    bracket = once + "\n[3x]"
    assert melody(tab.parse(bracket)) == [55, 57] * 3
    s = tab.parse(marked)
    assert [n.onset for n in s.notes] == [0, Fraction(1, 2), 1, Fraction(3, 2)]


def test_techniques_add_no_pitches_and_x_is_muted():
    s = tab.parse(guitar(G="-7h9p7/9\\7b9r7~-5v-x-*-t-s-"))
    assert melody(s) == [62, 64, 62, 64, 62, 64, 62, 60]
    muted = tab.parse(guitar(e="-x-x-0-", B="-x-x-1-"))
    assert melody(muted) == [60, 64]


def test_digits_in_brackets_and_after_the_closing_bar_are_not_frets():
    text = guitar(G="-5-(7)-[12]-5-").replace("G|", "G|", 1)
    s = tab.parse(text + " 3 times, see bar 12")
    assert melody(s) == [60, 60]
    trailing = "\n".join(line + "  <- 42 here" for line in guitar(e="-0-").split("\n"))
    assert melody(tab.parse(trailing)) == [64]


def test_systems_follow_each_other_with_lyrics_and_chords_between():
    text = f"""Title: A Test Song
[Verse]
   Am
{guitar(A="-0-2-")}
la la la la

   C
{guitar(D="-2-4-")}
more words here
"""
    s = tab.parse(text)
    assert melody(s) == [45, 47, 52, 54]
    assert [n.onset for n in s.notes] == [0, Fraction(1, 2), 1, Fraction(3, 2)]


def test_chord_names_without_tab_lines_is_an_error_that_says_so():
    with pytest.raises(ParseError, match="chord names but no tab lines") as err:
        tab.parse("My Song\n\n  G   C   D\nsing along\n  Em  C\n")
    assert err.value.line == 3
    with pytest.raises(ParseError, match="no tab lines"):
        tab.parse("just some words\n")


def test_ragged_lines_name_line_and_column():
    text = "e|-3---|\nB|-0---|\nG|-0-|\nD|-0---|\nA|-2---|\nE|-3---|\n"
    with pytest.raises(ParseError) as err:
        tab.parse(text)
    assert (err.value.line, err.value.col) == (3, 7)  # just past the short line
    assert "same length" in str(err.value)


def test_wrong_number_of_lines_is_an_error():
    with pytest.raises(ParseError, match="4, 5 or 6") as err:
        tab.parse("e|-3-|\nB|-0-|\nG|-0-|\n")
    assert err.value.line == 1


def test_rhythm_and_tempo_lines_are_exact():
    s = tab.parse("rhythm: 1/4 beat per column\ntempo: 90\n" + guitar(G="-0-2---4-"))
    assert [n.duration for n in s.notes] == [Fraction(1, 2), Fraction(1), Fraction(1, 2)]
    assert s.bpm == 90


def test_io_read_names_the_file(tmp_path):
    p = tmp_path / "bad.tab"
    p.write_text("  G  C\n")
    with pytest.raises(ParseError) as err:
        io.read(p)
    assert str(err.value).startswith(f"{p}:1:")


@pytest.mark.parametrize("name", ["riff.tab", "bassline.tab", "dropd_capo.tab"])
def test_examples_parse(name):
    s = io.read(EXAMPLES / name)
    assert len(s.notes) >= 8
    assert all(n.duration > 0 for n in s.notes)


def test_example_drop_d_capo_applies_both():
    s = io.read(EXAMPLES / "dropd_capo.tab")
    # open low D string under capo 2 sounds E2
    assert min(n.pitch for n in s.notes) == 40
