import json
import math
import re

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


TUNES = [
    "L:1/8 M:6/8 K:D\nD4 F#4 A4 D5:2 | A4 F#4 D4:3 | " * (1 + i % 4) + "E4:6"
    for i in range(12)
]


def _bf16_or_fp32():
    from notegen.models.precision import bf16_supported

    return "bf16" if bf16_supported(torch.device("cpu")) else "fp32"


def _shift_tensor_bytes(path, pad: int) -> None:
    """Rewrite a checkpoint with `pad` more header bytes, so every tensor's bytes sit
    `pad` further into the file (safetensors pads its header to 8 bytes)."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(path), framework="pt") as f:
        header = dict(f.metadata())
        tensors = {k: f.get_tensor(k).clone() for k in f.keys()}  # noqa: SIM118
    header["pad"] = '"' + "x" * pad + '"'  # a JSON string, as every metadata field is
    save_file(tensors, str(path), metadata=header)


@pytest.mark.parametrize(("notation", "precision", "pad"),
                         [("text", "fp32", pad) for pad in (0, 8, 16, 24, 40, 56)]
                         + [("notes", _bf16_or_fp32(), 8)])
def test_resume_after_interruption_equals_uninterrupted_run(tmp_path, notation, precision, pad):
    # dropout on, so the restored RNG state matters too; tunes (notes) train one per
    # row from the zero state, text as one stream whose carried hidden state is
    # resumed; bf16 where the CPU has it. The saved tensors sit at every offset a
    # file can give them: a BLAS kernel rounds an unaligned operand differently
    # (MKL: 16 bytes on AVX2, 64 on AVX-512), so resume copies them out of the file.
    mcfg = PRESETS["tiny"].__class__(embed_dim=8, hidden_size=16, num_layers=2, dropout=0.2)
    docs = [SMALL] if notation == "text" else TUNES
    cfg = _cfg(precision=precision, batch_size=3)
    full = train(docs, notation, tmp_path / "a", cfg, model_config=mcfg, progress=False)
    assert (full.padding > 0) == (notation == "notes")
    part = train(docs, notation, tmp_path / "b", cfg, model_config=mcfg, progress=False,
                 on_step=lambda step: step == 7)  # stops like Ctrl-C after step 7
    assert part.interrupted and part.step == 7
    last = tmp_path / "b" / "last.safetensors"
    _shift_tensor_bytes(last, pad)
    saved, meta = checkpoint.read(last)
    assert meta["train_state"]["step"] == 7
    assert any(k.startswith("_train.optim.") for k in saved)
    assert "_train.hidden.0" in saved  # a tune may run on across a batch boundary
    rest = train(docs, notation, tmp_path / "b", cfg, model_config=mcfg, resume=True,
                 progress=False)
    assert rest.step == 12 and not rest.interrupted
    # the same arithmetic on the same machine: the resumed run is the uninterrupted one
    assert rest.param_checksum == full.param_checksum
    a = checkpoint.load(tmp_path / "a" / "last.safetensors").model.state_dict()
    b = checkpoint.load(tmp_path / "b" / "last.safetensors").model.state_dict()
    for k in a:
        assert torch.equal(a[k], b[k]), k


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


def test_the_library_reports_through_the_callback_and_never_prints(tmp_path, capsys):
    seen = []
    r = train([SMALL], "text", tmp_path / "c", _cfg(steps=12), progress=seen.append,
              on_step=lambda step: step == 8)
    assert capsys.readouterr() == ("", "")  # even when stopped early
    assert r.interrupted and [p.step for p in seen] == [*range(1, 9), 8]
    assert seen[-1].done and not any(p.done for p in seen[:-1])
    assert seen[-1].total == 12 and seen[-1].train_bpc == pytest.approx(r.train_loss / 0.6931471805599453)
    assert seen[5].val_loss is not None  # validated at step 5


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


def test_precision_is_bf16_only_where_the_device_runs_it(tmp_path):
    from notegen.models.precision import bf16_supported, resolve

    cpu = torch.device("cpu")
    fp32 = train([SMALL], "text", tmp_path / "f", _cfg(steps=3, precision="fp32"), progress=False)
    auto = train([SMALL], "text", tmp_path / "a", _cfg(steps=3, precision=_bf16_or_fp32()),
                 progress=False)
    assert fp32.precision == "fp32"
    assert auto.precision == ("bf16" if bf16_supported(cpu) else "fp32")
    # auto: bf16 only where it pays, a model as wide as the small preset's
    assert resolve("auto", cpu, hidden_size=48) == "fp32"
    assert resolve("auto", cpu, hidden_size=384) == auto.precision
    if not bf16_supported(cpu):
        with pytest.raises(NotegenError, match="bfloat16"):
            resolve("bf16", cpu)
    else:
        # bf16 arithmetic, fp32 weights: the checkpoint holds fp32 and the runs differ
        lm = checkpoint.load(tmp_path / "a")
        assert all(p.dtype == torch.float32 for p in lm.model.parameters())
        assert auto.param_checksum != fp32.param_checksum
    with pytest.raises(NotegenError, match="precision"):
        TrainConfig(precision="fp16")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("lr", float("nan"), "learning rate must be a finite number > 0"),
     ("lr", float("inf"), "learning rate must be a finite number > 0"),
     ("lr", 0.0, "learning rate must be a finite number > 0"),
     ("weight_decay", float("nan"), "weight decay must be a finite number >= 0"),
     ("weight_decay", float("inf"), "weight decay must be a finite number >= 0"),
     ("weight_decay", -0.1, "weight decay must be a finite number >= 0"),
     ("grad_clip", float("nan"), "grad_clip must be a finite number >= 0"),
     ("val_fraction", float("nan"), "val_fraction must be in")],
)
def test_train_config_refuses_nan_infinite_and_out_of_range_figures(field, value, message):
    with pytest.raises(NotegenError, match=re.escape(message)):
        TrainConfig(**{field: value})
    with pytest.raises(NotegenError, match="dropout"):
        PRESETS["tiny"].__class__(dropout=float("nan"))


def test_the_first_nan_loss_is_found_at_its_step():
    from notegen.models.trainreport import StepMeter

    meter = StepMeter(losses=[torch.tensor(v) for v in (2.0, 1.5, float("nan"), float("nan"))])
    at, value = meter.first_bad(14)  # steps 11 to 14 since the last report
    assert at == 13 and math.isnan(value)
    meter.losses = [torch.tensor(v) for v in (2.0, float("-inf"))]
    assert meter.first_bad(2) == (2, float("-inf"))
    meter.losses = [torch.tensor(1.0)]
    assert meter.first_bad(7) is None


def test_a_diverging_run_stops_and_never_saves_a_nan_model(tmp_path):
    # lr 1e6 is finite, but AdamW's decay factor 1 - lr * weight_decay flips and grows the weights
    out = tmp_path / "run"
    with pytest.raises(NotegenError, match=r"the loss became (nan|inf|-inf) at step \d+: lower --lr; "
                       r".*last\.safetensors of step 5 is kept"):
        train([SMALL * 4], "text", out, _cfg(lr=1e6, steps=40), progress=False)
    assert checkpoint.read_meta(out / "last.safetensors")["train_state"]["step"] == 5
    checkpoint.load(out / "best.safetensors")
    checkpoint.load(out / "last.safetensors")  # load refuses nan weights
    # diverging before the first checkpoint leaves nothing behind
    with pytest.raises(NotegenError, match="no checkpoint was saved"):
        train([SMALL * 4], "text", tmp_path / "r2", _cfg(lr=1e6, steps=40, eval_every=50),
              progress=False)
    assert not list((tmp_path / "r2").glob("*.safetensors"))


def test_weights_broken_by_the_last_step_are_not_saved(tmp_path, monkeypatch):
    from notegen.models import training

    real = training._Run._step

    def step_then_break(self, s, step, meter):
        real(self, s, step, meter)
        if step == 11:  # the last step's update leaves nan weights, its loss was finite
            with torch.no_grad():
                s.model.head.bias.fill_(float("nan"))

    monkeypatch.setattr(training._Run, "_step", step_then_break)
    out = tmp_path / "run"
    with pytest.raises(NotegenError, match="the weights became nan or infinite at step 12"):
        train([SMALL], "text", out, _cfg(), progress=False)
    assert checkpoint.read_meta(out / "last.safetensors")["train_state"]["step"] == 10
    checkpoint.load(out / "last.safetensors")


def test_resume_keeps_the_rows_and_split_of_the_saved_run(tmp_path):
    from notegen.models.resume import resume_config, saved_train_config

    out = tmp_path / "run"
    long = [SMALL * 40]  # step 3 is mid-epoch, so the carried hidden state is resumed
    train(long, "text", out, _cfg(steps=3, lr=0.02), progress=False)
    # a Python caller's config that contradicts the saved state: one line, not a crash
    with pytest.raises(NotegenError, match=r"made with batch size 4, not 6.*give batch_size=4"):
        train(long, "text", out, _cfg(steps=5, batch_size=6), resume=True, progress=False)
    with pytest.raises(NotegenError, match="made with seed 0, not 1"):
        train(long, "text", out, _cfg(steps=5, seed=1), resume=True, progress=False)
    # what the command line did not give comes from the saved run
    config = resume_config(out, TrainConfig(steps=5, lr=0.001, device="cpu"), ["steps", "lr"])
    assert (config.batch_size, config.seq_len, config.eval_every) == (4, 16, 5)
    assert (config.steps, config.lr, config.device) == (5, 0.001, "cpu")
    with pytest.raises(NotegenError, match=r"sequence length 16, not 64.*resume without --seq-len"):
        resume_config(out, TrainConfig(seq_len=64), ["seq_len"])
    assert train(long, "text", out, config, resume=True, progress=False).step == 5
    assert saved_train_config(out).lr == 0.001


def test_a_resumed_run_on_another_corpus_starts_its_rows_afresh(tmp_path):
    out = tmp_path / "run"
    train(TUNES, "notes", out, _cfg(steps=3, batch_size=8), progress=False)
    # fewer tunes fill fewer rows: the saved hidden state (8 rows) no longer fits them
    r = train(TUNES[:5], "notes", out, _cfg(steps=5, batch_size=8), resume=True, progress=False)
    assert r.step == 5
