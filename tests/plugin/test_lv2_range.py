"""The plugin's pitch range (`low`, `high`), as `notegen sample --range` keeps it."""

from __future__ import annotations

from pathlib import Path

from .conftest import Song, score
from .test_lv2_host import PREROLL, check, expected, kind, play, until


def _song(*controls: str) -> Song:
    song = Song().say("blocks 256")
    for line in controls:
        song.say(line)
    return song.tempo(120).meter(4, 4).run(PREROLL).roll().run(song.seconds(12))


def test_low_and_high_keep_every_note_in_range_as_sample_does(ng_host: Path, bundle: Path,
                                                              tmp_path: Path) -> None:
    song = _song("set low 67", "set high 79")  # G4 to G5
    run = play(ng_host, bundle, song, tmp_path)
    pitches = {e["bytes"][1] for e in run.events if kind(e)}
    assert pitches and min(pitches) >= 67 and max(pitches) <= 79, sorted(pitches)
    check(run, expected(song, score(bundle / "model.safetensors", until(song), pitch_range="G4-G5")))
    wide = play(ng_host, bundle, _song(), tmp_path, name="wide.txt")
    assert {e["bytes"][1] for e in wide.events if kind(e)} - set(range(67, 80))  # the limit did something


def test_a_range_under_an_octave_is_no_limit(ng_host: Path, bundle: Path, tmp_path: Path) -> None:
    narrow = play(ng_host, bundle, _song("set low 60", "set high 65"), tmp_path)
    free = play(ng_host, bundle, _song(), tmp_path, name="free.txt")
    assert narrow.events == free.events and narrow.events
