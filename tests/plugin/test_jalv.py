"""The installed plugin in a real host: `jalv` on a JACK server of our own (dummy
driver), rolled by `jack_transport` as timebase master at a set tempo. Its MIDI
output goes to two independent receivers: an rtmidi input (as in tests/live) and
`jack_midi_dump -a`, which stamps each event with its exact JACK frame."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ..conftest import ROOT, need, need_program
from ..live.conftest import Receiver, xruns

pytestmark = pytest.mark.jack

URI = "urn:notegen:generator"
RATE, PERIOD = 48000, 256
BPM = 240  # a bar of 4/4 a second: several bars in a few seconds
FRAMES_PER_QUARTER = RATE * 60 / BPM
ROLL = 6.0  # seconds rolling: six bars
GRID = (1, 2, 3, 4, 6, 8)  # quarter beats divided by these: the onsets folk tunes use
TOLERANCE = 0.002  # seconds off the grid
NOTE_ON, NOTE_OFF = 0x90, 0x80
MAJOR = (0, 2, 4, 5, 7, 9, 11)
KEY, TONIC = 3, 2  # the key control's scale point 3 is "D major"


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding notegen.lv2 as `notegen plugin install` puts it (the real build)."""
    need((ROOT / "plugin" / "lv2" / "Makefile").is_file(), "plugin/lv2 has no Makefile yet")
    need_program("cc", "gcc")
    need(Path("/usr/include/lv2/core/lv2.h").is_file(), "no LV2 headers (Debian package lv2-dev)")
    folder = tmp_path_factory.mktemp("lv2")
    notegen = str(Path(sys.executable).parent / "notegen")
    r = subprocess.run([notegen, "plugin", "install", "--dir", str(folder)], capture_output=True,
                       text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr
    return folder


@pytest.fixture(scope="module")
def jack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A JACK server (dummy driver) under a unique name for this module; its log."""
    for program, package in (("jackd", "jackd2"), ("jalv", "jalv"), ("jack_transport", "jackd2"),
                             ("jack_midi_dump", "jackd2"), ("jack_connect", "jackd2"),
                             ("jack_lsp", "jackd2")):
        need_program(program, package)
    import rtmidi

    need(rtmidi.API_UNIX_JACK in rtmidi.get_compiled_api(), "python-rtmidi was built without JACK")
    name = f"notegen-jalv-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    log = tmp_path_factory.mktemp("jack") / "jackd.log"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JACK_DEFAULT_SERVER", name)
        mp.setenv("JACK_NO_START_SERVER", "1")  # never autostart some other server
        with open(log, "w") as out:
            server = subprocess.Popen([shutil.which("jackd") or "jackd", "-n", name, "-d", "dummy",
                                       "-r", str(RATE), "-p", str(PERIOD)],
                                      stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_for(lambda: server.poll() is None and "system:playback_1" in _ports(),
                      15, lambda: f"jackd did not start: {log.read_text()[-400:]}")
            yield log
        finally:
            _end(server)


def _ports() -> str:
    r = subprocess.run(["jack_lsp"], capture_output=True, text=True, timeout=10)
    return r.stdout if r.returncode == 0 else ""


def _wait_for(ok: Callable[[], bool], timeout: float, why: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not ok():
        if time.monotonic() > deadline:
            raise AssertionError(why())
        time.sleep(0.05)


def _end(proc: subprocess.Popen, sig: int | None = None) -> None:
    """Stop a process we started: `sig` (or SIGTERM), then a kill if it lingers."""
    if proc.poll() is None:
        if sig is None:
            proc.terminate()
        else:
            proc.send_signal(sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class Played:
    events: list[tuple[int, list[int]]]  # (JACK frame, MIDI bytes) from jack_midi_dump
    received: list[list[int]]  # the rtmidi receiver's messages
    after_stop: list[list[int]]  # what the receiver got from 1 s after the stop on
    jalv_log: str
    xruns: int = 0
    notes: list[tuple[int, int]] = field(init=False)  # (frame, pitch) of each note-on

    def __post_init__(self) -> None:
        self.notes = [(f, m[1]) for f, m in self.events if m[0] & 0xF0 == NOTE_ON and m[2] > 0]


DUMP_LINE = re.compile(r"^\s*(\d+): ((?:[0-9a-f]{2} ?)+)")


def _dumped(text: str) -> list[tuple[int, list[int]]]:
    out = []
    for line in text.splitlines():
        m = DUMP_LINE.match(line.lstrip("> "))
        if m:
            out.append((int(m.group(1)), [int(b, 16) for b in m.group(2).split()]))
    return out


def play(bundles: Path, log: Path, tmp: Path) -> Played:
    """jalv with the plugin, connected to both receivers; roll ROLL seconds at BPM, stop."""
    env = {**os.environ, "LV2_PATH": os.pathsep.join([str(bundles), "/usr/lib/lv2"])}
    before = xruns(log)
    jalv_out = tmp / "jalv.log"
    procs: list[subprocess.Popen] = []
    receiver = Receiver()
    try:
        with open(jalv_out, "w") as out:
            jalv = subprocess.Popen(["jalv", "-n", "ngjalv", "-x", "-c", "seed=7", "-c", f"key={KEY}", URI],
                                    env=env, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT)
        procs.append(jalv)
        dump = subprocess.Popen(["jack_midi_dump", "-a", "ngdump"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        procs.append(dump)
        _wait_for(lambda: {"ngjalv:notes", "ngdump:input"} <= set(_ports().split()), 30,
                  lambda: f"jalv's ports did not appear: {jalv_out.read_text()[-400:]}")
        for to in ("ngdump:input", receiver.port):  # jalv's client is active after the plugin's activate()
            _wait_for(lambda to=to: subprocess.run(["jack_connect", "ngjalv:notes", to], capture_output=True,
                                                   timeout=10).returncode == 0,
                      30, lambda to=to: f"jack_connect ngjalv:notes {to} failed for 30 s")
        time.sleep(1.0)  # the worker writes the first tune
        transport = subprocess.Popen(["jack_transport"], stdin=subprocess.PIPE, text=True,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(transport)
        assert transport.stdin is not None
        transport.stdin.write(f"master\ntempo {BPM}\nlocate 0\nplay\n")  # a retry starts at 0 too
        transport.stdin.flush()
        time.sleep(ROLL)
        transport.stdin.write("stop\n")
        transport.stdin.flush()
        time.sleep(1.0)
        seen = len(receiver.snapshot())
        time.sleep(0.5)
        after_stop = [m for _, m in receiver.snapshot()[seen:]]
        transport.stdin.write("quit\n")
        transport.stdin.close()
        _end(transport)
        _end(dump, 2)  # SIGINT: jack_midi_dump prints what it holds and exits
        text = dump.communicate()[0]
        assert jalv.stdin is not None
        jalv.stdin.close()  # console jalv exits when its standard input closes
        jalv.wait(timeout=15)
        assert jalv.returncode == 0, jalv_out.read_text()[-400:]
        return Played(_dumped(text), [m for _, m in receiver.snapshot()], after_stop,
                      jalv_out.read_text(), xruns(log) - before)
    finally:
        for proc in reversed(procs):
            _end(proc)
        receiver.close()


@pytest.fixture(scope="module")
def played(bundles: Path, jack: Path, tmp_path_factory: pytest.TempPathFactory) -> Played:
    """One run; again (up to three) only if the server logged an xrun meanwhile: on a
    loaded machine a client can miss a cycle, and that cycle's events are lost."""
    for _ in range(3):
        run = play(bundles, jack, tmp_path_factory.mktemp("jalv"))
        if run.xruns == 0:
            break
    return run


def off_grid(frame: int, first: int) -> float:
    """Seconds from `frame` to the nearest onset of GRID counted from `first`."""
    beats = (frame - first) / FRAMES_PER_QUARTER
    return min(abs(beats - round(beats * d) / d) for d in GRID) * 60 / BPM


def test_notes_arrive_on_the_beat_grid_of_the_tempo(played: Played) -> None:
    notes = played.notes
    assert len(notes) >= 16, (played.events, played.jalv_log)
    first = notes[0][0]
    off = [(f - first, round(off_grid(f, first) * 1000, 2)) for f, _ in notes]
    assert max(ms for _, ms in off) <= TOLERANCE * 1000, off
    frames = [f for f, _ in played.events]
    assert frames == sorted(frames)


def test_the_receiver_gets_what_jack_delivered(played: Played) -> None:
    assert played.received == [m for _, m in played.events]


def test_every_note_ends_after_the_transport_stops(played: Played) -> None:
    sounding: dict[tuple[int, int], int] = {}
    for m in played.received:
        kind, key = m[0] & 0xF0, (m[0] & 0x0F, m[1])
        if kind == NOTE_ON and m[2] > 0:
            sounding[key] = sounding.get(key, 0) + 1
        elif kind in (NOTE_OFF, NOTE_ON):
            sounding.pop(key, None)
    assert not sounding, f"left sounding after stop: {sorted(sounding)}"
    assert played.after_stop == []  # nothing plays while stopped
    assert played.received and played.received[-1][0] & 0xF0 in (NOTE_OFF, NOTE_ON)


def first_tune(notes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The notes before the first silence of a bar or more (the next tune starts after one)."""
    for i in range(1, len(notes)):
        if notes[i][0] - notes[i - 1][0] >= 4 * FRAMES_PER_QUARTER:
            return notes[:i]
    return notes


def test_a_few_bars_of_a_tune_in_one_key(played: Played) -> None:
    notes = first_tune(played.notes)
    span = (notes[-1][0] - notes[0][0]) / FRAMES_PER_QUARTER
    assert span >= 4 * 4, f"only {span} quarter beats of notes"
    pitches = [p for _, p in notes]
    classes = [p % 12 for p in pitches]
    fits = sum((c - TONIC) % 12 in MAJOR for c in classes)
    assert fits >= 0.9 * len(classes), pitches  # D major, as asked, holds the tune
    assert len(set(classes)) >= 4 and max(pitches) - min(pitches) >= 5, pitches  # a melody
    assert {m[0] & 0x0F for _, m in played.events} == {0}  # the channel control's default, 1


@pytest.fixture(scope="module")
def reference(bundles: Path, ng_host: Path,
              tmp_path_factory: pytest.TempPathFactory) -> list[tuple[float, list[int]]]:
    """What the lilv test host ng_host (tests/plugin/conftest.py) gets from the same
    bundle for the same transport (the contract: playback is a pure function of
    the score and the position): (quarter beat, bytes) of each note-on."""
    script = tmp_path_factory.mktemp("ng_host") / "roll.txt"
    script.write_text(f"rate {RATE}\nblocks {PERIOD}\ntempo {BPM}\nmeter 4 4\nset seed 7\nset key {KEY}\n"
                      f"roll\nrun {ROLL + 4}s\n")
    r = subprocess.run([str(ng_host), "--bundle", str(bundles / "notegen.lv2"), str(script)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.startswith('{"frame"')]
    return [(x["q"], x["bytes"]) for x in lines
            if x["bytes"][0] & 0xF0 == NOTE_ON and x["bytes"][2] > 0]


def test_jalv_plays_what_the_test_host_plays(played: Played,
                                             reference: list[tuple[float, list[int]]]) -> None:
    """The same notes at the same beats: the tempo and the bars came from JACK's transport.
    (Should the first tune have come late on a loaded machine, jalv's notes are
    a later stretch of the reference: found by its bytes.)"""
    ons = [(f, m) for f, m in played.events if m[0] & 0xF0 == NOTE_ON and m[2] > 0]
    n = len(ons) - 1  # the last may have been cut by the stop
    assert n >= 16, len(ons)
    got = [m for _, m in ons[:n]]
    ref = [b for _, b in reference]
    at = next((i for i in range(len(ref) - n + 1) if ref[i : i + n] == got), None)
    assert at is not None, (got, ref)
    f0, q0 = ons[0][0], reference[at][0]
    pairs = zip(ons[:n], reference[at : at + n], strict=True)
    late = [round((f - f0) / FRAMES_PER_QUARTER - (q - q0), 5) for (f, _), (q, _) in pairs]
    assert max(abs(x) for x in late) <= 2 / FRAMES_PER_QUARTER, late  # two frames
