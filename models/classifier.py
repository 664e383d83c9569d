"""`SeqClassifier`: a char-RNN encoder read to the end of a document (seq2vec) and
a linear head over the labels, with its checkpoint format and prediction.

The encoder is a language model's: a classifier wraps a `CharRNN` (a new one,
or a trained one to start from: transfer) and keeps its embedding and recurrent
layers under their own names (`embed.*`, `rnn.*`), so its embedding table reads
like any model's; the LM's output layer, which predicts characters, is not kept.
The head sees the top layer's final state and the mean of its outputs over the
document. A checkpoint is a notegen safetensors file
like a language model's, with `task: classify`, the labels and the head's settings
in its metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from notetokens.errors import NotegenError
from notetokens.vocab import CharVocab

from . import checkpoint
from .classify_data import encode_documents, length_batches, pad
from .config import ModelConfig
from .rnn import CharRNN

TASK = "classify"
POOLS = ("last", "mean", "last+mean", "layers+mean")


@dataclass(frozen=True)
class ClassifyConfig:
    preset: str = "tiny"  # encoder size when not starting from a base model
    pool: str = "last+mean"  # what the head sees: final state, mean output, both, or
    # layers+mean: every layer's final state and the top layer's mean
    epochs: int = 60  # passes over the training documents, at most
    patience: int | None = 10  # stop after this many epochs without a better held-out score
    batch_size: int = 32  # documents per step
    lr: float = 3e-3  # peak learning rate of the head (and of the encoder, unless encoder_lr)
    encoder_lr: float | None = None  # a smaller rate keeps a base model's knowledge
    freeze: bool | None = None  # train the head only (a linear probe of the encoder);
    # None: frozen when the encoder starts from a base model, trained when it starts afresh
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    dropout: float = 0.1  # before the head
    val_fraction: float = 0.2  # documents per label held out (stratified)
    max_chars: int | None = None  # read at most this many characters of each document
    seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.pool not in POOLS:
            raise NotegenError(f"unknown pool {self.pool!r}; known: {', '.join(POOLS)}")
        if self.epochs < 1 or self.batch_size < 1 or (self.patience is not None and self.patience < 1):
            raise NotegenError("epochs, batch size and patience must be >= 1")
        if self.lr <= 0 or (self.encoder_lr is not None and self.encoder_lr < 0):
            raise NotegenError("learning rates must be > 0")
        if not 0 <= self.val_fraction < 1:
            raise NotegenError(f"val_fraction must be in [0, 1), got {self.val_fraction}")
        if self.max_chars is not None and self.max_chars < 1:
            raise NotegenError("max_chars must be >= 1")
        if not 0 <= self.dropout < 1:
            raise NotegenError(f"dropout must be in [0, 1), got {self.dropout}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClassifyConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


class SeqClassifier(nn.Module):
    """A head over the encoder of the language model `lm` (a new `CharRNN` of
    `config` when none is given), whose layers it trains from then on."""

    def __init__(self, config: ModelConfig, n_labels: int, pool: str = "last+mean",
                 dropout: float = 0.1, lm: CharRNN | None = None) -> None:
        super().__init__()
        if n_labels < 2:
            raise NotegenError("a classifier needs at least two labels")
        lm = CharRNN(config) if lm is None else lm
        if lm.config != config:
            raise ValueError("the language model's config is not the classifier's")
        self.config = config
        self.pool = pool
        self.embed, self.rnn = lm.embed, lm.rnn  # the LM's layers, under the LM's names
        self.embed.requires_grad_(True)
        self.rnn.requires_grad_(True)  # a loaded LM comes for sampling, without gradients
        self.drop = nn.Dropout(dropout)
        width = config.hidden_size * {"last+mean": 2, "layers+mean": config.num_layers + 1}.get(pool, 1)
        self.classifier = nn.Linear(width, n_labels)

    def features(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """(B, T) padded ids and (B,) lengths -> (B, F) document vectors."""
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        packed = pack_padded_sequence(self.embed(ids), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        out, hidden = self.rnn(packed)
        h = hidden[0] if isinstance(hidden, tuple) else hidden  # LSTM: (h, c)
        last = h[-1]  # (B, H): the top layer after each document's last character
        if self.pool == "last":
            return last
        seq, _ = pad_packed_sequence(out, batch_first=True)  # (B, T, H), zeros past the end
        mean = seq.sum(1) / lengths.to(seq.device).unsqueeze(1).to(seq.dtype)
        if self.pool == "mean":
            return mean
        if self.pool == "layers+mean":  # every layer's final state, then the top layer's mean
            return torch.cat([*h, mean], dim=1)
        return torch.cat([last, mean], dim=1)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        """Logits (B, labels)."""
        return self.classifier(self.drop(self.features(ids, lengths)))

    def encoder_parameters(self) -> list[nn.Parameter]:
        return [*self.embed.parameters(), *self.rnn.parameters()]

    def load_encoder(self, lm: CharRNN) -> None:
        """Copy a language model's embedding and recurrent weights into this encoder."""
        self.embed.load_state_dict(lm.embed.state_dict())
        self.rnn.load_state_dict(lm.rnn.state_dict())


@dataclass
class LoadedClassifier:
    model: SeqClassifier
    vocab: CharVocab
    notation: str
    labels: list[str]
    config: ClassifyConfig
    metrics: dict[str, Any]
    meta: dict[str, Any]
    path: Path | None = None

    @property
    def device(self) -> torch.device:
        return self.model.classifier.weight.device

    def predict_proba(self, documents: list[str], batch_size: int = 64) -> Tensor:
        """(N, labels) probabilities, in the order of `documents`."""
        return predict_proba(self.model, self.vocab, documents, self.config.max_chars, batch_size)


def predict_proba(model: SeqClassifier, vocab: CharVocab, documents: list[str],
                  max_chars: int | None = None, batch_size: int = 64) -> Tensor:
    seqs = encode_documents(documents, vocab, max_chars)
    out = torch.zeros(len(seqs), model.classifier.out_features)
    device = model.classifier.weight.device
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for batch in length_batches([len(s) for s in seqs], batch_size, None):
            ids, lengths = pad([seqs[i] for i in batch])
            out[batch] = torch.softmax(model(ids.to(device), lengths), dim=-1).cpu()
    model.train(was_training)
    return out


def save(path: str | Path, model: SeqClassifier, vocab: CharVocab, notation: str,
         labels: list[str], config: ClassifyConfig, metrics: dict[str, Any],
         extra_tensors: dict[str, Tensor] | None = None,
         extra_meta: dict[str, Any] | None = None) -> Path:
    meta = {"task": TASK, "labels": labels, "classify_config": config.to_dict(), **(extra_meta or {})}
    return checkpoint.save(path, model, vocab, notation, model.config, metrics,
                           extra_tensors=extra_tensors, extra_meta=meta)


def build(meta: Mapping[str, Any], path: Path) -> tuple[SeqClassifier, CharVocab, ClassifyConfig, list[str]]:
    """An untrained classifier of the shape a checkpoint's metadata describes."""
    if meta.get("task") != TASK:
        raise NotegenError(
            f"{path}: a language model, not a classifier (train one with notegen classify fit)"
        )
    from .ckpt_meta import checked

    mcfg, vocab, _ = checked(path, meta)  # types and sizes capped as for a language model
    labels = meta.get("labels")
    if not isinstance(labels, list) or not 2 <= len(labels) <= 10_000 or \
            not all(isinstance(x, str) for x in labels):
        raise NotegenError(f"{path}: metadata 'labels' must be a list of 2 or more strings")
    try:
        config = ClassifyConfig.from_dict(meta["classify_config"])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise NotegenError(f"{path}: classifier metadata is incomplete or invalid ({e})") from None
    return SeqClassifier(mcfg, len(labels), config.pool, config.dropout), vocab, config, labels


def weights(path: Path, meta: Mapping[str, Any], tensors: dict[str, Tensor]) -> dict[str, Tensor]:
    """The classifier's weights of a checkpoint's tensors, checked against the
    model its metadata describes (counted without building it) before any is used."""
    from . import ckpt_meta

    found, _ = checkpoint.split_train_state(tensors)
    ckpt_meta.weights(path, ckpt_meta.count(lambda: build(meta, path)[0]), found)
    return found


def load(path_or_dir: str | Path, device: str | torch.device = "cpu") -> LoadedClassifier:
    """A classifier ready to predict, from a checkpoint file or a run folder."""
    path = checkpoint.resolve(path_or_dir)
    tensors, meta = checkpoint.read(path, device)
    found = weights(path, meta, tensors)
    model, vocab, config, labels = build(meta, path)
    try:
        model.load_state_dict(found)
    except RuntimeError as e:
        raise NotegenError(f"{path}: weights do not match the stored config ({e})") from None
    model.to(device).eval().requires_grad_(False)
    return LoadedClassifier(model, vocab, str(meta["notation"]), labels, config,
                            dict(meta.get("metrics", {})), meta, path)


def confusion(truth: list[int], predicted: list[int], n: int) -> list[list[int]]:
    """Rows: true label; columns: predicted label."""
    m = [[0] * n for _ in range(n)]
    for t, p in zip(truth, predicted, strict=True):
        m[t][p] += 1
    return m


def format_confusion(matrix: list[list[int]], names: list[str]) -> list[str]:
    """The matrix as aligned text lines, with each row's recall."""
    width = max(6, *(len(n) for n in names))
    lines = [" " * width + "  " + " ".join(f"{n[:width]:>{width}}" for n in names) + "  recall"]
    for name, row in zip(names, matrix, strict=True):
        total = sum(row)
        recall = f"{row[names.index(name)] / total:.2f}" if total else "-"
        lines.append(f"{name[:width]:>{width}}  " + " ".join(f"{x:>{width}}" for x in row) + f"  {recall:>6}")
    return lines


USES = ("best", "model", "baseline")


@dataclass
class Predictions:
    rows: list[tuple[str, str, float]]  # (name, label, probability), one per document
    used: str  # "model" or "baseline"
    skipped: list[str]  # "file: reason" for files in the folders given that held no document
    model_metrics: dict[str, Any]  # held-out metrics of the network's best epoch
    baseline_metrics: dict[str, Any] | None  # of the n-gram baseline; None if the run has none


def predict_files(model: str | Path, paths: list[str], device: str = "cpu",
                  use: str = "best") -> Predictions:
    """The label and its probability for every document of the files and folders
    in `paths`, by the network, the run's n-gram baseline, or (`best`) whichever
    did better on the held-out documents. All are read before any is classified,
    so a bad file fails first; a file a folder holds that gives no document is
    skipped and listed. A file with several documents (an ABC file of many tunes)
    names them file#1, file#2..."""
    from . import ngram

    if use not in USES:
        raise NotegenError(f"unknown --use {use!r}; known: {', '.join(USES)}")
    clf = load(model, device)
    baseline = ngram.load(clf.path.parent) if clf.path is not None else None
    if use == "baseline" and baseline is None:
        raise NotegenError(f"{clf.path}: this run has no n-gram baseline ({ngram.FILE}); "
                           "fit it again to get one")
    if baseline is not None and baseline.labels != clf.labels:
        raise NotegenError(f"{clf.path.parent / ngram.FILE}: its labels {baseline.labels} "
                           f"are not the classifier's {clf.labels}")
    names, docs, skipped = _read_documents(clf.notation, paths)
    b_metrics = None if baseline is None else baseline.metrics
    used = ngram.choose(clf.metrics, b_metrics) if use == "best" else use
    probs = baseline.predict_proba(docs) if used == "baseline" and baseline else clf.predict_proba(docs)
    best = probs.argmax(1).tolist()
    rows = [(n, clf.labels[b], float(probs[i, b])) for i, (n, b) in enumerate(zip(names, best, strict=True))]
    return Predictions(rows, used, skipped, clf.metrics, b_metrics)


def _read_documents(notation: str, paths: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Names, documents and skipped files ("file: reason") of `paths`."""
    from notetokens.corpus import build as build_corpus
    from notetokens.corpus import expand
    from notetokens.registry import get

    names: list[str] = []
    docs: list[str] = []
    skipped: list[str] = []
    for path, named in expand(paths, get(notation)):
        corpus = build_corpus([path], notation, strict=named, jobs=1)
        found = [d for d in corpus.documents if d]
        if not found:
            if named:  # a file the user named must get its line, or say why it cannot
                raise NotegenError(corpus.skipped[0] if corpus.skipped
                                   else f"{path}: no {notation} document in this file")
            skipped.append(corpus.skipped[0] if corpus.skipped else f"{path}: no {notation} document")
            continue
        skipped += corpus.skipped
        names += [str(path)] if len(found) == 1 else [f"{path}#{i}" for i in range(1, len(found) + 1)]
        docs += found
    if not docs:
        raise NotegenError(f"no {notation} documents in {', '.join(paths)}")
    return names, docs, skipped
