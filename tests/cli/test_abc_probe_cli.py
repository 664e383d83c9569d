"""The ABC probe cases of issue #18 through the real `notegen convert`: music
read right into note strings and MIDI, bad ABC refused in one line naming
file:line:col, exit 2, nothing written and nothing already there lost."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest

from ..conftest import one_line, run_notegen

HEAD = "X:1\nT:probe\nL:1/4\nM:4/4\n"


def convert(tmp_path: Path, text: str, out: str, *options: str) -> tuple[str, Path]:
    src = tmp_path / "in.abc"
    src.write_text(text)
    dst = tmp_path / out
    r = run_notegen("convert", str(src), str(dst), *options)
    assert r.returncode == 0, r.stderr
    return dst.read_text() if out.endswith(".txt") else "", dst


def test_double_repeats_decorations_and_inline_keys_reach_the_note_string(tmp_path):
    tune = HEAD + "K:C\n|:E E E E::+fermata+F F F HF:|[K:D] F F F F|\n"
    text, _ = convert(tmp_path, tune, "out.txt")
    # the note string keeps the marks as written ...
    assert text == "M:4/4 K:C\n|: E4 E4 E4 E4 :: F4 F4 F4 F4 :| F#4 F#4 F#4 F#4\n"
    # ... and MIDI plays them out: E bar twice, F bar twice, then the F# bar
    _, mid = convert(tmp_path, tune, "out.mid")
    ons = [m.note for m in mido.MidiFile(str(mid)).tracks[-1] if m.type == "note_on" and m.velocity]
    assert ons == [64] * 8 + [65] * 8 + [66] * 4


def test_named_voices_are_tracks(tmp_path):
    body = "K:C\nV:T1\nC D E F|\nV:B1\nC, D, E, F,|\n"
    text, _ = convert(tmp_path, HEAD + body, "low.txt", "--track", "1")
    assert text == "M:4/4 K:C\nC3 D3 E3 F3\n"


def test_a_meter_change_and_the_pipes_key_reach_midi(tmp_path):
    _, out = convert(tmp_path, HEAD + "K:HP\nC D E F|\nM:3/4\nC D E|C D E|\n", "out.mid")
    mf = mido.MidiFile(str(out))
    meters, t = [], 0
    for msg in mido.merge_tracks(mf.tracks):
        t += msg.time
        if msg.type == "time_signature":
            meters.append((t / mf.ticks_per_beat, msg.numerator, msg.denominator))
    assert meters == [(0, 4, 4), (4, 3, 4)]
    pitches = [m.note for m in mido.merge_tracks(mf.tracks) if m.type == "note_on" and m.velocity]
    assert pitches[:4] == [61, 62, 64, 66]  # A mixolydian: C and F sharp


@pytest.mark.parametrize(("body", "where", "words"), [
    ("K:C\n[CEG D E F|]\n", "6:1", "chord is not closed"),
    ("K:C\nC D $$$ @@@ E F|\n", "6:5", "not ABC"),
    ("K:C\nC D c'''''''' F|\n", "6:5", "MIDI's range"),
    ("K:D _b\nF C B A|\n", "5:3", "not a key signature"),
    ("Q:1/4=99999\nK:C\nC D E F|\n", "5:3", "Q:1/4=99999"),
    ("Q:1/4=0\nK:C\nC D E F|\n", "5:3", "Q:1/4=0"),
    ("K:C\nC D E F|\nM:3+2+2/8\nCDE FG AB|\n", "7:4", "additive meter"),
])
def test_bad_abc_is_one_line_and_keeps_the_output_there(tmp_path, body, where, words):
    src = tmp_path / "bad.abc"
    src.write_text(HEAD + body)
    out = tmp_path / "out.mid"
    out.write_bytes(b"kept")
    r = run_notegen("convert", str(src), str(out))
    one_line(r, f"{src}:{where}:", words)
    assert out.read_bytes() == b"kept"


def test_an_error_in_the_second_tune_names_its_line_and_a_tiny_unit_its_field(tmp_path):
    src = tmp_path / "two.abc"
    src.write_text(HEAD + "K:C\nC D E F|\n\nA bad face, a cafe.\n\nX:2\nL:1/999999999\nK:C\nC D E F|\n")
    r = run_notegen("convert", str(src), str(tmp_path / "out.txt"), "--tune", "2")
    one_line(r, f"{src}:11:3:", "unit length")
    assert not (tmp_path / "out.txt").exists()
