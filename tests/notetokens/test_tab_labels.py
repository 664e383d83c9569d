"""String labels pick the instrument: a 5-line `e B G D A` system is a guitar's top
five strings, not a bass two octaves lower; labels that fit no instrument are a
ParseError naming the system's first line (issue #12)."""

from __future__ import annotations

import pytest

from notetokens import tab
from notetokens.errors import ParseError
from notetokens.tab_tuning import instrument_for_labels


def system(labels: str, fretted: int, fret: int = 0) -> str:
    """One system whose line `fretted` (0 = top) plays `fret`."""
    rows = [f"{lab}|--{fret if i == fretted else '-'}--|" for i, lab in enumerate(labels.split())]
    return "\n".join(rows) + "\n"


def pitches(labels: str) -> list[int]:
    """The open pitch of each line, top first, as read."""
    return [tab.parse(system(labels, i)).notes[0].pitch for i in range(len(labels.split()))]


def test_a_five_line_guitar_tab_is_the_guitars_top_five_strings():
    assert pitches("e B G D A") == [64, 59, 55, 50, 45]  # E4 B3 G3 D3 A2, not E2 .. A0
    assert tab.parse(system("e B G D A", 0)).parts[0].name == "guitar"


def test_basses_stay_basses():
    assert pitches("G D A E B") == [43, 38, 33, 28, 23]
    assert pitches("G D A E") == [43, 38, 33, 28]
    assert pitches("G D A D") == [43, 38, 33, 26]  # drop D bass
    assert tab.parse(system("G D A E", 0)).parts[0].name == "bass"
    assert pitches("- - - - -") == [43, 38, 33, 28, 23]  # no labels: a 5-string bass


def test_four_line_instruments_by_their_labels():
    assert pitches("e B G D") == [64, 59, 55, 50]  # a guitar's top four
    assert pitches("A E C G") == [69, 64, 60, 67]  # ukulele, re-entrant G4
    assert pitches("E A D G") == [76, 69, 62, 55]  # mandolin
    assert tab.parse(system("A E C G", 0)).parts[0].name == "ukulele"


@pytest.mark.parametrize(
    ("labels", "low_first"),
    [
        ("e B G D A E", (40, 45, 50, 55, 59, 64)),
        ("e B G D A D", (38, 45, 50, 55, 59, 64)),  # drop D
        ("D A G D A D", (38, 45, 50, 55, 57, 62)),  # DADGAD
        ("E C G C G C", (36, 43, 48, 55, 60, 64)),  # open C
        ("D# A# F# C# G# D#", (39, 44, 49, 54, 58, 63)),  # a half step down
    ],
)
def test_guitar_retunings_by_label(labels, low_first):
    assert instrument_for_labels(labels.split()) == ("guitar", low_first)


def test_labels_that_fit_no_instrument_name_the_line():
    # low E on the top line: a tab drawn upside down
    with pytest.raises(ParseError, match="fit no tuning of a 6-string bass or guitar") as e:
        tab.parse("title\n\n" + system("E A D G B e", 2))
    assert (e.value.line, e.value.col) == (3, 1)
    with pytest.raises(ParseError, match="fit no tuning of a 5-string bass or guitar"):
        tab.parse(system("e e e e e", 0))


def test_a_tuning_line_overrides_labels_that_fit_nothing():
    text = "tuning: E4 B3 G3 D3 A2 E2\n" + system("E A D G B e", 0)
    assert tab.parse(text).notes[0].pitch == 40
