import math

import pytest

from notegen.models import checkpoint
from notegen.models.evaluate import (
    bits_per_char,
    evaluate_model,
    js_distance,
    music_stats,
    total_variation,
    validity_rate,
)
from notegen.models.training import TrainConfig, train
from notetokens import notes
from notetokens.errors import NotegenError

MELODIES = [
    "G4 G4 D5 D5 E5 E5 D5:2 | C5 C5 B4 B4 A4 A4 G4:2",
    "C4 D4 E4 C4 | C4 D4 E4 C4 | E4 F4 G4:2",
    "E4 D4 C4 D4 | E4 E4 E4:2 | D4 D4 D4:2 | E4 G4 G4:2",
    "D4 F#4 A4 D5:2 | A4 F#4 D4:3",
]


def test_bits_per_char_of_a_uniform_model_is_log2_of_the_choices(make_untrained):
    lm = make_untrained("text", ["abcd"])
    for p in lm.model.parameters():
        p.zero_()  # every logit 0: uniform over the whole vocabulary
    assert bits_per_char(lm, ["abcabc", "dd"]) == pytest.approx(math.log2(len(lm.vocab)))
    with pytest.raises(NotegenError, match="no text"):
        bits_per_char(lm, [""])
    # held-out text may hold a character training never saw: it is scored as <unk>
    assert bits_per_char(lm, ["abcxyz"]) == pytest.approx(math.log2(len(lm.vocab)))


def test_training_lowers_held_out_bits_per_char(text_run, text):
    out, _ = text_run
    lm = checkpoint.load(out)
    untrained_bpc = math.log2(len(lm.vocab))
    assert bits_per_char(lm, [text[:200]]) < 0.5 * untrained_bpc


def test_music_stats_and_distances():
    scores = [notes.from_model_text(m) for m in MELODIES]
    s = music_stats(scores)
    assert (s.pitch_low, s.pitch_high) == (60, 76) and s.melodies == 4
    assert sum(s.pitch_classes) == pytest.approx(1.0)
    # "C4 D4 E4 C4 | C4 D4 E4 C4" repeats its first 4-gram
    assert 0 < s.repeated_ngram_rate < 1
    assert music_stats([notes.from_model_text("C4 D4 E4 F4 G4")]).repeated_ngram_rate == 0
    p = s.pitch_classes
    assert js_distance(p, p) == pytest.approx(0, abs=1e-7)
    q = tuple(1.0 if i == 1 else 0.0 for i in range(12))  # only C#, which the melodies lack
    assert js_distance(p, q) == pytest.approx(1.0)
    assert total_variation(p, q) == pytest.approx(1.0)


def test_evaluate_a_notes_model(tmp_path):
    docs = MELODIES * 5
    train(docs, "notes", tmp_path / "run", TrainConfig(steps=30, batch_size=4, seq_len=32,
                                                       lr=1e-2), progress=False)
    lm = checkpoint.load(tmp_path / "run")
    rate = validity_rate(lm, 6, max_chars=120)
    assert 0.0 <= rate <= 1.0
    report = evaluate_model(lm, MELODIES, n_samples=6, max_chars=120)
    assert report.validity_rate == rate
    assert report.samples.melodies == 6  # constrained samples all parse
    assert report.corpus.melodies == 4 and report.corpus.pitch_high == 76
    assert 0 <= report.pc_js_distance <= 1
    text = "\n".join(report.lines())
    assert "bits per char" in text and "validity rate" in text and "Jensen-Shannon" in text


def test_evaluate_a_text_model_reports_only_bits_per_char(text_run, text):
    lm = checkpoint.load(text_run[0])
    report = evaluate_model(lm, [text[:100]], n_samples=3)
    assert report.validity_rate is None and report.samples is None
    assert report.bits_per_char == pytest.approx(bits_per_char(lm, [text[:100]]))


def test_tunes_are_scored_each_from_the_zero_state(make_untrained):
    import torch
    import torch.nn.functional as F

    from notetokens.vocab import Tokenizer

    lm = make_untrained("notes", MELODIES)
    # scoring each tune alone from a zero state, as sampling starts it ...
    nll = count = 0.0
    for m in MELODIES:
        ids = torch.tensor([Tokenizer(lm.vocab).encode(m)])
        with torch.inference_mode():
            logits, _ = lm.model(ids[:, :-1], None)
        nll += F.cross_entropy(logits[0], ids[0, 1:], reduction="sum").item()
        count += ids.shape[1] - 1
    alone = nll / count / math.log(2)
    # ... gives the same figure as batched scoring, whatever the batch layout
    for batch_size, seq_len in ((1, 7), (3, 16), (16, 256)):
        assert bits_per_char(lm, MELODIES, batch_size=batch_size, seq_len=seq_len) == \
            pytest.approx(alone, rel=1e-5)


def test_dynamic_evaluation_adapts_to_a_repeating_text_and_leaves_the_model(text_run):
    import torch

    from notegen.models.evaluate import dynamic_bits_per_char

    out, _ = text_run
    lm = checkpoint.load(out)
    before = {k: v.clone() for k, v in lm.model.state_dict().items()}
    # a phrase the model never saw, said again and again: reading it teaches it
    novel = "jumping wizards vex the brave quiet dwarf " * 30
    static = bits_per_char(lm, [novel])
    dynamic = dynamic_bits_per_char(lm, [novel], lr=0.05, seq_len=32)
    assert dynamic < 0.8 * static
    for k, v in lm.model.state_dict().items():
        assert torch.equal(v, before[k])
    assert bits_per_char(lm, [novel]) == static
    with pytest.raises(NotegenError, match="learning rate"):
        dynamic_bits_per_char(lm, [novel], lr=0.0)
