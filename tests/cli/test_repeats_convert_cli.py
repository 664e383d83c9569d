"""`notegen convert` of a tune in repeated parts (issue #20): the marks are kept
where the target writes them (note strings, ABC, MusicXML, .mxl, a tab's `[2x]`)
and played out where it does not (MIDI, a tab's endings); no note is lost on
the way there and back. Marks that do not fit are a one-line error, exit 2."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from notetokens import notes

from ..conftest import one_line

HEAD = "L:1/8 M:4/4 K:G\n"
A = "G4:2 A4:2 B4:2 C5:2 | D5:8 | E5:4 D5:4 | B4:4 G4:4"
B = "D5:8 | E5:8 | D5:4 B4:4 | G4:8"
# a lead-in, a part with first and second endings, then a part repeated whole
TUNE = HEAD + f"D4:2 | {A} | [1 G4:8 :| [2 D5:8 |: {B} :|"
AABB = HEAD + f"|: {A} :: {B} :|"


def played(score) -> list[tuple[F, int, F]]:
    return [(n.onset, n.pitch, n.duration) for n in score.played_out().notes]


KEEPS_MARKS = {"txt": True, "abc": True, "musicxml": True, "mxl": True, "mid": False, "tab": False}


@pytest.mark.parametrize("ext", sorted(KEEPS_MARKS))
def test_convert_there_and_back_keeps_every_note(tmp_path, notegen_here, ext):
    src = tmp_path / "tune.txt"
    src.write_text(TUNE)
    tune = notes.parse(TUNE)
    assert len(tune.sections) == 2 and tune.sections[0].endings
    out = tmp_path / f"out.{ext}"
    r = notegen_here("convert", str(src), str(out))
    assert r.returncode == 0, r.stderr
    back = tmp_path / "back.txt"
    r = notegen_here("convert", str(out), str(back))
    assert r.returncode == 0, r.stderr
    again = notes.parse(back.read_text())
    assert played(again) == played(tune)
    assert again.sections == (tune.sections if KEEPS_MARKS[ext] else ())


def test_musicxml_written_by_convert_has_repeat_barlines_and_endings(tmp_path, notegen_here):
    from music21 import bar, converter, spanner, stream

    src = tmp_path / "tune.txt"
    src.write_text(TUNE)
    out = tmp_path / "tune.musicxml"
    assert notegen_here("convert", str(src), str(out)).returncode == 0
    part = converter.parse(str(out)).parts[0]
    ms = list(part.getElementsByClass(stream.Measure))
    kinds = [(m.number, b.direction) for m in ms for b in (m.leftBarline, m.rightBarline)
             if isinstance(b, bar.Repeat)]
    # measure 0 is the lead-in; the second ending (measure 6) is followed by |: B :|
    assert [m.number for m in ms] == list(range(11))
    assert kinds == [(1, "start"), (5, "end"), (7, "start"), (10, "end")]
    endings = sorted((int(b.number), b.getFirst().number) for b in part.spannerBundle.getByClass(
        spanner.RepeatBracket))
    assert endings == [(1, 5), (2, 6)]


def test_tab_by_convert_repeats_parts_with_no_endings(tmp_path, notegen_here):
    src = tmp_path / "aabb.txt"
    src.write_text(AABB)
    out = tmp_path / "aabb.tab"
    assert notegen_here("convert", str(src), str(out)).returncode == 0
    assert out.read_text().count("[2x]") == 2
    back = tmp_path / "back.txt"
    assert notegen_here("convert", str(out), str(back)).returncode == 0
    assert played(notes.parse(back.read_text())) == played(notes.parse(AABB))


PLAIN = HEAD + "G4:8 | A4:8 | B4:8 | C5:8 |"
HOSTILE = {
    "ending with no repeat": ('<barline location="left"><ending number="1" type="start"/></barline>',
                              '<barline location="right"><ending number="1" type="stop"/></barline>',
                              "measure 3: [1 with no :| to close it"),
    "forward repeat never closed": ('<barline location="left"><repeat direction="forward"/></barline>',
                                    "", "measure 3: |: with no :| to close it"),
    "backward repeat on the left": ('<barline location="left"><repeat direction="backward"/></barline>',
                                    "", "measure 3: a backward repeat (:|) at the start"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_musicxml_marks_that_do_not_fit_are_one_line_exit_2(tmp_path, notegen, name):
    import re

    left, right, message = HOSTILE[name]
    plain = tmp_path / "plain.txt"
    plain.write_text(PLAIN)
    xml = tmp_path / "plain.musicxml"
    assert notegen("convert", str(plain), str(xml)).returncode == 0
    text, n = re.subn(r'(<measure[^>]*number="3"[^>]*>)(.*?)(</measure>)',
                      lambda m: m.group(1) + left + m.group(2) + right + m.group(3),
                      xml.read_text(), count=1, flags=re.S)
    assert n == 1
    bad = tmp_path / "bad.musicxml"
    bad.write_text(text)
    out = tmp_path / "out.txt"
    r = notegen("convert", str(bad), str(out))
    one_line(r, "bad.musicxml", message)
    assert not out.exists()
