"""Random character walks through the grammar of tunes in parts
(notetokens/parts_grammar.py): at every step the allowed next characters (and
whether the text may end) are the same in C and in Python, for every form,
with named types (T:jig, T:reel), primes with repeat marks and endings, the
close at the cap and the wind-down."""

from __future__ import annotations

import random
import re

import pytest

from notegen.models.engine import Engine
from notegen.models.options import SampleOptions
from notegen.models.sampling import _writable
from notetokens.errors import NotegenError
from notetokens.grammar import grammar_for
from notetokens.vocab import EOS

from .test_grammar_walks import _allowed, _python_grammar

FORMS = ("auto", "AABB", "AB", "free")
FIELDS = [{"T": "jig"}, {"T": "reel"}, None, {}, {"T": "jig", "M": "6/8", "K": "D"},
          {"T": "reel", "L": "1/8", "M": "4/4", "K": "G"}, {"M": ("3/4", "6/8")}, {"T": ("jig", "hornpipe")},
          {"K": "Ador"}]
HOSTILE = ["", "T:jig L:1/8 M:6/8 K:D\n|: D4 F#4 A4 | ", "L:1/8 M:6/8 K:D\nA4 | D4:6 | [1 E4:6 :| [2 ",
           "M:4/4 K:G\nG4:4 :| ", "T:reel M:4/4 K:G\n|: G4 :: A4:4 |", "M:3/4\n|: C4:3 | D4:3 :| [2 E4:3 |",
           "M:6/8\nC4:5 :|", "|:", "M:2/4 K:C\n[1 C4 |", "T:jig M:6/8 K:D\nD4:3 :| :|", "M:54\n|: [F4 ",
           "L:1/8 M:6/8 K:D\nD4 F#4 A4 | ", "M:4/4\nC4:4 | D4:4 | E4:4 | F4:4 |"]


HEADERS = ["T:jig L:1/8 M:6/8 K:D\n", "T:reel L:1/8 M:4/4 K:G\n", "L:1/8 M:6/8 K:Ador\n", "M:3/4 K:F\n",
           "T:hornpipe L:1/8 M:2/2 K:Bb\n", "M:9/8 K:Em\n"]


def _random_prime(rng: random.Random, lm, parts: str, fields) -> str:
    """A prime read leniently (marks and endings included): nothing, or a
    written header (without fields), then a walk of the relaxed grammar (with
    the walk's fields)."""
    chosen = _writable(lm, fields or {})
    if chosen and rng.random() < 0.4:
        return ""
    g = grammar_for(lm.notation, chosen, alphabet=frozenset(lm.vocab.chars), parts=parts)
    text: list[str] = []
    if not chosen and rng.random() < 0.7:
        text.append(rng.choice(HEADERS))
        for ch in text[0]:
            g.feed(ch)
    for _ in range(rng.randrange(0, 50)):
        options = sorted(g.allowed())
        if not options:
            break
        ch = _choice(rng, options)
        if ch.isdigit() and len(text) >= 2 and "".join(text[-2:]).isdigit():
            continue  # numbers of at most two digits: exact in the engine's 64-bit fractions
        g.feed(ch)
        text.append(ch)
    return "".join(text)


def _choice(rng: random.Random, options: list[str]) -> str:
    """Marks, bar lines and spaces (short notes) drawn more often than the rest:
    the walks reach parts, endings and closes."""
    return rng.choices(options, weights=[WEIGHTS.get(c, 1) for c in options])[0]


def _step(rng: random.Random, g, engine: Engine, step: int, close_at: int) -> None:
    if step == close_at:  # the cap: steer to the nearest end
        g.close()
        engine.grammar_close()
    elif not g.can_end() and g.may_wind_down() and rng.random() < 0.05:
        g.wind_down()
        assert engine.grammar_wind_down()


def walk(lm, engine: Engine, seed: int, steps: int) -> tuple[int, bool]:
    """Walk `seed` in a form taken in turn: every third walk from a hostile
    prime, the others from a random one; header fields go round FIELDS. The
    places compared, and whether the text came to use repeat marks."""
    rng = random.Random(seed)
    parts = FORMS[seed % len(FORMS)]
    opts = SampleOptions(parts=parts, min_notes=rng.choice([0, 1, 8, 20, 60]),
                         bars=rng.choice([None, 4, 8, 24]), form=rng.random() < 0.8, echo=0.0)
    fields = FIELDS[seed // len(FORMS) % len(FIELDS)]
    prime = HOSTILE[seed // 3 % len(HOSTILE)] if seed % 3 == 0 else _random_prime(rng, lm, parts, fields)
    try:
        g = _python_grammar(lm, opts, fields, prime)
    except NotegenError:
        with pytest.raises(NotegenError):
            engine.grammar_start(opts, prime, fields)
        return 0, False
    if re.search(r"\d{18}", prime):
        with pytest.raises(NotegenError, match="64 bits"):
            engine.grammar_start(opts, prime, fields)
        return 0, False
    engine.grammar_start(opts, prime, fields)
    close_at = rng.randrange(steps * 3)
    for step in range(steps):
        _step(rng, g, engine, step, close_at)
        want = _allowed(g, lm.vocab)
        assert engine.grammar_allowed() == want, (seed, parts, prime, fields, step)
        chars = sorted(want - {EOS})
        if not chars:
            return step + 1, g.inner.marks_used
        i = lm.vocab.id(_choice(rng, [lm.vocab.char(c) for c in chars]))
        g.feed(lm.vocab.char(i))
        engine.grammar_feed(i)
    return steps, g.inner.marks_used


WALKS = 60  # about 8,000 places (600 walks: 83,741, none apart)
WEIGHTS = {"|": 10, ":": 5, " ": 8, "[": 4, "1": 3, "2": 3}  # in a walk's choice (the others: 1)


def test_parts_walks_agree_on_the_folk_model(folk):
    lm, engine = folk
    walks = [walk(lm, engine, seed, 200) for seed in range(WALKS)]
    assert sum(places for places, _ in walks) > 5_000  # the walks went somewhere: most primes were read
    assert sum(marks for _, marks in walks) >= 10  # and a third of them into tunes in parts
