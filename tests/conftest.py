"""Shared test helpers: running the real `notegen` command, and skipping a test
whose outside component is missing — except in CI, where it must run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
IN_CI = bool(os.environ.get("CI"))

# CI draws the same examples every run, so a red build is reproducible
settings.register_profile("ci", derandomize=True, deadline=None)
if IN_CI:
    settings.load_profile("ci")


def peak_mib(action: Callable[[], object]) -> float:
    """The peak of Python memory allocated while `action` runs, in MiB (tracemalloc:
    the same on every CPU, unlike a time bound). Exceptions pass through."""
    import tracemalloc

    tracemalloc.start()
    try:
        action()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / 2**20


def untouched(monkeypatch: pytest.MonkeyPatch, module: str, name: str) -> None:
    """Make `module.name` fail the test if anything calls it: a refusal must come
    before that work starts (say, before music21 builds anything)."""
    import importlib

    def called(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{module}.{name} was called; the refusal should come first")

    monkeypatch.setattr(importlib.import_module(module), name, called)


def need(condition: bool, reason: str) -> None:
    """Skip unless `condition`; in CI a missing component is a failure instead."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test, but: {reason}")
    pytest.skip(reason)


def need_program(name: str, package: str) -> str:
    path = shutil.which(name)
    need(path is not None, f"{name} not found (Debian package {package})")
    return path  # type: ignore[return-value]


def run_notegen(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """The installed command as a user runs it, in a separate process."""
    return subprocess.run(
        [sys.executable, "-c", "from notegen.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


def as_at_a_terminal() -> None:
    """Signals as at a terminal, for a child process (`preexec_fn`): a test run
    started in the background (a non-interactive shell's `&`, nohup) hands its
    children SIGINT and SIGHUP ignored, and notegen keeps an ignored signal
    ignored, so a test that presses Ctrl-C must give the child the default."""
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def ctrl_c_when_locked(args: list[str], out: Path) -> tuple[int, str]:
    """Run `notegen args` (a training or fitting run into `out`), send it Ctrl-C two
    seconds after it locks its run folder (its signal handler is then in place),
    and return its exit code and stderr."""
    import signal
    import time

    cmd = [sys.executable, "-c", "from notegen.cli.main import main; main()", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"}, preexec_fn=as_at_a_terminal)
    try:
        deadline = time.monotonic() + 600  # a loaded CI machine imports torch slowly
        while not (out / ".lock").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, err


def one_line(r: subprocess.CompletedProcess[str], *words: str) -> None:
    """`r` failed as bad input must: exit 2 and one line on stderr (no traceback)
    holding each of `words`, and nothing else (no progress bar: stderr is captured)."""
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    for w in words:
        assert w in lines[0], lines[0]


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[object, str, str]:
    """Exit code, stdout and stderr of `notegen argv`, run in this process."""
    from notegen.cli.main import main

    try:
        main(argv)
        code: object = 0
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def notegen():
    return run_notegen


@pytest.fixture
def notegen_here(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """`notegen args` run in this process (main(argv)), its result as `notegen`'s: for
    tests of what a command writes, which need no fresh interpreter importing torch
    (tests of the process itself, its signals and its one-line errors use `notegen`)."""

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        capsys.readouterr()  # what came before is not this command's
        with monkeypatch.context() as m:
            if cwd is not None:
                m.chdir(cwd)
            code, out, err = run_main(list(args), capsys)
        return subprocess.CompletedProcess(list(args), code, out, err)  # type: ignore[arg-type]

    return run


MELODIES = [
    "L:1/8 M:6/8 K:D\nD4 F#4 A4 D5:2 A4 | B4 A4 F#4 E4:3 | D4 F#4 A4 D5:2 A4 | B4 A4 F#4 D4:3",
    "L:1/8 M:4/4 K:G\nG4 A4 B4 c5 d5:2 B4:2 | c5 A4 F#4 A4 G4:4",
    "M:3/4 K:C\nC4 E4 G4 | C5:2 G4 | E4:3 | C4:3",
    "L:1/8 M:6/8 K:D\nA4 F#4 D4 D4:2 E4 | F#4 A4 B4 A4:3 | A4 F#4 D4 E4:2 F#4 | D4:6",
]
TEXT = "and the dwarves went into the hall, and the dwarves sang of gold. " * 20


def _train_tiny(out: Path, docs: list[str], notation: str, steps: int = 60) -> Path:
    import torch

    from notegen.models.training import TrainConfig, train

    torch.set_num_threads(1)  # tiny models gain nothing from threads on a busy CPU
    cfg = TrainConfig(steps=steps, batch_size=4, seq_len=32, lr=1e-2, eval_every=30, val_fraction=0.25)
    train(docs, notation, out, cfg, progress=False)
    return out


@pytest.fixture(scope="session")
def tiny_notes_model(tmp_path_factory) -> Path:
    """A run directory of a tiny note-string model trained here in a few seconds."""
    from notetokens import notes

    docs = [notes.to_model_text(notes.parse(m)) for m in MELODIES]  # what a corpus holds
    return _train_tiny(tmp_path_factory.mktemp("notes_run"), docs * 3, "notes")


@pytest.fixture(scope="session")
def tiny_text_model(tmp_path_factory) -> Path:
    docs = [TEXT[i : i + 200] for i in range(0, len(TEXT), 200)]
    return _train_tiny(tmp_path_factory.mktemp("text_run"), docs, "text")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Corpus caches go to a temporary folder, never the user's ~/.cache."""
    monkeypatch.setenv("NOTEGEN_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


NOTE_TUNES = [
    "G4 G4 D5 D5 E5 E5 D5:2 | C5 C5 B4 B4 A4 A4 G4:2",
    "C4 D4 E4 C4 | C4 D4 E4 C4 | E4 F4 G4:2 | E4 F4 G4:2",
    "E4 D4 C4 D4 | E4 E4 E4:2 | D4 D4 D4:2 | E4 G4 G4:2",
    "D4 F#4 A4 D5:2 | A4 F#4 D4:2 | E4 G4 B4 E5:2 | B4 G4 E4:2",
    "A4 B4 C5 D5 | E5:2 E5:2 | D5 C5 B4 A4 | G4:4",
]


@pytest.fixture(scope="session")
def notes_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny notes model trained for a few dozen steps: bad melodies, real checkpoint."""
    import torch

    from notegen.models.training import TrainConfig, train

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        out = tmp_path_factory.mktemp("notes_model")
        config = TrainConfig(steps=40, batch_size=8, seq_len=32, lr=1e-2, eval_every=20,
                             val_fraction=0.2, device="cpu")
        result = train(NOTE_TUNES * 4, "notes", out, config, progress=False)
    finally:
        torch.set_num_threads(threads)
    return result.best
