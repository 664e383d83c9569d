"""The LV2 plugin's tests: the bundle (make -C plugin/lv2) and the lilv test
host ng_host (make -C plugin/lv2/host), built once a session; skipped where
lilv or the LV2 headers are missing, except in CI.

`Song` writes an ng_host script and, beside it, the contract's transport in
exact fractions (every frame's position in quarter beats), so a test can say
where each note of the score must start and stop; `score` lays the plugin's
tunes with the Python side of the C engine."""

from __future__ import annotations

import json
import math
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import pytest

from ..conftest import ROOT, need

LV2 = ROOT / "plugin" / "lv2"
BUILD = LV2 / "build"
BUNDLE = BUILD / "notegen.lv2"
TESTPLUG = BUILD / "testplug.lv2"


def _pkg(name: str) -> bool:
    if shutil.which("pkg-config") is None:
        return False
    return subprocess.run(["pkg-config", "--exists", name], capture_output=True).returncode == 0


def _make(folder: Path, *targets: str) -> None:
    need(shutil.which("cc") is not None, "no C compiler (cc) to build the LV2 plugin and host")
    need(shutil.which("make") is not None, "no make to build the LV2 plugin and host")
    headers = _pkg("lv2") or Path("/usr/include/lv2/core/lv2.h").is_file()
    need(headers, "no LV2 headers (Debian package lv2-dev)")
    need((folder / "Makefile").is_file(), f"{folder.relative_to(ROOT)}/Makefile is not there")
    done = subprocess.run(["make", "-s", "-C", str(folder), *targets], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="session")
def ng_host() -> Path:
    """The test host, built (make is incremental)."""
    need(_pkg("lilv-0"), "no lilv (Debian package liblilv-dev) for the test host")
    _make(LV2 / "host")
    return BUILD / "ng_host"


@pytest.fixture(scope="session")
def ng_host_asan(ng_host: Path) -> Path:
    """The test host built with AddressSanitizer and UBSan (it counts no heap calls)."""
    _make(LV2 / "host", "asan")
    return BUILD / "ng_host_asan"


@pytest.fixture(scope="session")
def bundle(ng_host: Path) -> Path:
    """notegen.lv2, built."""
    _make(LV2)
    assert (BUNDLE / "notegen.so").is_file(), "make -C plugin/lv2 made no notegen.lv2/notegen.so"
    return BUNDLE


@pytest.fixture(scope="session")
def testplug(ng_host: Path) -> Path:
    """The host's own metronome plugin, built."""
    _make(LV2 / "host", "testplug")
    return TESTPLUG


# -- running the host ----------------------------------------------------------


@dataclass
class Run:
    events: list[dict]
    summary: dict
    stderr: str


def host(binary: Path, bundle: Path, script: str, folder: Path, uri: str | None = None,
         name: str = "script.txt", options: tuple[str, ...] = ()) -> Run:
    """ng_host on this script (written to folder/name, run in folder)."""
    path = folder / name
    path.write_text(script)
    command = [str(binary), "--bundle", str(bundle), *(["--uri", uri] if uri else []), *options, str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=folder)
    assert done.returncode == 0, f"ng_host failed ({done.returncode}): {done.stderr}"
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines and "summary" in lines[-1], done.stdout[-2000:]
    return Run(lines[:-1], lines[-1]["summary"], done.stderr)


# -- the transport, exactly ----------------------------------------------------


def f32(x: float) -> Fraction:
    """x as the Float atom the host sends (and then counts with)."""
    return Fraction(struct.unpack("f", struct.pack("f", x))[0])


@dataclass
class Stretch:
    """Frames [start, end) rolling from position q (quarter beats) at qpf quarter
    beats a frame; `fresh`: begun by a roll or a relocation (a playthrough starts)."""
    start: int
    end: int
    q: Fraction
    qpf: Fraction
    fresh: bool
    closed: bool = False  # a stop or a relocation came right after it


@dataclass
class Song:
    """A script and the host's transport beside it (ng_host's own rules: a
    change re-anchors at the current position with barBeat rounded to float)."""
    rate: int = 48000
    bpm: Fraction = Fraction(120)
    bpb: Fraction = Fraction(4)
    unit: int = 4
    rolling: bool = False
    beats: Fraction = Fraction(0)  # host beats at the anchor
    anchor: int = 0
    frame: int = 0
    lines: list[str] = field(default_factory=list)
    stretches: list[Stretch] = field(default_factory=list)
    _fresh: bool = True

    def __post_init__(self) -> None:
        self.lines.append(f"rate {self.rate}")

    def say(self, line: str) -> Song:
        self.lines.append(line)
        return self

    def _now(self) -> Fraction:
        if not self.rolling:
            return self.beats
        return self.beats + (self.frame - self.anchor) * self.bpm / 60 / self.rate

    def _rebase(self, beats: Fraction | None = None) -> None:
        beats = self._now() if beats is None else beats
        bar = math.floor(beats / self.bpb)
        self.beats, self.anchor = bar * self.bpb + f32(float(beats - bar * self.bpb)), self.frame

    def tempo(self, bpm: float) -> Song:
        self._rebase()
        self.bpm = f32(bpm)
        return self.say(f"tempo {bpm}")

    def meter(self, beats: int, unit: int) -> Song:
        assert self._now() == 0, "Song changes the meter at the song's start only"
        self.bpb, self.unit = Fraction(beats), unit
        return self.say(f"meter {beats} {unit}")

    def _close(self) -> None:
        if self.rolling and self.stretches and self.stretches[-1].end == self.frame:
            self.stretches[-1].closed = True

    def position(self, bar: int, bar_beat: float = 0) -> Song:
        self._close()
        self._rebase(bar * self.bpb + f32(bar_beat))
        self._fresh = True
        return self.say(f"position {bar} {bar_beat}")

    def roll(self) -> Song:
        self._rebase()
        self.rolling, self._fresh = True, True
        return self.say("roll")

    def stop(self) -> Song:
        self._close()
        self._rebase()
        self.rolling = False
        return self.say("stop")

    def run(self, frames: int) -> Song:
        if self.rolling:
            q = self._now() * 4 / self.unit
            qpf = self.bpm / 60 / self.rate * 4 / self.unit
            self.stretches.append(Stretch(self.frame, self.frame + frames, q, qpf, self._fresh))
            self._fresh = False
        self.frame += frames
        return self.say(f"run {frames}f")

    def seconds(self, s: float) -> int:
        return round(s * self.rate)

    def script(self) -> str:
        return "\n".join(self.lines) + "\n"

    def q_at(self, frame: int) -> Fraction | None:
        for s in self.stretches:
            if s.start <= frame < s.end:
                return s.q + (frame - s.start) * s.qpf
        return None


# -- the score the plugin plays ------------------------------------------------


@dataclass(frozen=True)
class Note:
    on: Fraction
    off: Fraction
    pitch: int


def _beats(x: float) -> Fraction:
    """A decoded onset or duration (a double of a small fraction) exactly."""
    return Fraction(x).limit_denominator(100_000)


def _bar(text: str) -> Fraction:
    """The tune's bar in quarter beats, from its header's M:n/d (4 without one)."""
    for word in text.split("\n", 1)[0].split():
        if word.startswith("M:") and "/" in word:
            num, den = word[2:].split("/", 1)
            if num.isdigit() and den.isdigit() and int(num) > 0 and int(den) > 0:
                return Fraction(4 * int(num), int(den))
    return Fraction(4)


def _pickup(text: str) -> Fraction:
    """The beats before the body's first bar line: where a note written there
    would start (0 where the body opens with a bar line or has none)."""
    from notegen.models.engine import decode

    head, newline, body = text.partition("\n")
    if not newline:
        head, body = "", text
    opened = 2 if body.startswith("|:") else 0  # a part opened at the start
    cut = body.find("|", opened)
    if cut <= opened:
        return Fraction(0)
    probe = decode((head + "\n" if newline else "") + body[:cut] + " C4")
    return _beats(probe[-1][0]) if probe else Fraction(0)


def score(model: Path, until: Fraction, seed: int = 7, temperature: float = 0.8,
          meter: str | None = "4/4", key: str | None = None, tune_type: str | None = None,
          pitch_range: str | None = None) -> list[Note]:
    """The contract's score: tune k = the engine's tune for seed + k (the options
    `notegen sample` takes: tunes in parts, played out), laid from beat 0 with its pickup
    shifted onto a bar line, the next tune from the bar line after its last
    note plus an empty bar; tunes are laid until the layout reaches `until`."""
    from notegen.models.engine import Engine, decode
    from notegen.models.options import SampleOptions

    engine = Engine(model)
    notes: list[Note] = []
    end, k = Fraction(0), 0
    while end < until:
        opts = SampleOptions(seed=seed + k, temperature=float(f32(temperature)), parts="auto", meter=meter,
                             key=key, tune_type=tune_type, range=pitch_range, max_chars=3000)
        text = engine.tune(opts)
        bar, pickup = _bar(text), _pickup(text)
        shift = bar - pickup if 0 < pickup < bar else Fraction(0)
        last = end
        for onset, duration, pitch in decode(text, played=True):
            on = end + shift + _beats(onset)
            notes.append(Note(on, on + _beats(duration), pitch))
            last = max(last, notes[-1].off)
        end += bar * math.ceil((last - end) / bar) + bar
        k += 1
    return sorted(notes, key=lambda n: n.on)
