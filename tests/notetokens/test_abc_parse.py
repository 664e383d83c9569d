"""Reading ABC through music21: the example tunes, collections, and bad input."""

from __future__ import annotations

import contextlib
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notetokens import ParseError, Tempo, TimeSignature, abc, get, read

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "abc"


def test_jig_headers_pickup_and_repeat_endings():
    written = read(EXAMPLES / "lantern_jig.abc")
    # as written: one repeated part with two endings; played out it runs twice
    assert len(written.sections) == 1 and written.sections[0].times == 2
    assert len(written.sections[0].endings) == 2
    score = written.played_out()
    assert not score.sections
    assert score.title == "The Lantern on the Quay"
    assert score.key == "D"
    assert score.time_signatures == [TimeSignature(Fraction(0), 6, 8)]
    assert score.tempos == [Tempo(Fraction(0), 168.0)]  # Q:3/8=112 in quarters
    notes = score.notes
    # pickup + seven bars, first ending, then again with the second ending
    assert len(notes) == 86
    assert notes[0].onset == 0 and notes[0].pitch == 69 and notes[0].duration == Fraction(1, 2)
    first_ending = [n for n in notes if Fraction(43, 2) <= n.onset < 24]
    assert [(n.pitch, n.duration) for n in first_ending] == [(64, Fraction(3, 2)), (62, 1)]
    assert notes[-1].pitch == 62 and notes[-1].duration == Fraction(3, 2)
    assert score.end == Fraction(97, 2)


def test_air_triplets_ties_chords_grace_and_accidentals():
    score = abc.parse((EXAMPLES / "slow_tide.abc").read_text())
    assert score.key == "Gm"
    got = [(n.onset, n.pitch, n.duration) for n in score.notes]
    third = Fraction(1, 3)
    assert got[3:6] == [(3, 72, third), (3 + third, 70, third), (3 + 2 * third, 69, third)]
    assert (6, 67, 5) in got  # G6-|G4 is one note of five beats
    assert not any(p == 81 for _, p, _ in got)  # the grace note {a} is skipped
    assert [(p, d) for o, p, d in got if o == 15] == [(70, 1), (74, 1)]  # [Bd]2
    assert (18, 71, 1) in got  # =B natural against the key's B flat
    assert (20, 66, 1) in got  # ^F


def test_collection_with_file_header():
    text = (EXAMPLES / "two_tunes.abc").read_text()
    tunes = abc.parse_tunes(text)
    assert [t.title for t in tunes] == ["Chalk Road", "Wet Slate"]
    assert [t.key for t in tunes] == ["G", "Ador"]
    # L:1/8 from the file header applies to both tunes: 4 bars of 4/4 each
    assert [t.end for t in tunes] == [16, 16]
    assert abc.parse(text).title == "Chalk Road"
    assert [line for line, _ in abc.split_tunes(text)] == [5, 10]


def test_collection_skips_or_reports_a_bad_tune():
    good = "X:1\nT:a\nL:1/4\nK:C\nCDEF|\n"
    bad = "X:2\nT:b\nK:C\n%only a comment\n"
    with pytest.raises(ParseError) as info:
        abc.parse_tunes(good + bad)
    assert info.value.line == 6
    assert [t.title for t in abc.parse_tunes(good + bad + good, skip_errors=True)] == ["a", "a"]


def test_multiple_voices_become_parts():
    text = "X:1\nT:v\nM:2/4\nL:1/8\nK:C\nV:1\ncdef|g4|\nV:2\nC4|G,4|\n"
    score = abc.parse(text)
    assert [len(p.notes) for p in score.parts] == [5, 2]


@pytest.mark.parametrize(
    "text",
    ["", "   \n\n", "X:1\nT:no notes\nK:C\n", "%%comment only\n", "X:1\nK:C\nz4|z4|]\n"],
)
def test_text_without_notes_is_a_parse_error(text: str):
    with pytest.raises(ParseError):
        abc.parse(text)


def test_non_text_is_a_parse_error():
    with pytest.raises(ParseError):
        abc.parse(b"X:1\nK:C\nC")  # type: ignore[arg-type]


ABC_CHARS = "ABCDEFGabcdefgzxXKLMQT:|[]()^_=,'/0123456789-{}<>.~ \n%\"!+"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=ABC_CHARS, max_size=80))
def test_random_abc_like_text_raises_only_parse_error(body: str):
    for text in (body, "X:1\nK:C\n" + body):
        try:
            score = abc.parse(text)
        except ParseError:
            continue
        assert any(p.notes for p in score.parts)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_random_unicode_raises_only_parse_error(text: str):
    with contextlib.suppress(ParseError):
        abc.parse(text)


def test_model_text_is_the_note_string_melody():
    from notetokens.grammar import accepts
    from notetokens.notes_grammar import NotesGrammar
    from notetokens.score import skyline

    score = abc.parse((EXAMPLES / "slow_tide.abc").read_text())
    text = abc.to_model_text(score)
    assert text.startswith("T:air M:3/4 K:Gm Q:72\n")  # R:air is the tune type
    assert accepts(NotesGrammar.reading(), text)  # any model text can prime the sampler
    back = get("abc").from_model_text(text)  # the registry: the note string's reader
    want = skyline(score.parts[0].notes)  # the chords' top notes
    assert [(n.onset, n.pitch, n.duration) for n in back.notes] == [
        (n.onset, n.pitch, n.duration) for n in want
    ]
