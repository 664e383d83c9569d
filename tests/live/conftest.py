"""Fixtures for the live MIDI tests: a real JACK server (dummy driver) of our own
and an independent receiving client (the tiny `notes_model` is in tests/conftest.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest


def _missing(what: str) -> None:
    """No JACK here: skip, except on CI where the tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must install jackd2)")
    pytest.skip(f"{what}: install jackd2 to run the live MIDI tests")


@pytest.fixture(scope="session")
def jack_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the test JACK server writes its log (xruns are reported there)."""
    return tmp_path_factory.mktemp("jack") / "jackd.log"


def xruns(log: Path) -> int:
    """Xruns the server has reported so far: a cycle in which some client did not
    finish in time, whose MIDI events may never reach the receiver."""
    return log.read_text(errors="replace").count("XRun") if log.exists() else 0


@pytest.fixture(scope="session")
def jack_server(jack_log: Path):
    """A JACK server with the dummy driver under a unique name; clients in this
    process and in subprocesses find it through JACK_DEFAULT_SERVER."""
    jackd = shutil.which("jackd")
    if jackd is None:
        _missing("jackd not found")
    import rtmidi

    if rtmidi.API_UNIX_JACK not in rtmidi.get_compiled_api():
        _missing("python-rtmidi was built without JACK")
    name = f"notegen-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    log = jack_log
    saved = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")}
    os.environ["JACK_DEFAULT_SERVER"] = name
    os.environ["JACK_NO_START_SERVER"] = "1"  # never autostart some other server
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [jackd, "-n", name, "-d", "dummy", "-r", "48000", "-p", "256"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(proc, log)
        yield name
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _wait_ready(proc: subprocess.Popen, log: Path, timeout: float = 15.0) -> None:
    from notegen.live.ports import _jack_running

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"jackd exited with {proc.returncode}: {log.read_text()[-500:]}")
        if _jack_running():
            return
        time.sleep(0.1)
    pytest.fail(f"jackd did not become ready in {timeout} s: {log.read_text()[-500:]}")


class Receiver:
    """An rtmidi JACK input in the test process with a virtual port; stamps each
    message on perf_counter (CLOCK_MONOTONIC, the clock notegen schedules on)."""

    def __init__(self, port_name: str = "recv", client: str = "receiver") -> None:
        import rtmidi

        self.midi = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, client, queue_size_limit=65536)
        self.midi.ignore_types(sysex=True, timing=False, active_sense=True)
        self.midi.open_virtual_port(port_name)
        self.port = f"{client}:{port_name}"
        self._lock = threading.Lock()
        self.messages: list[tuple[float, list[int]]] = []
        self.midi.set_callback(self._got)

    def _got(self, event: tuple[list[int], float], data: object) -> None:
        with self._lock:
            self.messages.append((time.perf_counter(), event[0]))

    def connect_from(self, name_part: str, timeout: float = 60.0) -> str:
        """Connect our input to an output port containing `name_part` once it exists."""
        import rtmidi

        probe = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, "receiver-probe")
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                ports = [p for p in probe.get_ports() if name_part in p]
                if ports:
                    subprocess.run(["jack_connect", ports[0], self.port], check=True)
                    return ports[0]
                time.sleep(0.05)
        finally:
            probe.delete()
        raise AssertionError(f"no port {name_part!r} appeared")

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def snapshot(self) -> list[tuple[float, list[int]]]:
        with self._lock:
            return list(self.messages)

    def close(self) -> None:
        from notegen.live.ports import keep_callback

        keep_callback(self.midi)  # JACK's thread may still be about to call it
        self.midi.cancel_callback()
        self.midi.close_port()
        self.midi.delete()


@pytest.fixture
def receiver(jack_server: str):
    r = Receiver()
    yield r
    r.close()
