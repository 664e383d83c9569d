"""Labelled documents for sequence classification.

A labelled folder holds one subfolder per label (the ImageFolder convention);
every file below a label's folder, in any notation notegen reads, gives one
document per tune (an ABC file of many tunes gives many). Documents are model
text, the same text form a language model of that notation is trained on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor

from notetokens.errors import NotegenError
from notetokens.vocab import BOS, EOS, PAD, CharVocab


@dataclass
class Labelled:
    """Documents with integer labels into `names`."""

    documents: list[str]
    labels: list[int]
    names: list[str]
    skipped: list[str] = field(default_factory=list)  # "file: reason" for unreadable tunes

    def __post_init__(self) -> None:
        if len(self.documents) != len(self.labels):
            raise ValueError("documents and labels differ in length")

    def __len__(self) -> int:
        return len(self.documents)

    def subset(self, index: list[int]) -> Labelled:
        return Labelled([self.documents[i] for i in index], [self.labels[i] for i in index], self.names)

    def few(self, least: int = 20) -> str:
        """The labels with fewer than `least` documents, as "label n, ..."; "" if none."""
        return ", ".join(f"{n} {c}" for n, c in zip(self.names, self.counts(), strict=True) if c < least)

    def counts(self) -> list[int]:
        out = [0] * len(self.names)
        for y in self.labels:
            out[y] += 1
        return out


def read_folders(root: str | Path, notation: str) -> Labelled:
    """Documents of `root/<label>/...` files in `notation`'s model text."""
    from notetokens.corpus import build

    root = Path(root)
    if not root.is_dir():
        raise NotegenError(f"{root}: not a folder (expected one subfolder per label)")
    entries = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    stray = [p for p in entries if not p.is_dir()]
    if stray:
        raise NotegenError(
            f"{stray[0]}: files must sit in a subfolder named after their label (DATA/<label>/file)"
        )
    if len(entries) < 2:
        raise NotegenError(f"{root}: needs at least two label subfolders, found {len(entries)}")
    docs: list[str] = []
    labels: list[int] = []
    skipped: list[str] = []
    for i, folder in enumerate(entries):
        corpus = build([folder], notation, strict=False)
        skipped += corpus.skipped
        found = [d for d in corpus.documents if d]
        if not found:
            raise NotegenError(f"{folder}: no readable {notation} documents for label {folder.name!r}")
        docs += found
        labels += [i] * len(found)
    return Labelled(docs, labels, [p.name for p in entries], skipped)


def stratified_split(labels: list[int], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices of a training and a held-out part; each label gives up `fraction` of
    its documents (at least one where it has two or more), chosen by `seed`."""
    if not 0 <= fraction < 1:
        raise NotegenError(f"the held-out fraction must be in [0, 1), got {fraction}")
    g = torch.Generator().manual_seed(seed)
    train: list[int] = []
    held: list[int] = []
    for label in sorted(set(labels)):
        mine = [i for i, y in enumerate(labels) if y == label]
        order = [mine[j] for j in torch.randperm(len(mine), generator=g).tolist()]
        n = round(len(mine) * fraction) if fraction > 0 else 0
        if fraction > 0 and n == 0 and len(mine) >= 2:
            n = 1
        held += order[:n]
        train += order[n:]
    return sorted(train), sorted(held)


def encode_documents(documents: list[str], vocab: CharVocab, max_chars: int | None = None) -> list[Tensor]:
    """Each document as bos + ids + eos; characters outside `vocab` become unk.
    With `max_chars`, a longer document keeps its first `max_chars` characters."""
    out = []
    for d in documents:
        text = d if max_chars is None else d[:max_chars]
        out.append(torch.tensor([BOS, *vocab.encode(text), EOS], dtype=torch.long))
    return out


def pad(seqs: list[Tensor]) -> tuple[Tensor, Tensor]:
    """(B, T) ids padded with pad, and the (B,) lengths."""
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    out = torch.full((len(seqs), int(lengths.max())), PAD, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
    return out, lengths


def length_batches(lengths: list[int], batch_size: int, generator: torch.Generator | None) -> list[list[int]]:
    """Batches of indices of similar length (little padding); with a generator the
    documents are shuffled in pools of 50 batches and the batches are shuffled too,
    otherwise the order is by length (evaluation)."""
    n = len(lengths)
    if generator is None:
        order = sorted(range(n), key=lambda i: lengths[i])
        return [order[i : i + batch_size] for i in range(0, n, batch_size)]
    perm = torch.randperm(n, generator=generator).tolist()
    pool = batch_size * 50
    batches: list[list[int]] = []
    for lo in range(0, n, pool):
        chunk = sorted(perm[lo : lo + pool], key=lambda i: lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
