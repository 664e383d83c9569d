"""The two-sample classifier test: can a simple model tell two sets of tunes apart?

Each tune is its note-string body as tokens (a note with its length, a rest,
a chord, a bar line or a repeat mark: `G4:2`, `|`, `:|`), and its features
are the token 1-, 2- and 3-grams it contains (present or not). A logistic
regression (L2, full-batch L-BFGS) is fitted on four folds and scored on the
fifth, five times over (stratified, both sets cut to the same size first).
The mean held-out accuracy is the figure: 0.5 means the two sets cannot be
told apart by their note patterns, 1.0 that every tune gives itself away.
Two samples of the same real tunes score about 0.5 (the floor to compare with).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence

import torch

ORDER = 3  # the longest n-gram
FOLDS = 5
MIN_DOCS = 2  # a feature must occur in this many training tunes
L2 = 1e-2
MIN_PER_SET = 10  # fewer tunes than this in either set: no figure
_FIELD = re.compile(r"^[A-Z]:\S")  # a header field: L:1/8, M:6/8, K:D, T:jig


def tokens(text: str) -> list[str]:
    """The body's tokens (a header line, when there is one, left out)."""
    lines = text.strip().split("\n")
    if lines and lines[0] and all(_FIELD.match(item) for item in lines[0].split()):
        lines = lines[1:]
    return " ".join(lines).split()


def grams(text: str, order: int = ORDER) -> set[str]:
    toks = tokens(text)
    return {" ".join(toks[i : i + n]) for n in range(1, order + 1) for i in range(len(toks) - n + 1)}


def accuracy(a: Sequence[str], b: Sequence[str], seed: int = 0, folds: int = FOLDS) -> float | None:
    """Cross-validated accuracy of telling `a` from `b` (None: too few tunes)."""
    rng = random.Random(seed)
    size = min(len(a), len(b))
    if size < MIN_PER_SET:
        return None
    docs = [(grams(t), label) for label, tunes in enumerate((a, b)) for t in rng.sample(list(tunes), size)]
    by_label = [[i for i, (_, y) in enumerate(docs) if y == label] for label in (0, 1)]
    for ids in by_label:
        rng.shuffle(ids)
    fold_of = {i: k % folds for ids in by_label for k, i in enumerate(ids)}
    right = 0
    for k in range(folds):
        train = [docs[i] for i in range(len(docs)) if fold_of[i] != k]
        test = [docs[i] for i in range(len(docs)) if fold_of[i] == k]
        right += _fold(train, test)
    return right / len(docs)


def _fold(train: list[tuple[set[str], int]], test: list[tuple[set[str], int]]) -> int:
    """Fit on `train`, return how many of `test` are labelled right."""
    seen = Counter(g for feats, _ in train for g in feats)
    vocab = {g: j for j, g in enumerate(sorted(g for g, c in seen.items() if c >= MIN_DOCS))}
    x_train, y_train = _matrix(train, vocab), torch.tensor([y for _, y in train], dtype=torch.float64)
    w = torch.zeros(len(vocab), dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=200, line_search_fn="strong_wolfe")

    def loss() -> torch.Tensor:
        opt.zero_grad()
        out = torch.nn.functional.binary_cross_entropy_with_logits(x_train @ w + b, y_train)
        out = out + L2 * (w @ w)
        out.backward()
        return out

    opt.step(loss)
    with torch.no_grad():
        guess = (_matrix(test, vocab) @ w + b) > 0
    return int(sum(int(g) == y for g, (_, y) in zip(guess.tolist(), test, strict=True)))


def _matrix(docs: list[tuple[set[str], int]], vocab: dict[str, int]) -> torch.Tensor:
    """Presence features, each row scaled to unit length."""
    x = torch.zeros(len(docs), max(1, len(vocab)), dtype=torch.float64)
    for i, (feats, _) in enumerate(docs):
        cols = [vocab[g] for g in feats if g in vocab]
        if cols:
            x[i, cols] = 1.0 / len(cols) ** 0.5
    return x[:, : len(vocab)] if vocab else x[:, :0]
