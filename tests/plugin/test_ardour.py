"""notegen in Ardour 7, headless: `ardour7-lua` (Ardour's Lua session tool, the
Dummy backend at 48 kHz) makes a session with the plugin as `notegen plugin
install` puts it, on MIDI track "gen" (seed and key set before its first run),
whose output feeds MIDI track "rec", armed and recording while the transport
rolls. The notes are Ardour's own: the recorded region's note list, read in Lua
(tests/plugin/ardour/record.lua), in Ardour's ticks (1920 a beat). A Lua DSP
tap after notegen on "gen" (tests/plugin/ardour/ng_tap.lua) counts what sounds
when the transport stops.

The module runs ardour7-lua four times (about 10 s each, mostly Ardour starting
and closing): it is marked `ardour` (and `slow`), to run on its own with
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
QUARTERS = Fraction(65, 4)  # recorded from the session's start: four bars of 4/4 and into a note
SPEED = "5x Speed"  # the Dummy backend's cycles five times faster than real time
MAJOR = (0, 2, 4, 5, 7, 9, 11)
GRID = (1, 2, 3, 4, 6, 8)  # quarter beats divided by these: the onsets folk tunes use
HERE = Path(__file__).parent / "ardour"


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
    info: dict  # the "recorded" line (stop sample, xruns, latencies) and the "tap" line


def beats(text: str) -> Fraction:
    """Ardour's Beats::str(), "beats:ticks", exactly."""
    whole, ticks = text.split(":")
    return int(whole) + int(ticks) * TICK


@pytest.fixture(scope="module")
def ardour(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """ardour7-lua's environment: LV2_PATH holding notegen.lv2 as installed (the
    real build) and a config folder of its own (the user's Ardour config is not
    touched) whose scripts folder holds the tap."""
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
    (config / "ardour7" / "scripts").mkdir(parents=True)
    shutil.copy(HERE / "ng_tap.lua", config / "ardour7" / "scripts" / "ng_tap.lua")
    return {**env, "LV2_PATH": str(folder), "XDG_CONFIG_HOME": str(config)}


def lua(env: dict[str, str], *args: str) -> list[dict]:
    """record.lua's JSON lines (Ardour's own chatter on stdout left out)."""
    done = subprocess.run([shutil.which("ardour7-lua") or "ardour7-lua", str(HERE / "record.lua"), *args],
                          capture_output=True, text=True, timeout=240, env=env)
    assert done.returncode == 0, f"ardour7-lua failed ({done.returncode}): {done.stdout[-3000:]}{done.stderr}"
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def takes(lines: list[dict]) -> dict[int, Take]:
    """Each region the run printed, by its number in the playlist."""
    out: dict[int, Take] = {}
    info: dict = {}
    for line in lines:
        if line.get("event") == "tap":
            info = {"tap": line}
        elif line.get("event") == "recorded":
            info = {**info, **line}
        elif "region" in line:
            assert beats(line["position"]) == 0 and beats(line["start"]) == 0, line  # the take starts at 0
            out[line["region"]] = Take([], beats(line["length"]), info)
        elif "take" in line:
            out[line["take"]].notes.append(Heard(beats(line["on"]), beats(line["len"]), line["pitch"],
                                                 line["channel"]))
    return out


def record_new(env: dict[str, str], folder: Path, bpm: float, outputs: str) -> tuple[Path, Take]:
    """A new session recording QUARTERS quarter beats; made again (up to three
    sessions) while its take had an xrun (a late cycle on a loaded machine:
    what the capture holds of it is Ardour's business, not the plugin's)."""
    for attempt in range(3):
        session = folder / f"s{bpm}-{outputs}-{attempt}"
        lines = lua(env, "new", str(session), str(RATE), str(bpm), str(SEED), str(KEY), str(float(QUARTERS)),
                    SPEED, outputs)
        assert {"event": "saved"} in lines, lines[-3:]
        take = takes(lines)[1]
        if take.info["xruns"] == 0:
            break
    assert take.info["xruns"] == 0, take.info
    return session, take


@pytest.fixture(scope="module")
def sessions(ardour: dict[str, str],
             tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[float, str], tuple[Path, Take]]:
    """Sessions with no output latency (the master bus disconnected) at two
    tempos, and one as Ardour makes it (the master bus on the Dummy backend's
    playback ports, whose latency Ardour compensates)."""
    folder = tmp_path_factory.mktemp("sessions")
    cases = ((120, "none"), (133.7, "none"), (120, "connected"))
    return {(bpm, outputs): record_new(ardour, folder, bpm, outputs) for bpm, outputs in cases}


@pytest.fixture(scope="module")
def expected() -> list[Note]:
    """The plugin's score for SEED and KEY (the contract's layout, conftest's score())."""
    return score(ROOT / "plugin" / "lv2" / "build" / "notegen.lv2" / "model.safetensors",
                 Fraction(QUARTERS + 8), seed=SEED, key=KEY_NAME)


def heard_from_score(notes: list[Note], end: Fraction, early: Fraction = Fraction(0)) -> list[Heard]:
    """What the capture holds of the score, `early` beats early: the notes begun
    before the capture ended, a note still sounding at the end closed there
    (Ardour resolves it: the plugin's note-off at the stop comes in the stopped
    cycle, which is not captured)."""
    return [Heard(n.on - early, min(n.off - early, end) - (n.on - early), n.pitch, 0)
            for n in notes if n.on - early < end]


def off_by(got: list[Heard], want: list[Heard]) -> Fraction:
    """The largest distance, in beats, of an onset or an end from the score's
    (the same pitches and channels in the same order first)."""
    assert len(want) >= 12, want
    assert [(h.pitch, h.channel) for h in got] == [(w.pitch, w.channel) for w in want], (got, want)
    pairs = zip(got, want, strict=True)
    return max(max(abs(g.on - w.on), abs(g.on + g.length - w.on - w.length)) for g, w in pairs)


def on_the_grid(on: Fraction) -> bool:
    return any(abs(on * d - round(on * d)) <= TICK * d for d in GRID)


@pytest.mark.parametrize("bpm", [120, 133.7])
def test_ardour_records_the_score_on_the_beat_grid(sessions, expected, bpm) -> None:
    """Every note of the score that began before the stop, at its beat: onsets
    and ends within one tick (the plugin's frame, rounded to Ardour's ticks)."""
    _, take = sessions[bpm, "none"]
    assert take.info["rec_playback_latency"] == 0, take.info
    assert QUARTERS <= take.end < QUARTERS + Fraction(1, 2), take.end  # stopped within a cycle or so
    assert off_by(take.notes, heard_from_score(expected, take.end)) <= TICK, take.notes
    assert all(on_the_grid(h.on) for h in take.notes), take.notes


def test_ardour_compensates_its_output_latency_in_the_take(sessions, expected) -> None:
    """As Ardour makes a session, the master bus plays into the backend's ports,
    whose latency (the session's worst output latency) Ardour compensates on
    every track: the recording track's disk writer moves what it captures
    earlier by its playback latency (DiskWriter's _accumulated_capture_offset,
    aligning the take with what the tracks play at the outputs). The take is
    the score moved earlier by exactly that many samples, at the tempo."""
    _, take = sessions[120, "connected"]
    samples = take.info["rec_playback_latency"]
    assert samples == take.info["worst_output"] > 0, take.info
    early = Fraction(samples) * 120 / 60 / RATE
    assert off_by(take.notes, heard_from_score(expected, take.end, early)) <= TICK, (samples, take.notes)
    assert all(on_the_grid(h.on + early) for h in take.notes), take.notes


def test_the_recorded_tune_is_in_the_chosen_key(sessions) -> None:
    _, take = sessions[120, "none"]
    pitches = [h.pitch for h in take.notes]
    classes = [p % 12 for p in pitches]
    fits = sum((c - TONIC) % 12 in MAJOR for c in classes)
    assert fits >= 0.9 * len(classes), pitches  # D major, as the key control asked
    assert len(set(classes)) >= 4 and max(pitches) - min(pitches) >= 5, pitches  # a melody


@pytest.mark.parametrize("case", [(120, "none"), (133.7, "none"), (120, "connected")])
def test_stopping_silences_the_plugin(sessions, expected, case) -> None:
    """At the stop every note the plugin had sounding got its note-off (in the
    stopped cycle, as the tap after notegen saw it), and nothing began while
    the transport stood."""
    _, take = sessions[case]
    tap = take.info["tap"]
    stop = Fraction(take.info["stopped"]) * Fraction(str(case[0])) / 60 / RATE
    cut = [n for n in expected if n.on < stop < n.off]  # the stop came inside these notes
    assert cut, "no note of the score sounds across the stop: the test would prove nothing"
    assert tap["stops"] == 1 and tap["sounding_rolling"] == len(cut), tap  # sounding when it stopped
    assert tap["sounding_stopped"] == 0, tap  # silenced by the stop
    assert tap["ons_stopped"] == 0, tap  # nothing began while stopped (before the roll, nor after)
    if case[1] == "none":
        assert tap["ons"] == len(take.notes), (tap, len(take.notes))  # the take holds every note played


def test_a_reopened_session_plays_the_same_notes(ardour, sessions, expected) -> None:
    """Saved and reopened: the plugin's controls are restored, the take read back
    from the session's MIDI file is the first take, and a second take
    recorded from the restored plugin is the same notes at the same beats."""
    session, first = sessions[120, "none"]
    lines = lua(ardour, "again", str(session), str(float(QUARTERS)), SPEED)
    controls = next(x for x in lines if x.get("event") == "controls")
    assert (controls["seed"], controls["key"]) == (SEED, KEY)  # not the defaults (7, 0)
    again = takes(lines)
    assert sorted(again) == [1, 2]
    assert again[1].notes == first.notes
    assert again[2].info["xruns"] == 0, again[2].info
    assert again[2].end == first.end  # the same cycles: the stop came at the same sample
    assert again[2].notes == first.notes
    assert again[2].info["tap"]["sounding_stopped"] == 0, again[2].info
