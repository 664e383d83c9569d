"""`notegen live` when the JACK server goes away under it: one line, an error
exit, no traceback, and no process left playing into nothing.

The server here is this test's own (the session's server stays up for the
other tests), killed with SIGKILL (a crash) or SIGTERM (a clean shutdown)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from ..conftest import as_at_a_terminal
from .conftest import _missing

pytestmark = pytest.mark.jack


def _server(env: dict[str, str], log: Path) -> subprocess.Popen:
    jackd = shutil.which("jackd")
    if jackd is None:
        _missing("jackd not found")
    with open(log, "w") as out:
        proc = subprocess.Popen([str(jackd), "-n", env["JACK_DEFAULT_SERVER"], "-d", "dummy",
                                 "-r", "48000", "-p", "256"], stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-500:]
        probe = subprocess.run(["jack_lsp"], env=env, capture_output=True, text=True)
        if probe.returncode == 0:
            return proc
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"jackd did not start: {log.read_text()[-500:]}")


def _release(env: dict[str, str], log: Path) -> None:
    """Free the slot a killed server kept in JACK's registry (/dev/shm, eight servers
    at most): a server of the same name reclaims it and, stopped cleanly, gives it
    back. Without this every run of the crash case left one slot taken, and after
    a few runs on one machine no test server could start (Too many servers)."""
    try:
        server = _server(env, log)
    except (Exception, pytest.fail.Exception):  # the test's own result is what counts
        return
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _ports(env: dict[str, str]) -> str:
    return subprocess.run(["jack_lsp"], env=env, capture_output=True, text=True).stdout


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["crash", "shutdown"])
def test_server_going_away_ends_live_with_one_line(notes_model: Path, tmp_path: Path, sig) -> None:
    if shutil.which("jack_lsp") is None:
        _missing("jack_lsp not found")
    env = {**os.environ, "JACK_DEFAULT_SERVER": f"notegen-gone-{uuid.uuid4().hex[:6]}",
           "JACK_NO_START_SERVER": "1", "OMP_NUM_THREADS": "1"}
    server = _server(env, tmp_path / "jackd.log")
    notegen = str(Path(sys.executable).parent / "notegen")
    proc = subprocess.Popen([notegen, "live", "--model", str(notes_model), "--api", "jack",
                             "--virtual", "gone", "--seed", "1"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=as_at_a_terminal)
    try:
        deadline = time.monotonic() + 60
        while "gone" not in _ports(env):  # playing: its port is on the server
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "notegen live never opened its port"
            time.sleep(0.2)
        time.sleep(1.0)
        server.send_signal(sig)
        server.wait(timeout=20)
        _out, err = proc.communicate(timeout=30)  # it must end by itself
    finally:
        for p in (proc, server):
            if p.poll() is None:
                p.kill()
                p.wait()
        _release(env, tmp_path / "release.log")
    lines = err.strip().splitlines()
    assert proc.returncode == 2, err
    assert len(lines) == 1, err  # libjack's own complaints are not on the terminal
    assert lines[0].startswith("notegen:") and "JACK server stopped" in lines[0]
    assert "Traceback" not in err
