"""Embedding analysis: PCA, neighbours, the order score and its p-value, kinds."""

from __future__ import annotations

import numpy as np
import pytest

from notegen.models.embed import kind_of, model_report, neighbours, order_score, pca, plot, report
from notetokens.vocab import SPECIALS

from ..conftest import one_line


def test_pca_finds_the_axis_of_most_variance():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 8)) * 0.01
    x[:, 3] += np.linspace(-5, 5, 50)
    coords, share = pca(x, 2)
    assert coords.shape == (50, 2)
    assert share[0] > 0.99 and share.sum() <= 1.0 + 1e-9
    assert abs(np.corrcoef(coords[:, 0], np.linspace(-5, 5, 50))[0, 1]) > 0.999


def test_neighbours_are_by_cosine_not_length():
    vectors = np.array([[1.0, 0, 0], [10.0, 0.5, 0], [0, 1.0, 0], [0, 0, 1.0]])
    near = neighbours(vectors, list("abcd"), k=2)
    assert near["a"][0][0] == "b" and near["b"][0][0] == "a"
    assert near["a"][0][1] == pytest.approx(10 / np.sqrt(100.25))
    assert [c for c, _ in near["c"]] != ["c"] and all(c != "c" for c, _ in near["c"])


def test_order_score_finds_a_planted_order_and_not_a_shuffled_one():
    rng = np.random.default_rng(1)
    line = np.outer(np.arange(7.0), rng.normal(size=16))  # seven points in order along a line
    planted = line + rng.normal(size=(7, 16)) * 0.05
    good = order_score(planted, "CDEFGAB")
    assert good.rho == pytest.approx(1.0)
    assert good.p_value < 0.01  # few orderings line up along some direction of the plane
    shuffled = order_score(planted[[3, 0, 6, 1, 5, 2, 4]], "CDEFGAB")
    assert shuffled.rho < 0.8 and shuffled.p_value > 0.05


def test_kinds_of_characters():
    assert [kind_of(c, True) for c in "G#4:|K"] == [
        "note letter", "accidental", "digit (octave or length)", "length mark",
        "bar, chord, space", "header"]
    assert [kind_of(c, False) for c in "aT7,\n"] == ["vowel", "consonant", "digit", "punctuation", "space"]


def test_report_of_a_music_table_scores_pitch_and_octave_order():
    chars = "\n #3456:ABCDEFG|"
    rng = np.random.default_rng(2)
    table = rng.normal(size=(len(SPECIALS) + len(chars), 12))
    rep = report(table, chars, "notes", "made-up")
    assert set(rep.orders) == {"note letters by pitch", "octave digits"}
    assert rep.orders["note letters by pitch"].chars == "CDEFGAB"
    assert rep.orders["octave digits"].chars == "3456"
    lines = rep.lines(k=2)
    assert lines[0].startswith("made-up: 16 characters, 12-dim")
    assert any(line.strip().startswith("G  (note letter):") for line in lines)


def test_model_report_and_plot_of_a_trained_model(text_run, tmp_path):
    pytest.importorskip("matplotlib")
    run_dir, _ = text_run
    rep = model_report(run_dir)
    assert "digits" not in rep.orders  # the tiny model's text has no digits
    assert len(rep.chars) == len(rep.kinds) == rep.coords.shape[0]
    out = tmp_path / "e.png"
    plot(rep, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- `notegen embed --plot`: the output checks of every command (issue 12)


def test_embed_keeps_a_write_protected_picture_unless_forced(text_run, tmp_path, notegen, notegen_here):
    pytest.importorskip("matplotlib")
    run_dir, _ = text_run
    png = tmp_path / "e.png"
    png.write_bytes(b"old")
    png.chmod(0o444)
    one_line(notegen("embed", "-m", str(run_dir), "--plot", str(png)), "e.png", "write-protected", "--force")
    assert png.read_bytes() == b"old"
    r = notegen_here("embed", "-m", str(run_dir), "--plot", str(png), "--force")
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.png"]  # no temporary file left


def test_embed_checks_the_picture_before_the_model(tmp_path, notegen):
    missing = tmp_path / "no-such-model"  # the plot is refused first: no model is loaded
    one_line(notegen("embed", "-m", str(missing), "--plot", str(tmp_path / "no" / "p.png")),
              "p.png", "does not exist")
    one_line(notegen("embed", "-m", str(missing), "--plot", str(tmp_path)), "directory")
    one_line(notegen("embed", "-m", str(missing), "--plot", "-"), "--plot", "file name")


def test_plot_writes_to_a_checked_target(text_run, tmp_path):
    pytest.importorskip("matplotlib")
    from notetokens.outputs import check

    rep = model_report(text_run[0])
    out = tmp_path / "e.png"
    plot(rep, check(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["e.png"]
