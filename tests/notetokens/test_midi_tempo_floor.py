"""MIDI writing refuses a tempo slower than MIDI holds instead of clamping it."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import mido
import pytest

from notetokens import Note, Part, Score, midi
from notetokens.errors import NotegenError
from notetokens.score import Tempo
from tests.conftest import one_line, run_notegen


def score_at(bpm: float) -> Score:
    return Score(parts=[Part(notes=[Note(Fraction(0), 60, Fraction(1))])],
                 tempos=[Tempo(Fraction(0), bpm)])


def test_a_tempo_below_midis_slowest_is_refused_not_clamped():
    words = "tempo of 3.5 BPM at beat 0 is slower than MIDI's slowest, 3.58 BPM"
    with pytest.raises(NotegenError, match=re.escape(words)):
        midi.format(score_at(3.5))


def test_the_slowest_tempo_midi_holds_is_written_and_read_back(tmp_path: Path):
    path = tmp_path / "slow.mid"
    path.write_bytes(midi.format(score_at(3.6)))
    tempo = next(m.tempo for m in mido.MidiFile(path).tracks[0] if m.type == "set_tempo")
    assert tempo == round(60_000_000 / 3.6)
    assert midi.parse(path.read_bytes()).bpm == pytest.approx(3.6, rel=1e-6)


def test_the_command_refuses_a_two_bpm_tune_and_keeps_the_old_file(tmp_path: Path):
    src = tmp_path / "slow.txt"
    src.write_text("Q:2\nC4 D4\n")
    out = tmp_path / "slow.mid"
    out.write_bytes(b"old")
    r = run_notegen("convert", str(src), str(out))
    one_line(r, "slow.mid", "tempo of 2 BPM", "slower than MIDI's slowest, 3.58 BPM")
    assert out.read_bytes() == b"old"
