"""The model's shape as a frozen dataclass of JSON-native fields, and named presets.

A checkpoint stores `ModelConfig.to_dict()`; loading rebuilds the model with
`CharGRU(ModelConfig.from_dict(d))`, so a checkpoint never needs code beyond this.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from notetokens.errors import NotegenError

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


# tiny trains in seconds on a CPU (tests); small is ~1.4 M parameters; base ~5.2 M.
PRESETS: dict[str, ModelConfig] = {
    "tiny": ModelConfig(embed_dim=16, hidden_size=48, num_layers=1, dropout=0.0),
    "small": ModelConfig(embed_dim=64, hidden_size=384, num_layers=2, dropout=0.1),
    "base": ModelConfig(embed_dim=128, hidden_size=576, num_layers=3, dropout=0.2),
}


def preset(name: str) -> ModelConfig:
    try:
        return PRESETS[name]
    except KeyError:
        raise NotegenError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}") from None
