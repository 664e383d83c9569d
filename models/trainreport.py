"""What a training run tells its caller: a `TrainProgress` after every step, to a
callback the caller hands in (the library itself never prints), and the final
`TrainResult`. `ProgressBar` is a ready-made callback: a tqdm bar on stderr."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import torch

from . import checkpoint

LN2 = math.log(2)


@dataclass(frozen=True)
class TrainProgress:
    step: int  # optimizer steps done, counting earlier runs when resumed
    total: int
    train_loss: float | None  # nats per token over the last report interval
    val_loss: float | None  # the latest validation, None before the first
    lr: float
    done: bool = False  # the last call of a run (finished, stopped or failed)

    @property
    def train_bpc(self) -> float | None:
        return None if self.train_loss is None else self.train_loss / LN2

    @property
    def val_bpc(self) -> float | None:
        return None if self.val_loss is None else self.val_loss / LN2


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
    history: list[dict[str, float]] = field(default_factory=list)
    precision: str = "fp32"  # what the step loop ran in: "fp32" or "bf16"
    padding: float = 0.0  # share of training positions that are padding (tunes end mid-chunk)
    cpu_seconds: float = 0.0  # this process's CPU time inside the step loop (all its threads)

    @property
    def best_val_bpc(self) -> float | None:
        return None if self.best_val_loss is None else self.best_val_loss / LN2

    @property
    def best(self) -> Path:
        return self.out_dir / checkpoint.BEST

    @property
    def last(self) -> Path:
        return self.out_dir / checkpoint.LAST


class ProgressBar:
    """A tqdm bar of steps with loss, bits per character and learning rate; hand it
    to `train(progress=...)`. Closes itself on the run's last report."""

    def __init__(self, file: TextIO | None = None) -> None:
        self.file = file or sys.stderr
        self._bar: Any = None

    def __call__(self, p: TrainProgress) -> None:
        if self._bar is None:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=p.total, initial=p.step, unit="step", dynamic_ncols=True,
                             file=self.file, leave=True)
        self._bar.n = p.step
        postfix = {}
        if p.train_bpc is not None:
            postfix["loss"] = f"{p.train_loss:.3f}"
            postfix["bpc"] = f"{p.train_bpc:.3f}"
        if p.val_bpc is not None:
            postfix["val_bpc"] = f"{p.val_bpc:.3f}"
        postfix["lr"] = f"{p.lr:.2e}"
        self._bar.set_postfix(postfix, refresh=False)
        self._bar.refresh()
        if p.done:
            self._bar.close()


@dataclass
class StepMeter:
    """Running figures of the training step loop."""

    # each step's loss since the last report, left on the device: read (one
    # synchronisation) every 10 steps and before every checkpoint
    losses: list[torch.Tensor] = field(default_factory=list)
    train_loss: float | None = None
    val_loss: float | None = None
    lr: float = 0.0
    loop_time: float = 0.0
    cpu_time: float = 0.0
    chars: int = 0

    def first_bad(self, step: int) -> tuple[int, float] | None:
        """The first step since the last report whose loss was nan or infinite,
        and that loss (`step`: the steps done)."""
        values = torch.stack(self.losses).tolist() if self.losses else []
        for i, v in enumerate(values):
            if not math.isfinite(v):
                return step - len(values) + 1 + i, v
        return None

    def report_loss(self) -> None:
        if self.losses:
            self.train_loss = torch.stack(self.losses).sum().item() / len(self.losses)
            self.losses.clear()
