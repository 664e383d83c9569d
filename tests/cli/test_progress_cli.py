"""Progress bars are drawn on a terminal only: captured stderr (a script, a CI log,
a notebook) gets the messages and nothing else; `--progress` and `--no-progress`
override the choice (cli/progress.py)."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
from pathlib import Path

from tests.conftest import run_notegen


def _bad_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "only.txt").write_text("G-G-D-Q\n")
    return folder


def _good_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "good"
    folder.mkdir()
    for i in range(3):
        (folder / f"t{i}.txt").write_text("G-G-D-D-E-E-D\n")
    return folder


def test_a_failing_corpus_run_with_captured_stderr_prints_exactly_one_line(tmp_path: Path) -> None:
    r = run_notegen("corpus", str(_bad_folder(tmp_path)), "--out", str(tmp_path / "c.jsonl"))
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert "\r" not in r.stderr and "file/s" not in r.stderr, r.stderr
    assert not (tmp_path / "c.jsonl").exists()


def test_captured_stderr_of_a_good_run_has_no_bar_frames(tmp_path: Path) -> None:
    r = run_notegen("corpus", str(_good_folder(tmp_path)), "--out", str(tmp_path / "c.jsonl"))
    assert r.returncode == 0, r.stderr
    assert "\r" not in r.stderr and "file/s" not in r.stderr, r.stderr
    assert (tmp_path / "c.jsonl").read_text().count("\n") == 3


def test_progress_forces_a_bar_that_stays_apart_from_the_error(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    forced = run_notegen("corpus", str(_good_folder(tmp_path)), "--out", str(out), "--progress")
    assert forced.returncode == 0, forced.stderr
    assert "parsing" in forced.stderr and "3/3" in forced.stderr, forced.stderr
    # the bar never mixes into an error: the message is still a line of its own
    failed = run_notegen("corpus", str(_bad_folder(tmp_path)), "--out", str(tmp_path / "d.jsonl"),
                         "--progress")
    assert failed.returncode == 2
    last = failed.stderr.splitlines()[-1]
    assert last.startswith("notegen: no notes documents") and "only.txt:1:7" in last, failed.stderr


def _on_a_terminal(tmp_path: Path, *args: str) -> tuple[int, str]:
    """Run `notegen args` with stderr on a pseudo-terminal; its exit code and stderr."""
    main, sub = os.openpty()
    # a terminal of 24 x 80, as a user's is (a fresh pseudo-terminal says 0 x 0)
    fcntl.ioctl(sub, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        proc = subprocess.run(
            [sys.executable, "-c", "from notegen.cli.main import main; main()", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=sub, timeout=120,
            cwd=tmp_path,
        )
        os.close(sub)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(main)
    return proc.returncode, b"".join(chunks).decode(errors="replace")


def test_a_terminal_gets_the_bar_unless_told_no_progress(tmp_path: Path) -> None:
    good = _good_folder(tmp_path)
    code, err = _on_a_terminal(tmp_path, "corpus", str(good), "--out", "a.jsonl")
    assert code == 0, err
    assert "parsing" in err and "3/3" in err, err
    code, err = _on_a_terminal(tmp_path, "corpus", str(good), "--out", "b.jsonl", "--no-progress")
    assert code == 0, err
    assert "parsing" not in err, err

