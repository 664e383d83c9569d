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
from .ckpt_format import CheckpointMeta
from .classifier import (
    ClassifyConfig,
    SeqClassifier,
    build,
    confusion,
    predict_proba,
    save,
    weights,
)
from .classify_data import Labelled, encode_documents, length_batches, pad, stratified_split
from .config import ModelConfig, preset
from .runfolder import CLASSIFY, RunFolder
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
    folder = RunFolder(out, CLASSIFY)
    folder.check(resume)
    held.enter_context(folder.lock())  # one run per folder at a time, as in train
    if not resume:
        folder.refuse_overwrite(overwrite)
    saved = _resumed(folder, device, notation, data) if resume else None
    run = _restore(folder, saved, data, notation, config, base, model_config, device)
    return run.fit(progress, on_step, stop)


def _resumed(folder: RunFolder, device: torch.device, notation: str,
             data: Labelled) -> tuple[dict[str, Tensor], CheckpointMeta]:
    """The saved run, refused when it learnt other labels or its weights do not fit."""
    tensors, meta = folder.resume(device, notation)
    if list(meta.get("labels", [])) != data.names:
        raise NotegenError(f"{folder.last}: was trained on labels {meta.get('labels')}, not {data.names}")
    weights(folder.last, meta, tensors)
    return tensors, meta


def _restore(folder: RunFolder, saved: tuple[dict[str, Tensor], CheckpointMeta] | None,
             data: Labelled, notation: str, config: ClassifyConfig, base: str | Path | None,
             model_config: ModelConfig | None, device: torch.device) -> _Fitting:
    """The model, optimizer, split and counters: from the saved run, else new."""
    if saved:
        meta = saved[1]
        model, vocab, saved_config, _ = build(meta, folder.last)
        # a resumed run keeps its settings; only how long it runs and where may change
        config = replace(saved_config, epochs=config.epochs, device=config.device)
        state = dict(meta.get("train_state", {}))
        base_name = meta.get("base")
    else:
        torch.manual_seed(config.seed)
        if config.freeze is None:
            config = replace(config, freeze=base is not None)
        model, vocab = _new_model(data, notation, config, base, model_config)
        state = {"epoch": 0, "batch": 0, "step": 0, "best": None, "history": []}
        base_name = None if base is None else str(base)
    train_idx, val_idx = stratified_split(data.labels, config.val_fraction, config.seed)
    train, val = data.subset(train_idx), data.subset(val_idx)
    if not len(train):
        raise NotegenError("no documents left to train on after the held-out split")
    baseline = _baseline(folder.path, train, val, data.names, config.max_chars, bool(saved))
    model.to(device)
    if config.freeze:
        for p in model.encoder_parameters():
            p.requires_grad_(False)
    optimizer = _optimizer(model, config)
    if saved:
        found, extra = checkpoint.split_train_state(saved[0])
        model.load_state_dict(found)
        trainstate.unpack(optimizer, extra, saved[1], device, model.config.cell)
    return _Fitting(folder, model, vocab, notation, data.names, config, optimizer, device,
                    {"base": base_name}, state, train, val, baseline.metrics)


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
    return SeqClassifier(lm.config, len(data.names), config.pool, config.dropout, lm=lm.model), lm.vocab


def _optimizer(model: SeqClassifier, c: ClassifyConfig) -> torch.optim.Optimizer:
    groups: list[dict[str, Any]] = [{"params": list(model.classifier.parameters()), "lr": c.lr}]
    if not c.freeze:
        enc_lr = c.lr if c.encoder_lr is None else c.encoder_lr
        groups.append({"params": model.encoder_parameters(), "lr": enc_lr})
    return torch.optim.AdamW(groups, betas=(0.9, 0.99), weight_decay=c.weight_decay)


class _Fitting:
    """A fit under way: the epochs, the validation after each, and the two
    checkpoints, saved through the run folder."""

    def __init__(self, folder: RunFolder, model: SeqClassifier, vocab: CharVocab, notation: str,
                 labels: list[str], config: ClassifyConfig, optimizer: torch.optim.Optimizer,
                 device: torch.device, extra_meta: dict[str, Any], state: dict[str, Any],
                 train: Labelled, val: Labelled, baseline: dict[str, Any]) -> None:
        self.folder, self.model, self.vocab, self.notation = folder, model, vocab, notation
        self.labels, self.config, self.optimizer, self.device = labels, config, optimizer, device
        self.extra_meta, self.state, self.train, self.val = extra_meta, state, train, val
        self.baseline = baseline
        self.metrics_now: dict[str, Any] = {}
        self.seqs = encode_documents(train.documents, vocab, config.max_chars)
        self.per_epoch = math.ceil(len(self.seqs) / config.batch_size)
        self.total = self.per_epoch * config.epochs
        enc_lr = config.lr if config.encoder_lr is None else config.encoder_lr
        self.ratios = [1.0] if config.freeze else [1.0, enc_lr / config.lr]  # head, encoder

    def fit(self, progress: bool, on_step: Callable[[int], bool | None] | None,
            stop: StopOnSigint) -> ClassifyResult:
        c, state = self.config, self.state
        cached = _cache(self.model, self.vocab, self.train, self.val, c, self.device) if c.freeze else None
        bar = _progress(progress, self.total, int(state["step"]))
        interrupted = False
        loss = float(state.get("last_loss") or "nan")
        try:
            for epoch in range(int(state["epoch"]), c.epochs):
                interrupted, loss = self._epoch(epoch, cached, bar, lambda step: stop.requested or bool(
                    on_step and on_step(step)), loss)
                if interrupted:
                    break
                state["epoch"] = epoch + 1
                state["batch"] = 0
                self.checkpoint(loss, None if cached is None else cached[1])
                if state["history"]:
                    bar.set_postfix(_postfix(state["history"][-1]), refresh=False)
                if _no_progress(state, c.patience):
                    state["stopped_early"] = True
                    break
        finally:
            bar.close()
        if interrupted:  # saved to resume; the caller says so and picks the exit status, as in train
            self.folder.save_last(self._write, state, self.optimizer, self.device)
        return ClassifyResult(self.folder.path, self.labels, state["epoch"] + state["batch"] / self.per_epoch,
                              int(state["step"]), interrupted, len(self.train), len(self.val),
                              dict(state["best"] or {}), list(state["history"]), self.baseline,
                              self.extra_meta["base"], bool(state.get("stopped_early")))

    def _epoch(self, epoch: int, cached: tuple[Tensor, Tensor] | None, bar: Any,
               stopping: Callable[[int], bool], loss: float) -> tuple[bool, float]:
        """The batches of `epoch` from the saved one on: (stopped, the last loss)."""
        c, state, model = self.config, self.state, self.model
        g = torch.Generator().manual_seed(c.seed * 100_003 + epoch)
        batches = length_batches([len(s) for s in self.seqs], c.batch_size, g)
        labels = torch.tensor(self.train.labels)
        for b in range(int(state["batch"]), len(batches)):
            batch = batches[b]
            lr = lr_at(int(state["step"]), self.total, c.lr, warmup=100)
            for group, ratio in zip(self.optimizer.param_groups, self.ratios, strict=True):
                group["lr"] = lr * ratio
            model.train()
            if cached is not None:  # a frozen encoder: its vectors were computed once
                logits = model.classifier(model.drop(cached[0][batch]))
            else:
                ids, lens = pad([self.seqs[i] for i in batch])
                logits = model(ids.to(self.device), lens)
            step_loss = F.cross_entropy(logits, labels[batch].to(self.device))
            self.optimizer.zero_grad(set_to_none=True)
            step_loss.backward()
            if c.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), c.grad_clip)
            self.optimizer.step()
            loss = step_loss.item()
            state.update(step=state["step"] + 1, batch=b + 1, last_loss=loss)
            bar.update(1)
            bar.set_postfix({"loss": f"{loss:.3f}"}, refresh=False)
            if stopping(int(state["step"])):
                return True, loss
        return False, loss

    def checkpoint(self, loss: float, val_features: Tensor | None = None) -> None:
        """Validate after an epoch, then save best (when it improved) and last."""
        state, train, val = self.state, self.train, self.val
        if val_features is not None and len(val):
            self.model.eval()
            with torch.no_grad():
                probs = torch.softmax(self.model.classifier(val_features), -1).cpu()
            v = scores(probs, val)
        else:
            v = evaluate(self.model, self.vocab, val, self.config.max_chars)
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
        self.metrics_now = metrics
        self.folder.save(self._write, improved, state, self.optimizer, self.device)

    def _write(self, path: Path, tensors: dict[str, Tensor] | None, extra: dict[str, Any]) -> None:
        save(path, self.model, self.vocab, self.notation, self.labels, self.config, self.metrics_now,
             extra_tensors=tensors, extra_meta={**self.extra_meta, **extra})


def _postfix(h: dict[str, Any]) -> dict[str, str]:
    out = {"loss": f"{h['train_loss']:.3f}"}
    if h.get("val_accuracy") is not None:
        out["val_acc"] = f"{h['val_accuracy']:.3f}"
    return out


def _progress(enabled: bool, total: int, initial: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, disable=not enabled, unit="step",
                dynamic_ncols=True, file=sys.stderr, leave=True)
