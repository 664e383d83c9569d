"""The two-sample classifier test (models/twosample.py) on tunes whose answer
is known: one set against itself is chance, two different styles are told apart."""

from __future__ import annotations

import random

from notegen.models import twosample

SCALE = ["D4", "E4", "F#4", "G4", "A4", "B4", "C#5", "D5"]


def tunes(n: int, seed: int, lengths: tuple[str, ...], step: int) -> list[str]:
    """Random walks on the D major scale with the given note lengths."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        i, body = 0, []
        for _ in range(24):
            i = max(0, min(len(SCALE) - 1, i + rng.choice((-step, step, 0))))
            body.append(SCALE[i] + rng.choice(lengths))
        out.append("L:1/8 M:6/8 K:D\n" + " ".join(body) + " |")
    return out


def test_the_tokens_leave_the_header_out():
    assert twosample.tokens("L:1/8 M:6/8 K:D\nD4 F#4:2 | :|") == ["D4", "F#4:2", "|", ":|"]
    assert twosample.tokens("G4 G4 D4") == ["G4", "G4", "D4"]


def test_two_samples_of_one_kind_are_chance_and_two_kinds_are_told_apart():
    same = tunes(120, 1, ("", ":2"), 1)
    floor = twosample.accuracy(same[:60], same[60:], seed=3)
    jigs = tunes(60, 2, ("", ":2"), 1)
    leaps = tunes(60, 4, (":3", ":/2"), 3)
    apart = twosample.accuracy(jigs, leaps, seed=3)
    assert floor is not None and apart is not None
    assert 0.3 <= floor <= 0.7
    assert apart >= 0.9


def test_too_few_tunes_give_no_figure():
    few = tunes(5, 1, ("",), 1)
    assert twosample.accuracy(few, tunes(50, 2, ("",), 1)) is None
