"""The musical judge on real held-out tunes, hand-made bad tunes and real models."""

from __future__ import annotations

from collections import Counter

import pytest

from notegen.models import judge
from notegen.models.checkpoint import load
from notetokens import abc, notes
from notetokens.sources import music21_corpus_dir


@pytest.fixture(scope="module")
def real_tunes() -> list[str]:
    """Sixteen held-out tunes as the corpus writes them (airdsAirs, book 1)."""
    text = (music21_corpus_dir() / "airdsAirs/book1.abc").read_text(encoding="utf-8", errors="replace")
    out = []
    for _, tune in abc.split_tunes(text):
        try:
            out.append(abc.to_model_text(abc.parse(tune, expand_repeats=False, strict_bars=True)))
        except Exception:
            continue
        if len(out) == 16:
            break
    assert len(out) == 16
    return out


BAD = [
    # a one-beat meter, bars that do not add up, a close off the tonic, notes over bar lines
    "M:1/4 K:D\nC4:3 | D#4 | A5:5 | C#4 G2 | F#6:3 Bb3",
    # no meter, no key, no phrase that comes back
    "C4 E5 G3 B5 D4 F#6 A3 C#5 E4 G#5 B3 D6 F4",
    # a meter, but a bar line wherever
    "M:3/4 K:G\nG4 A4 | B4:2 D5:2 E5 C5 F#5 | G5 | A4 B4 D5 C5 | B3:3",
]


def test_real_held_out_tunes_have_the_figures_of_real_tunes(real_tunes):
    f = judge.judge(real_tunes)
    assert f.tunes == 16 and f.failures == 0
    assert f.share("normal_meter") == 1.0
    assert f.share("exact_bars") == 1.0  # the corpus keeps only tunes whose bars add up
    assert f.share("tied") == 0.0
    assert f.share("tonic_ending") >= 0.6
    assert f.share("recurring") >= 0.1  # airs repeat their strains
    assert f.share("four_bar_multiple") >= 0.5
    # two halves of one collection are close in pitch classes and intervals
    a, b = judge.judge(real_tunes[::2]), judge.judge(real_tunes[1::2])
    assert judge.js_divergence(a.pitch_classes, b.pitch_classes) < 0.1
    assert judge.js_divergence(a.intervals, b.intervals) < 0.1
    assert judge.js_divergence(f.pitch_classes, f.pitch_classes) == 0


def test_hand_made_bad_tunes_score_badly(real_tunes):
    bad, ref = judge.judge([*BAD, "H4 not a tune"]), judge.judge(real_tunes)
    assert bad.tunes == 3 and bad.failures == 1
    assert bad.share("normal_meter") == pytest.approx(1 / 3)  # only the 3/4 tune
    assert bad.share("exact_bars") == 0
    assert bad.share("tonic_ending") == 0
    assert bad.share("recurring") == 0
    assert bad.share("tied") > 0.1
    assert bad.share("four_bar_multiple") == 0
    assert judge.js_divergence(bad.intervals, ref.intervals) > 0.3


def test_one_tune_figures_follow_the_definitions():
    # a pickup, four full bars of 4/4 and a last bar that completes the pickup: 5 bars,
    # not a multiple of four; one 8-note phrase played twice
    phrase = "D5 E5 F#5 G5 A5 B5 C#6 D6"
    text = f"L:1/8 M:4/4 K:D\nA4 | {phrase} | {phrase} | E5:4 F#5:4 | G5:8 | F#5 E5 D5:5"
    t = judge.tune_figures(text)
    assert t.normal_meter and t.exact_bars and t.tonic_ending
    assert not t.four_bar_multiple
    assert t.tied == 0
    assert t.phrases == len(t.pitches) - 7
    assert t.recurring == 2  # the phrase's two occurrences
    held = judge.tune_figures("M:2/4 K:C\nC4 D4 | E4:3 F4 | G4:2 | C4:2")
    assert held.tied == 1 and not held.exact_bars and held.tonic_ending


def test_js_divergence_is_symmetric_and_bounded():
    p, q = Counter({0: 3, 7: 1}), Counter({5: 2})
    assert judge.js_divergence(p, q) == pytest.approx(1.0)
    assert judge.js_divergence(p, Counter({0: 1, 7: 1})) == pytest.approx(
        judge.js_divergence(Counter({0: 1, 7: 1}), p)
    )
    assert 0 < judge.js_divergence(p, Counter({0: 1, 7: 1})) < 0.1


def test_sampling_failures_are_counted_not_raised():
    kjv = load("kjv")  # a text model: sampling a melody from it fails
    texts, failures = judge.sample_tunes(kjv, 3, seed=1)
    assert texts == [] and failures == 3


def test_bundled_folk_tunes_are_judged():
    folk = load("folk")
    texts, failures = judge.sample_tunes(folk, 2, seed=1000, max_chars=150)
    assert len(texts) + failures == 2
    f = judge.judge(texts, failures)
    assert f.tunes + f.failures == 2
    # every note of every tune written is in the pitch-class histogram
    assert sum(f.pitch_classes.values()) == sum(len(notes.parse(t).notes) for t in texts[: f.tunes])


def test_worker_processes_sample_the_same_tunes():
    one = judge.sample_parallel("folk", 2, seed=7, jobs=1, max_chars=60)
    two = judge.sample_parallel("folk", 2, seed=7, jobs=2, max_chars=60)
    assert one == two and len(one[0]) + one[1] == 2


def test_scale_degrees_do_not_depend_on_the_key():
    in_g = judge.judge(["L:1/8 M:2/4 K:G\nG4 A4 | B4 D5 | G4:2 |"])
    in_d = judge.judge(["L:1/8 M:2/4 K:D\nD4 E4 | F#4 A4 | D4:2 |"])
    assert judge.js_divergence(in_g.degrees, in_d.degrees) == 0
    assert judge.js_divergence(in_g.pitch_classes, in_d.pitch_classes) > 0.3
    assert in_g.degrees == {0: 2, 2: 1, 4: 1, 7: 1}
    assert "scale-degree JS divergence" in judge.table(in_g, in_d)
