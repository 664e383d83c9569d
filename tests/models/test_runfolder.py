"""One run folder (models/runfolder.py) for training and classifier fitting: the
same checks, lock, resume refusals and best/last saving, with the same words,
whichever of the two runs in it."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import torch

from notegen.models import checkpoint
from notegen.models.classifier import ClassifyConfig, SeqClassifier
from notegen.models.classify import fit
from notegen.models.classify_data import Labelled
from notegen.models.config import PRESETS
from notegen.models.rnn import CharRNN
from notegen.models.runfolder import CLASSIFY, LM, RunFolder
from notegen.models.runlock import RunLock
from notegen.models.training import TrainConfig, train
from notetokens.errors import NotegenError

TEXT = "abcabdabcabd hello world, hello there. " * 30
DOCS = Labelled(["aaa ab aab", "bbb ba bba"] * 6, [0, 1] * 6, ["a", "b"])
ONE = ClassifyConfig(epochs=1, batch_size=4, val_fraction=0.25, dropout=0.0, device="cpu")
STEPS = TrainConfig(batch_size=4, seq_len=16, eval_every=5, steps=2)


def lm_run(out: Path, **kw: object):
    return train([TEXT], "text", out, STEPS, progress=False, **kw)


def clf_run(out: Path, config: ClassifyConfig = ONE, **kw: object):
    return fit(DOCS, "text", out, config, progress=False, **kw)


RUNS = {"train": lm_run, "classify": clf_run}


@pytest.mark.parametrize("task", RUNS)
def test_both_runs_refuse_a_folder_alike(tmp_path, task):
    run = RUNS[task]
    with pytest.raises(NotegenError, match=r"run: nothing to resume \(no last\.safetensors\)"):
        run(tmp_path / "run", resume=True)
    run(tmp_path / "run")
    before = (tmp_path / "run" / checkpoint.BEST).read_bytes()
    with pytest.raises(NotegenError, match="run: already holds a checkpoint; resume it or choose"):
        run(tmp_path / "run")
    assert (tmp_path / "run" / checkpoint.BEST).read_bytes() == before
    with RunLock(tmp_path / "run"), pytest.raises(NotegenError, match="another training run"):
        run(tmp_path / "run", resume=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotegenError, match="cannot create the folder"):
        run(tmp_path / "file" / "run")


def test_each_refuses_to_resume_the_other_s_run(tmp_path):
    lm_run(tmp_path / "lm")
    clf_run(tmp_path / "clf")
    with pytest.raises(NotegenError, match=r"lm/last\.safetensors: a language model's run, not a class"):
        clf_run(tmp_path / "lm", resume=True)
    with pytest.raises(NotegenError, match=r"clf/last\.safetensors: a classifier run \(notegen classify"):
        lm_run(tmp_path / "clf", resume=True)
    with pytest.raises(NotegenError, match="was trained on notation 'text', not 'notes'"):
        fit(DOCS, "notes", tmp_path / "clf", ONE, resume=True, progress=False)


def test_a_fit_that_cannot_write_keeps_its_last_checkpoint(tmp_path, monkeypatch):
    out = tmp_path / "clf"
    clf_run(out)
    before = (out / checkpoint.LAST).read_bytes()

    def disk_full(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("notetokens.outputs.os.replace", disk_full)
    more = ClassifyConfig(**{**ONE.to_dict(), "epochs": 2})
    with pytest.raises(NotegenError, match=r"(?i)safetensors: .*no space left.*kept"):
        clf_run(out, more, resume=True)
    monkeypatch.undo()
    assert (out / checkpoint.LAST).read_bytes() == before
    assert clf_run(out, more, resume=True).epoch == 2


def test_best_is_written_when_it_improved_or_is_missing(tmp_path):
    written: list[tuple[str, bool, dict]] = []

    def write(path: Path, tensors: dict | None, extra: dict) -> None:
        written.append((path.name, tensors is not None, extra))
        path.write_bytes(b"x")

    folder = RunFolder(tmp_path, LM)
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.AdamW(model.parameters())
    cpu = torch.device("cpu")
    folder.save(write, False, {"step": 1}, optimizer, cpu)  # no best yet: written anyway
    folder.save(write, False, {"step": 2}, optimizer, cpu)
    folder.save(write, True, {"step": 3}, optimizer, cpu)
    assert [(name, state) for name, state, _ in written] == [
        ("best.safetensors", False), ("last.safetensors", True), ("last.safetensors", True),
        ("best.safetensors", False), ("last.safetensors", True)]
    assert written[-1][2]["train_state"] == {"step": 3} and "optim_groups" in written[-1][2]
    assert folder.saved_step == 3

    def broken(path: Path, tensors: dict | None, extra: dict) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    with pytest.raises(NotegenError, match=r"best\.safetensors: cannot write the checkpoint "
                                           r"\(Input/output error\); last\.safetensors of step 3 is kept"):
        folder.save(broken, True, {"step": 4}, optimizer, cpu)
    assert folder.saved_step == 3
    reader = RunFolder(tmp_path / "other", CLASSIFY, writer=False)  # a rank that only reads
    reader.check(resume=False)
    reader.save(write, True, {"step": 4}, optimizer, cpu)
    assert not (tmp_path / "other").exists() and len(written) == 5


def test_the_classifier_wraps_the_language_model_and_keeps_its_file_layout():
    config = PRESETS["tiny"].with_vocab(10)
    lm = CharRNN(config).requires_grad_(False)
    clf = SeqClassifier(config, 2, lm=lm)
    assert clf.embed is lm.embed and clf.rnn is lm.rnn  # the LM's layers, not copies
    assert all(p.requires_grad for p in clf.parameters())
    # a classifier file reads as before: the LM's names, the head's, no LM output layer
    names = set(SeqClassifier(config, 2).state_dict())
    assert names == {k for k in CharRNN(config).state_dict() if not k.startswith("head.")} | {
        "classifier.weight", "classifier.bias"}
    other = PRESETS["small"].with_vocab(10)
    with pytest.raises(ValueError, match="config"):
        SeqClassifier(other, 2, lm=lm)
