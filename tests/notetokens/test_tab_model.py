"""Tab model text: round trips, its shape, and the incremental grammar."""

from __future__ import annotations

import contextlib
import random
from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notetokens import io, tab
from notetokens.errors import ParseError
from notetokens.grammar import accepts
from notetokens.score import Note, Score, Tempo, TimeSignature

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "tabs"


def key(score):
    return [(n.onset, n.pitch, n.duration) for n in score.notes]


def sample_score():
    notes = [
        Note(F(1, 2), 64, F(1, 2)),  # after a leading rest
        Note(F(1), 67, F(1, 4)),  # staccato: a rest follows
        Note(F(3, 2), 69, F(1, 3)),
        Note(F(11, 6), 71, F(2, 3)),
        *(Note(F(5, 2), p, F(3, 2)) for p in (45, 52, 57, 61, 64)),
        Note(F(4), 88, F(1)),  # fret 24 on the high string
    ]
    return Score.from_notes(notes, tempos=[Tempo(F(0), 96.0)],
                        time_signatures=[TimeSignature(F(0), 4, 4)])


def test_round_trip_pitches_onsets_durations():
    s = sample_score()
    back = tab.from_model_text(tab.to_model_text(s))
    assert key(back) == key(s)
    assert back.bpm == 96.0


def test_examples_round_trip_through_model_text():
    for path in sorted(EXAMPLES.glob("*.tab")):
        s = io.read(path)
        text = tab.to_model_text(s)
        assert key(tab.from_model_text(text)) == key(s), path.name
        assert accepts(tab.grammar(), text), path.name


def test_time_runs_along_the_string_one_slice_per_onset():
    s = Score.from_notes([Note(F(0), p, F(1)) for p in (43, 47, 50, 55, 59, 67)]
                     + [Note(F(1), 45, F(1, 2))])
    text = tab.to_model_text(s)
    head, body = text.split("\n", 1)
    assert head == "T:E2A2D3G3B3E4"
    assert body.split() == ["320003:2", "-0----"]


def test_bass_header_and_doc_example_parse():
    s = Score.from_notes([Note(F(0), 28, F(1)), Note(F(1), 33, F(1, 2))])
    text = tab.to_model_text(s)
    assert text.startswith("T:E1A1D2G2\n")
    doc = "T:E2A2D3G3B3E4 Q:96\n3-0003:2 -2---- | --0--- --2---:/2 ------:3/2"
    back = tab.from_model_text(doc)
    assert [n.pitch for n in back.notes][:5] == [43, 50, 55, 59, 67]
    assert back.notes[-1].duration == F(1, 4)


@pytest.mark.parametrize(
    ("text", "line", "col"),
    [
        ("E2A2D3G3B3E4\n------", 1, 1),
        ("T:E2A2D3G3B3E4\n------ --3--", 2, 8),
        ("T:E2A2D3G3B3E4\n------:0", 2, 1),
        ("T:E2A2D3G3B3E4\n\n--p---", 3, 1),
    ],
)
def test_bad_model_text_names_line_and_column(text, line, col):
    with pytest.raises(ParseError) as err:
        tab.from_model_text(text)
    assert (err.value.line, err.value.col) == (line, col)


def valid_texts():
    texts = [tab.to_model_text(sample_score())]
    texts += [tab.to_model_text(io.read(p)) for p in sorted(EXAMPLES.glob("*.tab"))]
    return texts


def test_every_prefix_of_valid_texts_is_accepted():
    for text in valid_texts():
        g = tab.grammar()
        for i, ch in enumerate(text):
            assert ch in g.allowed(), (text[:i], ch)
            g.feed(ch)
        assert g.can_end()


def test_invalid_characters_are_refused():
    g = tab.grammar()
    assert g.allowed() == frozenset("T")
    with pytest.raises(ParseError):
        g.feed("x")
    assert not accepts(tab.grammar(), "T:E2A2D3G3B3E4\n-----")  # short slice
    assert not accepts(tab.grammar(), "T:E2A2D3G3B3E4\n-------")  # long slice
    assert not accepts(tab.grammar(), "T:E2A2D3\n---")  # three strings
    assert not accepts(tab.grammar(), "T:E2A2D3G3B3E4\n------  ------")  # doubled space
    assert not accepts(tab.grammar(), "T:E9A2D3G3\n----")  # octave out of range
    assert not accepts(tab.grammar(), "T:E2A2D3G3B3E4\n")  # no slice yet
    assert accepts(tab.grammar(), "T:E1A1D2G2 Q:120\n0---:3/2 | -2--:/3\n--o-")


# Finishing a walk: prefer characters that close the current thing.
FINISH = ["\n", "-", "1", "E", "T", ":"]


def finish(g, limit=200):
    out = []
    while not g.can_end():
        allowed = g.allowed()
        ch = next((c for c in FINISH if c in allowed), None) or min(allowed)
        g.feed(ch)
        out.append(ch)
        assert len(out) < limit
    return "".join(out)


def random_walk(rng, steps):
    g = tab.grammar()
    text = []
    for _ in range(steps):
        ch = rng.choice(sorted(g.allowed()))
        g.feed(ch)
        text.append(ch)
    return "".join(text) + finish(g)


@pytest.mark.parametrize("seed", range(200))
def test_random_walks_always_parse(seed):
    rng = random.Random(seed)
    text = random_walk(rng, rng.randint(0, 120))
    score = tab.from_model_text(text)
    assert all(0 <= n.pitch <= 127 and n.duration > 0 for n in score.notes)
    assert accepts(tab.grammar(), text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="T:EADGB#b0123456789 Q\n-abco|/", max_size=60))
def test_grammar_accepts_only_what_the_reader_reads(text):
    if accepts(tab.grammar(), text):
        tab.from_model_text(text)
    else:
        with contextlib.suppress(ParseError):
            tab.from_model_text(text)
