"""The character n-gram baseline every `classify fit` trains beside its network:
softmax regression on the log counts of each document's character 1- to 5-grams
(the `MAX_FEATURES` commonest of those in 2 or more training documents),
standardised, with an L2 penalty, fitted by L-BFGS on the whole training part.

It is cheap, deterministic and strong on short texts, so it shows what a
network has to beat. It is saved beside the checkpoints as `baseline.json`
(plain JSON: the n-grams, the weights and the held-out metrics), which
`classify predict --use baseline` reads.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from notetokens.errors import NotegenError

FILE = "baseline.json"
FORMAT = "notegen n-gram baseline"
N_MAX = 5
MAX_FEATURES = 20_000
MIN_DF = 2
L2 = 1e-3


def ngrams(text: str, n_max: int = N_MAX) -> Counter[str]:
    return Counter(text[i : i + n] for n in range(1, n_max + 1) for i in range(len(text) - n + 1))


@dataclass
class NgramBaseline:
    """Logits = features(doc) @ weight + bias, over `labels`."""

    labels: list[str]
    grams: list[str]
    weight: Tensor  # (features, labels), the standardisation folded in
    bias: Tensor  # (labels,)
    n_max: int = N_MAX
    max_chars: int | None = None
    metrics: dict[str, Any] = field(default_factory=dict)  # held-out accuracy, loss, confusion

    def features(self, documents: list[str]) -> Tensor:
        return _log_counts(documents, {g: i for i, g in enumerate(self.grams)}, self.n_max,
                           self.max_chars)

    def predict_proba(self, documents: list[str]) -> Tensor:
        """(N, labels) probabilities, in the order of `documents`."""
        if not documents:
            return torch.zeros(0, len(self.labels))
        with torch.no_grad():
            return torch.softmax(torch.sparse.mm(self.features(documents), self.weight) + self.bias, -1)

    def save(self, folder: str | Path) -> Path:
        """Write `folder/baseline.json` through a temporary file, so a failed write
        leaves any earlier one whole."""
        path = Path(folder) / FILE
        data = {"format": FORMAT, "version": 1, "labels": self.labels, "n_max": self.n_max,
                "max_chars": self.max_chars, "metrics": self.metrics, "grams": self.grams,
                "weight": self.weight.tolist(), "bias": self.bias.tolist()}
        tmp = path.with_name(f".{FILE}.tmp")
        try:
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise NotegenError(f"{path}: cannot write the baseline ({e.strerror})") from None
        return path


def fit(documents: list[str], labels: list[int], names: list[str], *, l2: float = L2,
        max_chars: int | None = None) -> NgramBaseline:
    """Fit the baseline on `documents` with integer `labels` into `names`."""
    docs = documents if max_chars is None else [d[:max_chars] for d in documents]
    df: Counter[str] = Counter()
    for d in docs:
        df.update(ngrams(d).keys())
    # ties in document frequency are broken by the n-gram itself, so the choice is the same every run
    kept = sorted((g for g, c in df.items() if c >= MIN_DF), key=lambda g: (-df[g], g))[:MAX_FEATURES]
    index = {g: i for i, g in enumerate(kept)}
    x = _log_counts(docs, index, N_MAX, None)
    n = max(1, len(docs))
    mean = torch.sparse.sum(x, 0).to_dense() / n if kept else torch.zeros(0)
    square = torch.sparse.sum(x * x, 0).to_dense() / n if kept else torch.zeros(0)
    std = (square - mean**2).clamp_min(0).sqrt().clamp_min(1e-3)
    y = torch.tensor(labels)
    w = torch.zeros(len(kept), len(names), requires_grad=True)
    b = torch.zeros(len(names), requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=300, line_search_fn="strong_wolfe")
    shift = mean / std

    def closure() -> Tensor:
        opt.zero_grad()
        scaled = w / std.unsqueeze(1)
        logits = torch.sparse.mm(x, scaled) - shift @ w + b
        loss = F.cross_entropy(logits, y) + l2 * (w**2).sum()
        loss.backward()
        return loss

    if kept:
        opt.step(closure)
    with torch.no_grad():
        weight = w / std.unsqueeze(1)
        bias = b - shift @ w
    return NgramBaseline(list(names), kept, weight.detach(), bias.detach(), N_MAX, max_chars)


def load(folder: str | Path) -> NgramBaseline | None:
    """The baseline saved in a run folder, None if it has none (a run from before
    baselines were saved)."""
    path = Path(folder) / FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        labels, grams = data["labels"], data["grams"]
        weight = torch.tensor(data["weight"], dtype=torch.float32).reshape(len(grams), len(labels))
        bias = torch.tensor(data["bias"], dtype=torch.float32).reshape(len(labels))
        ok = data.get("format") == FORMAT and all(isinstance(g, str) for g in grams + labels)
        max_chars = data.get("max_chars")
        n_max = int(data["n_max"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, RuntimeError) as e:
        raise NotegenError(f"{path}: not a readable n-gram baseline ({type(e).__name__}: {e})") from None
    if not ok or not 1 <= n_max <= 10 or not (max_chars is None or isinstance(max_chars, int)):
        raise NotegenError(f"{path}: not a notegen n-gram baseline")
    return NgramBaseline(labels, grams, weight, bias, n_max, max_chars, dict(data.get("metrics") or {}))


def _log_counts(documents: list[str], index: dict[str, int], n_max: int,
                max_chars: int | None) -> Tensor:
    """(N, features) sparse log1p counts of the n-grams in `index`."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for i, d in enumerate(documents):
        text = d if max_chars is None else d[:max_chars]
        for g, c in ngrams(text, n_max).items():
            j = index.get(g)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(math.log1p(c))
    return torch.sparse_coo_tensor(torch.tensor([rows, cols], dtype=torch.long).reshape(2, -1),
                                   torch.tensor(vals, dtype=torch.float32),
                                   (len(documents), len(index)), check_invariants=False).coalesce()


def fit_run(folder: str | Path, train_docs: list[str], train_labels: list[int], names: list[str],
            val_docs: list[str], val_labels: list[int], max_chars: int | None = None) -> NgramBaseline:
    """Fit on a run's training part, score it on its held-out part (the same split
    the network uses) and save it in the run folder."""
    model = fit(train_docs, train_labels, names, max_chars=max_chars)
    model.metrics = held_out(model.predict_proba(val_docs), val_labels, len(names))
    model.save(folder)
    return model


def held_out(probs: Tensor, truth: list[int], n_labels: int) -> dict[str, Any]:
    """val_accuracy, val_loss (mean cross-entropy, nats), confusion and val_count
    of (N, labels) probabilities; accuracy and loss are None without documents."""
    if not truth:
        return {"val_accuracy": None, "val_loss": None, "confusion": None, "val_count": 0}
    y = torch.tensor(truth)
    predicted = probs.argmax(1)
    matrix = [[0] * n_labels for _ in range(n_labels)]  # rows: true label; columns: predicted
    for t, p in zip(truth, predicted.tolist(), strict=True):
        matrix[t][p] += 1
    return {"val_accuracy": (predicted == y).float().mean().item(),
            "val_loss": F.nll_loss(torch.log(probs.clamp_min(1e-12)), y).item(),
            "confusion": matrix, "val_count": len(truth)}


def choose(model: dict[str, Any], baseline: dict[str, Any] | None) -> str:
    """'model' or 'baseline': the one with the higher held-out accuracy, on a tie
    the lower held-out loss, on a tie of both the model. Without held-out
    documents or a baseline, the model."""
    if not baseline or baseline.get("val_accuracy") is None or model.get("val_accuracy") is None:
        return "model"
    ours = (model["val_accuracy"], -float(model.get("val_loss") or 0.0))
    theirs = (baseline["val_accuracy"], -float(baseline.get("val_loss") or 0.0))
    return "baseline" if theirs > ours else "model"
