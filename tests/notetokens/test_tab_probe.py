"""Tab cases found by a probe (issue #18): digit runs, a 6-string bass, systems of
more lines than any tuning, blanks inside a string line, chords a tab cannot hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from notetokens import notes, tab
from notetokens.errors import NotegenError, ParseError
from tests.conftest import one_line, run_notegen

GUITAR = "eBGDAE"


def system(frets: dict[str, str], labels: str = GUITAR, width: int = 10) -> str:
    """A system with `frets[label]` on each labelled line, filled out with '-'."""
    return "\n".join(f"{lab}|{frets.get(lab, '').ljust(width, '-')}|" for lab in labels) + "\n"


def refused(text: str) -> ParseError:
    with pytest.raises(ParseError) as e:
        tab.parse(text)
    return e.value


def test_two_adjacent_digits_are_one_fret():
    s = tab.parse(system({"e": "--12--24--"}))
    assert [n.pitch for n in s.notes] == [76, 88]


@pytest.mark.parametrize(
    ("run", "col", "words"),
    [
        ("--25----", 5, "fret 25 is past fret 24"),
        ("--99----", 5, "fret 99 is past fret 24"),
        ("-3--123-", 7, "fret 123 is past fret 24"),
        ("---05---", 6, "fret 05 has a leading zero"),
    ],
)
def test_a_digit_run_that_cannot_be_one_fret_is_refused_at_its_column(run, col, words):
    err = refused(system({"G": run}))
    assert (err.line, err.col) == (3, col) and words in err.message


def test_the_command_refuses_fret_25_in_one_line(tmp_path: Path):
    src = tmp_path / "high.tab"
    src.write_text(system({"e": "--25"}))
    out = tmp_path / "high.mid"
    r = run_notegen("convert", str(src), str(out))
    one_line(r, "high.tab:1:5:", "fret 25", "'-' between them (2-5)")
    assert not out.exists()


def test_six_string_bass_labels_are_a_bass_not_a_guitar():
    s = tab.parse(system({"C": "-0-", "B": "---0"}, labels="CGDAEB"))
    assert [n.pitch for n in s.notes] == [48, 23]  # C3 and B0, not C4 and B1
    assert s.parts[0].name == "bass" and s.parts[0].program == 33
    # a guitar stays a guitar, a tuning line can name the 6-string bass
    assert tab.parse(system({"E": "-0-"})).parts[0].name == "guitar"
    named = tab.parse("tuning: 6-string bass\n" + system({"E": "-0-"}))
    assert named.notes[0].pitch == 23 and named.parts[0].name == "bass"


@pytest.mark.parametrize("labels", ["eBGDAEBF", "eBGDBGDA", "-" * 8, "-" * 7])
def test_a_system_of_more_lines_than_any_tuning_is_refused_not_split(labels):
    text = "intro\n" + system({"A": "-3-"}, labels=labels)
    err = refused(text)
    assert (err.line, err.col) == (2, 1)
    assert f"found {len(labels)} tab lines together" in err.message
    assert f"no {len(labels)}-string tuning" in err.message


def test_stacked_systems_whose_labels_repeat_are_still_read_in_turn():
    stacked = system({"e": "-0-"}) + system({"E": "-0-"})
    assert [n.pitch for n in tab.parse(stacked).notes] == [64, 40]
    basses = system({"G": "-0-"}, "GDAE") + system({"E": "-0-"}, "GDAE")
    assert [n.pitch for n in tab.parse(basses).notes] == [43, 28]


def test_the_command_refuses_an_eight_line_system_in_one_line(tmp_path: Path):
    src = tmp_path / "eight.tab"
    src.write_text(system({"A": "-3-"}, labels="eBGDAEBF"))
    r = run_notegen("convert", str(src), str(tmp_path / "eight.txt"))
    one_line(r, "eight.tab:1:1:", "found 8 tab lines together")


@pytest.mark.parametrize(
    ("line", "blank", "col", "what"),
    [
        (1, "\t", 6, "a tab character inside a tab line"),
        (2, " ", 6, "a space inside a tab line"),
        (4, "\t", 6, "a tab character inside a tab line"),
        (6, " ", 6, "a space inside a tab line"),
    ],
)
def test_a_blank_inside_a_string_line_names_that_line_and_column(line, blank, col, what):
    rows = system({"e": "--3--"}).splitlines()
    rows[line - 1] = rows[line - 1][:5] + blank + rows[line - 1][6:]
    err = refused("\n".join(rows) + "\n")
    assert (err.line, err.col) == (line, col) and what in err.message


def test_a_space_before_any_fret_is_named_too(tmp_path: Path):
    rows = system({}).splitlines()
    rows[2] = "G|-- -------|"
    src = tmp_path / "gap.tab"
    src.write_text("\n".join(rows) + "\n")
    r = run_notegen("convert", str(src), str(tmp_path / "gap.txt"))
    one_line(r, "gap.tab:3:5:", "a space inside a tab line")


def test_staves_side_by_side_still_read_with_spaces_between():
    left, right = system({"e": "-0-"}).splitlines(), system({"e": "-2-"}).splitlines()
    text = "\n".join(f"{a}  {b}" for a, b in zip(left, right, strict=True))
    assert [n.pitch for n in tab.parse(text).notes] == [64, 66]


def test_a_chord_with_more_notes_than_strings_is_refused_naming_it():
    score = notes.parse("[C4 D4 E4 F4 G4 A4 B4]:4")
    with pytest.raises(NotegenError, match=r"the chord \[C4 D4 E4 F4 G4 A4 B4\] at beat 0 has "
                       "more notes than the 6 strings"):
        tab.format(score)


def test_a_chord_that_crowds_one_string_is_refused_naming_it():
    with pytest.raises(NotegenError, match=r"\[E2 F2\] at beat 1 has notes that cannot all sit"):
        tab.format(notes.parse("A2 [E2 F2]"))


def test_a_full_chord_is_placed_fully():
    score = notes.parse("[E2 B2 E3 G#3 B3 E4]:4")
    back = tab.parse(tab.format(score))
    assert [n.pitch for n in back.notes] == [40, 47, 52, 56, 59, 64]


def test_the_command_refuses_the_seven_note_chord_and_writes_nothing(tmp_path: Path):
    src = tmp_path / "cluster.txt"
    src.write_text("[C4 D4 E4 F4 G4 A4 B4]:4\n")
    out = tmp_path / "cluster.tab"
    out.write_text("kept\n")
    r = run_notegen("convert", str(src), str(out))
    one_line(r, "[C4 D4 E4 F4 G4 A4 B4]", "more notes than the 6 strings")
    assert out.read_text() == "kept\n"
