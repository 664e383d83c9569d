"""Files through the real command, as a fresh probe found them (issue #18):
devices and FIFOs as inputs, bad files among good ones, held-out files that
give no tunes, seeds out of range."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..conftest import as_at_a_terminal, one_line, run_notegen

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


def test_train_skips_a_binary_abc_among_good_files(tmp_path, notegen_here):
    tunes = tmp_path / "tunes"
    tunes.mkdir()
    for i, key in enumerate("GDA"):
        (tunes / f"t{i}.abc").write_text(f"X:1\nM:4/4\nL:1/4\nK:{key}\nC D E F|G A B c|d4|\n" * 3)
    (tunes / "noise.abc").write_bytes(bytes(range(256)) * 16)
    run = tmp_path / "run"
    r = notegen_here("train", str(tunes), "--notation", "notes", "--preset", "tiny", "--steps", "2",
                     "--batch-size", "2", "--seq-len", "16", "--out", str(run))
    assert r.returncode == 0, r.stderr
    assert f"first: {tunes / 'noise.abc'}: this is a binary file" in r.stderr
    assert (run / "best.safetensors").is_file()


def test_judge_refuses_held_out_files_with_no_tunes(tmp_path, notegen_here):
    bad_line = tmp_path / "k.jsonl"
    bad_line.write_text('{"text": 5}\n')
    r = run_notegen("judge", "--num", "2", "--held-out", str(bad_line))
    one_line(r, f"{bad_line}:1:1: expected a JSON object with a 'text' field")
    noise = tmp_path / "b.mid"
    noise.write_bytes(bytes(range(256)) * 20)
    r = notegen_here("judge", "--num", "2", "--held-out", str(noise))  # the same path, here
    one_line(r, f"no held-out tunes could be read from {noise}: 1 skipped", "not a MIDI file")
    assert r.stdout == ""  # no table of 0 tunes


@pytest.mark.parametrize("command", ["sample", "text"])
@pytest.mark.parametrize("seed", ["99999999999999999999999", "-1", str(2**63)])
def test_a_seed_out_of_range_is_one_line(command, seed):
    r = run_notegen(command, "--seed", seed)
    one_line(r, f"notegen {command}: --seed must be a whole number from 0 to 2**63-1", repr(seed))


def test_the_largest_seed_samples(notegen_here):
    r = notegen_here("sample", "--seed", str(2**63 - 1), "--length", "8")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip()


def _children(pid: int) -> list[int]:
    """The live processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_sigterm_to_a_parallel_corpus_ends_its_workers_and_writes_nothing(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    tunes = tmp_path / "tunes"
    tunes.mkdir()
    for i in range(400):  # a few seconds of parsing in two workers
        (tunes / f"t{i}.abc").write_text(f"X:{i}\nM:4/4\nL:1/8\nK:G\n" + "GABc d2B2|c2A2 G4|" * 8 + "\n")
    out = tmp_path / "c.jsonl"
    cmd = [sys.executable, "-c", "from notegen.cli.main import main; main()",
           "corpus", str(tunes), "-j", "2", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=as_at_a_terminal)
    try:
        deadline = time.monotonic() + 60
        while len(workers := _children(proc.pid)) < 2 and proc.poll() is None:
            assert time.monotonic() < deadline, "no workers started"
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)  # the workers held its pipes: this hung
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and not out.exists()
    time.sleep(0.5)
    assert not [w for w in workers if _alive(w)]
    assert not list(tmp_path.glob(".c.jsonl*"))


def test_a_folder_named_like_a_bundled_model_does_not_shadow_it(tmp_path, notegen_here):
    (tmp_path / "folk").mkdir()  # a folder of tunes, say
    (tmp_path / "folk" / "a.txt").write_text(TUNE)
    r = run_notegen("sample", "--length", "4", "--seed", "1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip()
    assert r.stderr.splitlines() == [
        "notegen: warning: using the bundled model folk, not the folder folk here (name it ./folk for that)"
    ]
    for written in ("./folk", "folk/", str(tmp_path / "folk")):  # a path as written is a path
        r = notegen_here("sample", "--model", written, "--length", "4", cwd=tmp_path)
        one_line(r, "no best.safetensors or last.safetensors in this directory")


def test_a_run_named_like_a_bundled_model_is_reached_by_its_path(tmp_path, tiny_notes_model, notegen_here):
    import shutil

    shutil.copytree(tiny_notes_model, tmp_path / "folk", ignore=shutil.ignore_patterns(".lock"))
    r = notegen_here("models", "--dir", ".", cwd=tmp_path)  # both are there to choose from
    assert r.returncode == 0, r.stderr
    r = run_notegen("sample", "--model", "./folk", "--length", "4", "--seed", "1", cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = notegen_here("sample", "--model", "folk", "--length", "4", "--seed", "1", cwd=tmp_path)
    assert r.returncode == 0 and "using the bundled model folk" in r.stderr


@pytest.mark.parametrize("length", [242, 250, 255])
def test_any_valid_output_name_is_written(tmp_path, length):
    src = tmp_path / "x.txt"
    src.write_text(TUNE)
    name = "a" * (length - 4) + ".mid"
    r = run_notegen("convert", str(src), name, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / name).read_bytes()[:4] == b"MThd"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "x.txt"])  # no temporary left
    wide = "é" * 125 + ".txt"  # 254 bytes in UTF-8
    r = run_notegen("convert", str(src), wide, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "G4 A4 B4" in (tmp_path / wide).read_text()


@pytest.mark.parametrize("dst", ["/dev/stdout", "-"])
def test_writing_to_standard_output_through_a_pipe(tmp_path, dst):
    src = tmp_path / "x.txt"
    src.write_text(TUNE)
    r = run_notegen("convert", str(src), dst, "--to", "abc")  # its stdout is a pipe
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("X:1") and "K:G" in r.stdout


def test_a_name_with_a_newline_is_shown_on_one_line(tmp_path):
    bad = tmp_path / "a\nb.txt"
    bad.write_text("C4 H4\n")
    r = run_notegen("convert", str(bad), str(tmp_path / "o.mid"))
    one_line(r, "a\\nb.txt:1:4: expected a note letter, got 'H'")
    r = run_notegen("convert", str(tmp_path / "x.txt"), str(tmp_path / "n\x1bo" / "o.mid"))
    one_line(r, "n\\x1bo/o.mid: folder")


def test_train_resume_on_a_classifier_run_says_so(tmp_path, tiny_notes_model, notegen_here):
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    run = tmp_path / "types"
    run.mkdir()
    last = tiny_notes_model / "last.safetensors"
    with safe_open(str(last), framework="pt") as f:
        meta = f.metadata()
    meta["task"] = '"classify"'  # what classify fit writes, JSON in the header
    save_file(load_file(str(last)), str(run / "last.safetensors"), metadata=meta)
    corpus_dir = tmp_path / "tunes"
    corpus_dir.mkdir()
    (corpus_dir / "a.txt").write_text(TUNE)
    for run_it, extra in ((run_notegen, []), (notegen_here, ["--notation", "notes"])):  # a process, then here
        r = run_it("train", str(corpus_dir), "--resume", "--out", str(run), "--steps", "2", *extra)
        one_line(r, f"{run / 'last.safetensors'}: a classifier run (notegen classify fit)",
                 "notegen classify fit --resume")


def test_wav_slower_than_midi_can_play_is_refused_up_front(tmp_path):
    out = tmp_path / "x.wav"
    r = run_notegen("sample", "--bpm", "1", "--out", str(out))
    if "FluidSynth" in r.stderr and "needs" in r.stderr:
        pytest.skip("no fluidsynth here: the synthesizer is asked about first")
    one_line(r, f"{out}: 1 BPM is slower than audio can be rendered", "3.58 BPM")
    assert not out.exists()
