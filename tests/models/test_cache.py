"""The continuation cache (models/cache.py) as `notegen eval --cache` uses it: it
reads only what came before, it learns a text that repeats, its weights are
fitted on validation text, and its settings parse or fail in one line."""

from __future__ import annotations

import math
import random

import pytest

from notegen.models import checkpoint
from notegen.models.cache import (
    TuneCache,
    cached_bits,
    fit_weights,
    format_weights,
    parse_weights,
)
from notetokens.errors import NotegenError

V = 20  # a model that knows nothing: 1/V for every character


def uniform(targets: list[int]) -> list[float]:
    return [1 / V] * len(targets)


def test_a_repeating_text_costs_far_less_once_it_has_been_read() -> None:
    phrase = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4]
    text = phrase * 20
    base = math.log2(V)
    assert cached_bits(text, uniform(text), {}) == pytest.approx(base)
    cached = cached_bits(text, uniform(text), {4: 0.3, 8: 0.9})
    assert cached < 0.25 * base
    # the first pass is new to it: no gain there
    assert cached_bits(phrase, uniform(phrase), {4: 0.3, 8: 0.9}) == pytest.approx(base, rel=0.05)


def test_a_prediction_never_depends_on_what_comes_after() -> None:
    rng = random.Random(1)
    text = [rng.randrange(4) for _ in range(400)]
    weights = {2: 0.3, 3: 0.5, 6: 0.8}
    cache, probs = TuneCache(weights=weights), []
    for i in text:
        probs.append(cache.prob(0.25, i))
        cache.push(i)
    changed = text[:200] + [(i + 1) % 4 for i in text[200:]]
    cache = TuneCache(weights=weights)
    for n, i in enumerate(changed[:200]):
        assert cache.prob(0.25, i) == probs[n]
        cache.push(i)
    assert sum(probs) < len(text)  # and they are probabilities mixed, not counts
    assert all(0 < p <= 1 for p in probs)


def test_weights_fitted_on_validation_help_where_text_repeats_and_never_hurt() -> None:
    rng = random.Random(2)
    lines = [[rng.randrange(V) for _ in range(12)] for _ in range(5)]
    repeating = [i for _ in range(30) for i in rng.choice(lines)]
    weights, bits = fit_weights(repeating, uniform(repeating), orders=(2, 6, 12))
    assert weights and bits < 0.5 * math.log2(V)
    assert bits <= cached_bits(repeating, uniform(repeating), {2: 0.3, 6: 0.3, 12: 0.3})
    noise = [rng.randrange(V) for _ in range(600)]
    weights, bits = fit_weights(noise, uniform(noise), orders=(2, 6))
    assert bits <= math.log2(V) + 1e-9  # nothing to learn: at worst no cache at all


def test_weights_parse_and_print_or_fail_in_one_line() -> None:
    assert parse_weights("4:0.1, 16:0.6") == {4: 0.1, 16: 0.6}
    assert parse_weights(format_weights({16: 0.6, 4: 0.1})) == {4: 0.1, 16: 0.6}
    assert parse_weights("") == {}
    for bad in ("4", "x:0.1", "0:0.5", "4:1.5", "4:-0.1", "4:a"):
        with pytest.raises(NotegenError, match="ORDER:WEIGHT") as err:
            parse_weights(bad)
        assert "\n" not in str(err.value)


def test_scoring_in_reading_order_gives_the_eval_figures(text_run) -> None:
    from notegen.models.evaluate import (
        adaptive_figures,
        bits_per_char,
        dynamic_bits_per_char,
        read_in_order,
    )

    lm = checkpoint.load(text_run[0])
    text = "the quick brown fox jumps over the lazy dog; " * 8
    targets, nats = read_in_order(lm, [text])
    assert len(targets) == len(nats) and abs(len(targets) - len(text)) <= 1  # + a separator
    assert float(nats.mean()) / math.log(2) == pytest.approx(bits_per_char(lm, [text]), rel=1e-5)
    _, dyn = read_in_order(lm, [text], lr=0.05, seq_len=32)
    assert float(dyn.mean()) / math.log(2) == pytest.approx(
        dynamic_bits_per_char(lm, [text], lr=0.05, seq_len=32), rel=1e-6)
    static = bits_per_char(lm, [text])
    figures = adaptive_figures(lm, [text], {8: 0.6, 16: 0.8}, lr=0.05, seq_len=32)
    assert figures["static"] == pytest.approx(static, rel=1e-5)
    assert figures["static + cache"] < 0.7 * static
    assert figures["dynamic + cache"] < figures["dynamic"]
    assert adaptive_figures(lm, [text], {})["static + cache"] == pytest.approx(static, rel=1e-5)


def test_music_keeps_a_cache_per_tune() -> None:
    end = 0  # the end token
    tune = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, end]
    two = tune + tune
    weights = {3: 0.9}
    shared = cached_bits(two, uniform(two), weights)
    per_tune = cached_bits(two, uniform(two), weights, reset=end)
    assert shared < per_tune == pytest.approx(cached_bits(tune, uniform(tune), weights))


def test_a_full_cache_starts_again_instead_of_growing() -> None:
    rng = random.Random(3)
    text = [rng.randrange(V) for _ in range(2000)]
    small = TuneCache(weights={2: 0.5, 4: 0.5}, max_contexts=300)
    most = 0
    for i in text:
        small.push(i)
        most = max(most, sum(len(t) for t in small.tables.values()))
    assert small.size <= 300 and most <= 300
    phrase = [1, 2, 3, 4, 5] * 10  # and it still learns what repeats after a restart
    for i in phrase:
        small.push(i)
    assert small.prob(1 / V, 1) > 0.5
