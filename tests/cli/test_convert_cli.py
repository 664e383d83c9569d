"""`notegen convert` as a user runs it: real files in, real MIDI out, one-line errors."""

from __future__ import annotations

import io
import os
from pathlib import Path

import mido
import pytest

from ..conftest import one_line

ROOT = Path(__file__).resolve().parents[2]


def midi_notes(path: Path) -> list[tuple[int, int, int]]:
    """(onset tick, pitch, duration ticks) read with mido at the message level."""
    mf = mido.MidiFile(str(path))
    out, start = [], {}
    for track in mf.tracks:
        t = 0
        for msg in track:
            t += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                start[msg.note] = t
            elif msg.type in ("note_off", "note_on") and msg.note in start:
                out.append((start[msg.note], msg.note, t - start.pop(msg.note)))
    return sorted(out)


def test_lecture_note_string_to_midi(tmp_path, notegen_here):
    out = tmp_path / "twinkle.mid"
    r = notegen_here("convert", str(ROOT / "examples/notes/twinkle.txt"), str(out))
    assert r.returncode == 0, r.stderr
    tpb = mido.MidiFile(str(out)).ticks_per_beat
    assert midi_notes(out) == [(i * tpb, p, tpb) for i, p in enumerate([67, 67, 62, 62, 64, 64, 62])]


def test_stdout_needs_and_uses_to(tmp_path, notegen):
    src = tmp_path / "a.txt"
    src.write_text("C4 E4 G4:2\n")
    r = notegen("convert", str(src), "-", "--to", "notes")
    assert r.returncode == 0 and r.stdout == "C4 E4 G4:2\n"
    r = notegen("convert", str(src), "-")
    assert r.returncode == 2 and "--to" in r.stderr


BAD_INPUTS = {
    "stray.txt": (b"G G D D\nE E H D\n", "stray.txt:2:5: expected a note letter, got 'H'"),
    "empty.txt": (b"", "empty.txt: the file is empty"),
    "binary.txt": (bytes(range(256)), "binary.txt: this is a binary file"),
    "latin1.txt": ("C D caf\u00e9".encode("latin-1"), "latin1.txt:1:8: not UTF-8"),
    "random.mid": (os.urandom(64), "random.mid"),
    "truncated.mid": (None, "truncated.mid"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_exit_2_and_no_output(tmp_path, notegen, name):
    data, expected = BAD_INPUTS[name]
    if data is None:  # a real MIDI file cut in the middle of its track
        buf = io.BytesIO()
        mf = mido.MidiFile()
        track = mido.MidiTrack([mido.Message("note_on", note=60, time=0)] * 50)
        mf.tracks.append(track)
        mf.save(file=buf)
        data = buf.getvalue()[:40]
    src = tmp_path / name
    src.write_bytes(data)
    out = tmp_path / "out.mid"
    r = notegen("convert", str(src), str(out))
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert expected in lines[0]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]  # no temporary file left behind


def test_failed_conversion_keeps_the_existing_output(tmp_path, notegen):
    good, bad, out = tmp_path / "good.txt", tmp_path / "bad.txt", tmp_path / "out.mid"
    good.write_text("C4 D4 E4\n")
    bad.write_text("C4 D4 Z4\n")
    assert notegen("convert", str(good), str(out)).returncode == 0
    before = out.read_bytes()
    assert notegen("convert", str(bad), str(out)).returncode == 2
    assert out.read_bytes() == before


def test_unknown_extension_and_missing_file(tmp_path, notegen):
    r = notegen("convert", str(tmp_path / "nope.txt"), str(tmp_path / "x.mid"))
    assert r.returncode == 2 and "no such file" in r.stderr
    src = tmp_path / "a.txt"
    src.write_text("C4\n")
    r = notegen("convert", str(src), str(tmp_path / "x.wav2"))
    assert r.returncode == 2 and "extension" in r.stderr


def test_help_does_not_import_torch(notegen):
    import subprocess
    import sys

    code = (
        "import sys\nfrom notegen.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "try:\n    main(['convert', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', 'music21' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip().splitlines()[-1] == "NO-TORCH False"


def test_tab_to_midi_has_the_tabs_notes(tmp_path, notegen_here):
    from notetokens import tab

    src = ROOT / "examples/tabs/riff.tab"
    out = tmp_path / "riff.mid"
    r = notegen_here("convert", str(src), str(out))
    assert r.returncode == 0, r.stderr
    expected = tab.parse(src.read_text())
    tpb = mido.MidiFile(str(out)).ticks_per_beat
    got = midi_notes(out)
    assert [p for _, p, _ in got] == [n.pitch for n in sorted(expected.notes)]
    assert [t for t, _, _ in got] == [int(n.onset * tpb) for n in sorted(expected.notes)]


@pytest.mark.parametrize("via", ["txt", "tab", "abc", "mid"])
@pytest.mark.parametrize("start", ["txt", "abc", "mid"])
def test_every_pair_of_notations_keeps_the_melody(tmp_path, notegen_here, start, via):
    from notetokens import io

    melody = "L:1/8 M:6/8 K:D\nD4 F#4 A4 D5:2 A4 | B4 A4 F#4 E4:3 | [D4 F#4]:6\n"
    first = tmp_path / "m.txt"
    first.write_text(melody)
    src = tmp_path / f"start.{start}"
    if start != "txt":
        assert notegen_here("convert", str(first), str(src)).returncode == 0
    else:
        src = first
    mid, back = tmp_path / f"mid.{via}", tmp_path / "back.txt"
    for a, b in ((src, mid), (mid, back)):
        r = notegen_here("convert", str(a), str(b))
        assert r.returncode == 0, r.stderr
    want = [(n.onset, n.pitch, n.duration) for n in io.read(first).notes]
    assert [(n.onset, n.pitch, n.duration) for n in io.read(back).notes] == want


def test_musicxml_out(tmp_path, notegen_here):
    out = tmp_path / "t.musicxml"
    r = notegen_here("convert", str(ROOT / "examples/notes/twinkle.txt"), str(out))
    assert r.returncode == 0, r.stderr
    assert b"<score-partwise" in out.read_bytes()


# --- a file onto itself, and files of several tunes (issue 12)

TWO_TUNES = (
    "X:1\nT:One\nM:4/4\nL:1/8\nK:G\nGABc dedB|\n\n"
    "X:2\nT:Two\nM:6/8\nL:1/8\nK:D\nDFA dAF|\n"
)


def test_a_file_converted_onto_itself_is_refused_and_kept(tmp_path, notegen):
    src = tmp_path / "tt.abc"
    src.write_text(TWO_TUNES)
    (tmp_path / "link.abc").symlink_to(src.name)
    os.link(src, tmp_path / "hard.abc")
    for a, b in [("tt.abc", "tt.abc"), ("tt.abc", "link.abc"), ("link.abc", "tt.abc"),
                 ("tt.abc", "./tt.abc"), ("hard.abc", "tt.abc")]:
        one_line(notegen("convert", a, b, cwd=tmp_path), b, "input file", "another output")
        assert src.read_text() == TWO_TUNES
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.abc", "link.abc", "tt.abc"]


def test_the_python_convert_refuses_its_input_too(tmp_path):
    from notetokens.convert import convert
    from notetokens.errors import NotegenError

    src = tmp_path / "tt.abc"
    src.write_text(TWO_TUNES)
    with pytest.raises(NotegenError, match="input file"):
        convert(src, src)
    assert src.read_text() == TWO_TUNES


def test_a_file_of_several_tunes_says_it_converts_the_first(tmp_path, notegen):
    src = tmp_path / "tt.abc"
    src.write_text(TWO_TUNES)
    r = notegen("convert", str(src), str(tmp_path / "one.txt"))
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == (
        f"notegen: warning: {src} holds 2 tunes; converting tune 1 (--tune N picks another)"
    )
    assert (tmp_path / "one.txt").read_text().split("\n")[1].startswith("G4 A4 B4")


def test_tune_picks_a_tune_and_names_its_lines(tmp_path, notegen):
    src = tmp_path / "tt.abc"
    src.write_text(TWO_TUNES)
    r = notegen("convert", str(src), "-", "--to", "notes", "--tune", "2")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert r.stdout == "L:1/8 M:6/8 K:D\nD4 F#4 A4 D5 A4 F#4\n"
    one_line(notegen("convert", str(src), "-", "--to", "notes", "--tune", "3"),
             "tt.abc", "no tune 3", "holds 2 tunes")
    single = tmp_path / "one.txt"
    single.write_text("C4 D4\n")
    one_line(notegen("convert", str(single), "-", "--to", "notes", "--tune", "2"), "one tune")
    bad = tmp_path / "bad.abc"
    bad.write_text(TWO_TUNES.replace("M:6/8", "M:99999999999/8"))
    one_line(notegen("convert", str(bad), "-", "--to", "notes", "--tune", "2"), "bad.abc:10:3:")


def test_the_python_api_reads_any_tune_and_the_first_by_default(tmp_path):
    from notetokens import io

    src = tmp_path / "tt.abc"
    src.write_text(TWO_TUNES)
    assert io.read(src).meter == io.read(src, tune=1).meter
    assert str(io.read(src, tune=2).meter) != str(io.read(src).meter)
    assert io.read_tune(src, tune=2)[1] == 2
