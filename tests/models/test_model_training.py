import json

import pytest
import torch

from notegen.models import checkpoint
from notegen.models.config import PRESETS
from notegen.models.training import TrainConfig, train
from notetokens.errors import NotegenError

SMALL = "abcabdabcabd hello world. " * 20


def _cfg(**kw):
    base = dict(batch_size=4, seq_len=16, lr=1e-2, eval_every=5, steps=12)
    base.update(kw)
    return TrainConfig(**base)


def test_tiny_model_overfits_tiny_text(text_run):
    out, result = text_run
    first = result.history[0]["train_loss"]
    assert result.step == 120 and not result.interrupted
    assert result.train_loss < 0.5 * first, result.history
    # held-out text improves too, and the best checkpoint holds the lowest validation loss
    assert result.best_val_loss < result.history[0]["val_loss"]
    assert result.best_val_loss == min(h["val_loss"] for h in result.history)
    assert (out / "best.safetensors").is_file() and (out / "last.safetensors").is_file()
    _, meta = checkpoint.read(out / "last.safetensors")
    assert meta["train_state"]["step"] == 120
    assert meta["metrics"]["val_bpc"] == pytest.approx(result.val_loss / 0.6931471805599453)


def test_resume_after_interruption_equals_uninterrupted_run(tmp_path):
    # dropout on, so the restored RNG state matters too
    mcfg = PRESETS["tiny"].__class__(embed_dim=8, hidden_size=16, num_layers=2, dropout=0.2)
    docs = [SMALL]
    full = train(docs, "text", tmp_path / "a", _cfg(), model_config=mcfg, progress=False)
    part = train(docs, "text", tmp_path / "b", _cfg(), model_config=mcfg, progress=False,
                 on_step=lambda step: step == 7)  # stops like Ctrl-C after step 7
    assert part.interrupted and part.step == 7
    _, meta = checkpoint.read(tmp_path / "b" / "last.safetensors")
    assert meta["train_state"]["step"] == 7
    assert any(k.startswith("_train.optim.") for k in checkpoint.read(tmp_path / "b" / "last.safetensors")[0])
    rest = train(docs, "text", tmp_path / "b", _cfg(), model_config=mcfg, resume=True,
                 progress=False)
    assert rest.step == 12 and not rest.interrupted
    assert rest.param_checksum == pytest.approx(full.param_checksum, abs=1e-9)
    a = checkpoint.load(tmp_path / "a" / "last.safetensors").model.state_dict()
    b = checkpoint.load(tmp_path / "b" / "last.safetensors").model.state_dict()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=1e-6)


def test_resume_needs_a_checkpoint_and_fresh_runs_do_not_overwrite(tmp_path):
    with pytest.raises(NotegenError, match="nothing to resume"):
        train([SMALL], "text", tmp_path / "none", _cfg(), resume=True, progress=False)
    train([SMALL], "text", tmp_path / "r", _cfg(steps=2), progress=False)
    with pytest.raises(NotegenError, match="already holds a checkpoint"):
        train([SMALL], "text", tmp_path / "r", _cfg(steps=2), progress=False)
    again = train([SMALL], "text", tmp_path / "r", _cfg(steps=3), overwrite=True, progress=False)
    assert again.step == 3


def test_epochs_and_steps_bound_the_run(tmp_path):
    r = train([SMALL], "text", tmp_path / "e", _cfg(steps=None, epochs=2), progress=False)
    per_epoch = r.total_steps // 2
    assert r.step == 2 * per_epoch and r.epoch == pytest.approx(2.0)
    r = train([SMALL], "text", tmp_path / "s", _cfg(steps=3, epochs=50), progress=False)
    assert r.step == 3


def test_progress_bar_shows_loss_and_bpc(tmp_path, capsys):
    train([SMALL], "text", tmp_path / "p", _cfg(steps=20), progress=True)
    err = capsys.readouterr().err
    assert "20/20" in err and "bpc=" in err and "loss=" in err


def test_bad_options_are_clear_errors(tmp_path):
    with pytest.raises(NotegenError, match="unknown notation"):
        train([SMALL], "klingon", tmp_path / "x", _cfg(), progress=False)
    with pytest.raises(NotegenError, match="schedule"):
        TrainConfig(schedule="linear")
    with pytest.raises(NotegenError, match="steps must be >= 1"):
        TrainConfig(steps=0)
    with pytest.raises(NotegenError, match="empty"):
        train(["", ""], "text", tmp_path / "y", _cfg(), progress=False)


@pytest.mark.parametrize("schedule", ["cosine", "step", "constant"])
def test_schedules_and_cells_train(tmp_path, schedule):
    mcfg = PRESETS["tiny"].__class__(embed_dim=8, hidden_size=16, num_layers=1, dropout=0.0,
                                     cell={"cosine": "gru", "step": "lstm", "constant": "rnn"}[schedule])
    r = train([SMALL], "text", tmp_path / schedule, _cfg(schedule=schedule, steps=8),
              model_config=mcfg, progress=False)
    lm = checkpoint.load(tmp_path / schedule)
    assert lm.config.cell == mcfg.cell and r.step == 8
    assert json.loads(json.dumps(lm.meta["train_config"]))["schedule"] == schedule
