"""SIGTERM and SIGHUP stop `notegen train` as Ctrl-C does (the last checkpoint
saved, exit 130); a second Ctrl-C right after the first prints no traceback; no
temporary checkpoint file outlives a signal, and those a SIGKILL left behind are
cleared when the folder is opened again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from notegen.models import checkpoint
from notegen.models.training import TrainConfig, train

from ..conftest import as_at_a_terminal

TEXT = "abcabdabcabd hello world, hello there. " * 30


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _signalled_train(tmp_path: Path, *signals: tuple[int, float]) -> tuple[int, str, Path]:
    """`notegen train` run forever, checkpointing every step, sent each signal (after
    its delay) once it has trained a while: its exit code, stderr and run folder."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    corpus, out = tmp_path / "book.txt", tmp_path / "run"
    corpus.write_text(TEXT)
    cmd = [sys.executable, "-c", "from notegen.cli.main import main; main()", "train", str(corpus),
           "--notation", "text", "--out", str(out), "--steps", "1000000", "--batch-size", "4",
           "--seq-len", "16", "--eval-every", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"}, preexec_fn=as_at_a_terminal)
    try:
        deadline = time.monotonic() + 600  # a loaded CI machine imports torch slowly
        last = out / checkpoint.LAST
        while not last.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # checkpoints being written every step
        for sig, delay in signals:
            time.sleep(delay)
            proc.send_signal(sig)
        _, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, err, out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_save_and_exit_as_ctrl_c_does(tmp_path, sig):
    code, err, out = _signalled_train(tmp_path, (sig, 0.0))
    assert code == 130, err
    assert "Traceback" not in err
    assert "stopped at step" in err and "--resume" in err
    step = checkpoint.read(out / checkpoint.LAST)[1]["train_state"]["step"]
    assert f"stopped at step {step}/" in err  # the step it stopped at is the one saved
    assert _temps(out) == []


def test_a_second_ctrl_c_just_after_the_first_prints_no_traceback(tmp_path):
    # the second lands while the run saves, returns or exits: never a traceback
    for gap in (0.0, 0.03):
        code, err, out = _signalled_train(tmp_path / str(gap), (signal.SIGINT, 0.0),
                                          (signal.SIGINT, gap))
        assert code == 130, err
        assert "Traceback" not in err and "Exception ignored" not in err, err
        assert _temps(out) == []
        checkpoint.read(out / checkpoint.LAST)  # whole


def test_temporary_files_a_killed_run_left_are_cleared_when_the_folder_is_opened(tmp_path):
    out = tmp_path / "run"
    cfg = TrainConfig(batch_size=4, seq_len=16, eval_every=5, steps=5)
    train([TEXT], "text", out, cfg, progress=False)
    stale = [out / ".last.safetensors.k3j_x9q2.tmp", out / ".best.safetensors.a1b2c3d4.tmp"]
    for p in stale:
        p.write_bytes(b"half a checkpoint")
    kept = out / "notes.tmp"  # not a hidden temporary file: the user's
    kept.write_text("mine")
    r = train([TEXT], "text", out, TrainConfig(batch_size=4, seq_len=16, eval_every=5, steps=8),
              resume=True, progress=False)
    assert r.step == 8
    assert _temps(out) == ["notes.tmp"] and kept.read_text() == "mine"
