"""The model's shape and the training run's settings as frozen dataclasses of
JSON-native fields, and named model presets.

A checkpoint stores `ModelConfig.to_dict()`; loading rebuilds the model with
`CharRNN(ModelConfig.from_dict(d))`, so a checkpoint never needs code beyond this.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from notetokens.errors import NotegenError

from .schedule import SCHEDULES

CELLS = ("gru", "lstm", "rnn")


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = 0  # specials + characters; 0 until a vocabulary is known
    cell: str = "gru"  # "gru", "lstm" or "rnn" (tanh), as in char-rnn
    embed_dim: int = 64  # character embedding width
    hidden_size: int = 256  # recurrent state width per layer
    num_layers: int = 2  # stacked recurrent layers
    dropout: float = 0.1  # between layers and before the output layer

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise NotegenError(f"unknown cell {self.cell!r}; known: {', '.join(CELLS)}")
        if self.embed_dim < 1 or self.hidden_size < 1 or self.num_layers < 1:
            raise NotegenError("embed_dim, hidden_size and num_layers must be >= 1")
        if not 0.0 <= self.dropout < 1.0:
            raise NotegenError(f"dropout must be in [0, 1), got {self.dropout}")

    def with_vocab(self, vocab_size: int) -> ModelConfig:
        return replace(self, vocab_size=vocab_size)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise NotegenError(f"unknown model config fields {unknown}; known: {sorted(known)}")
        return cls(**d)


# tiny trains in seconds on a CPU (tests); small is ~1.4 M parameters; medium ~2.5 M
# (the bundled kjv: the most a 2-hour one-thread bf16 run fits); base ~5.2 M.
PRESETS: dict[str, ModelConfig] = {
    "tiny": ModelConfig(embed_dim=16, hidden_size=48, num_layers=1, dropout=0.0),
    "small": ModelConfig(embed_dim=64, hidden_size=384, num_layers=2, dropout=0.1),
    "medium": ModelConfig(embed_dim=64, hidden_size=512, num_layers=2, dropout=0.1),
    "base": ModelConfig(embed_dim=128, hidden_size=576, num_layers=3, dropout=0.2),
}


def preset(name: str) -> ModelConfig:
    try:
        return PRESETS[name]
    except KeyError:
        raise NotegenError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}") from None


@dataclass(frozen=True)
class TrainConfig:
    preset: str = "tiny"  # model preset, unless train() is given a ModelConfig
    batch_size: int = 32  # parallel streams per process
    seq_len: int = 128  # characters per batch row (truncated BPTT length)
    lr: float = 3e-3  # peak learning rate
    weight_decay: float = 0.01  # AdamW decoupled weight decay
    grad_clip: float = 1.0  # max global gradient norm; 0 turns clipping off
    epochs: int | None = None  # passes over the data; with steps, the smaller bound wins
    steps: int | None = None  # optimizer steps; neither bound means 10 epochs
    schedule: str = "cosine"  # "cosine", "step" or "constant"
    warmup_steps: int = 100  # linear warmup, at most a tenth of the run
    val_fraction: float = 0.05  # documents held out for validation
    eval_every: int = 200  # steps between validations and checkpoints
    seed: int = 0  # model init, dropout and the validation split
    device: str = "auto"  # auto = cuda, then mps, then cpu
    precision: str = "auto"  # "auto" (bf16 where the device runs it fast), "fp32" or "bf16"

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.seq_len < 1:
            raise NotegenError("batch size and sequence length must be >= 1")
        _finite("learning rate", self.lr, "> 0", self.lr > 0)
        _finite("weight decay", self.weight_decay, ">= 0", self.weight_decay >= 0)
        _finite("grad_clip", self.grad_clip, ">= 0 (0 turns clipping off)", self.grad_clip >= 0)
        if self.schedule not in SCHEDULES:
            raise NotegenError(f"unknown schedule {self.schedule!r}; known: {', '.join(SCHEDULES)}")
        for name in ("epochs", "steps"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise NotegenError(f"{name} must be >= 1, got {value}")
        if not 0 <= self.val_fraction < 1:
            raise NotegenError(f"val_fraction must be in [0, 1), got {self.val_fraction}")
        if self.eval_every < 1:
            raise NotegenError("eval_every must be >= 1")
        if self.precision not in ("auto", "fp32", "bf16"):
            raise NotegenError(f"unknown precision {self.precision!r}; known: auto, fp32, bf16")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def _finite(name: str, value: float, rule: str, within: bool) -> None:
    """One line for a setting that is nan, infinite or out of its range (every
    comparison with nan is false, so a range check alone lets nan through)."""
    if not (math.isfinite(value) and within):
        raise NotegenError(f"{name} must be a finite number {rule}, got {value}")
