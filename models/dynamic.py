"""Dynamic evaluation: a private copy of the model takes one SGD step on each
chunk of text right after reading it, so it adapts to the text as PPMd does.

`Reader` is that copy and its optimizer. `notegen eval --dynamic` scores each
chunk before the step that learns from it (`evaluate.dynamic_bits_per_char`);
`notegen sample --dynamic` reads the prime and then its own characters the same
way while sampling (`sampling.stream(dynamic_lr=...)`), so a tune leans on what
it has already played.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import Tensor

from .data import IGNORE
from .rnn import Hidden, detach_hidden, mask_hidden

DYNAMIC_LR = 0.01  # kjv validation text: 1.664 -> 1.643 bits/char (benchmarks/models.md)
CHUNK = 128  # characters between two steps


class Reader:
    """A trainable copy of `model` (in eval mode: no dropout) that reads one
    stream of text in chunks, carrying its hidden state, and learns from each."""

    def __init__(self, model: torch.nn.Module, lr: float = DYNAMIC_LR) -> None:
        self.model = copy.deepcopy(model).requires_grad_(True)
        self.model.eval()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=lr)
        self.hidden: Hidden | None = None

    def read(self, x: Tensor, y: Tensor, keep: Tensor | None = None) -> Tensor:
        """Score targets `y` (1, T) after inputs `x` (1, T) with the weights as they
        are, then take the SGD step on them. Returns each target's nats (the
        targets that are not padding, in order)."""
        if self.hidden is not None and keep is not None:
            self.hidden = mask_hidden(self.hidden, keep)
        # cuDNN's RNN has no backward pass in eval mode: on CUDA the step runs
        # PyTorch's own GRU/LSTM kernels instead (the same arithmetic, no dropout)
        with torch.backends.cudnn.flags(enabled=x.device.type != "cuda"):
            logits, hidden = self.model(x, self.hidden)
        nats = F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=IGNORE, reduction="none")
        real = y.flatten() != IGNORE
        n = int(real.sum())
        if n:
            self.optimizer.zero_grad(set_to_none=True)
            with torch.backends.cudnn.flags(enabled=x.device.type != "cuda"):
                (nats.sum() / n).backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.optimizer.step()
        self.hidden = detach_hidden(hidden)
        return nats.detach()[real]


class Follower:
    """Dynamic evaluation while sampling: `push(id)` for every id of the text
    (begin-of-text, prime, then each sampled character); after every `chunk`
    ids the reader steps on them. `model` is the adapting copy to sample from."""

    def __init__(self, model: torch.nn.Module, lr: float, device: torch.device, chunk: int = CHUNK) -> None:
        self.reader = Reader(model, lr)
        self.model = self.reader.model
        self.chunk = chunk
        self.device = device
        self.ids: list[int] = []  # the input of the next step first, then its targets

    def push(self, i: int) -> None:
        self.ids.append(i)
        if len(self.ids) > self.chunk:
            seq = torch.tensor([self.ids], device=self.device)
            with torch.inference_mode(False), torch.enable_grad():
                self.reader.read(seq[:, :-1].clone(), seq[:, 1:].clone())
            self.ids = self.ids[-1:]
