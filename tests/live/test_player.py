"""The player's edge cases on a fake clock and an in-memory port (fast, exact)."""

from __future__ import annotations

import itertools
import math
import queue
import random
import threading
from fractions import Fraction as F

import mido
import pytest

from notegen.live.feed import Temperature, cc_to_temperature
from notegen.live.player import END, Player, QueueSource
from notegen.live.scoreplay import tempo_scaled
from notegen.live.timebase import ClockFollower
from notetokens.score import Note, Part, Score, Tempo


class FakeClock:
    """Time moves only when someone sleeps; a sleep overshoots by up to `jitter`
    the way a real one does, so error that accumulates would show."""

    def __init__(self, jitter: float = 0.0, seed: int = 0) -> None:
        self.now = 1000.0
        self.jitter = jitter
        self.rng = random.Random(seed)
        self.hooks: list = []  # (time, fn): things that happen at a time (input messages)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        step = seconds + self.rng.random() * self.jitter if seconds > 0 else 1e-4
        target = self.now + step
        while self.hooks and self.hooks[0][0] <= target:
            t, fn = self.hooks.pop(0)
            self.now = max(self.now, t)
            fn(self.now)
        self.now = target


class MemoryPort:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sent: list[tuple[float, mido.Message]] = []

    def send(self, msg: mido.Message) -> None:
        self.sent.append((self.clock(), msg))

    def of(self, *types: str) -> list[tuple[float, mido.Message]]:
        return [(t, m) for t, m in self.sent if m.type in types]


def melody(n: int, step: F = F(1, 2), dur: F = F(1, 2)) -> list[Note]:
    return [Note(i * step, 60 + (i * 7) % 24, dur) for i in range(n)]


def player(clock: FakeClock, **kw) -> tuple[Player, MemoryPort]:
    port = MemoryPort(clock)
    return Player(port, clock=clock, sleep=clock.sleep, preroll=0.0, **kw), port


def check_balanced(port: MemoryPort) -> None:
    """Every note_on is followed by its note_off before that pitch sounds again."""
    sounding: set[tuple[int, int]] = set()
    for _, m in port.sent:
        key = (getattr(m, "channel", -1), getattr(m, "note", -1))
        if m.type == "note_on" and m.velocity > 0:
            assert key not in sounding, f"{m} while already sounding"
            sounding.add(key)
        elif m.type == "note_off":
            sounding.discard(key)
    assert not sounding


def test_events_in_order_at_their_times() -> None:
    clock = FakeClock()
    p, port = player(clock, bpm=120)
    start = clock.now
    p.play(melody(8))
    ons = port.of("note_on")
    assert [m.note for _, m in ons] == [n.pitch for n in melody(8)]
    for i, (t, _) in enumerate(ons):
        assert t == pytest.approx(start + i * 0.25, abs=2e-4)
    times = [t for t, _ in port.sent]
    assert times == sorted(times)
    check_balanced(port)


def test_legato_repeat_sends_off_before_on() -> None:
    clock = FakeClock()
    p, port = player(clock)
    p.play([Note(F(0), 60, F(1)), Note(F(1), 60, F(1))])
    kinds = [(m.type, m.note) for _, m in port.of("note_on", "note_off")]
    assert kinds == [("note_on", 60), ("note_off", 60), ("note_on", 60), ("note_off", 60)]


def test_overlapping_same_pitch_is_cut_not_stuck() -> None:
    clock = FakeClock()
    p, port = player(clock)
    p.play([Note(F(0), 62, F(4)), Note(F(1), 62, F(1)), Note(F(1), 64, F(1))])
    check_balanced(port)
    # the long note's late off must not end the second one early or be sent twice
    assert len(port.of("note_off")) == 3


def test_all_notes_off_when_stopped_midway() -> None:
    clock = FakeClock()
    stop = threading.Event()
    p, port = player(clock, stop=stop, channel=3)
    clock.hooks.append((clock.now + 0.6, lambda t: stop.set()))
    p.play([Note(F(0), 60, F(8)), Note(F(1), 67, F(8))])
    check_balanced(port)
    assert [m.control for _, m in port.of("control_change")] == [123]
    assert port.sent[-1][1].channel == 3


def test_error_in_source_still_silences() -> None:
    clock = FakeClock()
    p, port = player(clock)

    def broken():
        yield Note(F(0), 60, F(4))
        yield Note(F(1), 64, F(4))
        raise RuntimeError("model failed")

    with pytest.raises(RuntimeError):
        p.play(broken())
    check_balanced(port)
    assert port.of("control_change")


def test_keyboard_interrupt_silences_and_propagates() -> None:
    clock = FakeClock()
    p, port = player(clock)

    def interrupt(t: float) -> None:
        raise KeyboardInterrupt

    clock.hooks.append((clock.now + 1.2, interrupt))
    with pytest.raises(KeyboardInterrupt):
        p.play(melody(100, dur=F(2)))
    check_balanced(port)
    assert port.sent[-1][1].type == "control_change"


def test_no_drift_over_a_simulated_hour() -> None:
    # each sleep overshoots by up to 0.5 ms: summed sleeps would be ~ten seconds
    # off after an hour; absolute times keep every event within the spin
    clock = FakeClock(jitter=0.0005)
    p, port = player(clock, bpm=120)
    start = clock.now
    notes = melody(7200 * 2, step=F(1, 2), dur=F(1, 4))
    p.play(notes)
    ons = port.of("note_on")
    assert len(ons) == len(notes)
    errors = [abs(t - (start + float(n.onset) * 0.5)) for (t, _), n in zip(ons, notes, strict=True)]
    assert ons[-1][0] - start == pytest.approx(3599.75, abs=1e-3)
    assert max(errors) < 2e-4


def test_clock_out_24_ticks_per_beat_with_start_and_stop() -> None:
    clock = FakeClock(jitter=0.0003)
    p, port = player(clock, bpm=150, clock_out=True, length=8)
    start = clock.now
    p.play(melody(100))
    kinds = [m.type for _, m in port.sent]
    assert kinds[0] == "start" and kinds[-1] == "stop"
    ticks = [t for t, m in port.of("clock")]
    assert len(ticks) == 8 * 24
    spacing = 60.0 / 150 / 24
    for i, t in enumerate(ticks):
        assert t == pytest.approx(start + i * spacing, abs=2e-4)
    assert len(port.of("note_on")) == 16  # length cuts the endless source at 8 beats
    check_balanced(port)


def feed_clock(clock: FakeClock, follower: ClockFollower, t0: float, bpm: float, beats: int):
    """Schedule a DAW's start + clock ticks at `bpm` from t0."""
    spacing = 60.0 / bpm / 24
    clock.hooks.append((t0, lambda t: follower.feed(t, mido.Message("start"))))
    for i in range(beats * 24):
        clock.hooks.append((t0 + 1e-4 + i * spacing, lambda t: follower.feed(t, mido.Message("clock"))))


@pytest.mark.parametrize("bpm", [90.0, 180.0])
def test_follows_external_clock_tempo(bpm: float) -> None:
    clock = FakeClock()
    follower = ClockFollower(default_bpm=120)
    p, port = player(clock, follow=follower, length=16)
    feed_clock(clock, follower, clock.now + 0.1, bpm, 20)
    p.play(melody(64, step=F(1)))
    ons = [t for t, _ in port.of("note_on")]
    gaps = [b - a for a, b in itertools.pairwise(ons[4:])]
    assert sum(gaps) / len(gaps) == pytest.approx(60.0 / bpm, rel=0.01)
    assert follower.bpm == pytest.approx(bpm, rel=0.01)
    check_balanced(port)


def test_follows_stop_and_continue() -> None:
    clock = FakeClock()
    follower = ClockFollower()
    p, port = player(clock, follow=follower, length=8)
    t0 = clock.now + 0.1
    spacing = 0.5 / 24
    clock.hooks.append((t0, lambda t: follower.feed(t, mido.Message("start"))))
    for i in range(2 * 24):  # two beats, then stop for 3 s, then continue
        clock.hooks.append((t0 + 1e-4 + i * spacing, lambda t: follower.feed(t, mido.Message("clock"))))
    t_stop = t0 + 2 * 24 * spacing
    clock.hooks.append((t_stop, lambda t: follower.feed(t, mido.Message("stop"))))
    t_cont = t_stop + 3.0
    clock.hooks.append((t_cont, lambda t: follower.feed(t, mido.Message("continue"))))
    for i in range(10 * 24):
        clock.hooks.append((t_cont + 1e-4 + i * spacing, lambda t: follower.feed(t, mido.Message("clock"))))
    p.play(melody(8, step=F(1), dur=F(3, 2)))
    ons = [t for t, _ in port.of("note_on")]
    assert not any(t_stop + 1e-3 < t < t_cont for t in ons)  # silent while stopped
    assert len(ons) == 8
    offs = [t for t, m in port.sent if m.type in ("note_off", "control_change")]
    assert any(t_stop <= t < t_stop + 0.02 for t in offs)  # the sounding note ended at stop
    check_balanced(port)


@pytest.mark.parametrize("late", [0.0, 0.02, 1.0, 2.9])
def test_a_start_seen_late_comes_in_on_the_next_bar_without_a_burst(late: float) -> None:
    """The DAW started `late` seconds before the player did (it was filling its
    lookahead): within 50 ms it plays from beat 0 (the first note that little
    late), else from the next bar line
    of four beats, every note on the tick of its beat and none crammed in."""
    clock = FakeClock()
    follower = ClockFollower(default_bpm=60)
    spb = 60.0 / 200
    t0 = clock.now
    feed_clock(clock, follower, t0, 200, 30)
    while clock.hooks and clock.hooks[0][0] <= t0 + late:  # what came before play
        t, fn = clock.hooks.pop(0)
        clock.now = t
        fn(t)
    clock.now = t0 + late
    p, port = player(clock, follow=follower, length=8)
    p.play(melody(16, step=F(1)))
    ons = [t for t, _ in port.of("note_on")]
    assert len(ons) == 8
    first = 0 if late <= 0.05 else 4 * math.ceil((late / spb + 0.05 / spb) / 4)
    for i, t in enumerate(ons):  # within the grace, beat 0 is played as soon as it can
        due = max(t0 + 1e-4 + (first + i) * spb, t0 + late)
        assert t == pytest.approx(due, abs=2e-3), (i, first)
    check_balanced(port)


def test_underrun_shifts_later_notes_by_whole_beats() -> None:
    clock = FakeClock()
    q: queue.Queue = queue.Queue()
    p, port = player(clock, bpm=120)
    q.put(Note(F(0), 60, F(1, 2)))
    clock.hooks.append((clock.now + 1.3, lambda t: [q.put(Note(F(1), 62, F(1, 2))),
                                                     q.put(Note(F(2), 64, F(1, 2))), q.put(END)]))
    p.play(QueueSource(q))
    ons = [t for t, _ in port.of("note_on")]
    assert p.stats.underruns == 1
    assert ons[2] - ons[1] == pytest.approx(0.5, abs=2e-4)  # the groove is kept
    assert (ons[1] - ons[0]) / 0.5 == pytest.approx(round((ons[1] - ons[0]) / 0.5), abs=1e-3)


def test_play_score_folds_tempo_map() -> None:
    score = Score(parts=[Part(notes=melody(8, step=F(1)), channel=2)],
                  tempos=[Tempo(F(0), 120.0), Tempo(F(4), 60.0)])
    items = tempo_scaled(score, 120.0)
    # beats 0..4 at 120, then each beat lasts two beats of 120
    assert [float(n.onset) for n, _ in items] == [0, 1, 2, 3, 4, 6, 8, 10]
    assert all(ch == 2 for _, ch in items)


def test_cc_maps_to_temperature() -> None:
    assert cc_to_temperature(0) == pytest.approx(0.1)
    assert cc_to_temperature(127) == pytest.approx(2.0)
    assert cc_to_temperature(64) == pytest.approx(0.1 + 64 / 127 * 1.9)
    temp = Temperature(0.8, cc=1)
    temp.feed(mido.Message("control_change", control=7, value=127))
    assert temp() == 0.8  # another controller changes nothing
    temp.feed(mido.Message("control_change", control=1, value=127))
    assert temp() == pytest.approx(2.0)


def test_length_cuts_long_notes_at_the_end() -> None:
    clock = FakeClock()
    p, port = player(clock, bpm=120, length=4)
    start = clock.now
    p.play([Note(F(0), 60, F(1)), Note(F(3), 62, F(64)), Note(F(5), 64, F(1))])
    assert [m.note for _, m in port.of("note_on")] == [60, 62]
    assert port.of("note_off")[-1][0] == pytest.approx(start + 2.0, abs=2e-4)
    check_balanced(port)
