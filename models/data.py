"""Training data as contiguous streams for truncated back-propagation through time.

Documents are encoded bos + text + eos and concatenated into one id stream. The
stream is cut into B equal rows read side by side: batch i is columns
[i*T, (i+1)*T) of every row, so row r of batch i+1 continues row r of batch i and
the trainer can carry the hidden state from one batch to the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

from notetokens.errors import NotegenError
from notetokens.vocab import BOS, CharVocab, Tokenizer

IGNORE = -100  # cross_entropy's ignore_index: targets that carry no information
MIN_DOCS_TO_SPLIT = 10  # below this, validation takes the tail of every document


def encode_stream(documents: list[str], vocab: CharVocab) -> Tensor:
    """One long (N,) int64 stream of framed documents."""
    unknown = vocab.unknown("".join(documents))
    if unknown:
        shown = "".join(unknown[:20])
        raise NotegenError(f"the corpus has characters the model's vocabulary lacks: {shown!r}")
    tok = Tokenizer(vocab)
    ids: list[int] = []
    for doc in documents:
        ids.extend(tok.encode(doc))
    return torch.tensor(ids, dtype=torch.long)


def split_documents(
    documents: list[str], val_fraction: float, seed: int
) -> tuple[list[str], list[str]]:
    """Train and validation documents: whole documents chosen by `seed`, or with
    fewer than ten documents (a few text files) the tail of each."""
    docs = [d for d in documents if d]
    if not docs:
        raise NotegenError("the corpus is empty")
    if val_fraction <= 0:
        return docs, []
    if len(docs) < MIN_DOCS_TO_SPLIT:
        # too few documents to hold whole ones out: each gives up its tail instead
        cuts = [int(len(d) * (1 - val_fraction)) for d in docs]
        train = [d[:c] for d, c in zip(docs, cuts, strict=True) if c > 0]
        val = [d[c:] for d, c in zip(docs, cuts, strict=True) if c < len(d)]
        return train or docs, val
    n_val = max(1, round(len(docs) * val_fraction))
    n_val = min(n_val, len(docs) - 1)
    order = torch.randperm(len(docs), generator=torch.Generator().manual_seed(seed)).tolist()
    val_idx = set(order[:n_val])
    train = [d for i, d in enumerate(docs) if i not in val_idx]
    val = [d for i, d in enumerate(docs) if i in val_idx]
    return train, val


@dataclass(frozen=True)
class Streams:
    """B rows of inputs and targets, (B, L) each; targets are inputs shifted by one."""

    inputs: Tensor  # (B, L) ids
    targets: Tensor  # (B, L) ids, IGNORE where the target is a bos token
    seq_len: int  # T: columns per batch

    @property
    def rows(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def steps(self) -> int:
        """Batches per pass over the data."""
        return -(-int(self.inputs.shape[1]) // self.seq_len)

    def batch(self, i: int) -> tuple[Tensor, Tensor]:
        """Batch i: inputs and targets (B, T); the last batch of a pass may be shorter."""
        lo = i * self.seq_len
        hi = lo + self.seq_len
        return self.inputs[:, lo:hi], self.targets[:, lo:hi]

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        for i in range(self.steps):
            yield self.batch(i)

    def to(self, device: torch.device | str) -> Streams:
        return Streams(self.inputs.to(device), self.targets.to(device), self.seq_len)


def make_streams(
    stream: Tensor, batch_size: int, seq_len: int, *, rank: int = 0, world: int = 1
) -> Streams:
    """Cut an id stream into `world * batch_size` rows and keep this rank's rows.

    A stream too short for the asked batch gets fewer rows (at least one per rank),
    so a tiny corpus still trains. The bos token is never a target: it always
    follows eos, so predicting it would only flatter the loss.
    """
    n = int(stream.numel()) - 1  # every position but the last has a target
    if n < world:
        raise NotegenError(f"the corpus is too small to train on ({n + 1} tokens)")
    rows = max(1, min(batch_size, n // (world * max(1, seq_len))))
    length = n // (world * rows)
    used = world * rows * length
    inputs = stream[:used].view(world * rows, length)
    targets = stream[1 : used + 1].clone()
    targets[targets == BOS] = IGNORE
    targets = targets.view(world * rows, length)
    mine = slice(rank * rows, (rank + 1) * rows)
    return Streams(inputs[mine].contiguous(), targets[mine].contiguous(), min(seq_len, length))
