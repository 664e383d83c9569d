"""Tab systems whose lines hold staves side by side, tab lines that cannot be
read, and tab output moved down into open position."""

from __future__ import annotations

import re
from fractions import Fraction as F

import pytest

from notetokens import notes, tab
from notetokens.errors import ParseError
from notetokens.tab_format import octaves_down

LEFT = {"e": "0---2---", "B": "--1-----", "G": "--------", "D": "--------", "A": "-------3", "E": "--------"}
RIGHT = {"e": "3---5---", "B": "--------", "G": "----2---", "D": "--------", "A": "--------", "E": "0-------"}


def system(row) -> str:
    return "\n".join(row(s) for s in "eBGDAE") + "\n"


def pitches(text: str) -> list[tuple[F, int]]:
    return [(n.onset, n.pitch) for n in tab.parse(text).notes]


def test_two_staves_side_by_side_read_left_then_right():
    one_after_other = system(lambda s: f"{s}|{LEFT[s]}|") + "\n" + system(lambda s: f"{s}|{RIGHT[s]}|")
    side_by_side = system(lambda s: f"{s}|{LEFT[s]}|   {s}|{RIGHT[s]}|")
    got = pitches(side_by_side)
    assert got == pitches(one_after_other)
    assert [p for _, p in got] == [64, 60, 66, 48, 40, 67, 57, 69]


def test_the_issue_form_with_bars_and_unlabelled_right_staves():
    text = system(lambda s: f"{s}|{LEFT[s]}|{RIGHT[s]}| |{RIGHT[s]}|{LEFT[s]}|")
    got = [p for _, p in pitches(text)]
    left, right = [64, 60, 66, 48], [40, 67, 57, 69]
    assert got == left + right + right + left


def test_labels_apart_from_their_lines_and_a_trailing_repeat_mark():
    text = system(lambda s: f"{s} |{LEFT[s]}|  {s} |{RIGHT[s]}|" + ("  x2" if s == "e" else ""))
    got = [p for _, p in pitches(text)]
    assert got == [64, 60, 66, 48] + [40, 67, 57, 69] * 2


def test_lines_with_different_numbers_of_staves_are_an_error():
    text = system(lambda s: f"{s}|{LEFT[s]}|   {s}|{RIGHT[s]}|" if s != "G" else f"{s}|{LEFT[s]}|")
    with pytest.raises(ParseError, match="1 staves side by side") as e:
        tab.parse(text)
    assert e.value.line == 3


def test_a_tab_looking_line_that_cannot_be_read_is_not_skipped_in_silence():
    text = system(lambda s: f"{s}|{LEFT[s]}|") + "\ne|--3-- 5 7--|\n"
    with pytest.raises(ParseError, match="a space inside a tab line") as e:
        tab.parse(text)
    assert (e.value.line, e.value.col) == (8, 8)
    with pytest.raises(ParseError, match="looks like a tab line") as e:
        tab.parse(system(lambda s: f"{s}|{LEFT[s]}|") + "\ne|--3--q--|\n")
    assert (e.value.line, e.value.col) == (8, 1)


FOLK = "L:1/8 M:6/8 K:D\nD4 F#4 A4 D5:2 A4 | B4 A4 F#4 E4:3 | D5 E5 F#5 G5 A5 B5 | A5:3 D5:3"


def frets_of(text: str) -> list[int]:
    return [int(d) for line in text.splitlines() if "|" in line
            for d in re.findall(r"\d+", line.split("|", 1)[1])]


def test_a_folk_melody_moves_down_an_octave_into_open_position():
    score = notes.parse(FOLK)
    text = tab.format(score)
    assert "transposed: down 1 octave" in text
    assert max(frets_of(text)) <= 7
    back = tab.parse(text)
    assert [n.pitch for n in back.notes] == [n.pitch for n in score.notes]  # read at written pitch


def test_exact_pitch_keeps_the_melody_where_it_is():
    score = notes.parse(FOLK)
    text = tab.format(score, exact_pitch=True)
    assert "transposed" not in text
    assert max(frets_of(text)) >= 10
    assert [n.pitch for n in tab.parse(text).notes] == [n.pitch for n in score.notes]


@pytest.mark.parametrize(
    ("pitches", "down"),
    [
        ([62, 83], 1),  # D4..B5: a fiddle tune
        ([60, 67], 0),  # C4..G4 sits in open position already
        ([76, 100], 3),  # E5..E7 goes to E2..E4
        ([45, 88], 0),  # A2..E6: moving down would leave the guitar
        ([], 0),
    ],
)
def test_octaves_down(pitches, down):
    assert octaves_down(pitches) == down


def test_a_tab_without_the_transposed_line_reads_as_written():
    text = "tuning: E2 A2 D3 G3 B3 E4\n" + system(lambda s: f"{s}|{LEFT[s]}|")
    assert [p for _, p in pitches(text)] == [64, 60, 66, 48]
    moved = "transposed: down 1 octave into open position\n" + text
    assert [p for _, p in pitches(moved)] == [76, 72, 78, 60]
