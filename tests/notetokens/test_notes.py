"""The note-string notation: parsing, canonical formatting, model text, decoder."""

import contextlib
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notetokens import Note, ParseError, Score, notes
from notetokens.notes_grammar import NotesGrammar
from notetokens.notes_reader import NoteDecoder


def pitches(score: Score) -> list[int]:
    return [n.pitch for n in score.notes]


def test_lecture_form_without_octaves_is_octave_four():
    score = notes.parse("G-G-D-D-E-E-D")
    assert pitches(score) == [67, 67, 62, 62, 64, 64, 62]
    assert [n.onset for n in score.notes] == list(range(7))
    assert all(n.duration == 1 for n in score.notes)


def test_header_durations_rests_chords():
    score = notes.parse("L:1/8 M:6/8 K:D Q:110\nF#4 A4 d5:2 R:1/2 [D4 F#4 A4]:4 |")
    assert score.key == "D"
    assert str(score.meter) == "6/8"
    assert score.bpm == 110
    got = [(n.onset, n.pitch, n.duration) for n in score.notes]
    half, quarter = Fraction(1, 2), Fraction(1, 4)
    assert got[:3] == [(0, 66, half), (half, 69, half), (1, 74, 1)]
    chord_at = 2 + quarter
    assert got[3:] == [(chord_at, 62, 2), (chord_at, 66, 2), (chord_at, 69, 2)]


def test_flats_lower_case_double_accidentals():
    assert pitches(notes.parse("Bb3 eb5 C##4 Dbb4 b")) == [58, 75, 62, 60, 71]


@pytest.mark.parametrize(
    ("text", "line", "col", "words"),
    [
        ("G G H", 1, 5, "got 'H'"),
        ("C4 D4\nE4 X4", 2, 4, "got 'X'"),
        ("C4 [E4 G4", 1, 10, "unclosed chord"),
        ("C4:0", 1, 3, "more than zero"),
        ("G4x", 1, 3, "unexpected 'x'"),
        ("L:1/0\nC", 1, 3, "L:"),
        ("K:H\nC", 1, 3, "K:"),
        ("C4 []", 1, 4, "empty chord"),
        ("[C4:2 E4]", 1, 2, "chord's duration"),
        ("G9 G#9", 1, 4, "outside MIDI"),
    ],
)
def test_errors_name_line_and_column(text, line, col, words):
    with pytest.raises(ParseError) as e:
        notes.parse(text)
    assert (e.value.line, e.value.col) == (line, col)
    assert words in str(e.value)


def test_canonical_format_is_stable_and_round_trips():
    text = "L:1/8 M:3/4 K:Bb\nBb4 D5 F5:2 R [Bb3 D4]:2 | Eb5:3/2 D5:/2 C5:4 |"
    score = notes.parse(text)
    canonical = notes.format(score)
    assert "Bb4" in canonical and "Eb5" in canonical  # a flat key is spelled in flats
    again = notes.parse(canonical)
    assert again.notes == score.notes
    assert notes.format(again) == canonical


def test_format_puts_bars_by_meter():
    score = notes.parse("M:2/4\nC4 D4 E4 F4 G4:2")
    assert notes.format(score).strip() == "M:2/4\nC4 D4 | E4 F4 | G4:2"


def test_model_text_is_one_body_line_with_chosen_unit():
    score = notes.parse("M:6/8 K:G\n" + " ".join(["G4:/2", "A4:/2", "B4:/2"] * 8))
    text = notes.to_model_text(score)
    header, body = text.split("\n")
    assert header.startswith("L:1/8 M:6/8 K:G")
    assert ":" not in body.replace("|", "")  # eighths are the unit: no durations
    assert notes.from_model_text(text).notes == score.notes


def test_decoder_yields_notes_as_their_tokens_end():
    dec = NoteDecoder()
    got: list[list[Note]] = [dec.feed(ch) for ch in "L:1/8\nC4 D4:2"]
    flat = [n for step in got for n in step]
    assert [n.pitch for n in flat] == [60]  # D4's duration could still grow
    assert dec.feed(" ")[0].pitch == 62
    assert dec.feed("[E4 G4]") == []  # a duration may still follow the chord
    rest = dec.close()
    assert [(n.onset, n.pitch) for n in rest] == [(Fraction(3, 2), 64), (Fraction(3, 2), 67)]


notes_strategy = st.lists(
    st.tuples(
        st.integers(12, 120),
        st.sampled_from([Fraction(1, 4), Fraction(1, 2), Fraction(1), Fraction(3, 2), Fraction(1, 3)]),
        st.sampled_from([Fraction(0), Fraction(0), Fraction(1, 2)]),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(notes_strategy)
def test_any_melody_round_trips_through_model_text_and_grammar(events):
    time = Fraction(0)
    melody = []
    for pitch, dur, gap in events:
        time += gap
        melody.append(Note(time, pitch, dur))
        time += dur
    score = Score.from_notes(melody)
    text = notes.to_model_text(score)
    g = NotesGrammar.reading()  # what the sampler reads a prime with
    for ch in text:
        assert ch in g.allowed(), (text, ch)
        g.feed(ch)
    assert g.can_end()
    assert notes.from_model_text(text).notes == melody


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_random_text_only_raises_parse_error(text):
    with contextlib.suppress(ParseError):
        notes.parse(text)
