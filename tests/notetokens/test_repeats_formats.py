"""Repeat marks in MusicXML and in tabs (issue #20): real files written, read back
with music21 and with notegen's own readers; marks that do not fit are one-line
errors naming the measure; what a notation cannot hold is played out, never lost."""

from __future__ import annotations

import re
from fractions import Fraction as F

import pytest

from notetokens import musicxml, mxl, notes, tab, tab_model
from notetokens.errors import ParseError
from notetokens.score import Note, Score, Section, TimeSignature

HEAD = "L:1/8 M:4/4 K:G\n"
A = "G4:2 A4:2 B4:2 C5:2 | D5:8 | E5:4 D5:4 | B4:4 G4:4"
B = "D5:8 | E5:8 | D5:4 B4:4 | G4:8"
AABB = HEAD + f"|: {A} :: {B} :|"
ENDINGS = HEAD + f"|: {A} | [1 G4:8 :| [2 D5:8 |"
PICKUP = HEAD + f"D4:2 | {A} | [1 G4:8 :| [2 D5:8 |"  # lead-in played once
# folk tunes (from the folk corpus, cut short): parts that begin with a pickup,
# whose last bars are short; the second part's pickup a rest
PICKUP_PARTS = ("M:2/2 K:G\n|: A4:/2 G4:/2 | B4 B4 B4 A4:/2 G4:/2 | D5 B4 B4 :: B4:/2 C5:/2 | "
                "D5 B4 G5 B4 | D5 B4 B4 :|")
REST_PICKUP = ("L:1/8 M:6/8 K:G\n|: D5:/2 C5:/2 | B4 G4 G4 B4 G4 G4 | A4 B4 C5 D5:2 :: R | "
               "D5 D5 D5 G5 E5 E5 | D4 E4 F#4 G4:2 :|")


def played(score: Score) -> list[tuple[F, int, F]]:
    return [(n.onset, n.pitch, n.duration) for n in score.played_out().notes]


def written(score: Score) -> list[tuple[F, int, F]]:
    return [(n.onset, n.pitch, n.duration) for n in score.notes]


# --- MusicXML -----------------------------------------------------------------


@pytest.mark.parametrize("text", [AABB, ENDINGS, PICKUP, PICKUP_PARTS, REST_PICKUP],
                         ids=["aabb", "endings", "pickup", "pickup-parts", "rest-pickup"])
def test_musicxml_file_keeps_sections_and_notes(tmp_path, text):
    src = notes.parse(text)
    assert src.sections  # the test is about a tune in parts
    path = tmp_path / "tune.musicxml"
    path.write_bytes(musicxml.format(src))
    back = musicxml.parse(path.read_bytes())
    assert back.sections == src.sections
    assert back.pickup == src.pickup
    assert written(back) == written(src)
    assert played(back) == played(src)


def test_music21_reads_the_written_repeat_barlines_and_endings(tmp_path):
    from music21 import bar, converter, spanner, stream

    path = tmp_path / "tune.musicxml"
    path.write_bytes(musicxml.format(notes.parse(ENDINGS)))
    part = converter.parse(str(path)).parts[0]
    ms = list(part.getElementsByClass(stream.Measure))
    assert isinstance(ms[0].leftBarline, bar.Repeat) and ms[0].leftBarline.direction == "start"
    assert isinstance(ms[4].rightBarline, bar.Repeat) and ms[4].rightBarline.direction == "end"
    brackets = sorted((int(b.number), b.getFirst().number) for b in part.spannerBundle.getByClass(
        spanner.RepeatBracket))
    assert brackets == [(1, 5), (2, 6)]
    # music21's own expansion plays what notegen's sections play
    expanded = [round(float(n.offset + m.offset) * 2) for m in part.expandRepeats().getElementsByClass(
        stream.Measure) for n in m.notes]
    assert [F(x, 2) for x in expanded] == [t for t, _, _ in played(notes.parse(ENDINGS))]


def test_pickup_is_a_short_first_measure(tmp_path):
    from music21 import converter, stream

    data = musicxml.format(notes.parse(PICKUP))
    path = tmp_path / "pickup.musicxml"
    path.write_bytes(data)
    ms = list(converter.parse(str(path)).parts[0].getElementsByClass(stream.Measure))
    assert ms[0].duration.quarterLength == 1
    assert re.search(rb'<measure implicit="yes" number="0"', data)  # as exporters mark a pickup
    assert [m.duration.quarterLength for m in ms[1:-1]] == [4.0] * (len(ms) - 2)


def test_mxl_keeps_sections(tmp_path):
    src = notes.parse(AABB)
    path = tmp_path / "tune.mxl"
    path.write_bytes(mxl.format(src))
    back = musicxml.parse(path.read_bytes())
    assert back.sections == src.sections and played(back) == played(src)


def test_a_part_played_three_times_is_written_with_times_3(tmp_path):
    from music21 import bar, converter, stream

    s = Score.from_notes([Note(F(i), 60 + i, F(1)) for i in range(8)],
                         time_signatures=[TimeSignature(F(0), 4, 4)], sections=(Section(F(0), F(4), 3),))
    path = tmp_path / "thrice.musicxml"
    path.write_bytes(musicxml.format(s))
    first = next(iter(converter.parse(str(path)).parts[0].getElementsByClass(stream.Measure)))
    assert isinstance(first.rightBarline, bar.Repeat) and first.rightBarline.times == 3
    back = musicxml.parse(path.read_bytes())
    assert back.sections == s.sections and played(back) == played(s)


def test_a_part_with_endings_played_past_them_is_written_played_out():
    # three passes, two endings: the third pass plays the body alone
    s = Score.from_notes([Note(F(i), 60 + i, F(1)) for i in range(12)],
                         time_signatures=[TimeSignature(F(0), 4, 4)],
                         sections=(Section(F(0), F(12), 3, (F(4), F(8))),))
    data = musicxml.format(s)
    assert b"<repeat" not in data and b"<ending" not in data
    back = musicxml.parse(data)
    assert back.sections == () and written(back) == played(s)


def test_a_part_over_a_meter_change_is_read_back():
    # a bar of 4/4 and a bar of 3/4 repeated: 7 beats, no whole number of 4/4 bars
    s = Score.from_notes([Note(F(i), 60 + i, F(1)) for i in range(11)],
                         time_signatures=[TimeSignature(F(0), 4, 4), TimeSignature(F(4), 3, 4)],
                         sections=(Section(F(0), F(7)),))
    back = musicxml.parse(musicxml.format(s))
    assert back.sections == s.sections and played(back) == played(s)


PLAIN = "M:4/4 L:1/4 K:C\nC4 D4 E4 F4 | G4 A4 B4 C5 | D5 C5 B4 A4 | G4:4 |"


def _with(xml: str, measure: int, left: str = "", right: str = "") -> bytes:
    """`xml` with barlines put into measure `measure`."""
    def put(m: re.Match[str]) -> str:
        head, body, tail = m.group(1), m.group(2), m.group(3)
        if left:
            head += f'<barline location="left">{left}</barline>'
        if right:
            body += f'<barline location="right">{right}</barline>'
        return head + body + tail

    out, n = re.subn(rf'(<measure[^>]*number="{measure}"[^>]*>)(.*?)(</measure>)', put, xml,
                     count=1, flags=re.S)
    assert n == 1
    return out.encode()


@pytest.fixture(scope="module")
def plain_xml() -> str:
    return musicxml.format(notes.parse(PLAIN)).decode()


FORWARD = '<repeat direction="forward"/>'
BACKWARD = '<repeat direction="backward"/>'


def ending(n: str, kind: str) -> str:
    return f'<ending number="{n}" type="{kind}"/>'


HOSTILE = {
    "forward with no backward": (dict(measure=2, left=FORWARD), "measure 2: |: with no :| to close it"),
    "ending with no repeat": (dict(measure=3, left=ending("1", "start"), right=ending("1", "stop")),
                              "measure 3: [1 with no :| to close it"),
    "second ending with no first": (dict(measure=3, left=ending("2", "start"), right=ending("2", "stop")),
                                    "measure 3: [2 with no first ending"),
    "ending that never stops": (dict(measure=3, left=ending("1", "start")),
                                "measure 3: ending 1 starts and never stops"),
    "backward repeat on a left barline": (dict(measure=2, left=BACKWARD),
                                          "measure 2: a backward repeat (:|) at the start"),
    "forward repeat on a right barline": (dict(measure=2, right=FORWARD),
                                          "measure 2: a forward repeat (|:) at the end"),
    "three passes with endings": (
        dict(measure=3, left=ending("1", "start"),
             right=ending("1", "stop") + '<repeat direction="backward" times="3"/>'),
        "measure 3: a repeat played 3 times with endings is not read"),
    "forty passes": (dict(measure=2, right='<repeat direction="backward" times="40"/>'),
                     "measure 2: a repeat played 40 times outside 2..32"),
    "ending for two passes": (dict(measure=3, left=ending("1, 2", "start"), right=ending("1, 2", "stop")),
                              "measure 3: an ending for several passes"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_marks_that_do_not_fit_are_one_line_errors_naming_the_measure(plain_xml, name):
    where, message = HOSTILE[name]
    data = _with(plain_xml, **where)
    with pytest.raises(ParseError) as e:
        musicxml.parse(data)
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_an_ending_stop_with_no_start_is_read_as_music21_reads_it(plain_xml):
    # as an exporter wrote Mozart's K. 458 in music21's corpus: <ending number="" type="stop"/>
    # with no start; music21 brackets the measure it closes as a first ending
    back = musicxml.parse(_with(plain_xml, measure=2, right=ending("", "stop") + BACKWARD))
    assert back.sections == (Section(F(0), F(8), 2, (F(4),)),)
    assert len(back.notes) == 13


def test_a_backward_repeat_alone_repeats_from_the_start(plain_xml):
    back = musicxml.parse(_with(plain_xml, measure=2, right=BACKWARD))
    assert back.sections == (Section(F(0), F(8)),)
    assert len(back.played_out().notes) == 13 + 8


def test_a_backward_repeat_after_a_part_of_no_whole_bars_names_the_measure(plain_xml):
    # measure 2 loses its last quarter: the :| after it closes 7 beats of 4/4
    data = _with(plain_xml, measure=2, right=BACKWARD).decode()
    second = re.search(r'<measure[^>]*number="2"[^>]*>.*?</measure>', data, re.S).group(0)
    cut = second.replace(re.findall(r"<note\b.*?</note>", second, re.S)[-1], "", 1)
    with pytest.raises(ParseError, match=r"measure 2: :\| after a part of 1 bar and 3 beats"):
        musicxml.parse(data.replace(second, cut).encode())


# --- tabs -----------------------------------------------------------------------


def systems(text: str) -> list[str]:
    """The top line of each system."""
    return [ln for ln in text.splitlines() if ln.startswith("e|")]


def test_tab_of_parts_with_no_endings_writes_2x_and_reads_back_played_out(tmp_path):
    src = notes.parse(AABB)
    path = tmp_path / "tune.tab"
    path.write_text(tab.format(src))
    text = path.read_text()
    tops = systems(text)
    assert len(tops) == 2 and all(t.endswith("  [2x]") for t in tops)
    back = tab.parse(text)
    assert written(back) == played(src)


def test_tab_of_endings_is_played_out_with_no_note_lost():
    src = notes.parse(ENDINGS)
    text = tab.format(src)
    assert "x]" not in text
    assert written(tab.parse(text)) == played(src)


def test_tab_writes_a_part_played_three_times_as_3x():
    notes_ = [Note(F(i), 60 + i, F(1)) for i in range(8)]
    s = Score.from_notes(notes_, time_signatures=[TimeSignature(F(0), 4, 4)],
                         sections=(Section(F(4), F(8), 3),))
    text = tab.format(s)
    tops = systems(text)
    assert not tops[0].endswith("x]") and tops[1].endswith("  [3x]")
    assert written(tab.parse(text)) == played(s)


def test_tab_of_a_lead_in_then_a_repeated_part():
    src = notes.parse(HEAD + f"D4:2 | {A} :| {B} |")
    assert src.sections == (Section(F(1), F(17)),)
    text = tab.format(src)
    tops = systems(text)
    assert [t.endswith("[2x]") for t in tops[:2]] == [False, True]
    assert written(tab.parse(text)) == played(src)


def test_tab_of_a_part_that_starts_on_a_rest_is_played_out():
    # the repeated part starts with a rest, which a system cannot begin with
    s = Score.from_notes([Note(F(1), 60, F(1)), Note(F(2), 62, F(2)), Note(F(4), 64, F(4))],
                         time_signatures=[TimeSignature(F(0), 4, 4)], sections=(Section(F(0), F(4)),))
    text = tab.format(s)
    assert "x]" not in text
    assert [(n.onset, n.pitch) for n in tab.parse(text).notes] == [
        (n.onset - 1, n.pitch) for n in s.played_out().notes]


def test_tab_of_a_part_whose_last_note_ends_early_keeps_the_time():
    # the last note of the part ends a beat before the :|: the second pass starts on time
    s = Score.from_notes([Note(F(0), 60, F(1)), Note(F(1), 62, F(2)), Note(F(4), 64, F(4))],
                         time_signatures=[TimeSignature(F(0), 4, 4)], sections=(Section(F(0), F(4)),))
    text = tab.format(s)
    assert systems(text)[0].endswith("[2x]")
    assert [(n.onset, n.pitch) for n in tab.parse(text).notes] == [
        (n.onset, n.pitch) for n in s.played_out().notes]


def test_tab_model_text_plays_repeats_out():
    src = notes.parse(ENDINGS)
    back = tab_model.from_model_text(tab_model.to_model_text(src))
    assert [(n.onset, n.pitch) for n in back.notes] == [(t, p) for t, p, _ in played(src)]


# --- convert ----------------------------------------------------------------------


def test_convert_fit_keeps_marks_a_notation_writes_and_plays_out_the_rest():
    from notetokens.convert import fit
    from notetokens.registry import get

    thrice = Score.from_notes([Note(F(i), 60 + i, F(1)) for i in range(8)],
                              time_signatures=[TimeSignature(F(0), 4, 4)],
                              sections=(Section(F(0), F(4), 3),))
    for name in ("notes", "abc"):  # their marks write a part played twice
        out = fit(thrice, get(name))
        assert out.sections == () and written(out) == played(thrice), name
    for name in ("musicxml", "mxl", "tab"):  # times="3", [3x]
        assert fit(thrice, get(name)).sections == thrice.sections, name
    twice = notes.parse(ENDINGS)
    for name in ("notes", "abc", "musicxml", "mxl", "tab", "midi"):
        assert fit(twice, get(name)).sections == twice.sections, name
