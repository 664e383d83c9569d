"""notegen in Ardour 7, headless: `ardour7-lua` (Ardour's Lua session tool, the
Dummy backend at 48 kHz) makes a session with the plugin as `notegen plugin
install` puts it, on MIDI track "gen" (seed and key set before its first run),
whose output feeds MIDI track "rec", armed and recording while the transport
rolls. The notes are Ardour's own: the recorded region's note list, read in Lua
(tests/plugin/ardour/record.lua), in Ardour's ticks (1920 a beat).

The whole module runs ardour7-lua four times (about 10 s each, mostly Ardour
starting up and closing); it is marked `ardour`:
`pytest -m ardour tests/plugin/test_ardour.py`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest

from ..conftest import ROOT, need, need_program
from .conftest import Note, score

pytestmark = [pytest.mark.ardour, pytest.mark.slow]

RATE = 48000
TICK = Fraction(1, 1920)  # Ardour's Temporal::Beats resolution
SEED, KEY, KEY_NAME, TONIC = 4242, 3, "D", 2  # the key control's scale point 3 is "D major"
QUARTERS = 16  # recorded from the session's start: four bars of 4/4
SPEED = "5x Speed"  # the Dummy backend's cycles five times faster than real time
MAJOR = (0, 2, 4, 5, 7, 9, 11)
GRID = (1, 2, 3, 4, 6, 8)  # quarter beats divided by these: the onsets folk tunes use
SCRIPT = Path(__file__).parent / "ardour" / "record.lua"


@dataclass(frozen=True)
class Heard:
    """A note of a recorded region: onset and length in quarter beats."""
    on: Fraction
    length: Fraction
    pitch: int
    channel: int


@dataclass
class Take:
    notes: list[Heard]
    end: Fraction  # the region's length: where the capture stopped
    info: dict  # the "recorded" line: stop sample, xruns, latencies


def beats(text: str) -> Fraction:
    """Ardour's Beats::str(), "beats:ticks", exactly."""
    whole, ticks = text.split(":")
    return int(whole) + int(ticks) * TICK


@pytest.fixture(scope="module")
def ardour(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """ardour7-lua's environment: LV2_PATH holding notegen.lv2 as installed (the
    real build) and a config folder of its own (the user's Ardour config untouched)."""
    need_program("ardour7-lua", "ardour")
    need((ROOT / "plugin" / "lv2" / "Makefile").is_file(), "plugin/lv2 has no Makefile yet")
    need_program("cc", "gcc")
    need(Path("/usr/include/lv2/core/lv2.h").is_file(), "no LV2 headers (Debian package lv2-dev)")
    folder = tmp_path_factory.mktemp("lv2")
    notegen = str(Path(sys.executable).parent / "notegen")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    r = subprocess.run([notegen, "plugin", "install", "--dir", str(folder)], capture_output=True,
                       text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    config = tmp_path_factory.mktemp("config")
    return {**env, "LV2_PATH": str(folder), "XDG_CONFIG_HOME": str(config)}


def lua(env: dict[str, str], *args: str) -> list[dict]:
    """record.lua's JSON lines (Ardour's own chatter on stdout left out)."""
    done = subprocess.run([shutil.which("ardour7-lua") or "ardour7-lua", str(SCRIPT), *args],
                          capture_output=True, text=True, timeout=240, env=env)
    assert done.returncode == 0, f"ardour7-lua failed ({done.returncode}): {done.stdout[-3000:]}{done.stderr}"
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def takes(lines: list[dict]) -> dict[int, Take]:
    """Each region the run printed, by its number in the playlist."""
    out: dict[int, Take] = {}
    info: dict = {}
    for line in lines:
        if line.get("event") == "recorded":
            info = line
        elif "region" in line:
            assert beats(line["position"]) == 0 and beats(line["start"]) == 0, line  # the take starts at 0
            out[line["region"]] = Take([], beats(line["length"]), info)
        elif "take" in line:
            out[line["take"]].notes.append(Heard(beats(line["on"]), beats(line["len"]), line["pitch"],
                                                 line["channel"]))
    return out


def record_new(env: dict[str, str], folder: Path, bpm: float) -> tuple[Path, Take]:
    """A new session recording QUARTERS quarter beats; made again (up to three
    sessions) while its take had an xrun (a late cycle on a loaded machine:
    what the capture holds of it is Ardour's business, not the plugin's)."""
    for attempt in range(3):
        session = folder / f"s{bpm}-{attempt}"
        lines = lua(env, "new", str(session), str(RATE), str(bpm), str(SEED), str(KEY), str(QUARTERS), SPEED)
        assert {"event": "saved"} in lines, lines[-3:]
        take = takes(lines)[1]
        if take.info["xruns"] == 0:
            break
    assert take.info["xruns"] == 0, take.info
    return session, take


@pytest.fixture(scope="module")
def sessions(ardour: dict[str, str],
             tmp_path_factory: pytest.TempPathFactory) -> dict[float, tuple[Path, Take]]:
    folder = tmp_path_factory.mktemp("sessions")
    return {bpm: record_new(ardour, folder, bpm) for bpm in (120, 133.7)}


@pytest.fixture(scope="module")
def expected() -> list[Note]:
    """The plugin's score for SEED and KEY (the contract's layout, conftest's score())."""
    return score(ROOT / "plugin" / "lv2" / "build" / "notegen.lv2" / "model.safetensors",
                 Fraction(QUARTERS + 8), seed=SEED, key=KEY_NAME)


def heard_from_score(notes: list[Note], end: Fraction, early: Fraction) -> list[Heard]:
    """What the capture holds of the score, `early` beats early: the notes begun
    before the capture ended, a note still sounding at the end closed there
    (Ardour resolves it: the plugin's note-off at the stop comes in the stopped
    cycle, which is not captured)."""
    return [Heard(n.on - early, min(n.off - early, end) - (n.on - early), n.pitch, 0)
            for n in notes if n.on - early < end]


def off_by(got: list[Heard], want: list[Heard]) -> Fraction:
    """The largest distance, in beats, of an onset or an end from the score's."""
    assert [(h.pitch, h.channel) for h in got] == [(w.pitch, w.channel) for w in want], (got, want)
    pairs = zip(got, want, strict=True)
    return max(max(abs(g.on - w.on), abs(g.on + g.length - w.on - w.length)) for g, w in pairs)


def offset(take: Take, bpm: float, notes: list[Note]) -> Fraction:
    """The constant offset, in beats, at which the take holds the score (onsets
    and ends within one tick: the plugin's frame rounded to Ardour's ticks).
    Ardour's disk writer may move a MIDI capture earlier by the recording
    track's playback latency (DiskWriter's _accumulated_capture_offset takes its
    _playback_offset, here the session's worst output latency, the Dummy
    backend's output ports): a fresh session's first take came that early, a
    reopened session's on time, so either is accepted, and nothing else."""
    assert take.info["rec_playback_latency"] == take.info["worst_output"], take.info
    latency = Fraction(take.info["rec_playback_latency"]) * Fraction(str(bpm)) / 60 / RATE
    misses = {}
    for shift in (Fraction(0), latency):
        want = heard_from_score(notes, take.end, shift)
        assert len(want) >= 12, want
        misses[shift] = off_by(take.notes, want)
        if misses[shift] <= TICK:
            return shift
    raise AssertionError(f"the take is not the score (offsets tried: {misses}): {take.notes}")


@pytest.mark.parametrize("bpm", [120, 133.7])
def test_ardour_records_the_score_on_the_beat_grid(sessions, expected, bpm) -> None:
    """Every note of the score that began before the stop, at its beat (less
    Ardour's capture offset): the notes land on the beat grid."""
    _, take = sessions[bpm]
    assert take.end >= QUARTERS, take.end
    assert take.end < QUARTERS + Fraction(1, 2), take.end  # stopped within a cycle or so
    shift = offset(take, bpm, expected)
    for h in take.notes:  # on the grid once the offset is taken back
        at = h.on + shift
        assert any(abs(at * d - round(at * d)) <= TICK * d for d in GRID), (h, shift)


def test_the_recorded_tune_is_in_the_chosen_key(sessions) -> None:
    _, take = sessions[120]
    pitches = [h.pitch for h in take.notes]
    classes = [p % 12 for p in pitches]
    fits = sum((c - TONIC) % 12 in MAJOR for c in classes)
    assert fits >= 0.9 * len(classes), pitches  # D major, as the key control asked
    assert len(set(classes)) >= 4 and max(pitches) - min(pitches) >= 5, pitches  # a melody


def test_a_reopened_session_plays_the_same_notes(ardour, sessions, expected) -> None:
    """Saved and reopened: the take read back from the session's MIDI file, and a
    second take recorded from the restored plugin, are the first take."""
    session, first = sessions[120]
    lines = lua(ardour, "again", str(session), str(QUARTERS), SPEED)
    controls = next(x for x in lines if x.get("event") == "controls")
    assert (controls["seed"], controls["key"]) == (SEED, KEY)  # restored, not the defaults (7, 0)
    again = takes(lines)
    assert sorted(again) == [1, 2]
    assert again[1].notes == first.notes
    assert again[2].info["xruns"] == 0, again[2].info
    assert again[2].end == first.end  # the same cycles: the stop came at the same sample
    offset(again[2], 120, expected)  # the score again, from the restored plugin
    assert [h.pitch for h in again[2].notes] == [h.pitch for h in first.notes]
