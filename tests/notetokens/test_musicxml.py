"""MusicXML written through music21 and read back by music21's own MusicXML parser."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from notetokens import Note, NotegenError, Part, Score, Tempo, TimeSignature, abc, musicxml, write

F = Fraction


def read_back(data: bytes) -> list[list[tuple[Fraction, int, Fraction]]]:
    """(onset, pitch, duration) per part, as music21 reads the MusicXML."""
    from music21 import chord, converter

    s = converter.parse(data, format="musicxml")
    out = []
    for part in s.parts:
        notes = []
        for el in part.stripTies().flatten().notes:
            pitches = el.pitches if isinstance(el, chord.Chord) else [el.pitch]
            notes += [(F(el.offset), p.midi, F(el.quarterLength)) for p in pitches]
        out.append(sorted(notes))
    return out


def test_melody_with_triplets_chords_and_ties_across_bars():
    notes = [Note(F(i, 2), 62 + i, F(1, 2)) for i in range(6)]
    notes += [Note(3 + F(i, 3), 70, F(1, 3)) for i in range(3)]
    notes += [Note(F(4), 60, F(6)), Note(F(4), 64, F(6))]  # held over a bar line
    score = Score(
        parts=[Part(notes, name="Flute", program=73)],
        tempos=[Tempo(F(0), 100.0)],
        time_signatures=[TimeSignature(F(0), 4, 4)],
        key="D",
        title="Test tune",
    )
    data = musicxml.format(score)
    assert data.startswith(b"<?xml")
    assert b"<work-title>Test tune</work-title>" in data
    assert b"<fifths>2</fifths>" in data
    assert read_back(data) == [sorted((n.onset, n.pitch, n.duration) for n in notes)]


def test_parts_and_overlapping_notes():
    lead = [Note(F(0), 72, F(2)), Note(F(1), 76, F(2)), Note(F(3), 79, F(1))]  # overlaps
    bass = [Note(F(0), 48, F(4))]
    data = musicxml.format(Score(parts=[Part(lead), Part(bass, program=32)]))
    parts = read_back(data)
    assert len(parts) == 2
    assert parts[1] == [(0, 48, 4)]
    # overlaps become chords: every pitch sounds over the same span
    sounding = {p for _, p, _ in parts[0]}
    assert sounding == {72, 76, 79}
    assert max(o + d for o, _, d in parts[0]) == 4


def test_abc_example_to_musicxml_file(tmp_path: Path):
    example = Path(__file__).resolve().parents[2] / "examples" / "abc" / "slow_tide.abc"
    score = abc.parse(example.read_text())
    out = tmp_path / "slow_tide.musicxml"
    write(score, out)
    assert read_back(out.read_bytes()) == [
        sorted((n.onset, n.pitch, n.duration) for n in score.parts[0].notes)
    ]


def test_musicxml_is_output_only():
    with pytest.raises(NotegenError):
        musicxml.parse(b"<score-partwise/>")
