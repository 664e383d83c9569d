"""The shared draw (models/draw.py): splitmix64 as published, the inverse CDF
over top-k / top-p, and the Python package without the C engine."""

from __future__ import annotations

import math

import numpy as np
import pytest

from notegen.models import engine as engine_module
from notegen.models.draw import Gen, choose, echo_gen, pick, probabilities
from notetokens.errors import NotegenError


def test_splitmix64_gives_the_published_sequence():
    g = Gen(0)
    assert [g.next() for _ in range(3)] == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]
    assert 0.0 <= Gen(7).uniform() < 1.0
    assert Gen(2**64 + 5).next() == Gen(5).next()  # seeds are taken mod 2**64


def test_the_echo_draws_from_its_own_stream():
    assert echo_gen(3).next() != Gen(3).next()
    assert echo_gen(3).next() == echo_gen(3).next()


def test_the_inverse_cdf_picks_by_running_sum():
    p = np.array([0.0, 1.0, 2.0, 1.0])
    assert [pick(p, u) for u in (0.0, 0.24, 0.26, 0.74, 0.76, 0.999999)] == [1, 1, 2, 2, 3, 3]


def test_top_k_and_top_p_keep_the_likeliest():
    scores = np.log(np.array([0.1, 0.4, 0.2, 0.3]))
    assert (probabilities(scores, 1.0, 2, None) > 0).tolist() == [False, True, False, True]
    kept = probabilities(scores, 1.0, None, 0.6) > 0  # 0.4 then 0.3 reach 0.6
    assert kept.tolist() == [False, True, False, True]
    assert (probabilities(scores, 1.0, None, 0.05) > 0).sum() == 1  # one at least
    masked = np.array([0.0, -math.inf, 1.0, -math.inf])
    assert choose(masked, 1.0, None, None, False, Gen(1)) in (0, 2)
    assert choose(masked, 1.0, None, None, True, Gen(1)) == 2


def test_draws_follow_the_probabilities():
    g, scores = Gen(11), np.log(np.array([0.2, 0.5, 0.3]))
    counts = np.bincount([choose(scores, 1.0, None, None, False, g) for _ in range(6000)], minlength=3)
    assert np.allclose(counts / 6000, [0.2, 0.5, 0.3], atol=0.025)


def test_without_the_engine_the_package_says_so_in_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("NOTEGEN_ENGINE", str(tmp_path / "missing.so"))
    assert not engine_module.available()
    with pytest.raises(NotegenError) as e:
        engine_module.Engine("folk")
    assert "not built" in str(e.value) and "\n" not in str(e.value)
