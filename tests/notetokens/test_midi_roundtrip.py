"""MIDI reading and writing on real files: music21's test MIDI files round-trip
through a Score, and files written here are read back by mido and music21."""

from __future__ import annotations

import io
import os
from collections import defaultdict, deque
from fractions import Fraction
from pathlib import Path

import mido
import pytest

from notetokens import Note, Part, Score, Tempo, TimeSignature, get, midi


def primitive_files() -> list[Path]:
    import music21

    folder = Path(music21.__file__).parent / "midi" / "testPrimitive"
    files = sorted(folder.glob("*.mid"))
    assert files, f"music21's test MIDI files are missing from {folder}"
    return files


@pytest.mark.parametrize("path", primitive_files(), ids=lambda p: p.name)
def test_music21_test_files_round_trip(path: Path):
    first = midi.parse(path.read_bytes())
    again = midi.parse(midi.format(first))
    assert again == first
    # every note_on of the file became a note (files with zero-length or stray
    # note-offs may have fewer pairs than note_ons, never more notes)
    ons = sum(
        1 for t in mido.MidiFile(path).tracks for m in t if m.type == "note_on" and m.velocity
    )
    assert sum(len(p.notes) for p in first.parts) == ons


def test_resolution_of_the_source_is_kept():
    # a file at 1024 ticks per beat with times that are no multiple of 1/480
    fine = [
        s for s in (midi.parse(p.read_bytes()) for p in primitive_files())
        if any((n.onset * 480).denominator != 1 for n in s.notes)
    ]
    first = next(s for s in fine if all((n.onset * 1024).denominator == 1 for n in s.notes))
    written = mido.MidiFile(file=io.BytesIO(midi.format(first)))
    assert written.ticks_per_beat == 1024
    coarse = midi.parse(midi.format(first, ticks_per_beat=480))
    # rounding to 480 ticks moves a time by at most half a tick
    for a, b in zip(first.notes, coarse.notes, strict=True):
        assert abs(a.onset - b.onset) <= Fraction(1, 960)


def sample_score() -> Score:
    third = Fraction(1, 3)
    lead = [Note(Fraction(i, 2), 60 + (i * 5) % 17, Fraction(1, 2), 40 + i) for i in range(8)]
    lead += [Note(4 + i * third, 72 - i, third, 100) for i in range(3)]
    lead += [Note(Fraction(5), 64, Fraction(3, 2)), Note(Fraction(5), 67, Fraction(3, 2))]
    bass = [Note(Fraction(2 * i), 36 + i, Fraction(2), 70) for i in range(4)]
    drums = [Note(Fraction(i), 36 if i % 2 == 0 else 38, Fraction(1, 4), 110) for i in range(6)]
    return Score(
        parts=[
            Part(lead, name="Lead", program=73, channel=0),
            Part(bass, name="Bass", program=33, channel=1),
            Part(drums, name="Drums", program=0, channel=9, is_drum=True),
        ],
        tempos=[Tempo(Fraction(0), 96.0), Tempo(Fraction(4), 132.0)],
        time_signatures=[TimeSignature(Fraction(0), 4, 4), TimeSignature(Fraction(4), 3, 4)],
        key="Bb",
        title="Sample",
    )


def test_score_round_trips_through_midi_bytes():
    score = sample_score()
    assert midi.parse(midi.format(score)) == score


def paired_notes(track: mido.MidiTrack) -> list[tuple[int, int, int, int, int]]:
    """(on tick, off tick, channel, pitch, velocity) pairs, first in first out."""
    now, waiting, out = 0, defaultdict(deque), []
    for msg in track:
        now += msg.time
        if msg.type == "note_on" and msg.velocity:
            waiting[msg.channel, msg.note].append((now, msg.velocity))
        elif msg.type in ("note_on", "note_off"):
            on, vel = waiting[msg.channel, msg.note].popleft()
            out.append((on, now, msg.channel, msg.note, vel))
    return sorted(out)


def test_mido_reads_what_is_written():
    score = sample_score()
    mf = mido.MidiFile(file=io.BytesIO(midi.format(score)))
    assert mf.type == 1
    assert len(mf.tracks) == 1 + len(score.parts)
    tpb = mf.ticks_per_beat
    conductor = mf.tracks[0]
    tempos = [m.tempo for m in conductor if m.type == "set_tempo"]
    assert tempos == [mido.bpm2tempo(96), mido.bpm2tempo(132)]
    assert [m.key for m in conductor if m.type == "key_signature"] == ["Bb"]
    assert [(m.numerator, m.denominator) for m in conductor if m.type == "time_signature"] == [
        (4, 4),
        (3, 4),
    ]
    for part, track in zip(score.parts, mf.tracks[1:], strict=True):
        assert track.name == part.name
        programs = [(m.channel, m.program) for m in track if m.type == "program_change"]
        assert programs == [(part.channel, part.program)]
        want = sorted(
            (n.onset * tpb, n.end * tpb, part.channel, n.pitch, n.velocity) for n in part.notes
        )
        assert paired_notes(track) == want


def test_music21_reads_what_is_written(tmp_path: Path):
    from music21 import chord, converter

    score = sample_score()
    path = tmp_path / "sample.mid"
    path.write_bytes(midi.format(score))
    s = converter.parse(str(path), quantizePost=False)
    for part, m21part in zip(score.parts, s.parts, strict=True):
        got = []
        for el in m21part.stripTies().flatten().notes:  # music21 ties notes across bars
            if part.is_drum:  # music21 reads drums as unpitched strokes
                got.append((Fraction(el.offset), None, Fraction(el.quarterLength)))
                continue
            pitches = el.pitches if isinstance(el, chord.Chord) else [el.pitch]
            got += [(Fraction(el.offset), p.midi, Fraction(el.quarterLength)) for p in pitches]
        want = [(n.onset, None if part.is_drum else n.pitch, n.duration) for n in part.notes]
        assert sorted(got) == sorted(want)
    flat = s.flatten()
    marks = {(Fraction(flat.elementOffset(mm)), mm.number) for mm in flat.getElementsByClass(
        "MetronomeMark")}
    assert sorted(marks) == [(0, 96), (4, 132)]


def raw_file(fmt: int, tracks: list[bytes], tpb: int = 96) -> bytes:
    head = b"MThd" + (6).to_bytes(4, "big") + bytes([0, fmt, 0, len(tracks)])
    head += tpb.to_bytes(2, "big")
    return head + b"".join(b"MTrk" + len(t).to_bytes(4, "big") + t for t in tracks)


END = b"\x00\xff\x2f\x00"


def test_running_status_and_velocity_zero_note_off():
    # one status byte 0x90, then note data only: running status
    body = b"\x00\x90\x3c\x50" + b"\x60\x3c\x00" + b"\x00\x3e\x51" + b"\x30\x3e\x00" + END
    score = midi.parse(raw_file(0, [body]))
    assert score.notes == [Note(Fraction(0), 60, Fraction(1), 80), Note(Fraction(1), 62,
                                                                       Fraction(1, 2), 81)]


def test_overlapping_same_pitch_notes_pair_first_in_first_out():
    body = (b"\x00\x90\x40\x40" + b"\x18\x90\x40\x41" + b"\x18\x80\x40\x00"
            + b"\x60\x80\x40\x00" + END)
    notes = midi.parse(raw_file(1, [body])).notes
    assert notes == [Note(Fraction(0), 64, Fraction(1, 2), 64),
                     Note(Fraction(1, 4), 64, Fraction(5, 4), 65)]
    assert midi.parse(midi.format(Score.from_notes(notes))).notes == notes


def test_unclosed_note_ends_with_track_and_zero_length_note_lasts_a_tick():
    body = b"\x00\x90\x3c\x50" + b"\x00\x90\x40\x50\x00\x80\x40\x00" + b"\x83\x00\xff\x2f\x00"
    notes = midi.parse(raw_file(1, [body])).notes
    assert notes == [Note(Fraction(0), 60, Fraction(384, 96), 80),
                     Note(Fraction(0), 64, Fraction(1, 96), 80)]


def test_type0_splits_channels_and_keeps_drums_tempo_and_key():
    body = (b"\x00\xff\x03\x04Tune" + b"\x00\xff\x51\x03\x07\xa1\x20"  # 120 BPM
            + b"\x00\xff\x59\x02\x01\x01"  # E minor
            + b"\x00\xff\x58\x04\x06\x03\x18\x08"  # 6/8
            + b"\x00\xc0\x18" + b"\x00\x90\x40\x64" + b"\x00\x99\x24\x70"
            + b"\x60\x80\x40\x00" + b"\x00\x89\x24\x00"
            + b"\x00\xff\x51\x03\x0f\x42\x40"  # 60 BPM at beat 1
            + END)
    score = midi.parse(raw_file(0, [body]))
    assert score.title == "Tune"
    assert score.key == "Em"
    assert score.time_signatures == [TimeSignature(Fraction(0), 6, 8)]
    assert score.tempos == [Tempo(Fraction(0), 120.0), Tempo(Fraction(1), 60.0)]
    assert [(p.channel, p.program, p.is_drum, len(p.notes)) for p in score.parts] == [
        (0, 24, False, 1),
        (9, 0, True, 1),
    ]


def test_type2_tracks_play_one_after_another():
    one = b"\x00\x90\x3c\x40\x60\x80\x3c\x00" + END
    score = midi.parse(raw_file(2, [one, one]))
    assert [n.onset for n in score.notes] == [0, 1]


def test_example_file_written_by_format_is_a_file_mido_saves_the_same(tmp_path: Path):
    # a file written to disk and read by path gives the same score as bytes
    data = midi.format(sample_score())
    path = tmp_path / "x.mid"
    path.write_bytes(data)
    from notetokens import read

    assert read(path) == midi.parse(data)
    assert os.path.getsize(path) == len(data)


def test_model_text_is_the_quantized_melody():
    from notetokens.grammar import accepts
    from notetokens.notes_grammar import NotesGrammar

    path = next(p for p in primitive_files() if p.name == "test01.mid")
    score = midi.parse(path.read_bytes())
    text = midi.to_model_text(score)
    assert accepts(NotesGrammar.reading(), text)  # any model text can prime the sampler
    back = get("midi").from_model_text(text)  # the registry: the note string's reader
    want = midi.quantize(score.one_voice(top_line=True)).parts[0].notes
    assert [(n.onset, n.pitch, n.duration) for n in back.notes] == [
        (n.onset, n.pitch, n.duration) for n in want
    ]
    assert all((n.onset * 12).denominator == 1 for n in back.notes)
