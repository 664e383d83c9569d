"""Hostile and careless input to the readers: each limit of `notetokens.limits`
is one clear error with its position, never a hang, a traceback or a silent
change."""

from __future__ import annotations

import struct
from fractions import Fraction as F

import pytest

from notetokens import abc, limits, midi, musicxml, notes
from notetokens.abc_check import MAX_TUNE_NOTES
from notetokens.errors import NotegenError, ParseError
from notetokens.io import read
from notetokens.notes_reader import NoteDecoder
from notetokens.score import Note, Score, TimeSignature


def where(text: str) -> tuple[int | None, int | None, str]:
    with pytest.raises(ParseError) as e:
        notes.parse(text)
    return e.value.line, e.value.col, e.value.message


# -- note strings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "col", "words"),
    [
        ("[C4 [D4 E4]:2]", 1, 5, "cannot hold another chord"),
        ("C4 D4\nG4 [C4 E4 [G4]]", 2, 11, "cannot hold another chord"),
        ("C4:99999999 D4", 1, 3, "longer than the limit"),
        ("C4:1/99999999 D4", 1, 3, "shorter than the limit"),
        ("L:1/64\nC4 R:/128", 2, 5, "shorter than the limit"),
        ("C4:12345678901234567890", 1, 3, "digits"),
        ("M:99999999/1\nC4 D4", 1, 3, "upper number"),
        ("M:7/7\nC4 D4", 1, 3, "lower number"),
        ("M:4/" + "9" * 5000 + "\nC4", 1, 3, "digits"),
        ("M:4/256\nC4", 1, 3, "lower number"),
    ],
)
def test_note_string_limits_name_line_and_column(text, line, col, words):
    got_line, got_col, message = where(text)
    assert (got_line, got_col) == (line, col)
    assert words in message


def test_durations_at_the_limits_are_read():
    score = notes.parse(f"C4:{limits.MAX_NOTE_BEATS} D4:1/1024")
    assert [n.duration for n in score.notes] == [limits.MAX_NOTE_BEATS, limits.MIN_NOTE_BEATS]


def test_a_tune_past_the_length_limits_stops_at_the_token_that_passes_it():
    dec = NoteDecoder(max_events=3)
    dec.feed("C4 D4 E4 ")
    with pytest.raises(ParseError) as e:
        dec.feed("F4 G4")
    assert (e.value.line, e.value.col) == (1, 10)
    dec = NoteDecoder(max_beats=8)
    with pytest.raises(ParseError, match="past beat 8") as e:
        dec.feed("C4:4 D4:4\nE4:2 F4")
    assert (e.value.line, e.value.col) == (2, 1)


def test_the_file_reader_uses_the_documented_limits():
    # the longest tune the limits allow is read in full
    text = " ".join(["C4:1024"] * (limits.MAX_BEATS // 1024))
    assert notes.parse(text).end == limits.MAX_BEATS
    with pytest.raises(ParseError, match="past beat"):
        notes.parse(text + " D4")


def test_a_live_decoder_has_no_length_limit():
    dec = NoteDecoder()
    got = dec.feed("C4:1024 " * 20 + "D4")
    assert len(got) == 20 and dec.time == 20 * 1024


def test_a_file_past_the_size_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("C4 " * (limits.MAX_TEXT_BYTES // 3 + 1))
    with pytest.raises(NotegenError, match=r"big\.txt: 1\.0 MB is more than notegen reads as notes"):
        read(big)
    ok = tmp_path / "ok.txt"
    ok.write_text("C4 " * 1000)
    assert len(read(ok).notes) == 1000


# -- MIDI ------------------------------------------------------------------------


def smf(ts_numerator: int, ts_power: int) -> bytes:
    """A one-track MIDI file with a time signature meta event and one note."""
    track = bytes([0, 0xFF, 0x58, 4, ts_numerator, ts_power, 24, 8,
                   0, 0x90, 60, 64, 0x83, 0x60, 0x80, 60, 0, 0, 0xFF, 0x2F, 0])
    return b"MThd" + struct.pack(">LHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">L", len(track)) + track


@pytest.mark.parametrize(("num", "power", "words"), [(0, 2, "upper number"), (4, 255, "lower number"),
                                                     (4, 7, "lower number")])
def test_midi_time_signatures_past_the_limits_are_refused_on_read(num, power, words):
    with pytest.raises(ParseError, match=words) as e:
        midi.parse(smf(num, power))
    assert "track 0, tick 0: time signature" in e.value.message


def test_a_plain_midi_time_signature_is_read():
    assert midi.parse(smf(6, 3)).meter == TimeSignature(F(0), 6, 8)


def test_a_meter_midi_cannot_hold_is_an_error_not_dropped():
    score = Score.from_notes([Note(F(0), 60, F(1))], time_signatures=[TimeSignature(F(0), 7, 7)])
    with pytest.raises(NotegenError, match="7/7"):
        midi.format(score)


def test_a_note_shorter_than_a_tick_is_an_error_not_a_chord():
    score = Score.from_notes([Note(F(0), 60, F(1, 99999999)), Note(F(1, 99999999), 62, F(1))])
    with pytest.raises(NotegenError, match="less than one tick"):
        midi.format(score)
    # with an exact resolution short notes are kept as they are
    short = Score.from_notes([Note(F(0), 60, F(1, 1000)), Note(F(1, 1000), 62, F(1))])
    assert midi.parse(midi.format(short)).notes == short.notes


def test_the_note_string_that_came_back_as_a_chord_is_refused(tmp_path):
    src = tmp_path / "tiny.txt"
    src.write_text("C4:1/99999999 D4\n")
    with pytest.raises(ParseError) as e:
        read(src)
    assert str(e.value).startswith(f"{src}:1:3: a duration of")


# -- ABC -------------------------------------------------------------------------


def test_hello_world_is_not_abc():
    with pytest.raises(ParseError, match="not ABC: 'h' is not a note") as e:
        abc.parse("hello world\n")
    assert (e.value.line, e.value.col) == (1, 1)
    # a bare body of notes is still read as ABC
    assert len(abc.parse("CDEF GABc|\n").notes) == 8


def test_ten_thousand_voices_are_refused_before_music21_reads_them():
    tune = "X:1\nM:4/4\nL:1/8\nK:C\n" + "".join(f"V:{i}\nCDEF|\n" for i in range(10_000))
    with pytest.raises(ParseError, match="more than 64 voices") as e:
        abc.parse(tune)
    assert (e.value.line, e.value.col) == (5 + 2 * limits.MAX_PARTS, 3)


@pytest.mark.parametrize("field", ["M:99999999/1", "M:7/7", "M:0/4"])
def test_abc_meters_past_the_limits_are_refused(field):
    with pytest.raises(ParseError, match="meter") as e:
        abc.parse(f"X:1\nT:t\n{field}\nL:1/8\nK:C\nCDEF|\n")
    assert (e.value.line, e.value.col) == (3, 3)


def test_abc_durations_and_lengths_past_the_limits_are_refused():
    with pytest.raises(ParseError, match="longer than the limit"):
        abc.parse("X:1\nM:4/4\nL:1/8\nK:C\nC99999999 D|\n")
    with pytest.raises(ParseError, match=f"more than {MAX_TUNE_NOTES} notes"):
        abc.parse("X:1\nM:4/4\nL:1/8\nK:C\n" + "CDEF GABc|\n" * (MAX_TUNE_NOTES // 8 + 1))


def test_a_collection_header_does_not_shift_the_line_numbers():
    text = "%abc\nM:4/4\nL:1/8\n\nX:1\nT:ok\nK:C\nCDEF|\n\nX:2\nT:bad\nM:99/8\nK:C\nCDEF|\n"
    with pytest.raises(ParseError) as e:
        abc.parse_tunes(text)
    assert (e.value.line, e.value.col) == (12, 3)


# -- writers -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [abc.format, musicxml.format, midi.format])
def test_writers_refuse_music_past_the_limits(fmt):
    long_note = Score.from_notes([Note(F(0), 60, F(99999999))])
    with pytest.raises(NotegenError, match="cannot write this music"):
        fmt(long_note)
    many = Score.from_notes([Note(F(i, 4), 60, F(1, 4)) for i in range(limits.MAX_NOTES + 1)])
    with pytest.raises(NotegenError, match="notes: more than the limit"):
        fmt(many)
