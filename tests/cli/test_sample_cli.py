"""`notegen sample` as a user runs it, on a tiny notes model trained here."""

from __future__ import annotations

import struct
import subprocess
import sys

import mido
import pytest

from notetokens import io, notes

from ..conftest import need


def test_sample_writes_a_midi_file_a_daw_reads(tiny_notes_model, tmp_path, notegen_here):
    out = tmp_path / "song.mid"
    r = notegen_here("sample", "--model", str(tiny_notes_model), "--out", str(out), "--seed", "3",
        "--length", "12")
    assert r.returncode == 0, r.stderr
    mf = mido.MidiFile(str(out))  # a second library reads it
    ons = [m for t in mf.tracks for m in t if m.type == "note_on" and m.velocity > 0]
    offs = [m for t in mf.tracks for m in t if m.type == "note_off" or not getattr(m, "velocity", 1)]
    assert len({m.note for m in ons}) >= 1 and len(ons) == len(offs)
    # --length caps the note events (a chord's notes share one); the tune may end
    # sooner, as the model learned from its short training tunes
    onsets = {n.onset for n in io.read(out).notes}
    assert 1 <= len(onsets) <= 12


def test_same_seed_same_melody_and_formats_follow_the_extension(tiny_notes_model, tmp_path, notegen,
                                                                notegen_here):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    # one in a fresh interpreter, one here: two processes (two hash seeds) draw alike
    for run, p in ((notegen, a), (notegen_here, b)):
        r = run("sample", "-m", str(tiny_notes_model), "-o", str(p), "--seed", "9", "--bars", "4")
        assert r.returncode == 0, r.stderr
    assert a.read_text() == b.read_text()
    assert notes.parse(a.read_text()).notes  # note strings that parse
    ref = tmp_path / "ref.txt"
    for ext in ("txt", "abc", "tab", "musicxml"):
        out = ref if ext == "txt" else tmp_path / f"s.{ext}"
        # a fixed meter: this tiny model may write one no notation reads (M:3/63)
        r = notegen_here("sample", "-m", str(tiny_notes_model), "-o", str(out), "--seed", "9",
                         "--length", "8", "--meter", "4/4")
        assert r.returncode == 0, r.stderr
    want = pitches_of(io.read(ref))
    assert want  # (a tune may end before --length notes)
    for ext in ("abc", "tab"):  # read back by the notation's own reader: the same melody
        assert pitches_of(io.read(tmp_path / f"s.{ext}")) == want, ext
    import music21  # MusicXML is output only here: a second library reads it

    parsed = music21.converter.parse(str(tmp_path / "s.musicxml"))
    tied = parsed.stripTies().flatten().notes  # a long note is tied across bar lines
    got = sorted((float(n.offset), p.midi) for n in tied for p in n.pitches)
    assert [p for _, p in got] == want


def pitches_of(score) -> list[int]:
    """Pitches in time order (a chord's from low to high)."""
    return [n.pitch for n in sorted(score.notes, key=lambda n: (n.onset, n.pitch))]


def test_num_and_stdout(tiny_notes_model, tmp_path, notegen_here):
    r = notegen_here("sample", "-m", str(tiny_notes_model), "-o", str(tmp_path / "s.mid"), "-n", "3",
        "--length", "5")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s-1.mid", "s-2.mid", "s-3.mid"]
    r = notegen_here("sample", "-m", str(tiny_notes_model), "--length", "5", "--seed", "1")
    assert r.returncode == 0 and notes.parse(r.stdout).notes


def test_dynamic_and_echo_options_reach_the_sampler(tiny_notes_model, notegen_here):
    """The command's --dynamic-lr and --echo draw what the API draws with those
    options, which is not the default tune."""
    import notegen as api

    base = {"seed": 4, "min_notes": 60, "meter": "2/4"}
    r = notegen_here("sample", "-m", str(tiny_notes_model), "--seed", "4", "--min-notes", "60",
                     "--meter", "2/4", "--dynamic-lr", "0.5", "--echo", "0")
    assert r.returncode == 0, r.stderr
    got = notes.parse(r.stdout)
    assert len(got.notes) >= 60
    changed = api.sample(tiny_notes_model, dynamic_lr=0.5, echo=0.0, **base)
    assert got.notes == changed.score.notes
    assert changed.score.notes != api.sample(tiny_notes_model, **base).score.notes


def test_prime_and_header_options_reach_the_melody(tiny_notes_model, notegen_here):
    r = notegen_here(
        "sample",
        "-m",
        str(tiny_notes_model),
        "--prime",
        "G-G-D-D",
        "--meter",
        "6/8",
        "--key",
        "D",
        "--bpm",
        "100",
        "--length",
        "6",
        "--seed",
        "2",
    )
    assert r.returncode == 0, r.stderr
    score = notes.parse(r.stdout)
    assert [n.pitch for n in score.notes[:4]] == [67, 67, 62, 62]
    assert str(score.meter) == "6/8" and score.key == "D" and score.bpm == 100


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--temperature", "0"], "temperature must be"),
        (["--prime", "G H"], "--prime"),
        (["--out", "x.xyz"], "extension"),
        (["--model", "no-such-model"], "no bundled model"),
        (["--model", "kjv"], "kjv is a text model, and a text model can't play melodies"),  # as live says
        (["--meter", "6/0"], "--meter"),
        (["--echo", "1.5"], "--echo"),
        (["--dynamic", "--dynamic-lr", "-1"], "--dynamic-lr"),
    ],
)
def test_bad_options_are_one_line_errors(tiny_notes_model, tmp_path, notegen, args, words):
    base = ["sample", "--model", str(tiny_notes_model)] if "--model" not in args else ["sample"]
    r = notegen(*base, *args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert words in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_plot_writes_a_png(tiny_notes_model, tmp_path, notegen_here):
    png = tmp_path / "roll.png"
    out = tmp_path / "s.mid"
    r = notegen_here("sample", "-m", str(tiny_notes_model), "-o", str(out), "--plot", str(png),
                     "--length", "8")
    assert r.returncode == 0, r.stderr
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 100 and height > 100


def test_wav_renders_through_fluidsynth(tiny_notes_model, tmp_path, notegen_here):
    import shutil

    from notegen.synth import find_soundfont

    need(
        shutil.which("fluidsynth") is not None and find_soundfont() is not None,
        "fluidsynth and a GM soundfont (Debian: fluidsynth timgm6mb-soundfont)",
    )
    wav = tmp_path / "s.wav"
    r = notegen_here("sample", "-m", str(tiny_notes_model), "-o", str(wav), "--length", "8", "--seed", "1")
    assert r.returncode == 0, r.stderr
    import wave

    with wave.open(str(wav)) as w:
        frames = w.readframes(w.getnframes())
        assert w.getnframes() > w.getframerate() // 2  # at least half a second of sound
    assert any(b != 0 for b in frames[: len(frames) // 2])  # not silence


def test_wav_without_synth_says_what_to_install(tiny_notes_model, tmp_path):
    code = (
        "import shutil, sys\nshutil.which = lambda name: None\n"
        "from notegen.cli.main import main\n"
        f"main(['sample', '-m', {str(tiny_notes_model)!r}, '-o', {str(tmp_path / 'x.wav')!r}, "
        "'--length', '4'])"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 2 and "fluidsynth" in r.stderr.lower()
    assert not (tmp_path / "x.wav").exists()


def test_the_readme_tour_line_continues_a_prime_for_eight_bars(tiny_notes_model, notegen_here):
    r = notegen_here("sample", "-m", str(tiny_notes_model), "--prime", "G-G-D-D-E-E-D", "--bars", "8",
        "--seed", "1")
    assert r.returncode == 0, r.stderr
    score = notes.parse(r.stdout)
    assert [n.pitch for n in score.notes[:7]] == [67, 67, 62, 62, 64, 64, 62]
    bar = 4 * score.meter.numerator / score.meter.denominator
    assert score.end <= 8 * bar and score.end > 7 * bar - 1e-9


def test_min_notes_keeps_the_tune_going(tiny_notes_model, notegen_here):
    for seed in ("1", "2"):
        r = notegen_here("sample", "-m", str(tiny_notes_model), "--min-notes", "40", "--seed", seed)
        assert r.returncode == 0, r.stderr
        assert len({n.onset for n in notes.parse(r.stdout).notes}) >= 40


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--type", "reel"], "cannot write T:reel"),  # a model trained before tune types
        (["--type", "tango"], "unknown tune type 'tango'"),
    ],
)
def test_type_errors_are_one_line(tiny_notes_model, tmp_path, notegen, args, words):
    r = notegen("sample", "-m", str(tiny_notes_model), "-o", str(tmp_path / "x.mid"), *args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert words in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
