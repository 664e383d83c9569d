"""Sequence classification: labelled folders, the stratified split, training that
learns, checkpoints, resume, transfer from a language model."""

from __future__ import annotations

import random

import pytest
import torch

from notegen.models import checkpoint
from notegen.models.classifier import ClassifyConfig, load, predict_files
from notegen.models.classify import evaluate, fit
from notegen.models.classify_data import Labelled, read_folders, stratified_split
from notetokens.errors import NotegenError

LOW = "C3 D3 E3 F3 G3 A3 B3"
HIGH = "C5 D5 E5 F5 G5 A5 B5"


def melodies(pitches: str, n: int, seed: int) -> list[str]:
    """n random 8-note melodies over the given notes, with bars."""
    rng = random.Random(seed)
    notes = pitches.split()
    return [" ".join(rng.choice(notes) for _ in range(4)) + " | " +
            " ".join(rng.choice(notes) for _ in range(4)) for _ in range(n)]


def write_folders(root, per_label: int = 24, seed: int = 0):
    for label, pitches in (("high", HIGH), ("low", LOW)):
        (root / label).mkdir(parents=True)
        for i, tune in enumerate(melodies(pitches, per_label, seed + len(label))):
            (root / label / f"{i}.txt").write_text(tune + "\n")
    return root


FAST = ClassifyConfig(epochs=4, batch_size=8, lr=1e-2, val_fraction=0.25, dropout=0.0, device="cpu")


def weights(path):
    tensors, _ = checkpoint.read(path)
    return checkpoint.split_train_state(tensors)[0]


def test_read_folders_labels_by_subfolder(tmp_path):
    data = read_folders(write_folders(tmp_path / "d", per_label=5), "notes")
    assert data.names == ["high", "low"]
    assert data.counts() == [5, 5]
    assert all(("5" in d) == (y == 0) for d, y in zip(data.documents, data.labels, strict=True))


@pytest.mark.parametrize("layout, message", [
    ({}, "not a folder"),
    ({"only/a.txt": "C4 D4"}, "at least two label"),
    ({"a/x.txt": "C4 D4", "b/y.txt": "C4", "stray.txt": "C4"}, "subfolder named after their label"),
    ({"a/x.txt": "C4 D4", "b/readme.md": "hello"}, "no notes files"),
])
def test_read_folders_refuses_bad_layouts(tmp_path, layout, message):
    root = tmp_path / "d"
    for name, text in layout.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    with pytest.raises(NotegenError, match=message):
        read_folders(root, "notes")


def test_stratified_split_holds_out_each_labels_share():
    labels = [0] * 40 + [1] * 10 + [2] * 2
    train, held = stratified_split(labels, 0.2, seed=1)
    assert sorted(train + held) == list(range(len(labels)))
    assert [sum(labels[i] == y for i in held) for y in range(3)] == [8, 2, 1]
    assert stratified_split(labels, 0.2, seed=1) == (train, held)
    assert stratified_split(labels, 0.2, seed=2) != (train, held)
    assert stratified_split(labels, 0.0, seed=1) == (list(range(52)), [])


def test_fit_learns_high_from_low_and_predicts_files(tmp_path):
    data = read_folders(write_folders(tmp_path / "d"), "notes")
    result = fit(data, "notes", tmp_path / "run", FAST, progress=False)
    assert result.best["val_accuracy"] == 1.0
    assert sum(map(sum, result.best["confusion"])) == result.val_size == 12
    assert result.train_size == 36 and len(result.history) == 4
    clf = load(tmp_path / "run")
    assert clf.labels == ["high", "low"] and clf.notation == "notes"
    fresh = Labelled(melodies(HIGH, 10, 99) + melodies(LOW, 10, 98), [0] * 10 + [1] * 10, clf.labels)
    assert evaluate(clf.model, clf.vocab, fresh)["accuracy"] == 1.0
    (tmp_path / "new.txt").write_text(melodies(LOW, 1, 7)[0])
    [(name, label, p)] = predict_files(tmp_path / "run", [str(tmp_path / "new.txt")], use="model").rows
    assert name.endswith("new.txt") and label == "low" and 0.5 < p <= 1.0


def test_resume_with_more_epochs_goes_on_from_the_saved_epoch(tmp_path):
    data = read_folders(write_folders(tmp_path / "d", per_label=10), "notes")
    two = ClassifyConfig(**{**FAST.to_dict(), "epochs": 2})
    first = fit(data, "notes", tmp_path / "run", two, progress=False)
    assert (first.epoch, first.step, len(first.history)) == (2, 4, 2)
    before = weights(tmp_path / "run" / "last.safetensors")
    resumed = fit(data, "notes", tmp_path / "run", FAST, resume=True, progress=False)
    assert (resumed.epoch, resumed.step, len(resumed.history)) == (4, 8, 4)
    after = weights(tmp_path / "run" / "last.safetensors")
    assert not all(torch.equal(before[k], after[k]) for k in before)


def test_a_stopped_run_saves_and_resumes_mid_epoch(tmp_path):
    data = read_folders(write_folders(tmp_path / "d", per_label=10), "notes")
    fit(data, "notes", tmp_path / "once", FAST, progress=False)
    stopped = fit(data, "notes", tmp_path / "stop", FAST, progress=False, on_step=lambda s: s == 3)
    assert stopped.interrupted and stopped.step == 3
    resumed = fit(data, "notes", tmp_path / "stop", FAST, resume=True, progress=False)
    assert resumed.step == 8 and resumed.epoch == 4
    a, b = weights(tmp_path / "once" / "last.safetensors"), weights(tmp_path / "stop" / "last.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_an_existing_run_is_not_overwritten_by_accident(tmp_path):
    data = read_folders(write_folders(tmp_path / "d", per_label=4), "notes")
    one = ClassifyConfig(**{**FAST.to_dict(), "epochs": 1})
    fit(data, "notes", tmp_path / "run", one, progress=False)
    before = (tmp_path / "run" / "best.safetensors").read_bytes()
    with pytest.raises(NotegenError, match="already holds a checkpoint"):
        fit(data, "notes", tmp_path / "run", one, progress=False)
    assert (tmp_path / "run" / "best.safetensors").read_bytes() == before
    other = Labelled(data.documents, data.labels, ["x", "y"])
    with pytest.raises(NotegenError, match="labels"):
        fit(other, "notes", tmp_path / "run", one, resume=True, progress=False)


def test_base_model_starts_the_encoder_and_keeps_its_vocabulary(tmp_path, text_run):
    run_dir, _ = text_run
    lm = checkpoint.load(run_dir)
    docs = ["the quick brown fox " * 3, "a stitch in time ~~~ " * 3] * 8  # '~' is unknown to the LM
    data = Labelled(docs, [0, 1] * 8, ["fox", "stitch"])
    frozen = ClassifyConfig(**{**FAST.to_dict(), "freeze": True, "epochs": 2})
    result = fit(data, "text", tmp_path / "probe", frozen, base=run_dir, progress=False)
    clf = load(tmp_path / "probe")
    assert clf.vocab == lm.vocab and clf.meta["base"] == str(run_dir)
    assert torch.equal(clf.model.embed.weight, lm.model.embed.weight)
    assert all(torch.equal(a, b) for a, b in zip(clf.model.rnn.parameters(), lm.model.rnn.parameters(),
                                                 strict=True))
    _, held = stratified_split(data.labels, frozen.val_fraction, frozen.seed)
    full = evaluate(clf.model, clf.vocab, data.subset(held))  # every document read again
    assert result.best["val_accuracy"] == full["accuracy"]
    assert result.best["val_loss"] == pytest.approx(full["loss"], abs=1e-5)
    with pytest.raises(NotegenError, match="reads 'text' model text, not 'notes'"):
        fit(data, "notes", tmp_path / "wrong", FAST, base=run_dir, progress=False)


def test_classifier_and_language_model_checkpoints_are_not_confused(tmp_path, text_run):
    run_dir, _ = text_run
    data = Labelled(["aaa ab", "bbb ba"] * 6, [0, 1] * 6, ["a", "b"])
    fit(data, "text", tmp_path / "clf", ClassifyConfig(epochs=1, device="cpu"), progress=False)
    with pytest.raises(NotegenError, match="not a language model"):
        checkpoint.load(tmp_path / "clf")
    with pytest.raises(NotegenError, match="a language model, not a classifier"):
        load(run_dir)


@pytest.mark.parametrize("pool, width", [("last", 8), ("mean", 8), ("last+mean", 16), ("layers+mean", 24)])
def test_pools_read_documents_of_any_length_to_their_end(pool, width):
    from notegen.models.classifier import SeqClassifier
    from notegen.models.classify_data import pad
    from notegen.models.config import ModelConfig

    torch.manual_seed(0)
    model = SeqClassifier(ModelConfig(vocab_size=9, embed_dim=4, hidden_size=8, num_layers=2), 3, pool).eval()
    short, long = torch.tensor([1, 5, 6, 2]), torch.tensor([1, 5, 6, 7, 8, 7, 2])
    ids, lengths = pad([short, long])
    feats = model.features(ids, lengths)
    assert feats.shape == (2, width)
    alone = model.features(short.unsqueeze(0), torch.tensor([4]))
    assert torch.allclose(feats[0], alone[0], atol=1e-6)  # padding changes nothing


def test_the_ngram_baseline_is_saved_as_json_and_predicts_the_same_read_back(tmp_path):
    import json

    from notegen.models import ngram

    data = read_folders(write_folders(tmp_path / "d", per_label=12), "notes")
    model = ngram.fit(data.documents, data.labels, data.names)
    again = ngram.fit(data.documents, data.labels, data.names)
    assert torch.equal(model.weight, again.weight)  # the same fit every run: no random start
    model.save(tmp_path)
    saved = json.loads((tmp_path / "baseline.json").read_text())
    assert saved["labels"] == ["high", "low"] and len(saved["grams"]) == len(saved["weight"])
    fresh = melodies(HIGH, 5, 99) + melodies(LOW, 5, 98)
    back = ngram.load(tmp_path)
    assert torch.allclose(back.predict_proba(fresh), model.predict_proba(fresh))
    assert back.predict_proba(fresh).argmax(1).tolist() == [0] * 5 + [1] * 5
    (tmp_path / "baseline.json").write_text('{"format": "notegen n-gram baseline", "labels": [')
    with pytest.raises(NotegenError, match=r"baseline\.json: not a readable n-gram baseline"):
        ngram.load(tmp_path)


def test_fit_saves_the_baseline_of_the_same_split_and_predict_can_use_either(tmp_path):
    data = read_folders(write_folders(tmp_path / "d"), "notes")
    result = fit(data, "notes", tmp_path / "run", FAST, progress=False)
    assert result.baseline["val_accuracy"] == 1.0 and result.baseline["val_count"] == result.val_size
    assert sum(map(sum, result.baseline["confusion"])) == 12
    (tmp_path / "new.txt").write_text(melodies(LOW, 1, 7)[0])
    for use in ("model", "baseline", "best"):
        found = predict_files(tmp_path / "run", [str(tmp_path / "new.txt")], use=use)
        assert found.used == (result.use if use == "best" else use)
        assert [label for _, label, _ in found.rows] == ["low"]
    (tmp_path / "run" / "baseline.json").unlink()  # a run from before baselines: the model
    assert predict_files(tmp_path / "run", [str(tmp_path / "new.txt")]).used == "model"
    with pytest.raises(NotegenError, match="no n-gram baseline"):
        predict_files(tmp_path / "run", [str(tmp_path / "new.txt")], use="baseline")


def test_the_better_held_out_score_chooses_and_a_tie_goes_by_loss():
    from notegen.models.ngram import choose

    model = {"val_accuracy": 0.9, "val_loss": 0.3}
    assert choose(model, {"val_accuracy": 0.95, "val_loss": 0.5}) == "baseline"
    assert choose(model, {"val_accuracy": 0.85, "val_loss": 0.1}) == "model"
    assert choose(model, {"val_accuracy": 0.9, "val_loss": 0.2}) == "baseline"
    assert choose(model, {"val_accuracy": 0.9, "val_loss": 0.3}) == "model"
    assert choose(model, None) == "model"
    assert choose({"val_accuracy": None}, {"val_accuracy": 1.0}) == "model"  # nothing held out


def test_early_stopping_ends_a_run_that_no_longer_improves(tmp_path):
    rng = random.Random(0)
    docs = melodies(HIGH + " " + LOW, 40, 3)
    data = Labelled(docs, [rng.randrange(2) for _ in docs], ["a", "b"])  # nothing to learn
    config = ClassifyConfig(**{**FAST.to_dict(), "epochs": 40, "patience": 2})
    result = fit(data, "notes", tmp_path / "run", config, progress=False)
    assert result.stopped_early and result.epoch < 40
    assert result.epoch - result.best["epoch"] == 2


def test_auto_base_is_the_bundled_model_of_the_notation():
    from notegen.models.classify import resolve_base

    assert resolve_base("auto", "notes") == "folk" and resolve_base("auto", "text") == "kjv"
    assert resolve_base("auto", "tab") is None and resolve_base("none", "notes") is None
    assert resolve_base("runs/x", "notes") == "runs/x"


def test_a_classifier_file_is_checked_against_the_model_it_describes(tmp_path):
    from safetensors import safe_open
    from safetensors.torch import save_file

    data = Labelled(["aaa ab", "bbb ba"] * 6, [0, 1] * 6, ["a", "b"])
    fit(data, "text", tmp_path / "clf", ClassifyConfig(epochs=1, device="cpu"), progress=False)
    good = tmp_path / "clf" / "best.safetensors"
    with safe_open(str(good), "pt") as f:
        header = dict(f.metadata())
        tensors = {k: f.get_tensor(k).clone() for k in f.keys()}  # noqa: SIM118
    save_file({**tensors, "extra": torch.zeros(3)}, str(tmp_path / "more.safetensors"), metadata=header)
    with pytest.raises(NotegenError, match=r"more\.safetensors: the file holds .* weights but its config"):
        load(tmp_path / "more.safetensors")
    tensors["classifier.weight"][0, 0] = float("nan")
    save_file(tensors, str(tmp_path / "nan.safetensors"), metadata=header)
    with pytest.raises(NotegenError, match=r"nan\.safetensors: weight classifier\.weight holds NaN"):
        load(tmp_path / "nan.safetensors")
