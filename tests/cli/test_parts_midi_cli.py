"""An AABB tune (two 8-bar parts, each repeated) converted with `notegen convert`
to a real MIDI file plays 32 bars: each part twice, the second time the same
notes as the first, whether written as a note string (`|: ... :: ... :|`) or as
ABC with `|:` `:|` and first and second endings. Read back with mido."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import mido
import pytest

from .test_convert_cli import midi_notes

SCALE = [55, 57, 59, 60, 62, 64, 66, 67, 69, 71, 72, 74]  # G major from G3
NAMES = {55: "G3", 57: "A3", 59: "B3", 60: "C4", 62: "D4", 64: "E4", 66: "F#4", 67: "G4",
         69: "A4", 71: "B4", 72: "C5", 74: "D5"}
ABC_NAMES = {55: "G,", 57: "A,", 59: "B,", 60: "C", 62: "D", 64: "E", 66: "F", 67: "G",
             69: "A", 71: "B", 72: "c", 74: "d"}


def bar_pitches(part: int, bar: int, per_bar: int) -> list[int]:
    """A bar of its own: its first two notes tell its part and its bar."""
    rest = [SCALE[(bar * 2 + i) % len(SCALE)] for i in range(per_bar - 2)]
    return [SCALE[bar + part], SCALE[9 + part], *rest]


Notes = list[tuple[int, int, int]]  # (onset tick, pitch, duration ticks)


def convert(notegen, tmp_path: Path, name: str, text: str) -> tuple[Notes, int]:
    src, out = tmp_path / name, tmp_path / (Path(name).stem + ".mid")
    src.write_text(text)
    r = notegen("convert", str(src), str(out))
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 0
    return midi_notes(out), mido.MidiFile(str(out)).ticks_per_beat


def bars(notes: Notes, first: int, last: int, bar_ticks: int) -> Notes:
    """The notes of bars `first`..`last` (1-based), onsets from the first one's start."""
    lo, hi = (first - 1) * bar_ticks, last * bar_ticks
    return [(t - lo, p, d) for t, p, d in notes if lo <= t < hi]


@pytest.mark.parametrize("meter, per_bar, unit", [("4/4", 4, Fraction(1)), ("6/8", 6, Fraction(1, 2))])
def test_an_aabb_note_string_plays_32_bars(
    tmp_path, notegen, meter: str, per_bar: int, unit: Fraction
) -> None:
    def part(p: int) -> str:
        return " | ".join(" ".join(NAMES[x] for x in bar_pitches(p, b, per_bar)) for b in range(8))

    header = f"M:{meter} K:G" + (" L:1/8" if unit != 1 else "")
    got, tpb = convert(notegen, tmp_path, "aabb.txt", f"{header}\n|: {part(0)} :: {part(1)} :|\n")
    bar_ticks = int(per_bar * unit * tpb)
    assert len(got) == 4 * 8 * per_bar
    assert max(t + d for t, _, d in got) == 32 * bar_ticks  # the last note ends bar 32
    assert bars(got, 1, 8, bar_ticks) == bars(got, 9, 16, bar_ticks)
    assert bars(got, 17, 24, bar_ticks) == bars(got, 25, 32, bar_ticks)
    assert bars(got, 1, 8, bar_ticks) != bars(got, 17, 24, bar_ticks)
    a = [p for _, p, _ in bars(got, 1, 8, bar_ticks)]
    assert a == [x for b in range(8) for x in bar_pitches(0, b, per_bar)]  # as written, in order
    assert all(d == unit * tpb for _, _, d in got)


def test_an_aabb_abc_tune_with_endings_plays_32_bars(tmp_path, notegen) -> None:
    def bar(p: int, b: int) -> str:
        return "".join(ABC_NAMES[x] for x in bar_pitches(p, b, 4))

    a = " | ".join(bar(0, b) for b in range(8))
    b_body = " | ".join(bar(1, b) for b in range(7))
    text = ("X:1\nT:Endings\nM:4/4\nL:1/4\nK:G\n"
            f"|: {a} :|\n|: {b_body} |1 {bar(1, 7)} :|2 {bar(2, 0)} |]\n")
    got, tpb = convert(notegen, tmp_path, "aabb.abc", text)
    bar_ticks = 4 * tpb
    assert len(got) == 32 * 4
    assert max(t + d for t, _, d in got) == 32 * bar_ticks
    assert bars(got, 1, 8, bar_ticks) == bars(got, 9, 16, bar_ticks)  # A twice
    assert bars(got, 17, 23, bar_ticks) == bars(got, 25, 31, bar_ticks)  # B's body twice
    first, second = bars(got, 24, 24, bar_ticks), bars(got, 32, 32, bar_ticks)
    assert [p for _, p, _ in first] == bar_pitches(1, 7, 4)  # the first ending, then
    assert [p for _, p, _ in second] == bar_pitches(2, 0, 4)  # the second, at the end
    assert [p for _, p, _ in bars(got, 1, 1, bar_ticks)] == bar_pitches(0, 0, 4)
