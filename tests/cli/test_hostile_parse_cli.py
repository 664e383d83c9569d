"""The reader rows of issue 12 as a user meets them: `notegen convert`, `eval`
and `corpus` on hostile or careless files give one line and exit 2 without
touching the output, and a bad file in a folder is skipped and counted."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from notetokens import mxl, notes


def one_line_error(r, prefix: str) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0].startswith(prefix), lines[0]
    return lines[0]


def midi_with_meter(numerator: int, power: int) -> bytes:
    track = bytes([0, 0xFF, 0x58, 4, numerator, power, 24, 8,
                   0, 0x90, 60, 64, 0x83, 0x60, 0x80, 60, 0, 0, 0xFF, 0x2F, 0])
    return b"MThd" + struct.pack(">LHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">L", len(track)) + track


CASES = {
    "nested.txt": ("[C4 [D4 E4]:2]\n", "1:5: a chord cannot hold another chord"),
    "long.txt": ("C4:99999999 D4\n", "1:3: a duration of 99999999 beats"),
    "meter.txt": ("M:99999999/1\nC4 D4\n", "1:3: M: meter 99999999/1"),
    "seven.txt": ("M:7/7\nC4 D4 E4\n", "1:3: M: meter 7/7"),
    "tiny.txt": ("C4:1/99999999 D4\n", "1:3: a duration of 1e-08 beat"),
    "hello.abc": ("hello world\n", "1:1: this is not ABC"),
    "voices.abc": ("X:1\nM:4/4\nL:1/8\nK:C\n" + "".join(f"V:{i}\nCDEF|\n" for i in range(10_000)),
                   "133:3: more than 64 voices"),
    "zero.mid": (midi_with_meter(0, 2), ": track 0, tick 0: time signature meter 0/4"),
    "huge.mid": (midi_with_meter(4, 255), ": track 0, tick 0: time signature meter 4/"),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("ext", ["mid", "musicxml"])
def test_convert_refuses_with_one_line_and_keeps_the_old_output(tmp_path, notegen, name, ext):
    content, message = CASES[name]
    src = tmp_path / name
    if isinstance(content, bytes):
        src.write_bytes(content)
    else:
        src.write_text(content)
    out = tmp_path / f"old.{ext}"
    out.write_bytes(b"keep me")
    r = notegen("convert", str(src), str(out), timeout=60)
    assert message in one_line_error(r, str(src))
    assert out.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, out.name])


def test_a_big_one_line_note_file_is_refused_at_once(tmp_path, notegen):
    src = tmp_path / "big.txt"
    src.write_text("C4 D4 E4 " * 600_000)  # 5.4 MB on one line
    r = notegen("convert", str(src), str(tmp_path / "big.mid"), timeout=30)
    one_line_error(r, f"notegen: {src}: 5.1 MB is more than notegen reads as notes")


def test_eval_names_the_nested_chord(tmp_path, notegen):
    src = tmp_path / "held_out.txt"
    src.write_text("C4 D4 E4 |\n[C4 [D4 E4]:2]\n")
    r = notegen("eval", "--model", "folk", "-n", "0", str(src), timeout=120)
    line = one_line_error(r, f"notegen: no notes documents in {src}: 1 skipped")
    assert f"(first: {src}:2:5: a chord cannot hold another chord" in line


def test_corpus_skips_and_counts_a_bad_file_in_a_folder(tmp_path, notegen):
    folder = tmp_path / "tunes"
    folder.mkdir()
    (folder / "good.txt").write_text("M:4/4\nC4 D4 E4 F4 | G4:4\n")
    (folder / "nested.txt").write_text("[C4 [D4 E4]:2]\n")
    (folder / "score.mxl").write_bytes(mxl.format(notes.parse("M:3/4\nA4 B4 C5 | D5:3")))
    out = tmp_path / "c.jsonl"
    r = notegen("corpus", str(folder), "--notation", "notes", "--out", str(out), timeout=120)
    assert r.returncode == 0, r.stderr
    assert "2 documents" in r.stderr and "1 skipped" in r.stderr
    assert "nested.txt:1:5: a chord cannot hold another chord" in r.stderr
    assert out.read_text().count("\n") == 2


def test_convert_tab_moves_a_high_melody_unless_exact_pitch(tmp_path, notegen):
    src = tmp_path / "jig.txt"
    src.write_text("L:1/8 M:6/8 K:D\nD5 E5 F#5 G5 A5 B5 | A5:3 D5:3\n")
    r = notegen("convert", str(src), "-", "--to", "tab")
    assert r.returncode == 0, r.stderr
    assert "transposed: down 1 octave" in r.stdout  # D5..B5 is played at D4..B4
    r = notegen("convert", str(src), "-", "--to", "tab", "--exact-pitch")
    assert r.returncode == 0, r.stderr
    assert "transposed" not in r.stdout


def test_convert_reads_compressed_musicxml(tmp_path, notegen):
    src = tmp_path / "score.mxl"
    src.write_bytes(mxl.format(notes.parse("L:1/8 M:6/8 K:G\nG4 A4 B4 d5:3 | g5:6")))
    r = notegen("convert", str(src), "-", "--to", "notes")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "L:1/8 M:6/8 K:G\nG4 A4 B4 D5:3 | G5:6\n"
    back = tmp_path / "back.musicxml"
    assert notegen("convert", str(src), str(back)).returncode == 0
    assert Path(back).read_bytes().startswith(b"<?xml")
