"""Random character walks through the note-string grammar: at every step the
set of allowed next characters (and whether the text may end) is the same in
C and in Python, with header fields, minimum lengths, primes both plain and
hostile, the close at the cap and the wind-down."""

from __future__ import annotations

import random
import re

import pytest
import torch

from notegen.models import checkpoint
from notegen.models.config import ModelConfig
from notegen.models.engine import Engine
from notegen.models.options import SampleOptions
from notegen.models.rnn import CharRNN
from notegen.models.sampling import _feed_prime, _writable
from notetokens.errors import NotegenError
from notetokens.grammar import grammar_for
from notetokens.vocab import EOS, CharVocab

FIELDS = [None, {}, {"K": "D"}, {"M": "6/8", "K": "Ador"}, {"T": "reel", "L": "1/8", "M": "4/4", "K": "G"},
          {"M": ("3/4", "6/8", "9/8")}, {"K": ("Em", "Bb", "F#mix")},
          {"T": ("jig", "slip-jig", "walkaround")}, {"L": "1/16", "M": "12/8"}, {"Q": "120"},
          {"T": "mazurka"}]
HOSTILE = ["", "M:7/3 L:1/5\nC4:/7 D4:13/3 |", "K:C#m\nC#4:3 |", "T:reel L:1/8 M:6/8 K:D Q:120\n",
           "Q:0\n", "C4:/0 D4", "[C4 E4 G4 A4 B4]", "|||", "C", "M:3/4\nG4:5 A4 |", "L:1/3 M:2/2\nC4 D4:/3 |",
           "M:12/8\n" + "C4:/16 " * 50, "K:Hb\n", "M:99999999999/7\nC4",
           "M:6/8 K:D\nD4:99999999999999999999 ", "L:1/8 M:6/8 K:D\nD4 F#4 A4 | ", "K:Bbloc\n[B3 D4]:2",
           "M:4/4\nC4:4 | D4:4 | E4:4 | F4:4 |", "M:54\n[F4 "]


def _python_grammar(lm, opts: SampleOptions, fields, prime: str):
    chosen = _writable(lm, opts.header() if fields is None else fields)
    g = grammar_for(lm.notation, chosen, min_notes=opts.min_notes, min_bars=opts.bars or 0,
                    alphabet=frozenset(lm.vocab.chars), form=opts.form, parts=opts.parts)
    _feed_prime(g, prime, lm.notation)
    g.begin()
    return g


def _allowed(g, vocab) -> set[int]:
    ids = {vocab.id(c) for c in g.allowed() if c in vocab}
    return ids | ({EOS} if g.can_end() else set())


def _random_prime(rng: random.Random, lm) -> str:
    """A prime read leniently: a random walk of the relaxed grammar."""
    g = grammar_for(lm.notation, {}, alphabet=frozenset(lm.vocab.chars))
    text = []
    for _ in range(rng.randrange(0, 60)):
        options = sorted(g.allowed())
        if not options:
            break
        ch = rng.choice(options)
        if ch.isdigit() and len(text) >= 2 and "".join(text[-2:]).isdigit():
            continue  # numbers of at most two digits: exact in the engine's 64-bit fractions
        g.feed(ch)
        text.append(ch)
    return "".join(text)


def walk(lm, engine: Engine, seed: int, steps: int) -> int:
    """Walk `seed`: every third one starts from a hostile prime, taken in turn
    (57 walks go once round them all), the others from a random prime; the
    header fields go round FIELDS, so a hostile prime meets different ones."""
    rng = random.Random(seed)
    opts = SampleOptions(parts="one", min_notes=rng.choice([0, 1, 8, 20]), bars=rng.choice([None, 4, 8]),
                         form=rng.random() < 0.8, echo=0.0)
    fields = FIELDS[seed % len(FIELDS)]
    prime = HOSTILE[seed // 3 % len(HOSTILE)] if seed % 3 == 0 else _random_prime(rng, lm)
    try:
        g = _python_grammar(lm, opts, fields, prime)
    except NotegenError:
        with pytest.raises(NotegenError):
            engine.grammar_start(opts, prime, fields)
        return 0
    if re.search(r"\d{18}", prime):  # past the engine's exact arithmetic: refused, in one line
        with pytest.raises(NotegenError, match="64 bits"):
            engine.grammar_start(opts, prime, fields)
        return 0
    engine.grammar_start(opts, prime, fields)
    close_at = rng.randrange(steps * 2)
    for step in range(steps):
        if step == close_at:  # the cap: steer to the nearest end
            g.close()
            engine.grammar_close()
        elif not g.can_end() and g.may_wind_down() and rng.random() < 0.05:
            g.wind_down()
            assert engine.grammar_wind_down()
        want = _allowed(g, lm.vocab)
        assert engine.grammar_allowed() == want, (seed, prime, fields, step)
        chars = sorted(want - {EOS})
        if not chars:
            return step + 1
        i = rng.choice(chars)
        g.feed(lm.vocab.char(i))
        engine.grammar_feed(i)
    return steps


def test_walks_agree_on_the_folk_model(folk):
    lm, engine = folk
    places = sum(walk(lm, engine, seed, 120) for seed in range(120))  # each hostile prime twice or more
    assert places > 4_500  # the walks went somewhere: most primes were read


@pytest.fixture(scope="module")
def narrow(built, tmp_path_factory):
    """A model whose characters cannot write every header value or length:
    the look-ahead must keep it from starting what it cannot finish."""
    vocab = CharVocab.build(["M:3/4 K:Dm L:1/8\nD4 E4 F4 G4 A4:2 | R C5 | B3:3", "T:jig"])
    config = ModelConfig(embed_dim=8, hidden_size=16, num_layers=1, dropout=0.0).with_vocab(len(vocab))
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("narrow") / "narrow.safetensors"
    checkpoint.save(path, CharRNN(config), vocab, "notes", config)
    return checkpoint.load(path), Engine(path)


def test_walks_agree_on_a_model_with_few_characters(narrow):
    lm, engine = narrow
    places = sum(walk(lm, engine, seed, 80) for seed in range(240))
    assert places > 2_200
