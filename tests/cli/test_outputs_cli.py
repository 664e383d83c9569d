"""Careless outputs through the real command: devices, folders, write protection,
full disks, closed or full standard output, and one-line messages (issue 12)."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from notetokens import notes
from notetokens.errors import NotegenError

from ..conftest import need_program, one_line
from ..mounts import remount_read_only, tmpfs

TUNE = "L:1/8 M:4/4 K:G\nG4 A4 B4 c5 d5:2 B4:2 | c5 A4 F#4 A4 G4:4\n"
NOTEGEN = f"{shlex.quote(sys.executable)} -c 'from notegen.cli.main import main; main()'"


@pytest.fixture
def tune(tmp_path: Path) -> Path:
    src = tmp_path / "tune.txt"
    src.write_text(TUNE)
    return src


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`command` in bash, with `notegen` standing for the real entry point."""
    return subprocess.run(
        ["bash", "-c", command.replace("notegen", NOTEGEN, 1)],
        capture_output=True, text=True, cwd=cwd, timeout=120,
    )


def test_a_device_as_output_is_written_not_replaced(tune, notegen):
    r = notegen("convert", str(tune), "/dev/null", "--to", "midi")
    assert r.returncode == 0, r.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_directory_a_missing_folder_and_a_full_device_are_one_line(tune, tmp_path, notegen):
    one_line(notegen("convert", str(tune), str(tmp_path), "--to", "midi"), "directory")
    one_line(notegen("convert", str(tune), str(tmp_path / "no" / "x.mid")), "does not exist")
    one_line(notegen("convert", str(tune), "/dev/full", "--to", "midi"), "no space left")


def test_a_write_protected_file_is_kept_unless_forced(tune, tmp_path, notegen):
    out = tmp_path / "old.mid"
    out.write_bytes(b"old")
    out.chmod(0o444)
    one_line(notegen("convert", str(tune), str(out)), "write-protected", "--force")
    assert out.read_bytes() == b"old"
    r = notegen("convert", str(tune), str(out), "--force")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:4] == b"MThd"


def test_a_read_only_folder_is_one_line(tune, tmp_path, notegen):
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        one_line(notegen("convert", str(tune), str(folder / "x.mid")), "not writable")
        return
    with tmpfs(tmp_path / "ro", 64) as folder:
        remount_read_only(folder)
        one_line(notegen("convert", str(tune), str(folder / "x.mid")), "read-only file system")


def test_a_full_disk_keeps_the_old_file(tmp_path, notegen):
    src = tmp_path / "long.txt"
    src.write_text("C4 D4 E4 F4 | " * 3000)
    with tmpfs(tmp_path / "disk", 32) as disk:
        old = os.urandom(20_000)
        (disk / "x.mid").write_bytes(old)
        one_line(notegen("convert", str(src), str(disk / "x.mid")), "no space left", "old file is kept")
        assert (disk / "x.mid").read_bytes() == old
        assert [p.name for p in disk.iterdir()] == ["x.mid"]


def test_closed_and_full_stdout_are_one_line(tune, tmp_path):
    one_line(shell(f"notegen convert {tune} - --to notes >&-", tmp_path), "standard output is closed")
    one_line(shell(f"notegen convert {tune} - --to notes >/dev/full", tmp_path), "standard output")


def test_a_closed_pipe_stops_quietly(tiny_text_model, tmp_path):
    r = shell(
        f"notegen text -m {tiny_text_model} --length 100000 --seed 1 | head -c 5 >/dev/null;"
        " exit ${PIPESTATUS[0]}",
        tmp_path,
    )
    assert r.returncode == 1 and r.stderr == "", r.stderr  # quiet, status 1 as click gives


def test_every_output_is_checked_before_any_is_written(notes_model, tmp_path, notegen):
    old = tmp_path / "old.mid"
    old.write_bytes(b"old")
    r = notegen("sample", "-m", str(notes_model), "--out", str(old), "--plot", "/no/such/dir/p.png")
    one_line(r, "/no/such/dir")
    assert old.read_bytes() == b"old"
    r = notegen("sample", "-m", str(notes_model), "-o", str(tmp_path / "a.mid"), "--plot", str(tmp_path))
    one_line(r, "directory")
    assert not (tmp_path / "a.mid").exists()


def test_sample_names_its_own_formats(notes_model, tmp_path, notegen):
    r = notegen("sample", "-m", str(notes_model), "--out", str(tmp_path / "x.xyz"))
    one_line(r, "'.xyz'", "sample writes", ".mid")
    assert "--from" not in r.stderr and "--to" not in r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["sample", "--temperature", "inf"],
        ["sample", "--temperature", "nan"],
        ["sample", "--temperature", "-1"],
        ["sample", "--top-p", "nan"],
        ["sample", "--bpm", "nan"],
        ["sample", "--bpm", "1e9"],
        ["text", "--temperature", "inf"],
        ["text", "--temperature", "nan"],
    ],
)
def test_non_finite_numbers_are_refused_up_front(notegen, tmp_path, args):
    r = notegen(*args, "--model", str(tmp_path / "missing"), cwd=tmp_path)  # checked before loading
    one_line(r, args[1], "finite number")


def test_compare_refuses_infinite_temperatures(notegen, tmp_path):
    one_line(notegen("compare", "--temperatures", "0.5,inf", "--plot", ""), "finite")


def test_a_corpus_of_only_unreadable_files_is_an_error(tmp_path, notegen):
    tunes = tmp_path / "tunes"
    tunes.mkdir()
    for i in range(3):
        (tunes / f"bad{i}.txt").write_text("H H H\n")
    out = tmp_path / "c.jsonl"
    one_line(notegen("corpus", str(tunes), "-o", str(out), "-j", "1"), "no notes documents", "3 skipped")
    assert not out.exists()
    (tunes / "good.txt").write_text(TUNE)
    one_line(notegen("corpus", str(tunes), "-n", "musicxml", "-o", str(out), "-j", "1"), "no musicxml")
    assert not out.exists()
    r = notegen("corpus", str(tunes), "-o", str(out), "-j", "1")
    assert r.returncode == 0 and "3 skipped" in r.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["sample", "--bogus"], ["notegen sample:", "--bogus", "notegen sample --help"]),
        (["convert"], ["notegen convert:", "SRC"]),
        (["corpus", "x", "-n", "klingon", "-o", "y"], ["notegen corpus:", "klingon"]),
        (["nosuchcommand"], ["notegen:", "nosuchcommand"]),
    ],
)
def test_usage_errors_are_one_line(notegen, args, words):
    one_line(notegen(*args), *words)


# --- WAV through FluidSynth


def test_wav_problem_finds_cut_and_lying_files(tmp_path):
    from notegen.synth import wav_problem

    good = tmp_path / "good.wav"
    with wave.open(str(good), "wb") as w:  # a real WAV, written by the standard library
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(os.urandom(44100 * 4))
    assert wav_problem(good, min_seconds=0.9) is None
    assert "of sound" in (wav_problem(good, min_seconds=2.0) or "")
    data = good.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) // 2])
    assert "header" in (wav_problem(cut) or "")
    riff_fixed = bytearray(data[: len(data) // 2])
    riff_fixed[4:8] = (len(riff_fixed) - 8).to_bytes(4, "little")  # RIFF size right, data size not
    cut.write_bytes(bytes(riff_fixed))
    assert "cut short" in (wav_problem(cut) or "")
    (tmp_path / "text.wav").write_text("hello")
    assert "not a RIFF" in (wav_problem(tmp_path / "text.wav") or "")


def test_wav_on_a_full_disk_keeps_the_old_file(notes_model, tmp_path, notegen):
    from notegen.synth import find_soundfont

    need_program("fluidsynth", "fluidsynth")
    if find_soundfont() is None:
        need_program("no-soundfont-found", "timgm6mb-soundfont")
    with tmpfs(tmp_path / "disk", 200) as disk:
        old = os.urandom(150_000)
        (disk / "big.wav").write_bytes(old)
        r = notegen("sample", "-m", str(notes_model), "-o", str(disk / "big.wav"), "--length", "16",
                    timeout=300)
        one_line(r, "big.wav", "no space left", "old file is kept")
        assert (disk / "big.wav").read_bytes() == old
        assert [p.name for p in disk.iterdir()] == ["big.wav"]


def test_sampled_notes_still_go_to_stdout(notes_model, notegen):
    r = notegen("sample", "-m", str(notes_model), "--length", "6", "--seed", "3")
    assert r.returncode == 0, r.stderr
    assert len(notes.parse(r.stdout).notes) >= 1


def test_fluidsynth_cut_short_by_a_full_disk_is_caught(tmp_path):
    """FluidSynth exits 0 when the disk fills up mid-render; the WAV is read back."""
    from notegen.synth import find_soundfont, render

    need_program("fluidsynth", "fluidsynth")
    if find_soundfont() is None:
        need_program("no-soundfont-found", "timgm6mb-soundfont")
    score = notes.parse("C4:4 E4:4 G4:4 C5:4 | E5:4 G5:4 C6:8")  # 16 s at 120 BPM: about 3 MB
    with tmpfs(tmp_path / "disk", 600) as disk, pytest.raises(NotegenError, match="incomplete WAV"):
        render(score, disk)


# --- commands that print their result (issue 12: closed or full stdout lost it)


def _stdout_closed() -> None:
    os.close(1)


def run_stdout(args: list[str], stdout: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`notegen args` with standard output closed ("closed") or on /dev/full ("full")."""
    cmd = [sys.executable, "-c", "from notegen.cli.main import main; main()", *args]
    if stdout == "closed":
        return subprocess.run(cmd, stdout=None, stderr=subprocess.PIPE, text=True, cwd=cwd,
                              timeout=300, preexec_fn=_stdout_closed)
    with open("/dev/full", "w") as full:
        return subprocess.run(cmd, stdout=full, stderr=subprocess.PIPE, text=True, cwd=cwd,
                              timeout=300)


def report_commands(model: Path, tune: Path) -> dict[str, list[str]]:
    return {
        "models": ["models", "--dir", str(model.parent)],
        "embed": ["embed", "-m", str(model)],
        "eval": ["eval", "-m", str(model), str(tune), "-n", "0"],
        "help": ["models", "--help"],
    }


@pytest.mark.parametrize("stdout", ["closed", "full"])
@pytest.mark.parametrize("name", ["models", "embed", "eval", "help"])
def test_a_report_on_a_closed_or_full_stdout_is_one_line(notes_model, tune, tmp_path, name, stdout):
    r = run_stdout(report_commands(notes_model, tune)[name], stdout, tmp_path)
    if stdout == "closed":
        one_line(r, "standard output is closed")
    else:
        one_line(r, "cannot write to standard output", "No space left")


def test_a_closed_stdout_is_refused_before_the_work(notes_model, tune, tmp_path):
    plot = tmp_path / "p.png"
    r = run_stdout(["embed", "-m", str(notes_model), "--plot", str(plot)], "closed", tmp_path)
    one_line(r, "standard output is closed", "notegen embed")
    assert not plot.exists()


def test_a_closed_stdout_does_not_stop_a_command_that_writes_a_file(tune, tmp_path):
    r = run_stdout(["convert", str(tune), str(tmp_path / "x.mid")], "closed", tmp_path)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert (tmp_path / "x.mid").read_bytes()[:4] == b"MThd"


def test_help_on_a_full_stdout_is_one_line(tmp_path):
    one_line(run_stdout(["--help"], "full", tmp_path), "standard output")
    one_line(run_stdout(["--version"], "closed", tmp_path), "standard output is closed")


@pytest.mark.parametrize("num", ["1", "3"])
def test_sample_names_a_folder_before_its_extension_and_before_the_model(tmp_path, notegen, num):
    missing = str(tmp_path / "no-model")  # the outputs are refused first: no model is loaded
    r = notegen("sample", "-m", missing, "-n", num, "--out", str(tmp_path / "d.mid") + "/")
    one_line(r, "d.mid/", "not a folder")
    assert "extension" not in r.stderr
    one_line(notegen("sample", "-m", missing, "-n", num, "--out", str(tmp_path)), "is a directory")
    one_line(notegen("sample", "-m", missing, "--out", str(tmp_path / "x.xyz")), "'.xyz'")
    one_line(notegen("sample", "-m", missing, "--out", str(tmp_path / "x.mid"),
                     "--prime-file", str(tmp_path / "nope.abc")), "nope.abc", "no such file")


def test_sample_does_not_write_over_its_prime_file(tmp_path, notegen):
    prime = tmp_path / "prime.abc"
    prime.write_text("X:1\nT:a\nM:2/4\nK:G\nGA Bc|d2 d2|]\n\nX:2\nT:b\nM:2/4\nK:D\nDE FG|A2 A2|]\n")
    before = prime.read_bytes()
    r = notegen("sample", "-m", str(tmp_path / "no-model"), "--prime-file", str(prime), "--out", str(prime))
    one_line(r, "prime.abc", "is the input file")
    assert prime.read_bytes() == before
