"""Training a `SeqClassifier` on labelled documents, as `train` trains a language
model: a seed, a stratified held-out split, a progress bar, AdamW with warmup and
cosine decay, `best.safetensors` (highest held-out accuracy) and
`last.safetensors` (everything needed to resume), and Ctrl-C that saves first.

`--base` starts the encoder from a trained language model: its vocabulary is kept
(characters it never saw read as unk) and its notation must be the data's.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from notetokens.errors import NotegenError
from notetokens.registry import NOTATIONS
from notetokens.vocab import CharVocab

from . import checkpoint, ngram, runtime, trainstate
from .classifier import (
    ClassifyConfig,
    SeqClassifier,
    build,
    confusion,
    predict_proba,
    save,
)
from .classify_data import Labelled, encode_documents, length_batches, pad, stratified_split
from .config import ModelConfig, preset
from .runlock import RunLock
from .schedule import lr_at
from .stopsignal import StopOnSigint


@dataclass
class ClassifyResult:
    out_dir: Path
    labels: list[str]
    epoch: float  # passes over the training documents done, counting earlier runs
    step: int
    interrupted: bool
    train_size: int
    val_size: int
    best: dict[str, Any]  # metrics of the best checkpoint: val_accuracy, val_loss, confusion
    history: list[dict[str, Any]] = field(default_factory=list)
    baseline: dict[str, Any] = field(default_factory=dict)  # the n-gram baseline's, same split
    base: str | None = None  # the language model the encoder started from
    stopped_early: bool = False  # no better held-out score for `patience` epochs

    @property
    def use(self) -> str:
        """What `classify predict` uses by default: 'model' or 'baseline'."""
        return ngram.choose(self.best, self.baseline)

    @property
    def best_path(self) -> Path:
        return self.out_dir / checkpoint.BEST

    @property
    def last_path(self) -> Path:
        """The checkpoint a resumed run continues from."""
        return self.out_dir / checkpoint.LAST


def evaluate(model: SeqClassifier, vocab: CharVocab, data: Labelled,
             max_chars: int | None = None) -> dict[str, Any]:
    """Accuracy, mean cross-entropy (nats) and the confusion matrix on `data`."""
    if not len(data):
        return {"accuracy": None, "loss": None, "confusion": None, "count": 0}
    return scores(predict_proba(model, vocab, data.documents, max_chars), data)


def scores(probs: Tensor, data: Labelled) -> dict[str, Any]:
    """Accuracy, mean cross-entropy and confusion of (N, labels) probabilities."""
    truth = torch.tensor(data.labels)
    predicted = probs.argmax(1)
    loss = F.nll_loss(torch.log(probs.clamp_min(1e-12)), truth).item()
    return {
        "accuracy": (predicted == truth).float().mean().item(),
        "loss": loss,
        "confusion": confusion(data.labels, predicted.tolist(), len(data.names)),
        "count": len(data),
    }


def fit(
    data: Labelled,
    notation: str,
    out_dir: str | Path,
    config: ClassifyConfig | None = None,
    *,
    base: str | Path | None = None,
    model_config: ModelConfig | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    on_step: Callable[[int], bool | None] | None = None,
) -> ClassifyResult:
    """Train a classifier of `data` (model text of `notation`) into `out_dir`.
    `model_config` sets the encoder's shape instead of the preset (without a base).
    `on_step(step)` returning True stops the run as Ctrl-C does (saved, resumable).
    With `freeze`, the encoder reads each document once and the head trains on
    those vectors, so a linear probe costs one forward pass over the data.
    `base` 'auto' is the bundled model of `notation` if there is one; 'none' or
    None starts afresh. An n-gram baseline is fitted on the same split and saved
    beside the checkpoints (models/ngram.py)."""
    base = resolve_base(base, notation)
    with torch.random.fork_rng(), StopOnSigint() as stop, ExitStack() as held:
        return _fit(data, notation, Path(out_dir), config or ClassifyConfig(), base, model_config,
                    resume, overwrite, progress, on_step, stop, held)


def _fit(data: Labelled, notation: str, out: Path, config: ClassifyConfig,
         base: str | Path | None, model_config: ModelConfig | None, resume: bool,
         overwrite: bool, progress: bool,
         on_step: Callable[[int], bool | None] | None, stop: StopOnSigint,
         held: ExitStack) -> ClassifyResult:
    device = runtime.pick_device(config.device)
    saved = _prepare(out, resume, overwrite, notation, data, device)
    held.enter_context(RunLock(out))  # one run per folder at a time, as in train
    extra_meta: dict[str, Any] = {}
    if saved:
        tensors, meta = saved
        model, vocab, saved_config, _ = build(meta, out / checkpoint.LAST)
        # a resumed run keeps its settings; only how long it runs and where may change
        config = replace(saved_config, epochs=config.epochs, device=config.device)
        state = dict(meta.get("train_state", {}))
        extra_meta["base"] = meta.get("base")
    else:
        torch.manual_seed(config.seed)
        if config.freeze is None:
            config = replace(config, freeze=base is not None)
        model, vocab = _new_model(data, notation, config, base, model_config)
        state = {"epoch": 0, "batch": 0, "step": 0, "best": None, "history": []}
        extra_meta["base"] = None if base is None else str(base)
    train_idx, val_idx = stratified_split(data.labels, config.val_fraction, config.seed)
    train, val = data.subset(train_idx), data.subset(val_idx)
    if not len(train):
        raise NotegenError("no documents left to train on after the held-out split")
    baseline = _baseline(out, train, val, data.names, config.max_chars, bool(saved))
    model.to(device)
    if config.freeze:
        for p in model.encoder_parameters():
            p.requires_grad_(False)
    optimizer = _optimizer(model, config)
    if saved:
        weights, extra = checkpoint.split_train_state(tensors)
        model.load_state_dict(weights)
        trainstate.unpack(optimizer, extra, meta, device, model.config.cell)
    seqs = encode_documents(train.documents, vocab, config.max_chars)
    lengths = [len(s) for s in seqs]
    cached = _cache(model, vocab, train, val, config, device) if config.freeze else None
    per_epoch = math.ceil(len(seqs) / config.batch_size)
    total = per_epoch * config.epochs
    enc_lr = config.lr if config.encoder_lr is None else config.encoder_lr
    ratios = [1.0] if config.freeze else [1.0, enc_lr / config.lr]  # head, encoder
    labels_t = torch.tensor(train.labels)
    bar = _progress(progress, total, int(state["step"]))
    ctx = _Saver(out, model, vocab, notation, data.names, config, optimizer, device, extra_meta)
    interrupted = False
    loss_value = float(state.get("last_loss") or "nan")
    try:
        for epoch in range(int(state["epoch"]), config.epochs):
            g = torch.Generator().manual_seed(config.seed * 100_003 + epoch)
            batches = length_batches(lengths, config.batch_size, g)
            for b in range(int(state["batch"]), len(batches)):
                batch = batches[b]
                lr = lr_at(int(state["step"]), total, config.lr, warmup=100)
                for group, ratio in zip(optimizer.param_groups, ratios, strict=True):
                    group["lr"] = lr * ratio
                model.train()
                if cached is not None:  # a frozen encoder: its vectors were computed once
                    logits = model.classifier(model.drop(cached[0][batch]))
                else:
                    ids, lens = pad([seqs[i] for i in batch])
                    logits = model(ids.to(device), lens)
                loss = F.cross_entropy(logits, labels_t[batch].to(device))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if config.grad_clip > 0:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                optimizer.step()
                loss_value = loss.item()
                state["step"] += 1
                state["batch"] = b + 1
                state["last_loss"] = loss_value
                bar.update(1)
                bar.set_postfix({"loss": f"{loss_value:.3f}"}, refresh=False)
                if stop.requested or bool(on_step and on_step(int(state["step"]))):
                    interrupted = True
                    break
            if interrupted:
                break
            state["epoch"] = epoch + 1
            state["batch"] = 0
            ctx.checkpoint(state, train, val, loss_value, None if cached is None else cached[1])
            if state["history"]:
                bar.set_postfix(_postfix(state["history"][-1]), refresh=False)
            if _no_progress(state, config.patience):
                state["stopped_early"] = True
                break
    finally:
        bar.close()
    if interrupted:  # saved to resume; the caller says so and picks the exit status, as in train
        ctx.save_last(state, ctx.metrics_now)
    return ClassifyResult(out, data.names, state["epoch"] + state["batch"] / per_epoch,
                          int(state["step"]), interrupted, len(train), len(val),
                          dict(state["best"] or {}), list(state["history"]), baseline.metrics,
                          extra_meta["base"], bool(state.get("stopped_early")))


def resolve_base(base: str | Path | None, notation: str) -> str | Path | None:
    """`base` as fit reads it: 'auto' is the bundled language model of `notation`'s
    model text (folk for notes, ABC and MIDI; None if no bundled model reads it),
    'none' is None."""
    if base is None or str(base) == "none":
        return None
    if str(base) != "auto":
        return base
    form = NOTATIONS[notation].model_text  # ABC and MIDI read as note strings: the folk model's text
    for name in checkpoint.bundled_names():
        if checkpoint.read_meta(checkpoint.resolve(name)).get("notation") == form:
            return name
    return None


def _no_progress(state: dict[str, Any], patience: int | None) -> bool:
    """Whether the held-out score has not improved for `patience` epochs."""
    best = state.get("best")
    return bool(patience and best and state["epoch"] - int(best["epoch"]) >= patience)


def _baseline(out: Path, train: Labelled, val: Labelled, names: list[str], max_chars: int | None,
              resumed: bool) -> ngram.NgramBaseline:
    """The run's n-gram baseline: a resumed run keeps the one it saved."""
    kept = ngram.load(out) if resumed else None
    if kept is not None and kept.labels == names:
        return kept
    return ngram.fit_run(out, train.documents, train.labels, names, val.documents, val.labels, max_chars)


def saved_meta(out_dir: str | Path) -> dict[str, Any] | None:
    """The metadata of the run saved in `out_dir` (its last checkpoint), None if none."""
    last = Path(out_dir) / checkpoint.LAST
    return checkpoint.read_meta(last) if last.is_file() else None


def default_notation(out_dir: str | Path, base: str | Path | None, resume: bool) -> str | None:
    """The notation a fit reads when none is named, as `notegen classify fit` and
    `notegen.classify_fit` choose it: the resumed run's, else the base model's;
    None without either (the caller must ask for one)."""
    saved = saved_meta(out_dir) if resume else None
    if saved is not None:
        return str(saved["notation"])
    if base is not None and str(base) not in ("auto", "none"):
        return str(checkpoint.read_meta(checkpoint.resolve(base))["notation"])
    return None


def _prepare(out: Path, resume: bool, overwrite: bool, notation: str, data: Labelled,
             device: torch.device) -> tuple[dict[str, Tensor], dict[str, Any]] | None:
    last = out / checkpoint.LAST
    if resume:
        if not last.is_file():
            raise NotegenError(f"{out}: nothing to resume (no {checkpoint.LAST})")
        tensors, meta = checkpoint.read(last, device)
        if meta.get("task") != "classify":
            raise NotegenError(f"{last}: a language model's run, not a classifier's")
        if meta.get("notation") != notation:
            raise NotegenError(f"{last}: was trained on notation {meta.get('notation')!r}, not {notation!r}")
        if list(meta.get("labels", [])) != data.names:
            raise NotegenError(f"{last}: was trained on labels {meta.get('labels')}, not {data.names}")
        return tensors, meta
    if (last.exists() or (out / checkpoint.BEST).exists()) and not overwrite:
        raise NotegenError(f"{out}: already holds a checkpoint; resume it or choose another folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise NotegenError(f"{out}: cannot create the folder ({e.strerror})") from None
    return None


def _cache(model: SeqClassifier, vocab: CharVocab, train: Labelled, val: Labelled,
           config: ClassifyConfig, device: torch.device) -> tuple[Tensor, Tensor]:
    """The frozen encoder's vectors of the training and held-out documents."""
    model.eval()
    out = []
    with torch.no_grad():
        for part in (train, val):
            seqs = encode_documents(part.documents, vocab, config.max_chars)
            feats = torch.zeros(len(seqs), model.classifier.in_features, device=device)
            for batch in length_batches([len(s) for s in seqs], 64, None):
                ids, lens = pad([seqs[i] for i in batch])
                feats[batch] = model.features(ids.to(device), lens)
            out.append(feats)
    return out[0], out[1]


def _new_model(data: Labelled, notation: str, config: ClassifyConfig, base: str | Path | None,
               model_config: ModelConfig | None) -> tuple[SeqClassifier, CharVocab]:
    if base is None:
        vocab = CharVocab.build(data.documents)
        mcfg = (model_config or preset(config.preset)).with_vocab(len(vocab))
        return SeqClassifier(mcfg, len(data.names), config.pool, config.dropout), vocab
    lm = checkpoint.load(base)
    form = NOTATIONS[notation].model_text  # the documents are in this form (read_folders)
    if lm.notation != form:
        raise NotegenError(f"{lm.path}: the base model reads {lm.notation!r} model text, not {form!r}")
    model = SeqClassifier(lm.config, len(data.names), config.pool, config.dropout)
    model.load_encoder(lm.model)
    return model, lm.vocab


def _optimizer(model: SeqClassifier, c: ClassifyConfig) -> torch.optim.Optimizer:
    groups: list[dict[str, Any]] = [{"params": list(model.classifier.parameters()), "lr": c.lr}]
    if not c.freeze:
        enc_lr = c.lr if c.encoder_lr is None else c.encoder_lr
        groups.append({"params": model.encoder_parameters(), "lr": enc_lr})
    return torch.optim.AdamW(groups, betas=(0.9, 0.99), weight_decay=c.weight_decay)


class _Saver:
    """Validation after each epoch and the two checkpoints."""

    def __init__(self, out: Path, model: SeqClassifier, vocab: CharVocab, notation: str,
                 labels: list[str], config: ClassifyConfig, optimizer: torch.optim.Optimizer,
                 device: torch.device, extra_meta: dict[str, Any]) -> None:
        self.out, self.model, self.vocab, self.notation = out, model, vocab, notation
        self.labels, self.config, self.optimizer, self.device = labels, config, optimizer, device
        self.extra_meta = extra_meta
        self.metrics_now: dict[str, Any] = {}

    def checkpoint(self, state: dict[str, Any], train: Labelled, val: Labelled, loss: float,
                   val_features: Tensor | None = None) -> None:
        c = self.config
        if val_features is not None and len(val):
            self.model.eval()
            with torch.no_grad():
                probs = torch.softmax(self.model.classifier(val_features), -1).cpu()
            v = scores(probs, val)
        else:
            v = evaluate(self.model, self.vocab, val, c.max_chars)
        metrics = {"epoch": state["epoch"], "step": state["step"], "train_loss": loss,
                   "val_accuracy": v["accuracy"], "val_loss": v["loss"], "confusion": v["confusion"],
                   "val_count": v["count"], "train_count": len(train),
                   "parameters": sum(p.numel() for p in self.model.parameters())}
        best = state["best"]
        score = (v["accuracy"], -v["loss"]) if v["count"] else (0.0, -loss)
        improved = best is None or score > tuple(best["score"])
        if improved:
            state["best"] = {**metrics, "score": list(score)}
        state["history"].append({k: metrics[k] for k in ("epoch", "train_loss", "val_accuracy", "val_loss")})
        if improved or not (self.out / checkpoint.BEST).exists():
            save(self.out / checkpoint.BEST, self.model, self.vocab, self.notation, self.labels,
                 c, metrics, extra_meta=self.extra_meta)
        self.metrics_now = metrics
        self.save_last(state, metrics)

    def save_last(self, state: dict[str, Any], metrics: dict[str, Any]) -> None:
        tensors, opt_meta = trainstate.pack(self.optimizer, None, self.device)
        save(self.out / checkpoint.LAST, self.model, self.vocab, self.notation, self.labels,
             self.config, metrics, extra_tensors=tensors,
             extra_meta={**self.extra_meta, **opt_meta, "train_state": state})


def _postfix(h: dict[str, Any]) -> dict[str, str]:
    out = {"loss": f"{h['train_loss']:.3f}"}
    if h.get("val_accuracy") is not None:
        out["val_acc"] = f"{h['val_accuracy']:.3f}"
    return out


def _progress(enabled: bool, total: int, initial: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, disable=not enabled, unit="step",
                dynamic_ncols=True, file=sys.stderr, leave=True)
