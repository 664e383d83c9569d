"""A tune written in repeated parts played to a real JACK port (dummy driver) is
heard played out, as its MIDI file plays it: each part twice, in time."""

from __future__ import annotations

import pytest

from notetokens import notes

from .test_live_jack import assert_no_stuck_notes, notes_of, settle, unless_xrun

pytestmark = pytest.mark.jack


def test_a_part_between_repeat_marks_is_heard_twice_through_jack(receiver, jack_log) -> None:
    from notegen.live.scoreplay import play_score

    score = notes.parse("M:4/4 K:G\n|: G4 A4 B4 C5 | D5:4 :: E5:2 F5:2 :|")

    def attempt() -> None:
        stats = play_score(score, "receiver:recv", api="jack", bpm=480)
        got = settle(receiver)
        heard = notes_of(got)
        assert stats.notes == 14
        assert [p for _, p in heard] == [67, 69, 71, 72, 74] * 2 + [76, 77] * 2
        beat = 60 / 480
        assert heard[5][0] - heard[0][0] == pytest.approx(8 * beat, abs=0.03)  # the repeat, 2 bars on
        assert heard[12][0] - heard[10][0] == pytest.approx(4 * beat, abs=0.03)  # B again, 1 bar on
        assert_no_stuck_notes(got)

    unless_xrun(jack_log, receiver, attempt)
