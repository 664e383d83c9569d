"""Same seed and options, same events, whatever drives the beat core: the real-time
player on a fake clock, the file render and a plugin host's blocks."""

from __future__ import annotations

import itertools
from fractions import Fraction as F
from pathlib import Path

import mido
import pytest

from notegen.live.beats import BeatCore, render
from notegen.live.blocks import BlockDriver, Transport
from notegen.live.feed import endless_notes
from notegen.live.scoreplay import render_score
from notegen.models import load
from notetokens.score import Note

from .test_player import FakeClock, check_balanced, player

BPM, RATE = 133.7, 44100


def seeded(model: Path, n: int = 40) -> list[Note]:
    """The first notes of the live melody of seed 5, drawn anew for each driver."""
    return list(itertools.islice(endless_notes(load(model), seed=5, min_notes=8), n))


def by_blocks(notes: list[Note], sizes: list[int]) -> list[tuple[int, mido.Message]]:
    driver = BlockDriver(BeatCore(notes), RATE)
    out = [(e.frame, e.event) for e in driver.run(sizes[0], Transport(0, BPM))]
    for n in itertools.cycle(sizes):
        if driver.core.done:
            return out
        out += [(e.frame, e.event) for e in driver.run(n)]
    raise AssertionError("unreachable")


def test_the_player_the_render_and_the_blocks_play_the_same_events(notes_model: Path) -> None:
    rendered = render(BeatCore(seeded(notes_model)), BPM)
    assert len(rendered) == 80

    clock = FakeClock(jitter=0.0003)
    p, port = player(clock, bpm=BPM, record=True)
    start = clock.now
    p.play(seeded(notes_model))
    check_balanced(port)
    sent = [ev for ev in p.stats.log or [] if ev.message.type in ("note_on", "note_off")]
    assert [ev.message for ev in sent] == [t.event.message() for t in rendered]
    assert [ev.scheduled - start for ev in sent] == pytest.approx([t.seconds for t in rendered], abs=1e-9)
    assert all(0 <= ev.sent - ev.scheduled < 2e-3 for ev in sent)  # on the fake clock, within the spin

    fpb = F(RATE) * 60 / F(BPM)
    for sizes in ([1, 37, 64, 511, 4096], [4096], [256, 3, 1000]):
        blocks = by_blocks(seeded(notes_model), sizes)
        assert [e for _, e in blocks] == [t.event for t in rendered], sizes
        assert [f for f, _ in blocks] == [(t.event.beat * fpb).__floor__() for t in rendered], sizes


def midi_events(path: Path) -> list[tuple[float, str, int, int, int]]:
    """(seconds, type, channel, pitch, on-velocity) of a MIDI file, as mido plays it."""
    now, out = 0.0, []
    for msg in mido.MidiFile(path):
        now += msg.time
        if msg.type in ("note_on", "note_off"):
            on = msg.type == "note_on" and msg.velocity > 0
            kind, velocity = ("note_on", msg.velocity) if on else ("note_off", 0)
            out.append((now, kind, msg.channel, msg.note, velocity))
    return out


def test_the_render_agrees_with_the_midi_file_sample_writes(notes_model: Path, tmp_path: Path,
                                                           notegen_here) -> None:
    mid = tmp_path / "tune.mid"
    args = ("sample", "--model", str(notes_model), "--seed", "3", "--bpm", "97", "--min-notes", "8")
    r = notegen_here(*args, "--out", str(mid))
    assert r.returncode == 0, r.stderr
    text = notegen_here(*args, "--out", str(tmp_path / "tune.txt"))
    assert text.returncode == 0, text.stderr
    from notegen import read

    score = read(tmp_path / "tune.txt").score
    assert score.tempos and score.tempos[0].bpm == 97
    rendered = [(t.seconds, t.event.type, t.event.channel, t.event.pitch, t.event.velocity)
                for t in render_score(score)]
    written = midi_events(mid)
    assert len(rendered) >= 16
    assert [e[1:] for e in rendered] == [e[1:] for e in written]
    # the file holds the tempo in whole microseconds a beat (618557 for 97 BPM): times agree to that
    assert [e[0] for e in rendered] == pytest.approx([e[0] for e in written], rel=1e-6, abs=1e-9)
