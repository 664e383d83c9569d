"""Live playback plays a tune's repeats out, as its MIDI file does: a part
between `|:` and `:|` is heard twice, endings in turn, on every live path (the
streamed sample, a whole score played to a port, call and response). The model
is a fake whose stream writes a fixed note string; the player runs on the fake
clock and in-memory port of test_player."""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction as F
from types import SimpleNamespace
from typing import Any

import pytest

from notegen.live.feed import _tail_prime, endless_notes
from notegen.live.repeatplay import played_out_text, without_marks
from notegen.live.respond import responses
from notegen.live.scoreplay import render_score, score_source, tempo_scaled
from notetokens import notes
from notetokens.errors import ParseError
from notetokens.score import Tempo

from .test_player import FakeClock, check_balanced, player

HEADER = "M:4/4 K:G"
PART = "G4 A4 B4 C5 | D5:4"  # two bars: G A B C D
TUNE = f"|: {PART} :|"


class FakeModel:
    """Writes `bodies[i]` for the i-th tune it is asked for (the last one again
    after that), under a fixed header; remembers every prime it was given."""

    notation = "notes"
    path = None

    def __init__(self, *bodies: str, header: str = HEADER) -> None:
        self.bodies, self.header = list(bodies), header
        self.primes: list[str] = []

    def stream(self, lm: Any, prime: str = "", *args: Any, **kwargs: Any) -> Iterator[str]:
        if prime == "":  # NoteStream asks for the header line first
            yield from self.header + "\n"
            return
        self.primes.append(prime)
        yield from self.bodies[min(len(self.primes), len(self.bodies)) - 1]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch):
    def make(*bodies: str, header: str = HEADER) -> FakeModel:
        model = FakeModel(*bodies, header=header)
        monkeypatch.setattr("notegen.models.tunes.stream", model.stream)
        return model

    return make


def heard(text: str) -> list[tuple[F, int, F]]:
    return [(n.onset, n.pitch, n.duration) for n in played_out_text(text)]


def as_played(text: str) -> list[tuple[F, int, F]]:
    return sorted((n.onset, n.pitch, n.duration) for n in notes.parse(text).played_out().notes)


TUNES = [
    f"{HEADER}\n|: {PART} :: E5:4 | F5:4 :|",
    f"{HEADER}\n|: G4 A4 B4 C5 | [1 D5:4 :| [2 E5:4 |",
    f"{HEADER}\n|: G4 A4 B4 C5 | [1 D5:4 :| [2 E5:4 :| [3 F5:4 |",
    f"{HEADER}\n|: G4 A4 B4 C5 | [1 D5:4 :| [2 E5:4 :| F5:4 |",  # no [3: two passes
    f"{HEADER}\n|: G4 A4 B4 C5 | [1 D5:4 :| [2 E5:4 :: F5:4 | G5:4 :|",
    f"{HEADER}\nC4 | G4 A4 B4 C5 | D5:4 :| E5:4 | F5:4 :|",  # the pickup is a lead-in
    # a jig whose parts begin with a pickup (their last bars are short by it)
    "M:6/8 L:1/8 K:D\nA4 | D5:2 E5 F5:2 G5 | A5:3 A5:2 :: B4 | A5:2 G5 F5:2 E5 | D5:3 D5:2 :|",
    "M:4/4\n[C4 E4] G4 A4 B4 :| C5:4 |",
]


@pytest.mark.parametrize("text", TUNES)
def test_streamed_play_out_is_the_scores_play_out(text: str) -> None:
    got = heard(text)
    assert got == as_played(text)
    assert len(got) > len(notes.parse(text).notes)  # something was played again


def test_random_tunes_in_parts_stream_as_their_scores_play_out() -> None:
    rng = random.Random(20)
    seps = ["|"] * 6 + [":|", "|:", "::", "| [1", ":| [2", ":| [3", "| [2"]
    bars = ["G4 A4 B4 C5", "D5:4", "E5:2 F5:2", "[C4 E4]:4", "A4:2 R:2"]
    checked = 0
    for _ in range(1500):
        n = rng.randint(1, 8)
        body = ("C4 | " if rng.random() < 0.3 else "") + rng.choice(["", "|: "])
        body += " ".join(rng.choice(bars) + " " + rng.choice(seps) for _ in range(n - 1))
        text = f"{HEADER}\n{body} {rng.choice(bars)} {rng.choice(['|', ':|', ''])}"
        try:
            want = as_played(text)
        except ParseError:
            continue  # marks that make no tune: notes.parse refuses it
        assert heard(text) == want, text
        checked += 1
    assert checked > 200


def test_a_part_is_heard_twice_and_what_follows_after_it() -> None:
    got = heard(f"{HEADER}\n{TUNE} E5:4 |")
    pitches = [p for _, p, _ in got]
    assert pitches == [67, 69, 71, 72, 74] * 2 + [76]
    assert [t for t, _, _ in got][5] == 8  # the second time starts after two bars
    assert got[-1][0] == 16


def test_marks_that_make_no_parts_are_played_as_written() -> None:
    text = f"{HEADER}\nG4 A4 B4 :| C5:4 |"  # a part of three beats
    assert [p for _, p, _ in heard(text)] == [67, 69, 71, 72]


def test_a_later_segment_is_primed_without_marks() -> None:
    prime = _tail_prime(f"{HEADER}\n|: G4 A4 | [1 B4:2 :| [2 C5:2 :: D5:2 |")
    assert not any(m in prime for m in ("|:", ":|", "::", "[1", "[2")), prime
    assert prime.startswith(HEADER + "\n")
    assert without_marks("|: G4 [C4 E4] :: A4:4 :| [2 B4") == "| G4 [C4 E4] | A4:4 | B4"


def test_live_plays_a_sampled_tunes_repeats_then_goes_on(fake) -> None:
    model = fake(TUNE + " ", "E5:4 | F5:4 |")
    got = list(itertools.islice(endless_notes(model, "", seed=1), 12))
    assert [n.pitch for n in got] == [67, 69, 71, 72, 74] * 2 + [76, 77]
    assert [n.onset for n in got] == [0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 16, 20]  # on after 4 bars
    assert len(model.primes) > 1
    assert not any(m in p for p in model.primes[1:] for m in ("|:", ":|", "::"))


def test_the_player_sounds_the_part_twice_through(fake) -> None:
    model = fake(TUNE)
    clock = FakeClock()
    p, port = player(clock, bpm=240)
    p.play(endless_notes(model, "", seed=1, endless=False))
    ons = port.of("note_on")
    assert [m.note for _, m in ons] == [67, 69, 71, 72, 74] * 2
    beat = 60 / 240
    assert ons[5][0] - ons[0][0] == pytest.approx(8 * beat, abs=1e-3)  # bar 3 starts the repeat
    check_balanced(port)


def test_a_score_in_parts_is_played_out_to_a_port_and_rendered() -> None:
    score = notes.parse(f"{HEADER}\n|: {PART} :: E5:4 :|")
    want = [(n.onset, n.pitch) for n in score.played_out().notes]
    assert [(n.onset, n.pitch) for n, _ in score_source(score)] == want
    assert len(want) == 12
    ons = [e for e in render_score(score) if e.event.type == "note_on"]
    assert [e.event.pitch for e in ons] == [p for _, p in want]
    assert ons[-1].seconds == pytest.approx(float(want[-1][0]) * 0.5)


def test_the_tempo_map_is_played_out_with_the_part() -> None:
    score = replace(notes.parse(f"{HEADER}\n{TUNE}"), tempos=[Tempo(F(0), 120.0), Tempo(F(4), 60.0)])
    # beats 0-4 at 120, 4-8 at 60 (two beats of 120 each), and again from the repeat
    scaled = tempo_scaled(score, 120.0)
    assert [n.onset for n, _ in scaled] == [0, 1, 2, 3, 4, 12, 13, 14, 15, 16]


def test_an_answer_in_parts_is_heard_with_its_repeat(fake) -> None:
    model = fake("|: G4 A4 B4 C5 :| D5:4 E5:4 ")
    phrase = [(i * 0.5, i * 0.5 + 0.4, 60 + i, 90) for i in range(8)]  # 8 beats at 120 bpm
    calls = iter([phrase, None])
    listener = SimpleNamespace(enabled=True, wait_phrase=lambda *a: next(calls))
    beats = iter(itertools.chain([0.0], itertools.repeat(1e9)))
    answer = list(responses(model, listener, bar_seconds=lambda: 2.0, spb=lambda: 0.5,
                            now_beat=lambda: next(beats), clock=lambda: 100.0, stop=threading.Event()))
    assert [n.pitch for n in answer] == [67, 69, 71, 72] * 2  # cut at the call's 7.75 beats
    assert [n.onset - answer[0].onset for n in answer] == list(range(8))


def test_a_prime_in_parts_is_played_out_before_the_continuation(fake) -> None:
    model = fake("E5:4 |")
    got = list(endless_notes(model, f"{HEADER}\n{TUNE} ", endless=False))
    assert [n.pitch for n in got] == [67, 69, 71, 72, 74] * 2 + [76]
    assert got[-1].onset == 16  # the continuation comes after the part's second time
