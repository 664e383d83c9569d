"""Training a `CharGRU` on model-text documents.

Truncated back-propagation through time over contiguous streams (see data.py),
the hidden state carried across batches and detached; AdamW, warmup plus cosine
or step decay, gradient clipping; validation every `eval_every` steps with the
best checkpoint kept; `last.safetensors` holds everything needed to resume. Under
`torchrun` each process trains its own rows with DistributedDataParallel and only
rank 0 writes. Ctrl-C finishes the current step, saves, and returns.
"""

from __future__ import annotations

import math
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

import notetokens
from notetokens.errors import NotegenError
from notetokens.vocab import CharVocab

from . import checkpoint, precision, runtime, trainstate
from .config import ModelConfig, TrainConfig, preset
from .data import IGNORE, Streams, split_documents
from .evaluate import layout, stream_nll
from .gru import CharGRU, Hidden, detach_hidden, mask_hidden
from .schedule import lr_at

LN2 = math.log(2)


@dataclass
class TrainResult:
    out_dir: Path
    step: int  # optimizer steps done, counting earlier runs when resumed
    total_steps: int
    epoch: float  # passes over the training data
    train_loss: float | None  # nats per token, averaged since the last report
    val_loss: float | None
    best_val_loss: float | None
    interrupted: bool  # stopped early by Ctrl-C (a checkpoint was saved)
    chars_per_sec: float  # training tokens per second over all processes
    train_seconds: float  # time inside the step loop (no validation or saving)
    param_checksum: float  # sum of all weights: equal on every rank of a DDP run
    precision: str = "fp32"  # what the step loop ran in: "fp32" or "bf16"
    padding: float = 0.0  # share of training positions that are padding (tunes end mid-chunk)
    cpu_seconds: float = 0.0  # this process's CPU time inside the step loop (all its threads)
    history: list[dict[str, float]] = field(default_factory=list)

    @property
    def best_val_bpc(self) -> float | None:
        return None if self.best_val_loss is None else self.best_val_loss / LN2

    @property
    def best(self) -> Path:
        return self.out_dir / checkpoint.BEST

    @property
    def last(self) -> Path:
        return self.out_dir / checkpoint.LAST


def train(
    documents: list[str],
    notation: str,
    out_dir: str | Path,
    config: TrainConfig | None = None,
    *,
    model_config: ModelConfig | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    on_step: Callable[[int], bool | None] | None = None,
) -> TrainResult:
    """Train on `documents` (model text of `notation`) and write checkpoints to `out_dir`.

    `on_step(step)` is called after every optimizer step; returning True stops the
    run as Ctrl-C does (a checkpoint is saved, `interrupted` is set).
    """
    config = config or TrainConfig()
    notetokens.get(notation)  # an unknown notation is an error before any work
    dist = runtime.from_env()
    device = runtime.pick_device(config.device, dist.local_rank)
    joined = not _group_initialized()
    runtime.init(dist, device)
    try:
        devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices), _StopOnSigint() as stop:
            run = _Run(documents, notation, Path(out_dir), config, model_config, dist, device)
            return run.fit(resume=resume, overwrite=overwrite, progress=progress,
                           on_step=on_step, stop=stop)
    finally:
        if joined:
            runtime.shutdown(dist)


def _group_initialized() -> bool:
    import torch.distributed as td

    return td.is_available() and td.is_initialized()


class _StopOnSigint:
    """The first Ctrl-C asks the loop to stop after the current step; a second one
    interrupts at once. Only the main thread can own a signal handler."""

    def __init__(self) -> None:
        self.requested = False
        self._old: Any = None

    def __enter__(self) -> _StopOnSigint:
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


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

    def _data(self, vocab: CharVocab) -> tuple[Streams, Streams | None]:
        c, d = self.config, self.dist
        train_docs, val_docs = split_documents(self.documents, c.val_fraction, c.seed)
        train = layout(self.notation, train_docs, vocab, c.batch_size, c.seq_len,
                       rank=d.rank, world=d.world)
        val = None
        if val_docs and sum(len(v) for v in val_docs) > 0:
            # every rank validates on all of it: same numbers everywhere
            val = layout(self.notation, val_docs, vocab, c.batch_size, c.seq_len)
        return train.to(self.device), val.to(self.device) if val else None

    def _prepare(self, resume: bool, overwrite: bool) -> dict[str, Any] | None:
        """The saved state to resume from, or None for a fresh run."""
        last = self.out_dir / checkpoint.LAST
        if resume:
            if not last.is_file():
                raise NotegenError(f"{self.out_dir}: nothing to resume (no {checkpoint.LAST})")
            tensors, meta = checkpoint.read(last, self.device)
            if meta.get("notation") != self.notation:
                raise NotegenError(
                    f"{last}: was trained on notation {meta.get('notation')!r}, not {self.notation!r}"
                )
            return {"tensors": tensors, "meta": meta}
        if self.dist.main:
            if (last.exists() or (self.out_dir / checkpoint.BEST).exists()) and not overwrite:
                raise NotegenError(
                    f"{self.out_dir}: already holds a checkpoint; resume it or choose another folder"
                )
            try:
                self.out_dir.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise NotegenError(f"{self.out_dir}: cannot create the folder ({e.strerror})") from None
        return None

    def fit(self, *, resume: bool, overwrite: bool, progress: bool,
            on_step: Callable[[int], bool | None] | None, stop: _StopOnSigint) -> TrainResult:
        c, dist, device = self.config, self.dist, self.device
        saved = self._prepare(resume, overwrite)
        if saved:
            meta = saved["meta"]
            vocab = CharVocab.from_dict(meta["vocab"])
            mcfg = ModelConfig.from_dict(meta["config"])
            state = dict(meta.get("train_state", {}))
        else:
            vocab = CharVocab.build(self.documents)
            mcfg = self.model_config.with_vocab(len(vocab))
            state = {"step": 0, "best_val_loss": None, "history": []}
        torch.manual_seed(c.seed)  # same initial weights on every rank
        model = CharGRU(mcfg).to(device)
        optimizer = _optimizer(model, c)
        hidden: Hidden | None = None
        if saved:
            weights = {k: v for k, v in saved["tensors"].items()
                       if not k.startswith(checkpoint.TRAIN_PREFIX)}
            model.load_state_dict(weights)
            extra = {k[len(checkpoint.TRAIN_PREFIX):]: v for k, v in saved["tensors"].items()
                     if k.startswith(checkpoint.TRAIN_PREFIX)}
            hidden = trainstate.unpack(optimizer, extra, saved["meta"], device, mcfg.cell)
            if dist.enabled:
                hidden = None  # rank 0's state does not belong to the other ranks' rows
        else:
            torch.manual_seed(c.seed + dist.rank)  # dropout noise differs across ranks
        train_data, val_data = self._data(vocab)
        net: torch.nn.Module = model
        if dist.enabled:
            from torch.nn.parallel import DistributedDataParallel

            net = DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None)
        per_epoch = train_data.steps
        total = _total_steps(c, per_epoch)
        step = int(state["step"])
        mode = precision.resolve(c.precision, device, mcfg.hidden_size)
        self._ctx = (model, vocab, mcfg, optimizer)
        self._state = state
        bar = _progress(progress and dist.main, total, step)
        interrupted = False
        running = torch.zeros((), device=device)
        n_running = 0
        train_loss: float | None = None
        val_loss: float | None = state.get("val_loss")
        loop_time = cpu_time = 0.0
        chars = 0
        try:
            while step < total:
                batch_index = step % per_epoch
                if batch_index == 0 or hidden is None:
                    hidden = model.init_hidden(train_data.rows, device)
                keep = train_data.keep(batch_index)
                if keep is not None:
                    hidden = mask_hidden(hidden, keep)  # tunes start from the zero state
                x, y = train_data.batch(batch_index)
                lr = lr_at(step, total, c.lr, schedule=c.schedule, warmup=c.warmup_steps)
                for g in optimizer.param_groups:
                    g["lr"] = lr
                t0, c0 = time.perf_counter(), time.process_time()
                net.train()
                with precision.autocast(mode, device):
                    logits, hidden = net(x, hidden)  # (B, T, V)
                hidden = detach_hidden(hidden)
                loss = F.cross_entropy(logits.float().flatten(0, 1), y.flatten(),
                                       ignore_index=IGNORE)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if c.grad_clip > 0:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), c.grad_clip)
                optimizer.step()
                loop_time += time.perf_counter() - t0
                cpu_time += time.process_time() - c0
                chars += x.numel() * dist.world
                step += 1
                running += loss.detach()
                n_running += 1
                if step % 10 == 0 or step == total:
                    train_loss = running.item() / n_running
                    running.zero_()
                    n_running = 0
                    bar.set_postfix(_postfix(train_loss, val_loss, lr), refresh=False)
                bar.update(1)
                if step % c.eval_every == 0 and step < total:
                    val_loss = self._checkpoint(step, per_epoch, val_data, train_loss, hidden)
                    bar.set_postfix(_postfix(train_loss, val_loss, lr), refresh=False)
                wants_stop = stop.requested or bool(on_step and on_step(step))
                if _any_rank(wants_stop, dist, device):
                    interrupted = step < total
                    break
        finally:
            bar.close()
        if n_running:
            train_loss = running.item() / n_running
        if step != self._state.get("step"):
            val_loss = self._checkpoint(step, per_epoch, val_data, train_loss, hidden)
        if interrupted and dist.main:
            print(f"stopped at step {step}; saved {self.out_dir / checkpoint.LAST} "
                  "(train again with resume to continue)", file=sys.stderr)
        runtime.barrier(dist)
        return TrainResult(
            out_dir=self.out_dir, step=step, total_steps=total, epoch=step / per_epoch,
            train_loss=train_loss, val_loss=val_loss,
            best_val_loss=self._state.get("best_val_loss"), interrupted=interrupted,
            chars_per_sec=chars / loop_time if loop_time else 0.0, train_seconds=loop_time,
            param_checksum=float(sum(p.detach().double().sum().item() for p in model.parameters())),
            history=list(self._state["history"]),
            precision=mode, padding=train_data.padding, cpu_seconds=cpu_time,
        )

    def _checkpoint(self, step: int, per_epoch: int, val_data: Streams | None,
                    train_loss: float | None, hidden: Hidden | None) -> float | None:
        """Validate, then (rank 0) write last and, when validation improved, best."""
        model, vocab, mcfg, optimizer = self._ctx
        val_loss = None
        if val_data is not None:
            nll, count = stream_nll(model, val_data)
            val_loss = nll / max(1, count)
        # no validation text: the training loss stands in for choosing the best
        score = val_loss if val_loss is not None else train_loss
        best = self._state.get("best_val_loss")
        improved = score is not None and (best is None or score < best)
        if improved:
            self._state["best_val_loss"] = score
        entry = {"step": step, "train_loss": train_loss, "val_loss": val_loss}
        self._state["history"].append(entry)
        self._state.update(step=step, val_loss=val_loss)
        metrics = {
            **entry,
            "epoch": step / per_epoch,
            "val_bpc": None if val_loss is None else val_loss / LN2,
            "train_bpc": None if train_loss is None else train_loss / LN2,
            "best_val_loss": self._state["best_val_loss"],
            "parameters": model.num_parameters(),
        }
        if self.dist.main:
            common = {"train_config": self.config.to_dict()}
            if improved or not (self.out_dir / checkpoint.BEST).exists():
                checkpoint.save(self.out_dir / checkpoint.BEST, model, vocab, self.notation,
                                mcfg, metrics, extra_meta=common)
            tensors, opt_meta = trainstate.pack(optimizer, hidden, self.device)
            checkpoint.save(self.out_dir / checkpoint.LAST, model, vocab, self.notation, mcfg,
                            metrics, extra_tensors=tensors,
                            extra_meta={**common, **opt_meta, "train_state": self._state})
        return val_loss


def _optimizer(model: CharGRU, c: TrainConfig) -> torch.optim.Optimizer:
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


def _postfix(train_loss: float | None, val_loss: float | None, lr: float) -> dict[str, str]:
    out = {}
    if train_loss is not None:
        out["loss"] = f"{train_loss:.3f}"
        out["bpc"] = f"{train_loss / LN2:.3f}"
    if val_loss is not None:
        out["val_bpc"] = f"{val_loss / LN2:.3f}"
    out["lr"] = f"{lr:.2e}"
    return out


def _progress(enabled: bool, total: int, initial: int) -> Any:
    if enabled:
        from tqdm.auto import tqdm
    else:  # a bar that never shows needs no notebook widgets (nor a warning that they are missing)
        from tqdm import tqdm

    return tqdm(total=total, initial=initial, disable=not enabled, unit="step",
                dynamic_ncols=True, file=sys.stderr, leave=True)


__all__ = ["TrainConfig", "TrainResult", "train"]
