"""ABC that music21 read wrong without a word (issue #18, found by a probe):
each is now read right or refused in one ParseError naming line and column."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from notetokens import NotegenError, ParseError, Score, Tempo, TimeSignature, abc, notes, read

HEAD = "X:1\nT:probe\nL:1/4\nM:4/4\n"


def pitches(score: Score, part: int = 0) -> list[int]:
    return [n.pitch for n in score.parts[part].notes]


def test_a_double_repeat_mark_keeps_both_sections_and_plays_each_twice():
    as_written = abc.parse(HEAD + "K:C\n|:E E E E::F F F F:|\n")
    assert pitches(as_written) == [64] * 4 + [65] * 4
    assert [(s.start, s.end, s.times) for s in as_written.sections] == [(0, 4, 2), (4, 8, 2)]
    score = as_written.played_out()
    assert pitches(score) == [64] * 8 + [65] * 8
    assert [n.onset for n in score.notes] == list(range(16))
    assert pitches(abc.parse(HEAD + "K:C\n|:E E E E::F F F F:|\n", expand_repeats=True)) == pitches(score)
    # the spelling music21 reads is played out the same way
    other = abc.parse(HEAD + "K:C\n|:E E E E:||:F F F F:|\n")
    assert pitches(other.played_out()) == pitches(score)


@pytest.mark.parametrize("body", [
    "V:T1\nC D E F|\nV:B1\nC, D, E, F,|\nV:T1\nG A B c|\nV:B1\nG, A, B, C|\n",
    "[V:T1] C D E F|\n[V:B1] C, D, E, F,|\n[V:T1] G A B c|[V:B1] G, A, B, C|\n",
])
def test_named_and_inline_voices_are_a_part_each_in_order_of_appearance(body):
    score = abc.parse(HEAD + "K:C\n" + body)
    assert len(score.parts) == 2
    assert pitches(score, 0) == [60, 62, 64, 65, 67, 69, 71, 72]
    assert pitches(score, 1) == [48, 50, 52, 53, 55, 57, 59, 60]
    assert [n.onset for n in score.parts[1].notes] == list(range(8))


def test_voices_declared_in_the_header_keep_their_order():
    text = "X:1\nL:1/4\nM:4/4\nV:low\nV:high\nK:C\nV:high\nc d e f|\nV:low\nC D E F|\n"
    score = abc.parse(text)
    assert [pitches(score, 0), pitches(score, 1)] == [[60, 62, 64, 65], [72, 74, 76, 77]]


@pytest.mark.parametrize("body", ["F F F F|[K:D] F F F F|\n", "F F F F|\nK:D\nF F F F|\n"])
def test_a_key_change_in_the_body_applies(body):
    score = abc.parse(HEAD + "K:C\n" + body)
    assert pitches(score) == [65] * 4 + [66] * 4


@pytest.mark.parametrize("body", ["C D E F|\nM:3/4\nC D E|C D E|\n", "C D E F|[M:3/4] C D E|C D E|\n"])
def test_a_meter_change_in_the_body_applies(body):
    score = abc.parse(HEAD + "K:C\n" + body)
    assert score.time_signatures == [TimeSignature(Fraction(0), 4, 4), TimeSignature(Fraction(4), 3, 4)]
    assert score.pickup == 0
    assert [n.onset for n in score.notes] == list(range(10))
    again = abc.parse(abc.format(score))
    assert again.time_signatures == score.time_signatures and again.notes == score.notes


def test_decorations_are_dropped_and_their_notes_kept():
    score = abc.parse(HEAD + "K:C\n+fermata+C !trill!D ~E .F|Hc Td ue vf|!>!g Lg Mg Pg|\n")
    assert pitches(score) == [60, 62, 64, 65, 72, 74, 76, 77, 79, 79, 79, 79]


def test_a_letter_a_tune_defines_as_a_decoration_is_one():
    score = abc.parse(HEAD + "U:W=!trill!\nK:C\nWC D E F|\n")
    assert pitches(score) == [60, 62, 64, 65]


def test_free_text_between_tunes_is_not_music(tmp_path):
    path = tmp_path / "two.abc"
    path.write_text(HEAD + "K:C\nC D E F|\n\nA bad face, a cafe, a dead bee.\n\n"
                    "X:2\nL:1/4\nK:C\nC D $ F|\n")
    assert pitches(read(path)) == [60, 62, 64, 65]
    with pytest.raises(ParseError) as e:
        read(path, tune=2)
    assert (e.value.line, e.value.col) == (13, 5)


def test_music_after_the_empty_line_that_ends_a_tune_is_refused():
    with pytest.raises(ParseError, match="music after the empty line") as e:
        abc.parse(HEAD + "K:C\nC D E F|\n\nG A B c|\n")
    assert e.value.line == 8


@pytest.mark.parametrize(("body", "col", "words"), [
    ("[CEG D E F|]", 1, "chord is not closed"),
    ("C [CEG D E F", 3, "chord is not closed"),
    ("C D $$$ @@@ E F|", 5, "not ABC: '$'"),
    ("C D @ E F|", 5, "not ABC: '@'"),
    ("C D c'''''''' F|", 5, "outside MIDI's range"),
    ("C D ^g'''' F|", 5, "outside MIDI's range"),
    ("C, D,,,,,, F|", 4, "outside MIDI's range"),
    ("C D E ^ F|", 7, "accidental without a note"),
    ('C D "Am E F|', 5, "quoted text is not closed"),
])
def test_bad_music_is_refused_at_its_column(body, col, words):
    with pytest.raises(ParseError, match=re.escape(words)) as e:
        abc.parse(HEAD + "K:C\n" + body + "\n")
    assert (e.value.line, e.value.col) == (6, col)


def test_the_highest_midi_note_is_read():
    assert pitches(abc.parse(HEAD + "K:C\nC D g'''' F|\n")) == [60, 62, 127, 65]


def test_an_additive_meter_is_refused_at_its_field():
    with pytest.raises(ParseError, match=r"M:3\+2\+2/8: an additive meter.*M:7/8") as e:
        abc.parse("X:1\nL:1/8\nM:3+2+2/8\nK:C\nCDE FG AB|\n")
    assert (e.value.line, e.value.col) == (3, 4)


@pytest.mark.parametrize("key", ["HP", "Hp"])
def test_highland_pipes_read_as_a_mixolydian(key):
    score = abc.parse(HEAD + f"K:{key}\nF C G A|\n")
    assert score.key == "Amix"
    assert pitches(score) == [66, 61, 67, 69]


@pytest.mark.parametrize(("key", "name", "expected"), [
    ("D exp _b", "Dm", [65, 60, 70, 69]),
    ("D _b", None, None),  # D major's F and C sharp with B flat: no key signature
    ("G exp ^f", "G", [66, 60, 71, 69]),
    ("C exp ^f _b", None, None),
])
def test_explicit_accidentals_make_the_key_or_are_refused(key, name, expected):
    text = HEAD + f"K:{key}\nF C B A|\n"
    if name is None:
        with pytest.raises(ParseError, match="not a key signature") as e:
            abc.parse(text)
        assert (e.value.line, e.value.col) == (5, 3)
        return
    score = abc.parse(text)
    assert score.key == name and pitches(score) == expected


@pytest.mark.parametrize("tempo", ["1/4=99999", "1/4=0", "0.0001", "1/0=120", "fast"])
def test_a_tempo_notegen_cannot_hold_is_refused_at_its_field(tempo):
    with pytest.raises(ParseError, match=r"Q:") as e:
        abc.parse(HEAD + f"Q:{tempo}\nK:C\nC D E F|\n")
    assert (e.value.line, e.value.col) == (5, 3)


def test_tempos_in_range_read_in_quarter_notes():
    assert abc.parse(HEAD + "Q:3/8=40\nK:C\nC D E F|\n").tempos == [Tempo(Fraction(0), 60.0)]
    assert abc.parse(HEAD + 'Q:"Lively" 1/2=100\nK:C\nC D E F|\n').tempos == [Tempo(Fraction(0), 200.0)]


def test_what_the_abc_writer_writes_reads_back_or_is_refused():
    score = notes.parse("C D E F")
    score.tempos = [Tempo(Fraction(0), 99999.0)]
    with pytest.raises(NotegenError, match="99999 quarter notes per minute"):
        abc.format(score)
    score.tempos = [Tempo(Fraction(0), 9999.0)]
    assert abc.parse(abc.format(score)).tempos == score.tempos


@pytest.mark.parametrize("unit", ["1/999999999", "1/0", "eighth", "1/2048"])
def test_a_unit_length_notegen_cannot_hold_is_refused_at_its_field(unit):
    with pytest.raises(ParseError, match=r"L:.*unit length") as e:
        abc.parse(f"X:1\nL:{unit}\nK:C\nC D E F|\n")
    assert (e.value.line, e.value.col) == (2, 3)
