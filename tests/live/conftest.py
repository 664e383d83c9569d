"""Fixtures for the live MIDI tests: a real JACK server (dummy driver) of our own,
an independent receiving client, and a tiny notes model trained for the session."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

NOTE_TUNES = [
    "G4 G4 D5 D5 E5 E5 D5:2 | C5 C5 B4 B4 A4 A4 G4:2",
    "C4 D4 E4 C4 | C4 D4 E4 C4 | E4 F4 G4:2 | E4 F4 G4:2",
    "E4 D4 C4 D4 | E4 E4 E4:2 | D4 D4 D4:2 | E4 G4 G4:2",
    "D4 F#4 A4 D5:2 | A4 F#4 D4:2 | E4 G4 B4 E5:2 | B4 G4 E4:2",
    "A4 B4 C5 D5 | E5:2 E5:2 | D5 C5 B4 A4 | G4:4",
]


def _missing(what: str) -> None:
    """No JACK here: skip, except on CI where the tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must install jackd2)")
    pytest.skip(f"{what}: install jackd2 to run the live MIDI tests")


@pytest.fixture(scope="session")
def jack_server(tmp_path_factory: pytest.TempPathFactory):
    """A JACK server with the dummy driver under a unique name; clients in this
    process and in subprocesses find it through JACK_DEFAULT_SERVER."""
    jackd = shutil.which("jackd")
    if jackd is None:
        _missing("jackd not found")
    import rtmidi

    if rtmidi.API_UNIX_JACK not in rtmidi.get_compiled_api():
        _missing("python-rtmidi was built without JACK")
    name = f"notegen-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    log = tmp_path_factory.mktemp("jack") / "jackd.log"
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

    def snapshot(self) -> list[tuple[float, list[int]]]:
        with self._lock:
            return list(self.messages)

    def close(self) -> None:
        self.midi.cancel_callback()
        self.midi.close_port()
        self.midi.delete()


@pytest.fixture
def receiver(jack_server: str):
    r = Receiver()
    yield r
    r.close()


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
