"""Training data as rows for truncated back-propagation through time.

Documents are encoded bos + text + eos. Two layouts, both B rows read side by
side, batch i being columns [i*T, (i+1)*T) of every row, so row r of batch i+1
continues row r of batch i and the trainer carries the hidden state across:

- `make_streams`: one contiguous stream cut into B equal rows (plain text, where a
  document boundary is only a file boundary);
- `make_documents`: each row is its own queue of whole documents (tunes), every
  document starting at a chunk boundary with `keep` 0 there, so the trainer starts
  it from the zero state that sampling starts from; a document that ends inside a
  chunk is followed by padding the loss ignores, so no chunk mixes two documents.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

from notetokens.errors import NotegenError
from notetokens.vocab import BOS, PAD, CharVocab, Tokenizer

IGNORE = -100  # cross_entropy's ignore_index: targets that carry no information
MIN_DOCS_TO_SPLIT = 10  # below this, validation takes the tail of every document


def encode_documents(documents: list[str], vocab: CharVocab, strict: bool = True) -> list[list[int]]:
    """Each document's ids, framed bos + text + eos. `strict` (training) refuses
    characters the vocabulary lacks; held-out text scores them as `<unk>`."""
    unknown = vocab.unknown("".join(documents)) if strict else []
    if unknown:
        shown = "".join(unknown[:20])
        raise NotegenError(f"the corpus has characters the model's vocabulary lacks: {shown!r}")
    tok = Tokenizer(vocab)
    return [tok.encode(doc) for doc in documents]


def encode_stream(documents: list[str], vocab: CharVocab, strict: bool = True) -> Tensor:
    """One long (N,) int64 stream of framed documents."""
    ids: list[int] = []
    for doc in encode_documents(documents, vocab, strict):
        ids.extend(doc)
    return torch.tensor(ids, dtype=torch.long)


def split_documents(
    documents: list[str], val_fraction: float, seed: int, group: Callable[[str], str] | None = None,
) -> tuple[list[str], list[str]]:
    """Train and validation documents: whole documents chosen by `seed`, or with
    fewer than ten documents (a few text files) the tail of each. Documents that
    `group` maps to one string (a tune and its copies in other keys) fall on one
    side together."""
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
    # copies of one text (a corpus that weights some tunes writes them twice) fall
    # on one side together: held-out text is never trained on
    keys = [group(d) for d in docs] if group is not None else docs
    unique = list(dict.fromkeys(keys))
    n_val = max(1, round(len(unique) * val_fraction))
    n_val = min(n_val, len(unique) - 1)
    order = torch.randperm(len(unique), generator=torch.Generator().manual_seed(seed)).tolist()
    held = {unique[i] for i in order[:n_val]}
    train = [d for d, k in zip(docs, keys, strict=True) if k not in held]
    val = [d for d, k in zip(docs, keys, strict=True) if k in held]
    return train, val


@dataclass(frozen=True)
class Streams:
    """B rows of inputs and targets, (B, L) each; targets are inputs shifted by one."""

    inputs: Tensor  # (B, L) ids
    targets: Tensor  # (B, L) ids, IGNORE where the target is a bos token or padding
    seq_len: int  # T: columns per batch
    # (B, steps) float: 0 where a row's chunk starts a new document (state reset),
    # 1 where it continues the one before; None for one contiguous stream
    keeps: Tensor | None = None

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

    def keep(self, i: int) -> Tensor | None:
        """(B,) 0/1: which rows carry their state into batch i (None: all of them)."""
        return None if self.keeps is None else self.keeps[:, i]

    @property
    def padding(self) -> float:
        """The share of positions that are padding (no target, no document)."""
        return float((self.inputs == PAD).sum()) / max(1, self.inputs.numel())

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor, Tensor | None]]:
        for i in range(self.steps):
            yield (*self.batch(i), self.keep(i))

    def to(self, device: torch.device | str) -> Streams:
        keeps = None if self.keeps is None else self.keeps.to(device)
        return Streams(self.inputs.to(device), self.targets.to(device), self.seq_len, keeps)


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


def make_documents(
    documents: list[list[int]], batch_size: int, seq_len: int, *, rank: int = 0, world: int = 1
) -> Streams:
    """Lay framed documents out as `world * batch_size` rows of whole documents and
    keep this rank's rows.

    Each document becomes ceil((n - 1) / T) chunks of T columns (its last chunk
    padded); a document goes to the row with the fewest chunks so far, so rows end
    about together (the rest of a shorter row is padding). Every rank computes the
    same layout, so all ranks run the same number of steps.
    """
    docs = [d for d in documents if len(d) > 1]
    # A fixed shuffle: a corpus lists its collections one after another, and rows
    # filled in that order would all read the same collection at the same time
    # (every batch from one source, the weights swinging between them).
    random.Random(0).shuffle(docs)
    if len(docs) < world:
        raise NotegenError(f"the corpus is too small to train on ({len(docs)} documents)")
    longest = max(len(d) - 1 for d in docs)
    t = max(1, min(seq_len, longest))
    rows = max(1, min(batch_size, len(docs) // world))
    n_rows = world * rows
    queues: list[list[list[int]]] = [[] for _ in range(n_rows)]
    heap = [(0, r) for r in range(n_rows)]
    for d in docs:
        used, r = heapq.heappop(heap)
        queues[r].append(d)
        heapq.heappush(heap, (used + -(-(len(d) - 1) // t), r))
    steps = max(used for used, _ in heap)
    inputs = torch.full((n_rows, steps * t), PAD, dtype=torch.long)
    targets = torch.full((n_rows, steps * t), IGNORE, dtype=torch.long)
    keeps = torch.zeros(n_rows, steps)
    for r, queue in enumerate(queues):
        col = 0
        for d in queue:
            n = len(d) - 1
            ids = torch.tensor(d, dtype=torch.long)
            inputs[r, col : col + n] = ids[:-1]
            targets[r, col : col + n] = ids[1:]
            chunks = -(-n // t)
            keeps[r, col // t + 1 : col // t + chunks] = 1.0
            col += chunks * t
    targets[targets == BOS] = IGNORE
    mine = slice(rank * rows, (rank + 1) * rows)
    return Streams(inputs[mine].contiguous(), targets[mine].contiguous(), t,
                   keeps[mine].contiguous())
