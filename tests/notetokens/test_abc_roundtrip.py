"""abc.format -> abc.parse keeps pitches, onsets and durations: generated melodies
(eighths, quarters, dotted notes, triplets, rests, chords, accidentals in every
key) and tunes from the ABC collections that music21 ships."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notetokens import Note, ParseError, Part, Score, Tempo, TimeSignature, abc

F = Fraction
KEYS = ["C", "G", "D", "A", "E", "B", "F#", "C#", "F", "Bb", "Eb", "Ab", "Db", "Gb", "Cb",
        "Am", "Em", "Bbm", "F#m", "Ddor", "Gmix", "Elyd", "Bphr", "Bloc"]
METERS = [(4, 4), (3, 4), (2, 4), (6, 8), (9, 8), (5, 4), (2, 2)]
LENGTHS = [F(1, 2), F(1), F(3, 2), F(3, 4), F(2), F(1, 4), F(3)]


def timeline(score: Score) -> list[tuple[list[tuple[Fraction, int, Fraction]]]]:
    return [sorted((n.onset, n.pitch, n.duration) for n in p.notes) for p in score.parts]


@st.composite
def melodies(draw: st.DrawFn) -> Score:
    notes: list[Note] = []
    t = F(0)
    for _ in range(draw(st.integers(1, 24))):  # rests only are filtered out below
        kind = draw(st.sampled_from(["note", "note", "note", "rest", "chord", "triplet"]))
        if kind == "triplet":
            each = draw(st.sampled_from([F(1, 3), F(1, 6), F(2, 3)]))
            for _ in range(3):
                notes.append(Note(t, draw(st.integers(48, 88)), each))
                t += each
            continue
        length = draw(st.sampled_from(LENGTHS))
        if kind == "note":
            notes.append(Note(t, draw(st.integers(40, 96)), length))
        elif kind == "chord":
            pitches = draw(st.sets(st.integers(48, 84), min_size=2, max_size=4))
            notes += [Note(t, p, length) for p in pitches]
        t += length
    if not notes:
        notes.append(Note(t, draw(st.integers(40, 96)), F(1)))
    num, den = draw(st.sampled_from(METERS))
    return Score.from_notes(
        notes,
        key=draw(st.sampled_from(KEYS)),
        time_signatures=[TimeSignature(F(0), num, den)],
        tempos=[Tempo(F(0), float(draw(st.integers(40, 220))))],
        title="generated",
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(melodies())
def test_generated_melodies_round_trip(score: Score):
    text = abc.format(score)
    again = abc.parse(text)
    assert timeline(again) == timeline(score), text
    if not score.key.endswith("loc"):  # written as its relative major (music21 limit)
        assert again.key == score.key
    assert again.time_signatures == score.time_signatures
    assert again.tempos == score.tempos
    assert again.title == score.title


def test_meter_and_tempo_changes_and_overlaps():
    notes = [Note(F(i), 60 + i, F(1)) for i in range(12)]
    notes.append(Note(F(2), 76, F(3)))  # held over the next onsets: cut at 3
    score = Score.from_notes(
        notes,
        time_signatures=[TimeSignature(F(0), 4, 4), TimeSignature(F(4), 3, 4)],
        tempos=[Tempo(F(0), 90.0), Tempo(F(7), 120.0)],
    )
    text = abc.format(score)
    assert "\nM:3/4\n" in text and "\nQ:1/4=120\n" in text
    again = abc.parse(text)
    # music21 adds a one-beat meter before a meter change; the change itself holds
    assert again.time_signatures[-1] == score.time_signatures[-1]
    assert again.tempos == score.tempos
    expect = sorted((n.onset, n.pitch, F(1)) for n in notes)
    assert timeline(again) == [expect]


def test_parts_become_voices():
    score = Score(parts=[
        Part([Note(F(i), 72 + i, F(1)) for i in range(4)], name="Fiddle"),
        Part([Note(F(0), 48, F(4))], name="Drone"),
    ], time_signatures=[TimeSignature(F(0), 4, 4)])
    text = abc.format(score)
    assert 'V:1 name="Fiddle"' in text
    assert timeline(abc.parse(text)) == timeline(score)


def corpus_tunes() -> list[tuple[str, str]]:
    """Two tunes (first and middle) from two files of each collection."""
    import music21

    root = Path(music21.__file__).parent / "corpus"
    picked = []
    for name in ["essenFolksong", "oneills1850", "ryansMammoth", "airdsAirs", "miscFolk"]:
        files = sorted((root / name).glob("*.abc"))
        assert files, f"music21 ships no ABC in {root / name}"
        for path in (files[0], files[len(files) // 2]):
            tunes = abc.split_tunes(path.read_text(encoding="utf-8", errors="replace"))
            for line, tune in {0: tunes[0], 1: tunes[len(tunes) // 2]}.values():
                picked.append((f"{name}/{path.name}:{line}", tune))
    return picked


@pytest.mark.parametrize("tune", corpus_tunes(), ids=lambda t: t[0])
def test_music21_corpus_tunes_round_trip(tune: tuple[str, str]):
    try:
        score = abc.parse(tune[1])  # as written, with its parts
    except ParseError as e:
        # music21 misreads a few bars of some tunes (a 42d Highland Regiment bar comes out
        # 1/8 beat long), and then the marks do not fit: the corpus skips such tunes, and
        # convert can still read them played out
        assert "the repeat marks do not fit" in e.message, e.message
        score = abc.parse(tune[1], expand_repeats=True)
        assert not score.sections
    assert score.notes
    again = abc.parse(abc.format(score))
    assert timeline(again) == timeline(score)
