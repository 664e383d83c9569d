"""`CharRNN`: Embedding -> GRU (or LSTM, or tanh RNN) -> dropout -> Linear.

The recurrent state is explicit (`init_hidden`, `forward(ids, hidden)`), so the
trainer carries it across batches and the sampler carries it across characters.
"""

from __future__ import annotations

from typing import Union

import torch
from torch import Tensor, nn

from .config import ModelConfig

# A GRU or RNN state is one tensor (layers, B, H); an LSTM state is a pair (h, c).
Hidden = Union[Tensor, tuple[Tensor, Tensor]]  # noqa: UP007 (a runtime alias)

_CELLS: dict[str, type[nn.RNNBase]] = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}


class CharRNN(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        if config.vocab_size < 1:
            raise ValueError("ModelConfig.vocab_size must be set (use config.with_vocab)")
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.embed_dim)
        self.rnn = _CELLS[config.cell](
            config.embed_dim,
            config.hidden_size,
            num_layers=config.num_layers,
            # torch warns about inter-layer dropout on a single layer
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def init_hidden(self, batch: int, device: torch.device | str | None = None) -> Hidden:
        """A zero state for `batch` parallel streams."""
        c = self.config
        device = device if device is not None else self.head.weight.device
        h = torch.zeros(c.num_layers, batch, c.hidden_size, device=device)
        return (h, torch.zeros_like(h)) if c.cell == "lstm" else h

    def forward(self, ids: Tensor, hidden: Hidden | None = None) -> tuple[Tensor, Hidden]:
        """ids (B, T) -> logits (B, T, V) and the state after the last step."""
        x = self.embed(ids)  # (B, T, E)
        out, hidden = self.rnn(x, hidden)  # (B, T, H)
        return self.head(self.drop(out)), hidden  # (B, T, V)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def detach_hidden(hidden: Hidden) -> Hidden:
    """The same state cut from the graph, so back-propagation stops at the batch edge."""
    if isinstance(hidden, tuple):
        return (hidden[0].detach(), hidden[1].detach())
    return hidden.detach()


def hidden_tensors(hidden: Hidden) -> list[Tensor]:
    return list(hidden) if isinstance(hidden, tuple) else [hidden]


def hidden_from(tensors: list[Tensor], cell: str) -> Hidden:
    return (tensors[0], tensors[1]) if cell == "lstm" else tensors[0]


def mask_hidden(hidden: Hidden, keep: Tensor) -> Hidden:
    """The state with row b zeroed where keep[b] is 0 (a new document starts there)."""
    k = keep.view(1, -1, 1).to(hidden_tensors(hidden)[0].dtype)
    if isinstance(hidden, tuple):
        return (hidden[0] * k, hidden[1] * k)
    return hidden * k
