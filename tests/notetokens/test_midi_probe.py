"""MIDI cases from the probe of issue #18: limits counted at every event before
anything is built, chords and drums a one-voice notation cannot hold, names
that must read back from every notation notegen writes."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest

from notegen.tune import Tune
from notetokens import Note, Part, Score, midi, read
from notetokens.errors import NotegenError, ParseError
from notetokens.limits import MAX_MIDI_EVENTS
from tests.conftest import one_line, peak_mib, run_notegen

M, META = mido.Message, mido.MetaMessage


def midi_file(path: Path, *tracks: list, ticks_per_beat: int = 480) -> Path:
    f = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    for events in tracks:
        f.tracks.append(mido.MidiTrack(events))
    f.save(path)
    return path


def notes_of(pitches: list[int], channel: int = 0) -> list:
    out = []
    for p in pitches:
        out += [M("note_on", note=p, velocity=64, channel=channel),
                M("note_off", note=p, time=480, channel=channel)]
    return out


def test_a_tempo_event_far_past_the_notes_is_refused_at_once(tmp_path: Path):
    src = midi_file(tmp_path / "t.mid", [*notes_of([60, 62, 64, 65]), META("set_tempo", time=0x0FFFFFFF)])
    r = run_notegen("convert", str(src), str(tmp_path / "o.musicxml"), timeout=120)  # it ran for ever
    one_line(r, "t.mid", "past beat 16384")
    assert not (tmp_path / "o.musicxml").exists()


def raw_track(body: bytes) -> bytes:
    return (b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0"
            + b"MTrk" + len(body).to_bytes(4, "big") + body)


def test_notes_past_the_limit_are_refused_before_the_file_is_read_through():
    # 500,000 notes with running status: note-on C4, then velocity 0 a tick later
    body = b"\x00\x90\x3c\x40" + b"\x01\x3c\x00\x00\x3c\x40" * 499_999 + b"\x01\x3c\x00"
    def parse() -> None:
        with pytest.raises(ParseError, match="more than 100000 notes"):
            midi.parse(raw_track(body))

    assert peak_mib(parse) < 64  # was 311 MB (and 3.9 s) once the whole file was built


def test_events_past_the_limit_are_refused():
    body = b"\x00\xb0\x07\x01" + b"\x00\x07\x01" * MAX_MIDI_EVENTS
    with pytest.raises(ParseError, match=f"more than {MAX_MIDI_EVENTS} events"):
        midi.parse(raw_track(body))


def test_a_score_with_a_tempo_past_the_length_limit_is_not_written():
    from fractions import Fraction as F

    from notetokens import Tempo, musicxml

    score = Score.from_notes([Note(F(0), 60, F(1))], tempos=[Tempo(F(10**6), 90.0)])
    for fmt in (midi.format, musicxml.format):
        with pytest.raises(NotegenError, match="past beat 16384"):
            fmt(score)


def test_a_chord_of_two_lengths_is_refused_by_one_voice_notations_and_kept_by_midi(tmp_path: Path):
    chord = [M("note_on", note=60, velocity=64), M("note_on", note=64, velocity=64),
             M("note_off", note=60, time=480), M("note_off", note=64, time=480)]
    src = midi_file(tmp_path / "c.mid", chord)
    for out in ("o.txt", "o.tab"):
        one_line(run_notegen("convert", str(src), str(tmp_path / out)), out, "C4 lasts 1 beats", "E4 2")
        assert not (tmp_path / out).exists()
    assert run_notegen("convert", str(src), str(tmp_path / "o.mid")).returncode == 0
    back = read(tmp_path / "o.mid")
    assert [(n.pitch, n.duration) for n in back.notes] == [(60, 1), (64, 2)]
    r = run_notegen("convert", str(src), str(tmp_path / "m.txt"), "--melody")
    assert r.returncode == 0 and (tmp_path / "m.txt").read_text().split()[-1] == "E4"


def test_drums_are_refused_by_pitched_notations_and_kept_by_midi(tmp_path: Path):
    src = midi_file(tmp_path / "d.mid", notes_of([36, 38], channel=9))
    for out in ("o.txt", "o.tab", "o.abc"):
        one_line(run_notegen("convert", str(src), str(tmp_path / out)), out, "drums")
    assert run_notegen("convert", str(src), str(tmp_path / "o.mid")).returncode == 0
    (part,) = read(tmp_path / "o.mid").parts
    assert part.is_drum and part.channel == 9 and [n.pitch for n in part.notes] == [36, 38]


@pytest.mark.parametrize("ext", ["abc", "musicxml", "txt", "tab", "mid"])
def test_a_nul_in_a_track_name_is_taken_out_and_every_output_reads_back(tmp_path: Path, ext):
    src = midi_file(tmp_path / "n.mid", [META("track_name", name="T\x00itle\x07")],
                    [META("track_name", name="P\x00art"), *notes_of([60, 62])])
    assert read(src).title == "Title" and read(src).parts[0].name == "Part"
    out = tmp_path / f"o.{ext}"
    assert run_notegen("convert", str(src), str(out)).returncode == 0
    assert [n.pitch for n in read(out).notes] == [60, 62]


def test_the_api_refuses_control_characters_in_names_and_empty_tunes(tmp_path: Path):
    from fractions import Fraction as F

    named = Score(parts=[Part([Note(F(0), 60, F(1))], name="a\x00b")])
    for ext in ("abc", "musicxml", "mid"):
        with pytest.raises(NotegenError, match="U\\+0000"):
            Tune(named).save(tmp_path / f"n.{ext}")
    for ext in ("abc", "musicxml", "txt", "tab", "mid"):
        with pytest.raises(NotegenError, match="no notes"):
            Tune(Score()).save(tmp_path / f"e.{ext}")
        assert not (tmp_path / f"e.{ext}").exists()


def test_a_title_outside_latin1_is_written_to_midi_and_reads_back(tmp_path: Path):
    src = tmp_path / "t.abc"
    src.write_text("X:1\nT:Ça ira — 日本\nM:4/4\nL:1/4\nK:C\nCDEF|\n", encoding="utf-8")
    r = run_notegen("convert", str(src), str(tmp_path / "t.mid"))
    assert r.returncode == 0, r.stderr
    assert read(tmp_path / "t.mid").title == "Ça ira — 日本"
    # a Latin-1 name that is not UTF-8 (as older files hold) still reads as Latin-1
    old = midi_file(tmp_path / "old.mid", [META("track_name", name="Café")], notes_of([60]))
    assert read(old).title == "Café"
