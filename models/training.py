"""Training a `CharRNN` on model-text documents.

Truncated back-propagation through time (see data.py): text as contiguous
streams, music as rows of whole tunes, each tune starting from the zero state
that sampling starts from; the hidden state carried across batches and detached;
bfloat16 autocast where it pays (precision.py); AdamW, warmup plus cosine
or step decay, gradient clipping; validation every `eval_every` steps with the
best checkpoint kept; `last.safetensors` holds everything needed to resume. Under
`torchrun` each process trains its own rows with DistributedDataParallel and only
rank 0 writes. Ctrl-C, SIGTERM or SIGHUP finishes the current step, saves, and
returns (stopsignal.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

import notetokens
from notetokens.errors import NotegenError
from notetokens.transpose import transposition_class
from notetokens.vocab import CharVocab

from . import checkpoint, ckpt_meta, precision, runtime, trainstate
from .ckpt_format import CheckpointMeta
from .config import ModelConfig, TrainConfig, preset
from .data import IGNORE, Streams, split_documents
from .evaluate import layout, stream_nll
from .resume import check_kept, saved_train_config
from .rnn import CharRNN, Hidden, detach_hidden, hidden_tensors, mask_hidden
from .runfolder import LM, RunFolder
from .schedule import lr_at
from .stopsignal import StopOnSigint
from .trainreport import LN2, ProgressBar, StepMeter, TrainProgress, TrainResult

Reporter = Callable[[TrainProgress], None]


def train(
    documents: list[str],
    notation: str,
    out_dir: str | Path,
    config: TrainConfig | None = None,
    *,
    model_config: ModelConfig | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: Reporter | bool | None = None,
    on_step: Callable[[int], bool | None] | None = None,
) -> TrainResult:
    """Train on `documents` (model text of `notation`) and write checkpoints to `out_dir`.

    The library prints nothing: `progress` is called with a `TrainProgress` after
    every step (and once more with `done` set at the end); True stands for a
    `ProgressBar` on stderr, False or None for silence. `on_step(step)` is called
    after every optimizer step; returning True stops the run as Ctrl-C does (a
    checkpoint is saved, `interrupted` is set). Only one run at a time may use
    `out_dir` (a lock file); a checkpoint that cannot be written is an error that
    keeps the last one written.
    """
    config = config or TrainConfig()
    notetokens.get(notation)  # an unknown notation is an error before any work
    dist = runtime.from_env()
    device = runtime.pick_device(config.device, dist.local_rank)
    joined = not _group_initialized()
    runtime.init(dist, device)
    try:
        devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices), StopOnSigint() as stop:
            run = _Run(documents, notation, Path(out_dir), config, model_config, dist, device)
            report = _reporter(progress, dist)
            return run.fit(resume=resume, overwrite=overwrite, report=report,
                           on_step=on_step, stop=stop)
    finally:
        if joined:
            runtime.shutdown(dist)


def _reporter(progress: Reporter | bool | None, dist: runtime.Dist) -> Reporter | None:
    if not dist.main or progress is None or progress is False:
        return None
    return ProgressBar() if progress is True else progress


def _group_initialized() -> bool:
    import torch.distributed as td

    return td.is_available() and td.is_initialized()


@dataclass
class _Session:
    """Everything a run holds between steps."""

    model: CharRNN
    net: torch.nn.Module  # the model, or its DistributedDataParallel wrapper
    optimizer: torch.optim.Optimizer
    vocab: CharVocab
    mcfg: ModelConfig
    state: dict[str, Any]  # step, best_val_loss, history, val_loss: saved in last
    hidden: Hidden | None
    train_data: Streams
    val_data: Streams | None
    total: int
    mode: str  # "fp32" or "bf16"

    @property
    def per_epoch(self) -> int:
        return self.train_data.steps


class _Run:
    def __init__(
        self,
        documents: list[str],
        notation: str,
        out_dir: Path,
        config: TrainConfig,
        model_config: ModelConfig | None,
        dist: runtime.Dist,
        device: torch.device,
    ) -> None:
        self.notation = notation
        self.out_dir = out_dir
        self.config = config
        self.dist = dist
        self.device = device
        self.documents = documents
        self.model_config = model_config or preset(config.preset)
        self.folder = RunFolder(out_dir, LM, writer=dist.main)

    def fit(self, *, resume: bool, overwrite: bool, report: Reporter | None,
            on_step: Callable[[int], bool | None] | None, stop: StopOnSigint) -> TrainResult:
        self.folder.check(resume)
        with self.folder.lock():
            if not resume:
                self.folder.refuse_overwrite(overwrite)
            s = self._restore(resume)
            meter = StepMeter(val_loss=s.state.get("val_loss"))
            step = int(s.state["step"])
            interrupted = False
            try:
                while step < s.total:
                    self._step(s, step, meter)
                    step += 1
                    at_eval = step % self.config.eval_every == 0 and step < s.total
                    if step % 10 == 0 or step == s.total or at_eval:
                        self._check_finite(s, step, meter, weights=at_eval)
                    if step % 10 == 0 or step == s.total:
                        meter.report_loss()
                    if at_eval:
                        meter.val_loss = self._checkpoint(s, step, meter.train_loss)
                    if report:
                        report(TrainProgress(step, s.total, meter.train_loss, meter.val_loss,
                                             meter.lr))
                    wants_stop = stop.requested or bool(on_step and on_step(step))
                    if _any_rank(wants_stop, self.dist, self.device):
                        interrupted = step < s.total
                        break
                trained = step != s.state.get("step")
                self._check_finite(s, step, meter, weights=trained)
                meter.report_loss()
                if trained:
                    meter.val_loss = self._checkpoint(s, step, meter.train_loss)
            finally:
                if report:
                    report(TrainProgress(step, s.total, meter.train_loss, meter.val_loss,
                                         meter.lr, done=True))
            runtime.barrier(self.dist)
            return self._result(s, step, meter, interrupted)

    def _restore(self, resume: bool) -> _Session:
        """The model, optimizer, data and counters: from `last` when resuming, else new."""
        c, dist, device = self.config, self.dist, self.device
        saved = self._resumed(device) if resume else None
        if saved:
            tensors, meta = saved
            mcfg, vocab, _ = ckpt_meta.checked(self.folder.last, meta)
            # a diverged model is no start: load() refuses it too
            ckpt_meta.weights(self.folder.last, mcfg, checkpoint.split_train_state(tensors)[0])
            state = dict(meta.get("train_state", {}))
        else:
            vocab = CharVocab.build(self.documents)
            mcfg = self.model_config.with_vocab(len(vocab))
            state = {"step": 0, "best_val_loss": None, "history": []}
        torch.manual_seed(c.seed)  # same initial weights on every rank
        model = CharRNN(mcfg).to(device)
        optimizer = _optimizer(model, c)
        hidden: Hidden | None = None
        if saved:
            tensors, meta = saved
            weights, extra = checkpoint.split_train_state(tensors)
            model.load_state_dict(weights)
            hidden = trainstate.unpack(optimizer, extra, meta, device, mcfg.cell)
            for g in optimizer.param_groups:
                g["weight_decay"] = c.weight_decay  # the saved run's, unless changed
            if dist.enabled:
                hidden = None  # rank 0's state does not belong to the other ranks' rows
        else:
            torch.manual_seed(c.seed + dist.rank)  # dropout noise differs across ranks
        train_data, val_data = self._data(vocab)
        shape = (mcfg.num_layers, train_data.rows, mcfg.hidden_size)
        if hidden is not None and tuple(hidden_tensors(hidden)[0].shape) != shape:
            hidden = None  # another corpus, laid out in other rows: the batch starts afresh
        net: torch.nn.Module = model
        if dist.enabled:
            from torch.nn.parallel import DistributedDataParallel

            net = DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None)
        return _Session(model, net, optimizer, vocab, mcfg, state, hidden, train_data, val_data,
                        _total_steps(c, train_data.steps),
                        precision.resolve(c.precision, device, mcfg.hidden_size))

    def _resumed(self, device: torch.device) -> tuple[dict[str, torch.Tensor], CheckpointMeta]:
        """The saved run, refused where the caller's config contradicts its state."""
        saved = self.folder.resume(device, self.notation)
        was = saved_train_config(self.out_dir)
        if was is not None:
            check_kept(self.out_dir, was, self.config, "give {name}={value}")
        return saved

    def _data(self, vocab: CharVocab) -> tuple[Streams, Streams | None]:
        c, d = self.config, self.dist
        # a tune's copies in other keys (corpus --transpose) are held out with it:
        # validation text is never a transposition of training text
        group = transposition_class if self.notation == "notes" else None
        train_docs, val_docs = split_documents(self.documents, c.val_fraction, c.seed, group)
        train = layout(self.notation, train_docs, vocab, c.batch_size, c.seq_len,
                       rank=d.rank, world=d.world)
        val = None
        if val_docs and sum(len(v) for v in val_docs) > 0:
            # every rank validates on all of it: same numbers everywhere
            val = layout(self.notation, val_docs, vocab, c.batch_size, c.seq_len)
        return train.to(self.device), val.to(self.device) if val else None

    def _step(self, s: _Session, step: int, meter: StepMeter) -> None:
        """One optimizer step on batch `step` of the epoch, the state carried in `s`."""
        c, device = self.config, self.device
        batch_index = step % s.per_epoch
        if batch_index == 0 or s.hidden is None:
            s.hidden = s.model.init_hidden(s.train_data.rows, device)
        keep = s.train_data.keep(batch_index)
        if keep is not None:
            s.hidden = mask_hidden(s.hidden, keep)  # a tune starts from the zero state
        x, y = s.train_data.batch(batch_index)
        meter.lr = lr_at(step, s.total, c.lr, schedule=c.schedule, warmup=c.warmup_steps)
        for g in s.optimizer.param_groups:
            g["lr"] = meter.lr
        t0, c0 = time.perf_counter(), time.process_time()
        s.net.train()
        with precision.autocast(s.mode, device):
            logits, hidden = s.net(x, s.hidden)  # (B, T, V)
        s.hidden = detach_hidden(hidden)
        loss = F.cross_entropy(logits.float().flatten(0, 1), y.flatten(), ignore_index=IGNORE)
        s.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if c.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(s.model.parameters(), c.grad_clip)
        s.optimizer.step()
        meter.loop_time += time.perf_counter() - t0
        meter.cpu_time += time.process_time() - c0
        meter.chars += x.numel() * self.dist.world
        meter.losses.append(loss.detach())

    def _result(self, s: _Session, step: int, meter: StepMeter, interrupted: bool) -> TrainResult:
        return TrainResult(
            out_dir=self.out_dir, step=step, total_steps=s.total, epoch=step / s.per_epoch,
            train_loss=meter.train_loss, val_loss=meter.val_loss,
            best_val_loss=s.state.get("best_val_loss"), interrupted=interrupted,
            chars_per_sec=meter.chars / meter.loop_time if meter.loop_time else 0.0,
            train_seconds=meter.loop_time,
            param_checksum=float(sum(p.detach().double().sum().item()
                                     for p in s.model.parameters())),
            history=list(s.state["history"]), precision=s.mode,
            padding=s.train_data.padding, cpu_seconds=meter.cpu_time,
        )

    def _checkpoint(self, s: _Session, step: int, train_loss: float | None) -> float | None:
        """Validate, then (rank 0) write last and, when validation improved, best;
        a model whose validation loss is no longer finite is never saved (nor, as
        `fit` checks them first, one whose weights are not)."""
        val_loss = None
        if s.val_data is not None:
            nll, count = stream_nll(s.model, s.val_data)
            val_loss = nll / max(1, count)
            if not math.isfinite(val_loss):  # the same figure on every rank
                self._diverged(s, step, "validation loss", val_loss)
        # no validation text: the training loss stands in for choosing the best
        score = val_loss if val_loss is not None else train_loss
        best = s.state.get("best_val_loss")
        improved = score is not None and (best is None or score < best)
        entry = {"step": step, "train_loss": train_loss, "val_loss": val_loss}
        state = {**s.state, "history": [*s.state["history"], entry], "step": step,
                 "val_loss": val_loss}
        if improved:
            state["best_val_loss"] = score
        metrics = {
            **entry,
            "epoch": step / s.per_epoch,
            "val_bpc": None if val_loss is None else val_loss / LN2,
            "train_bpc": None if train_loss is None else train_loss / LN2,
            "best_val_loss": state["best_val_loss"],
            "parameters": s.model.num_parameters(),
        }
        common = {"train_config": self.config.to_dict()}

        def write(path: Path, tensors: dict[str, torch.Tensor] | None, extra: dict[str, Any]) -> None:
            checkpoint.save(path, s.model, s.vocab, self.notation, s.mcfg, metrics,
                            extra_tensors=tensors, extra_meta={**common, **extra})

        self.folder.save(write, improved, state, s.optimizer, self.device, s.hidden)
        s.state.clear()
        s.state.update(state)
        return val_loss

    def _check_finite(self, s: _Session, step: int, meter: StepMeter, *, weights: bool) -> None:
        """Stop the run when a loss since the last report, or (`weights`, before a
        checkpoint) a weight, is nan or infinite: every rank at the same step."""
        bad = meter.first_bad(step)
        broken = weights and bad is None and not bool(
            torch.stack([torch.isfinite(p).all() for p in s.model.parameters()]).all())
        if _any_rank(bad is not None or broken, self.dist, self.device):
            at, value = bad or (step, math.nan)
            self._diverged(s, at, "weights" if broken else "loss", value)

    def _diverged(self, s: _Session, step: int, what: str, value: float) -> None:
        saved = int(s.state["step"])
        kept = (f"{self.out_dir / checkpoint.LAST} of step {saved} is kept, and --resume "
                "goes on from it" if saved else "no checkpoint was saved")
        became = "nan or infinite" if what == "weights" else f"{value}"
        raise NotegenError(f"the {what} became {became} at step {step}: lower --lr; {kept}")


def _optimizer(model: CharRNN, c: TrainConfig) -> torch.optim.Optimizer:
    options = dict(lr=c.lr, betas=(0.9, 0.99), weight_decay=c.weight_decay)
    try:
        # the fused kernel updates all weights in one pass: ~7x faster than the
        # default per-tensor loop on a CPU, where the optimizer is a tenth of a step
        return torch.optim.AdamW(model.parameters(), fused=True, **options)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.AdamW(model.parameters(), **options)


def _total_steps(c: TrainConfig, per_epoch: int) -> int:
    bounds = []
    if c.epochs is not None:
        bounds.append(c.epochs * per_epoch)
    if c.steps is not None:
        bounds.append(c.steps)
    return min(bounds) if bounds else 10 * per_epoch


def _any_rank(flag: bool, dist: runtime.Dist, device: torch.device) -> bool:
    """Whether any process wants to stop; every rank must stop at the same step or
    the others would wait forever in the next gradient all-reduce."""
    if not dist.enabled:
        return flag
    import torch.distributed as td

    t = torch.tensor([1.0 if flag else 0.0], device=device)
    td.all_reduce(t, op=td.ReduceOp.MAX)
    return bool(t.item())


__all__ = ["ProgressBar", "TrainConfig", "TrainProgress", "TrainResult", "train"]
