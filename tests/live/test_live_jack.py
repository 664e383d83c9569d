"""`notegen live` against a real JACK server (dummy driver) and an independent
receiver: notes, clock, CC temperature, Ctrl-C and following a clock."""

from __future__ import annotations

import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from notegen.live.feed import melody
from notetokens.errors import NotegenError

pytestmark = pytest.mark.jack

NOTE_ON, NOTE_OFF, CC, CLOCK, START, STOP = 0x90, 0x80, 0xB0, 0xF8, 0xFA, 0xFC


def live(model: Path, *args: str) -> subprocess.Popen:
    notegen = str(Path(sys.executable).parent / "notegen")
    cmd = [notegen, "live", "--model", str(model), "--api", "jack", *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})


def finish(proc: subprocess.Popen, timeout: float = 60) -> str:
    _out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return err


def notes_of(messages: list[tuple[float, list[int]]]) -> list[tuple[float, int]]:
    return [(t, m[1]) for t, m in messages if m[0] & 0xF0 == NOTE_ON and m[2] > 0]


def assert_no_stuck_notes(messages: list[tuple[float, list[int]]]) -> None:
    sounding: dict[tuple[int, int], int] = {}
    for _, m in messages:
        kind, key = m[0] & 0xF0, (m[0] & 0x0F, m[1] if len(m) > 1 else -1)
        if kind == NOTE_ON and m[2] > 0:
            sounding[key] = sounding.get(key, 0) + 1
        elif kind == NOTE_OFF or (kind == NOTE_ON and m[2] == 0):
            sounding.pop(key, None)
    assert not sounding, f"notes left sounding: {sorted(sounding)}"


def reference(model: Path, n: int, **sampling) -> list[int]:
    """The pitches the same seeded sampler + decoder give offline."""
    from notegen.models.checkpoint import load

    return [note.pitch for note in itertools.islice(melody(load(model), **sampling), n)]


def settle(receiver, seconds: float = 0.3) -> list:
    time.sleep(seconds)  # the last JACK periods reach the receiver
    return receiver.snapshot()


def test_seeded_melody_and_clock_arrive_in_time(notes_model: Path, receiver) -> None:
    proc = live(notes_model, "--port", receiver.port, "--seed", "7", "--bpm", "240",
                "--length", "16", "--temperature", "1.0", "--clock-out")
    finish(proc)
    got = settle(receiver)
    assert_no_stuck_notes(got)
    ons = notes_of(got)
    pitches = [p for _, p in ons]
    assert len(pitches) >= 8
    assert pitches == reference(notes_model, len(pitches), seed=7, temperature=1.0)
    from notegen.models.checkpoint import load

    beats = [float(n.onset) for n in itertools.islice(melody(load(notes_model), seed=7), len(ons))]
    assert beats[-1] < 16
    slope = statistics.linear_regression(beats, [t for t, _ in ons]).slope
    assert slope == pytest.approx(60 / 240, rel=0.03)
    # beat clock: start, 24 ticks per beat at 240 BPM, stop
    status = [(t, m[0]) for t, m in got if m[0] >= 0xF8]
    kinds = [k for _, k in status]
    assert kinds[0] == START and kinds[-1] == STOP
    ticks = [t for t, k in status if k == CLOCK]
    assert len(ticks) == 16 * 24
    span = ticks[-1] - ticks[0]
    assert span == pytest.approx((16 * 24 - 1) * 60 / 240 / 24, abs=0.012)  # JACK period 5.3 ms


def test_ctrl_c_leaves_no_note_sounding(notes_model: Path, receiver) -> None:
    proc = live(notes_model, "--virtual", "ngtest", "--seed", "3", "--bpm", "300")
    receiver.connect_from("ngtest")
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    finish(proc, timeout=20)
    got = settle(receiver)
    assert len(notes_of(got)) >= 3
    assert_no_stuck_notes(got)
    assert [0xB0, 123, 0] in [m for _, m in got]  # all notes off on the channel
    # a continuous run of the seeded melody (the receiver joined a little late)
    pitches = [p for _, p in notes_of(got)]
    ref = reference(notes_model, 400, seed=3)
    assert any(ref[i : i + len(pitches)] == pitches for i in range(len(ref)))


def test_sigterm_also_silences(notes_model: Path, receiver) -> None:
    proc = live(notes_model, "--port", receiver.port, "--seed", "4", "--bpm", "300")
    deadline = time.monotonic() + 20
    while len(notes_of(receiver.snapshot())) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=20)
    got = settle(receiver)
    assert len(notes_of(got)) >= 3
    assert_no_stuck_notes(got)


class Daw:
    """A second JACK client playing a DAW: a virtual output sending clock or CCs."""

    def __init__(self, name: str) -> None:
        import rtmidi

        self.out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, "daw")
        self.out.open_virtual_port(name)

    def clock(self, bpm: float, beats: float, stop: threading.Event) -> None:
        spacing = 60.0 / bpm / 24
        self.out.send_message([START])
        t0 = time.perf_counter()
        for i in range(int(beats * 24)):
            if stop.is_set():
                break
            while time.perf_counter() < t0 + i * spacing:
                time.sleep(0.0005)
            self.out.send_message([CLOCK])
        self.out.send_message([STOP])

    def close(self) -> None:
        self.out.close_port()
        self.out.delete()


def wait_connected(proc: subprocess.Popen, port_part: str, timeout: float = 20.0) -> None:
    """Until notegen's client has connected to our port (jack_lsp -c lists it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = subprocess.run(["jack_lsp", "-c"], capture_output=True, text=True).stdout
        block = lines.split(port_part, 1)[1] if port_part in lines else ""
        if block.startswith("\n   "):
            return
        assert proc.poll() is None, proc.communicate()[1]
        time.sleep(0.05)
    raise AssertionError("notegen did not connect to the input")


def test_follows_external_clock(notes_model: Path, receiver) -> None:
    bpm = 200.0  # the DAW's tempo; notegen is started at 60
    daw = Daw(f"clock{int(bpm)}")
    stop = threading.Event()
    try:
        proc = live(notes_model, "--port", receiver.port, "--seed", "5", "--bpm", "60",
                    "--sync", "--input", f"clock{int(bpm)}", "--length", "8")
        wait_connected(proc, f"daw:clock{int(bpm)}")
        time.sleep(0.3)
        sender = threading.Thread(target=daw.clock, args=(bpm, 12, stop))
        sender.start()
        finish(proc)
        stop.set()
        sender.join()
    finally:
        daw.close()
    got = settle(receiver)
    assert_no_stuck_notes(got)
    ons = notes_of(got)
    from notegen.models.checkpoint import load

    beats = [float(n.onset) for n in itertools.islice(melody(load(notes_model), seed=5), len(ons))]
    assert len(ons) >= 4
    slope = statistics.linear_regression(beats, [t for t, _ in ons]).slope
    assert slope == pytest.approx(60 / bpm, rel=0.05)  # not the 60 BPM given by --bpm


def test_cc_changes_temperature(notes_model: Path, receiver, tmp_path: Path) -> None:
    daw = Daw("knobs")
    log = tmp_path / "events.jsonl"
    try:
        proc = live(notes_model, "--port", receiver.port, "--seed", "2", "--bpm", "300",
                    "--length", "16", "--cc-temperature", "1", "--input", "knobs",
                    "--log-events", str(log))
        wait_connected(proc, "daw:knobs")
        for value in (127, 0, 64):
            daw.out.send_message([CC, 1, value])
            time.sleep(0.1)
        daw.out.send_message([CC, 7, 5])  # another controller: no change
        finish(proc)
    finally:
        daw.close()
    temps = [json.loads(line)["temperature"] for line in log.read_text().splitlines()
             if "temperature" in line]
    assert temps == pytest.approx([2.0, 0.1, 0.1 + 64 / 127 * 1.9])
    assert_no_stuck_notes(settle(receiver))


def test_unknown_port_lists_ports(jack_server: str, receiver) -> None:
    from notegen.live.ports import open_output

    with pytest.raises(NotegenError, match=r"unknown output port 'nothing-here'.*receiver:recv"):
        open_output("nothing-here", api="jack")


def test_no_jack_server_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    from notegen.live.ports import open_output

    monkeypatch.setenv("JACK_DEFAULT_SERVER", "notegen-no-such-server")
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    with pytest.raises(NotegenError, match="JACK server is not running: start it"):
        open_output(virtual="x", api="jack")
