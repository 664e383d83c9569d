"""The note-string grammar: every walk it allows parses; what it refuses is refused."""

import random

import pytest

from notetokens import ParseError, notes
from notetokens.grammar import accepts


def walk(rng: random.Random, steps: int) -> str:
    g, out = notes.grammar(), []
    for _ in range(steps):
        ch = rng.choice(sorted(g.allowed()))
        g.feed(ch)
        out.append(ch)
    while not g.can_end():  # finish on the shortest-looking continuation
        options = sorted(g.allowed())
        plain = [c for c in options if c not in " [|#b:/\n"] or options
        ch = rng.choice(plain)
        g.feed(ch)
        out.append(ch)
    return "".join(out)


def test_random_walks_always_parse_and_round_trip():
    rng = random.Random(7)
    for _ in range(1500):
        text = walk(rng, rng.randint(1, 60))
        score = notes.parse(text)
        assert notes.parse(notes.to_model_text(score)).notes == score.notes


def test_every_prefix_of_model_text_is_accepted():
    text = notes.to_model_text(notes.parse("L:1/8 M:6/8 K:F#m Q:96\nF#4 A4:2 [C#5 E5]:3 R | B4:/2 G#4:3/2"))
    for i in range(len(text) + 1):
        assert accepts(notes.grammar(), text[:i], complete=False)
    assert accepts(notes.grammar(), text)


@pytest.mark.parametrize(
    "bad",
    [
        "H",
        "C4  D4",
        "| C4",
        "C4 | | D4",
        "C:0",
        "C4:0",
        "Cb0",
        "C###4",
        "[]",
        "M:6/8 L:1/8\nC4",
        "C4 ",
        "C4\n",
    ],
)
def test_invalid_text_is_refused(bad):
    assert not accepts(notes.grammar(), bad)


def test_feeding_a_refused_character_raises():
    g = notes.grammar()
    with pytest.raises(ParseError):
        g.feed("H")


def test_end_needs_a_note():
    assert not accepts(notes.grammar(), "R:2")
    assert accepts(notes.grammar(), "R:2 C4")
