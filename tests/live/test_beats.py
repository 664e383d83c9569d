"""The beat-time playback core and its block driver: windows, stops, relocations
and host blocks of any size, exact to the beat and to the frame."""

from __future__ import annotations

import ast
import itertools
import time
from fractions import Fraction as F
from pathlib import Path

import pytest

from notegen.live.beats import NOTE_OFF, NOTE_ON, BeatCore, BeatEvent
from notegen.live.blocks import BlockDriver, Transport
from notetokens.score import Note

LIVE = Path(__file__).resolve().parents[2] / "live"


def tune() -> list[Note | tuple[Note, int]]:
    """Chords, a long note, a pitch struck again while it sounds, a second channel."""
    return [
        Note(F(0), 60, F(1)), Note(F(0), 64, F(2)), Note(F(1), 60, F(1, 2)),
        (Note(F(1), 48, F(4)), 2), Note(F(3, 2), 67, F(1, 3)), Note(F(2), 64, F(1)),
        Note(F(3), 72, F(1, 4), 110), Note(F(13, 4), 71, F(3, 4)), Note(F(4), 69, F(2)),
        Note(F(6), 67, F(1)), Note(F(6), 60, F(1)),
    ]  # fmt: skip


def kinds(events: list[BeatEvent]) -> list[tuple[F, str, int, int]]:
    return [(e.beat, e.type, e.channel, e.pitch) for e in events]


def balanced(events: list[BeatEvent]) -> set[tuple[int, int]]:
    """The notes left sounding; fails on a note-on of a sounding note or an off of a silent one."""
    sounding: set[tuple[int, int]] = set()
    for e in events:
        key = (e.channel, e.pitch)
        if e.kind == NOTE_ON:
            assert key not in sounding, f"{e} while sounding"
            sounding.add(key)
        else:
            assert key in sounding, f"{e} of a silent note"
            sounding.discard(key)
    return sounding


def test_a_window_holds_the_events_in_it_offs_before_ons() -> None:
    core = BeatCore(tune())
    got = core.window(0, 2)
    assert kinds(got) == [
        (0, "note_on", 0, 60), (0, "note_on", 0, 64),
        (1, "note_off", 0, 60), (1, "note_on", 0, 60), (1, "note_on", 2, 48),
        (F(3, 2), "note_off", 0, 60), (F(3, 2), "note_on", 0, 67), (F(11, 6), "note_off", 0, 67),
    ]  # fmt: skip
    assert core.position == 2
    nxt = core.window(2, 3)
    # 64 is struck again at beat 2 while the first one (0..2) ends there: one off, then the on
    assert kinds(nxt) == [(2, "note_off", 0, 64), (2, "note_on", 0, 64)]
    assert core.window(3, 3) == []
    assert [e.velocity for e in core.window(3, F(13, 4)) if e.kind == NOTE_ON] == [110]


def test_a_pitch_struck_while_it_sounds_ends_first_and_its_old_off_is_dropped() -> None:
    core = BeatCore([Note(F(0), 62, F(4)), Note(F(1), 62, F(1))])
    got = core.window(0, 8)
    assert kinds(got) == [(0, "note_on", 0, 62), (1, "note_off", 0, 62), (1, "note_on", 0, 62),
                          (2, "note_off", 0, 62)]
    assert not balanced(got)


def all_events(windows: list[F], notes=None) -> list[BeatEvent]:
    core = BeatCore(notes if notes is not None else tune())
    out: list[BeatEvent] = []
    for b0, b1 in itertools.pairwise(windows):
        out += core.window(b0, b1)
    return out


@pytest.mark.parametrize("step", [F(1, 7), F(1, 3), F(1), F(5, 2), F(100)])
def test_any_split_into_windows_gives_the_same_events(step: F) -> None:
    whole = all_events([F(0), F(100)])
    split = all_events([step * i for i in range(int(100 / step) + 1)] + [F(100)])
    assert split == whole
    assert not balanced(whole)
    assert sorted(whole) == whole  # in beat order, an off before an on at one beat


def test_stop_gives_the_owed_offs_and_play_goes_on_without_restarting() -> None:
    core = BeatCore(tune())
    first = core.window(0, F(5, 4))
    owed = core.stop()
    assert {(e.channel, e.pitch) for e in owed} == balanced(first) == {(0, 60), (0, 64), (2, 48)}
    assert all(e.kind == NOTE_OFF and e.beat == F(5, 4) for e in owed)
    assert core.stop() == []  # nothing owed twice
    rest = core.window(F(5, 4), 100)
    assert rest[0].beat == F(3, 2)  # the next note; the stopped ones are not restarted
    assert not balanced(rest)


def test_relocating_back_ends_what_sounds_and_replays_the_same_events() -> None:
    core = BeatCore(tune())
    first = core.window(0, F(9, 2))
    owed = core.window(F(1), F(1))  # the transport jumps back to beat 1
    assert {(e.channel, e.pitch) for e in owed} == balanced(first) == {(0, 69), (2, 48)}
    assert all(e.kind == NOTE_OFF and e.beat == 1 for e in owed)
    again = core.window(F(1), F(9, 2))
    # from beat 1 on as the first time; the note held across beat 1 (64, from 0 to 2) is not restarted
    started = {e.seq for e in first if e.kind == NOTE_ON and e.beat >= 1}
    assert again == [e for e in first if e.seq in started]
    assert (0, 64) not in {(e.channel, e.pitch) for e in again if e.beat < 2}
    assert not balanced(owed_and(first, owed, again, core.stop()))


def owed_and(*parts: list[BeatEvent]) -> list[BeatEvent]:
    return [e for part in parts for e in part]


def test_relocating_forward_skips_and_does_not_restart_notes_across_the_target() -> None:
    core = BeatCore(tune())
    first = core.window(0, F(1, 2))
    jumped = core.window(F(3), F(7))
    assert kinds(jumped[:2]) == [(3, "note_off", 0, 60), (3, "note_off", 0, 64)]
    assert [e.beat for e in jumped[2:]][:1] == [F(3)]  # 72 at beat 3 plays; 48 (1..5) does not start
    assert all(e.pitch != 48 for e in jumped)
    assert not balanced(first + jumped + core.stop())


def test_length_ends_the_music_and_long_notes_at_it() -> None:
    core = BeatCore(tune(), length=F(7, 2))
    got = core.window(0, 100)
    assert max(e.beat for e in got) == F(7, 2)
    assert kinds(got)[-2:] == [(F(7, 2), "note_off", 2, 48), (F(7, 2), "note_off", 0, 71)]
    assert not balanced(got)
    assert core.closed and core.done


def test_a_note_added_late_plays_in_the_next_window_at_its_own_beat() -> None:
    core = BeatCore()
    core.window(0, 2)
    assert core.add(Note(F(1), 60, F(2)))
    got = core.window(2, 4)
    assert kinds(got) == [(1, "note_on", 0, 60), (3, "note_off", 0, 60)]


def test_an_endless_stream_is_read_only_as_far_as_a_window_needs() -> None:
    read: list[int] = []

    def endless():
        for i in itertools.count():
            read.append(i)
            yield Note(F(i, 2), 60 + i % 12, F(1, 2))

    core = BeatCore(endless())
    got = core.window(0, 4)
    assert len([e for e in got if e.kind == NOTE_ON]) == 8
    assert len(read) <= 10  # one note past the window at most (plus the one that told it so)


def test_the_core_and_the_block_driver_never_read_a_clock_or_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("beats.py", "blocks.py"):
        tree = ast.parse((LIVE / name).read_text())
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not imported & {"time", "threading", "asyncio", "queue"}, name

    def no(*args: object) -> None:
        raise AssertionError("the core read a clock or slept")

    for fn in ("sleep", "time", "monotonic", "perf_counter"):
        monkeypatch.setattr(time, fn, no)
    driver = BlockDriver(BeatCore(tune()), 48000)
    events = driver.run(64, Transport(0, 120.0)) + [e for _ in range(4000) for e in driver.run(64)]
    assert len(events) == 22


# -- the block driver --------------------------------------------------------


RATE, BPM = 44100, 133.7
FPB = F(RATE) * 60 / F(BPM)


def script() -> dict[int, Transport]:
    """A host's transport changes by frame: roll, jump back, tempo change, stop,
    roll on from elsewhere (a host splits its block at such a frame)."""
    f = [int(FPB * b) for b in (F(5, 2), F(9, 2), F(6), F(7))]
    return {
        0: Transport(0, BPM),
        f[0]: Transport(F(1, 2), BPM),  # back two beats, mid-note
        f[1]: Transport(F(5, 2), 97.25),  # a new tempo at our own beat (within a frame)
        f[2]: Transport(F(0), 97.25, speed=0.0),  # stop
        f[3]: Transport(F(3, 2), 97.25),  # roll from beat 1.5
    }


def host(sizes, total: int, changes: dict[int, Transport], every: bool = False) -> list:
    """Run a driver the way a host does: blocks of the given sizes in turn, split
    at each transport change; `every`: a position each block, rounded to 1/1920 beat."""
    driver = BlockDriver(BeatCore(tune()), RATE)
    out: list[tuple[int, BeatEvent]] = []
    frame, size = 0, itertools.cycle(sizes)
    while frame < total:
        n = next(size)
        later = [f for f in changes if frame < f < frame + n]
        n = min([frame + n, total, *later]) - frame
        position = changes.get(frame)
        if position is None and every and driver.rolling:
            beat = F(round(driver.beat_of(frame) * 1920), 1920)
            position = Transport(float(beat), driver_bpm(driver))
        events = driver.run(n, position)
        assert all(0 <= e.offset < n for e in events)
        out += [(e.frame, e.event) for e in events]
        frame += n
    out += [(e.frame, e.event) for e in driver.run(1, Transport(0, BPM, speed=0.0))]  # the host stops
    return out


def driver_bpm(driver: BlockDriver) -> float:
    assert driver._anchor is not None
    return float(F(RATE) * 60 / driver._anchor[2])


TOTAL = int(FPB * 12)


def test_block_sizes_give_the_same_events_at_the_same_frames() -> None:
    want = host([64], TOTAL, script())
    assert want == host([4096], TOTAL, script())
    for sizes in ([1], [37], [511], [1, 300, 37, 4096, 2, 64, 999, 5]):
        assert host(sizes, TOTAL, script()) == want, sizes
    assert host([37, 256, 1000], TOTAL, script(), every=True) == want  # a rounded position each block


def test_frames_are_the_floor_of_the_beat_in_exact_rationals() -> None:
    events = host([256], int(FPB * F(5, 2)), {0: Transport(0, BPM)})
    for frame, e in events:
        assert frame == (e.beat * FPB).__floor__()  # at most one frame early, never late
    assert [f for f, e in events if e.kind == NOTE_ON][:3] == [0, 0, int(FPB)]


def test_blocks_follow_a_relocation_a_tempo_change_and_a_stop_with_no_stuck_note() -> None:
    events = host([128], TOTAL, script())
    f = sorted(script())
    assert not balanced([e for _, e in events])
    # at the jump back: every sounding note ends on the jump's frame, then beat 1/2 on replays
    at_jump = [e for frame, e in events if frame == f[1]]
    assert at_jump and all(e.kind == NOTE_OFF and e.beat == F(1, 2) for e in at_jump[:2])
    # stopped: nothing between the stop and the roll, the owed offs on the stop's frame
    assert [e for frame, e in events if f[3] < frame < f[4]] == []
    assert all(e.kind == NOTE_OFF for frame, e in events if frame == f[3])
    # at the new tempo each beat lasts RATE * 60 / 97.25 frames from the anchor on
    after = [(frame, e) for frame, e in events if frame >= f[4] and e.kind == NOTE_ON]
    fpb = F(RATE) * 60 / F(97.25)
    assert after and all(frame == f[4] + ((e.beat - F(3, 2)) * fpb).__floor__() for frame, e in after)
