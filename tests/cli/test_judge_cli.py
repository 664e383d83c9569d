"""`notegen judge` as a user runs it."""

from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", "from notegen.cli.main import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def test_judge_refuses_a_text_model_in_one_line():
    r = run("judge", "--model", "kjv", "--num", "1")
    assert r.returncode == 2
    want = "notegen: the judge reads note-string models; kjv is a text model"
    assert r.stderr.strip().splitlines() == [want]
    assert r.stdout == ""


def test_judge_is_listed_with_its_options():
    r = run("judge", "--help")
    assert r.returncode == 0
    for option in ("--model", "--num", "--held-out", "--jobs", "--seed", "--temperature"):
        assert option in r.stdout


def test_judge_prints_the_table_and_saves_the_tunes(tmp_path, notegen_here):
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples" / "abc"
    out = tmp_path / "tunes.jsonl"
    r = notegen_here("judge", "--num", "1", "--seed", "3", "--held-out", str(examples), "--save", str(out))
    assert r.returncode == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if line.startswith("| ")]
    assert rows[0] == "| figure | held-out tunes | folk |"
    assert len(rows) == 16  # header, 10 figures and 5 of form
    names = [row.split("|")[1].strip() for row in rows]
    for figure in ("written in repeated parts", "in AABB form", "repeated parts a whole number of bars"):
        assert figure in names
    assert any(name.startswith("told apart from") for name in names)
    written = rows[1].split("|")[3]
    saved = out.read_text().splitlines()
    assert f"{len(saved)} of 1" in written


def test_judge_checks_its_save_file_before_sampling(tmp_path, notegen_here):
    from ..conftest import one_line

    kept = tmp_path / "kept.jsonl"
    kept.write_text("old\n")
    kept.chmod(0o444)
    missing = str(tmp_path / "no-model")  # refused before any model is loaded
    one_line(run("judge", "-m", missing, "-n", "1", "--save", str(kept)), "write-protected", "--force")
    # the same refusal path for the next two, run here
    one_line(notegen_here("judge", "-m", missing, "-n", "1", "--save", str(tmp_path / "no" / "x.jsonl")),
             "does not exist")
    one_line(notegen_here("judge", "-m", missing, "-n", "1", "--held-out", str(kept), "--save", str(kept),
                          "--force"), "is the input file")
    assert kept.read_text() == "old\n"
