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
