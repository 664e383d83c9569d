"""Issue #22's three fixes of the LV2 plugin, in the lilv test host ng_host:
the first score is laid in activate() (a host that rolls from beat 0 in its
very first block hears it), a control change lays a new score from a bar line
(debounced to one lay a bar), and a relocation past the laid score resumes at
the next onset once the worker has answered. Every event is checked to the
frame against the contract's score (conftest's `score`)."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from .conftest import Note, Run, Song, score
from .test_lv2_host import PREROLL, check, expected, kind, play, until

D_MAJOR = {2, 4, 6, 7, 9, 11, 1}
LAID = re.compile(r"new controls: a new score from quarter beat ([0-9.]+)")


def begin(mode: str = "sync") -> Song:
    """120 bpm in 4/4, 256-frame blocks, rolling after a stopped block."""
    song = Song().say(f"worker {mode}").say("blocks 256")
    return song.tempo(120).meter(4, 4).run(PREROLL).roll()


def model(bundle: Path) -> Path:
    return bundle / "model.safetensors"


def spliced(old: list[Note], new: list[Note], cut: Fraction) -> list[Note]:
    """The score after a change at `cut`: the old notes that start before it
    (ending there at the latest), then the new controls' score from beat 0
    moved to the cut."""
    kept = [replace(n, off=min(n.off, cut)) for n in old if n.on < cut]
    moved = [Note(n.on + cut, n.off + cut, n.pitch) for n in new]
    return sorted(kept + moved, key=lambda n: n.on)


def laid(run: Run) -> list[Fraction]:
    """The cuts of the lays the controls asked for (the worker's trace lines)."""
    return [Fraction(x) for x in LAID.findall(run.stderr)]


# -- 1: the first score is there in the first block ----------------------------


@pytest.mark.parametrize("mode", ["sync", "thread"])
def test_rolling_from_beat_0_in_the_first_block(ng_host, bundle, tmp_path, mode):
    song = Song().say(f"worker {mode}").say("blocks 256")
    song.roll().position(0, 0).run(song.seconds(6))
    run = play(ng_host, bundle, song, tmp_path)
    notes = score(model(bundle), until(song))
    check(run, expected(song, notes))
    first = min(n.on for n in notes)
    assert run.events[0]["frame"] == math.ceil(first * 24000) and kind(run.events[0]), run.events[0]


@pytest.mark.parametrize("mode", ["sync", "thread"])
def test_the_first_note_on_frame_0_of_the_first_block(ng_host, bundle, tmp_path, mode):
    notes = score(model(bundle), Fraction(16))
    first = min(n.on for n in notes)  # where the first tune starts (after its pickup's rest)
    bar, beat = divmod(first, 4)
    song = Song().say(f"worker {mode}").say("blocks 256")
    song.roll().position(int(bar), float(beat)).run(song.seconds(2))
    run = play(ng_host, bundle, song, tmp_path)
    assert run.events and run.events[0]["frame"] == 0 and kind(run.events[0]), run.events[:2]
    check(run, expected(song, notes))


def test_a_bounce_gives_the_events_of_a_preroll(ng_host, bundle, tmp_path):
    """Rolling from frame 0 in big blocks through several tunes (each drawn by
    the worker after the first) is the preroll's playthrough, shifted."""
    def song(preroll: int) -> Song:
        s = Song().say("blocks 4096")
        s.tempo(400).run(preroll).roll().position(0, 0).run(s.seconds(30))  # 200 quarters
        return s

    bounce = play(ng_host, bundle, song(0), tmp_path, name="bounce.txt")
    late = play(ng_host, bundle, song(PREROLL), tmp_path, name="preroll.txt")
    assert len(bounce.events) > 300
    assert [(e["frame"] + PREROLL, e["bytes"]) for e in bounce.events] == [(e["frame"], e["bytes"])
                                                                         for e in late.events]
    check(bounce, expected(song(0), score(model(bundle), until(song(0)))))


# -- 2: a control change lays a new score from a bar line ----------------------


def changed(song: Song, settings: list[str], at: float) -> int:
    """Run to `at` seconds, then apply each setting in a block of its own;
    returns the frame where the first one took effect."""
    song.run(song.seconds(at) - song.frame + PREROLL)
    frame = song.frame
    for line in settings:
        song.say(line).run(256)
    return frame


def cut_after(song: Song, frame: int) -> Fraction:
    """The documented cut: the change waits for the next bar line, and the new
    score starts on the one after it (4/4: a bar is 4 quarter beats)."""
    q = song.q_at(frame + 255) + song.stretches[-1].qpf
    return 4 * (math.floor(q / 4) + 2)


@pytest.mark.parametrize(("mode", "options"), [("sync", ()), ("thread", ("--pace", "5"))])
def test_a_key_change_is_heard_from_a_bar_line(ng_host, bundle, tmp_path, mode, options):
    song = begin(mode)
    at = changed(song, ["set key 3"], 4.75)  # bar 2, beat 1.5
    song.run(song.seconds(12))
    run = play(ng_host, bundle, song, tmp_path, options=options)
    cut = cut_after(song, at)
    assert 4 <= cut - song.q_at(at) <= 8, "within one or two bars"
    if mode == "thread":  # a worker that answered after the cut tried again, for a later bar line
        assert laid(run) and laid(run)[0] == cut and laid(run)[-1] % 4 == 0, run.stderr
        cut = laid(run)[-1]
    else:
        assert laid(run) == [cut], run.stderr
    old = score(model(bundle), until(song))
    new = score(model(bundle), until(song) - cut, key="D")
    check(run, expected(song, spliced(old, new, cut)))
    after = [e for e in run.events if e["q"] is not None and e["q"] >= cut]
    assert after and all(e["bytes"][1] % 12 in D_MAJOR for e in after)


def test_a_late_answer_is_laid_again_further_ahead(ng_host, bundle, tmp_path):
    """At 1000 bpm a bar is gone before the thread worker has drawn a tune:
    an answer after its cut is not used (the old score plays on), the lay is
    asked again for a later bar line, and the one used is a clean splice."""
    song = Song().say("worker thread").say("blocks 256")
    song.tempo(1000).run(PREROLL).roll()
    changed(song, ["set key 3"], 0.6)
    song.run(song.seconds(20))
    run = play(ng_host, bundle, song, tmp_path, options=("--pace", "10"))
    cuts = laid(run)
    assert 1 <= len(cuts) <= 4 and cuts == sorted(set(cuts)) and all(c % 4 == 0 for c in cuts), run.stderr
    old = score(model(bundle), until(song))
    for cut in reversed(cuts):
        try:
            check(run, expected(song, spliced(old, score(model(bundle), until(song) - cut, key="D"), cut)))
            return
        except AssertionError:
            continue
    pytest.fail(f"the events are no splice at any of the cuts {cuts}")


def test_turning_the_seed_knob_lays_once(ng_host, bundle, tmp_path):
    song = begin()
    at = changed(song, [f"set seed {s}" for s in range(20, 30)], 2.25)  # ten blocks within bar 0
    song.run(song.seconds(10))
    run = play(ng_host, bundle, song, tmp_path)
    cut = cut_after(song, at)
    assert song.q_at(song.frame - 1) > cut + 8 and laid(run) == [cut], run.stderr
    old = score(model(bundle), until(song))
    new = score(model(bundle), until(song) - cut, seed=29)  # the last value wins
    check(run, expected(song, spliced(old, new, cut)))


def test_a_change_while_stopped_starts_the_score_there(ng_host, bundle, tmp_path):
    """Stopped on a bar line, nothing plays: the new score starts on that bar."""
    song = Song().say("blocks 256").say("set temperature 1.3").say("set type 2")
    song.run(PREROLL).roll().run(song.seconds(8))
    run = play(ng_host, bundle, song, tmp_path)
    check(run, expected(song, score(model(bundle), until(song), temperature=1.3, tune_type="jig")))
    assert laid(run) == [0]


def test_controls_set_before_anything_is_heard_apply_from_beat_0(ng_host, bundle, tmp_path):
    """A host that sets the controls after activate() and rolls at once (the
    first score, laid in activate, was never heard): the old score is muted and
    the new one starts on the bar line at the position, beat 0; only what
    starts before the worker's answer (the first block) is not played."""
    song = Song().say("blocks 256").say("set key 3").say("set seed 11")
    song.roll().position(0, 0).run(song.seconds(8))
    run = play(ng_host, bundle, song, tmp_path)
    notes = score(model(bundle), until(song), seed=11, key="D")
    check(run, expected(song, [n for n in notes if n.on > song.q_at(255)]))
    assert laid(run) == [0] and run.events


def test_a_change_before_the_first_note_lays_the_whole_score_anew(ng_host, bundle, tmp_path):
    """Stopped at bar 5 when the controls change, then back to beat 0 and
    rolling: nothing of activate()'s score was ever heard, so the new one
    starts at beat 0, not at bar 5."""
    song = Song().say("blocks 256").position(5, 0).run(PREROLL).say("set key 10")
    song.run(PREROLL).position(0, 0).roll().run(song.seconds(8))
    run = play(ng_host, bundle, song, tmp_path)
    check(run, expected(song, score(model(bundle), until(song), key="Bb")))
    assert laid(run) == [0]


def test_a_changed_score_restores_to_the_same_notes(ng_host, bundle, tmp_path):
    song = begin()
    changed(song, ["set key 10", "set seed 5"], 3.0)
    span = song.seconds(6)
    song.run(song.seconds(6)).say(f"save {tmp_path / 's.ttl'}").position(1, 0).run(span)
    first = play(ng_host, bundle, song, tmp_path, name="a.txt")
    fresh = Song().say("blocks 256").say(f"restore {tmp_path / 's.ttl'}")
    fresh.run(PREROLL).roll().position(1, 0).run(span)
    second = play(ng_host, bundle, fresh, tmp_path, name="b.txt")
    back = song.stretches[-1].start
    replay = [(e["frame"] - back, e["bytes"]) for e in first.events  # less the relocation's note-offs
              if e["frame"] > back or (e["frame"] == back and kind(e))]
    assert len(replay) > 10 and replay == [(e["frame"] - PREROLL, e["bytes"]) for e in second.events]
    assert not laid(second), "restored with its controls: nothing laid again"


# -- 3: relocating past the laid score -----------------------------------------


def resumed(song: Song, notes: list[Note], frame: int) -> list:
    """The contract's events less those of the notes whose onset comes before
    `frame` in the playthrough that starts at the relocation."""
    lost_from, lost_to = song.stretches[-1].q, song.q_at(frame - 1)
    lost = [n for n in notes if lost_from <= n.on <= lost_to]
    return list((Counter(expected(song, notes)) - Counter(expected(song, lost))).elements())


def test_relocating_past_the_score_resumes_at_the_next_onset(ng_host, bundle, tmp_path):
    song = begin()
    song.run(song.seconds(2)).position(100, 0)
    jump = song.frame
    song.run(song.seconds(8))
    run = play(ng_host, bundle, song, tmp_path)
    notes = score(model(bundle), until(song))
    check(run, resumed(song, notes, jump + 256))  # sync: only the relocation's block is lost
    assert [e for e in run.events if e["frame"] >= jump + 256]


def test_relocating_past_the_score_with_a_worker_thread(ng_host, bundle, tmp_path):
    song = begin("thread")
    song.run(song.seconds(2)).position(60, 0)
    jump = song.frame
    song.run(song.seconds(12))
    run = play(ng_host, bundle, song, tmp_path, options=("--pace", "4"))
    after = [e for e in run.events if e["frame"] >= jump and kind(e)]
    assert after, "nothing played after the relocation: stuck"
    first = after[0]["frame"]
    assert first - jump < song.seconds(6), "the worker took too long"
    check(run, resumed(song, score(model(bundle), until(song)), first))
