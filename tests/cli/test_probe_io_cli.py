"""Files through the real command, as a fresh probe found them (issue #18):
devices and FIFOs as inputs, bad files among good ones, held-out files that
give no tunes, seeds out of range."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..conftest import one_line, run_notegen

TUNE = "L:1/8 M:4/4 K:G\nG4 A4 B4 c5 d5:2 B4:2 | c5 A4 F#4 A4 G4:4\n"


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "f.txt"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    ("src", "notation"), [("/dev/zero", "notes"), ("/dev/urandom", "midi")]
)
def test_a_device_as_input_is_refused_not_read_without_end(tmp_path, src, notation):
    out = tmp_path / "o.mid"
    r = run_notegen("convert", src, str(out), "--from", notation, timeout=60)
    one_line(r, f"{src}: is a device, not a file")
    assert not out.exists()


def test_a_fifo_as_input_is_refused_not_waited_on(tmp_path, fifo):
    out = tmp_path / "o.mid"
    r = run_notegen("convert", str(fifo), str(out), timeout=60)
    one_line(r, f"{fifo}: is a FIFO (named pipe), not a file")
    assert not out.exists()
    r = run_notegen("sample", "--prime-file", str(fifo), "--out", str(out), timeout=60)
    one_line(r, f"{fifo}: is a FIFO (named pipe), not a file")
    assert not out.exists()


def test_a_bad_named_file_among_good_ones_is_skipped_and_counted(tmp_path):
    files = [tmp_path / n for n in ("a.txt", "b.txt", "c.txt")]
    files[0].write_text("M:4/4 K:G\nG4 A4 B4 c5 | d5:4\n")
    files[1].write_text("M:99/4 K:G\nG4 A4 B4 c5 | d5:4\n")
    files[2].write_text("M:3/4 K:D\nD4 F#4 A4 | D5:3\n")
    out = tmp_path / "c.jsonl"
    r = run_notegen("corpus", *map(str, files), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert len(out.read_text().splitlines()) == 2
    assert "2 documents" in r.stderr and "1 skipped" in r.stderr
    assert f"skipped {files[1]}:1:3: M: meter 99/4" in r.stderr
    r = run_notegen("corpus", str(files[1]), "--out", str(out))  # nothing left: refused
    one_line(r, "no notes documents from 1 file(s)", f"{files[1]}:1:3")


def test_train_skips_a_binary_abc_among_good_files(tmp_path):
    tunes = tmp_path / "tunes"
    tunes.mkdir()
    for i, key in enumerate("GDA"):
        (tunes / f"t{i}.abc").write_text(f"X:1\nM:4/4\nL:1/4\nK:{key}\nC D E F|G A B c|d4|\n" * 3)
    (tunes / "noise.abc").write_bytes(bytes(range(256)) * 16)
    run = tmp_path / "run"
    r = run_notegen("train", str(tunes), "--notation", "notes", "--preset", "tiny", "--steps", "2",
                    "--batch-size", "2", "--seq-len", "16", "--out", str(run), timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"first: {tunes / 'noise.abc'}: this is a binary file" in r.stderr
    assert (run / "best.safetensors").is_file()


def test_judge_refuses_held_out_files_with_no_tunes(tmp_path):
    bad_line = tmp_path / "k.jsonl"
    bad_line.write_text('{"text": 5}\n')
    r = run_notegen("judge", "--num", "2", "--held-out", str(bad_line))
    one_line(r, f"{bad_line}:1:1: expected a JSON object with a 'text' field")
    noise = tmp_path / "b.mid"
    noise.write_bytes(bytes(range(256)) * 20)
    r = run_notegen("judge", "--num", "2", "--held-out", str(noise))
    one_line(r, f"no held-out tunes could be read from {noise}: 1 skipped", "not a MIDI file")
    assert r.stdout == ""  # no table of 0 tunes


@pytest.mark.parametrize("command", ["sample", "text"])
@pytest.mark.parametrize("seed", ["99999999999999999999999", "-1", str(2**63)])
def test_a_seed_out_of_range_is_one_line(command, seed):
    r = run_notegen(command, "--seed", seed)
    one_line(r, f"notegen {command}: --seed must be a whole number from 0 to 2**63-1", repr(seed))


def test_the_largest_seed_samples():
    r = run_notegen("sample", "--seed", str(2**63 - 1), "--length", "8")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip()
