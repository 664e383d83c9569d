"""Checkpoints: one self-describing safetensors file.

Weights are safetensors tensors; the model config, vocabulary, notation, metrics
and notegen version are fields of the safetensors metadata header, written and
read by `CheckpointMeta` (ckpt_format.py: the format's version and migrations).
Loading reads only that format, so a checkpoint can never run code (no pickle,
ever). A training checkpoint (`last.safetensors`) also holds the optimizer state
and the trainer's position under the `_train.` prefix, in the same atomic write.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from notetokens.errors import NotegenError, NotegenWarning
from notetokens.io import not_a_file, write_bytes
from notetokens.vocab import CharVocab

from . import ckpt_meta
from .ckpt_format import FORMAT, TRAIN_PREFIX, CheckpointMeta, join_train_state, split_train_state
from .config import ModelConfig
from .rnn import CharRNN

__all__ = ["FORMAT", "TRAIN_PREFIX", "CheckpointMeta", "LoadedModel", "load", "read",
           "read_meta", "save", "split_train_state"]
BUNDLED = Path(__file__).parent / "bundled"
BEST = "best.safetensors"
LAST = "last.safetensors"


@dataclass
class LoadedModel:
    """A model ready to sample: in eval mode, on `device`, with its vocabulary."""

    model: CharRNN
    vocab: CharVocab
    notation: str
    config: ModelConfig
    metrics: dict[str, Any] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)  # every metadata field, decoded
    path: Path | None = None

    @property
    def device(self) -> torch.device:
        return self.model.head.weight.device


def _version() -> str:
    try:
        from notegen import __version__

        return __version__
    except ImportError:  # pragma: no cover - notegen is always installed with us
        return "unknown"


def encode(
    model: torch.nn.Module,
    vocab: CharVocab,
    notation: str,
    config: ModelConfig,
    metrics: dict[str, Any] | None = None,
    *,
    extra_tensors: dict[str, Tensor] | None = None,
    extra_meta: dict[str, Any] | None = None,
) -> bytes:
    """The bytes of a checkpoint file (see `save`)."""
    from safetensors.torch import save as st_save

    # CPU copies: a checkpoint written on a GPU loads anywhere
    weights = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    state = {k: v.detach().cpu().contiguous() for k, v in (extra_tensors or {}).items()}
    meta = CheckpointMeta({
        "notegen_version": _version(),
        "notation": notation,
        "config": config.to_dict(),
        "vocab": vocab.to_dict(),
        "metrics": metrics or {},
        **(extra_meta or {}),
    })
    header = meta.encode()
    return st_save(join_train_state(weights, state), metadata=header)


def save(
    path: str | Path,
    model: torch.nn.Module,
    vocab: CharVocab,
    notation: str,
    config: ModelConfig,
    metrics: dict[str, Any] | None = None,
    *,
    extra_tensors: dict[str, Tensor] | None = None,
    extra_meta: dict[str, Any] | None = None,
) -> Path:
    """Write a checkpoint atomically: a temporary file in the same folder, fsynced,
    then renamed over `path`, so a crash mid-write leaves the previous file whole."""
    data = encode(
        model, vocab, notation, config, metrics,
        extra_tensors=extra_tensors, extra_meta=extra_meta,
    )
    write_bytes(path, data)
    return Path(path)


def resolve(name: str | Path) -> Path:
    """A checkpoint file from a file, a run directory (its best checkpoint) or the
    name of a bundled model ("folk" is models/bundled/folk.safetensors).

    A bare bundled name wins over a file or folder of that name here (a folder
    of tunes called `folk` must not break `notegen sample`), with a warning
    naming both; a path as written (`./folk`, `folk/`, `/abs/folk`) is a path."""
    p, text = Path(name), str(name)
    bare = bool(text) and "/" not in text and "\\" not in text and not p.suffix
    bundled = BUNDLED / f"{text}.safetensors"
    if bare and bundled.is_file():
        if os.path.lexists(text):
            what = "folder" if p.is_dir() else "file"
            warnings.warn(f"using the bundled model {text}, not the {what} {text} here "
                          f"(name it ./{text} for that)", NotegenWarning, stacklevel=2)
        return bundled
    if p.exists() and not p.is_dir():
        _regular(p)
    if p.is_dir():
        for candidate in (BEST, LAST):
            if (p / candidate).is_file():
                return p / candidate
        raise NotegenError(f"{p}: no {BEST} or {LAST} in this directory")
    if p.is_file():
        return p
    if bare:
        have = ", ".join(bundled_names()) or "none installed"
        raise NotegenError(f"{text}: no such file, and no bundled model of that name ({have})")
    raise NotegenError(f"{name}: no such file or directory")


def _regular(path: Path) -> None:
    """A checkpoint is a regular file: reading a device or a FIFO could return
    endless bytes or wait forever."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise NotegenError(f"{path}: no such file") from None
    except OSError as e:
        raise NotegenError(f"{path}: {e.strerror}") from None
    problem = not_a_file(path, mode, "a checkpoint file (.safetensors)")
    if problem:
        raise NotegenError(problem)


def bundled_names() -> list[str]:
    return sorted(p.stem for p in BUNDLED.glob("*.safetensors")) if BUNDLED.is_dir() else []


def read(path: str | Path, device: str | torch.device = "cpu") -> tuple[dict[str, Tensor], CheckpointMeta]:
    """Tensors and decoded metadata of a checkpoint file, refusing anything else;
    both brought to the current format version.

    safetensors parses a fixed binary header and raw tensor bytes; a pickle (or any
    other file) fails that parse before a byte of it is interpreted as code.
    """
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    _regular(path)
    try:
        tensors: dict[str, Tensor] = {}
        with safe_open(str(path), framework="pt", device=str(device)) as f:
            header = f.metadata() or {}
            for k in f.keys():  # noqa: SIM118 (safe_open is not a Mapping)
                tensors[k] = _own(f.get_tensor(k))
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        raise NotegenError(_not_safetensors(path, e)) from None
    return tensors, CheckpointMeta.decode(path, header, tensors)


def _own(t: Tensor) -> Tensor:
    """`t` in memory of its own, aligned as every tensor torch allocates.

    safetensors hands out views into the file's bytes, which sit wherever the
    header's length puts them (8-byte aligned at best). MKL's kernels take another
    path for an operand that is not aligned to the vector width (16 bytes was enough
    on an AVX2 machine, AVX-512 ones want 64), so a carried hidden state read back in
    place is multiplied with other rounding than the same state in memory of its own,
    and a resumed run drifts from the uninterrupted one by an ulp in its first step.
    torch aligns its own allocations to 64 bytes. A copy costs one model's size once."""
    return t.clone(memory_format=torch.contiguous_format)


def _not_safetensors(path: str | Path, e: Exception) -> str:
    """safetensors' error text on one line, cut to a readable length."""
    text = " ".join(str(e).split())
    text = text if len(text) <= 160 else text[:157] + "..."
    return f"{path}: not a notegen checkpoint (not a valid safetensors file: {text})"


def read_meta(path: str | Path) -> CheckpointMeta:
    """A checkpoint's decoded and checked metadata from its header alone (no
    weights read)."""
    from safetensors import SafetensorError, safe_open

    _regular(Path(path))
    try:
        with safe_open(str(path), framework="numpy") as f:
            header = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as e:
        raise NotegenError(_not_safetensors(path, e)) from None
    meta = CheckpointMeta.decode(Path(path), header)
    ckpt_meta.checked(Path(path), meta)
    return meta


def load(path_or_name: str | Path, device: str | torch.device = "cpu") -> LoadedModel:
    """A model ready to sample from a checkpoint file, run directory or bundled name."""
    path = resolve(path_or_name)
    device = _device(device)
    tensors, meta = read(path, device)
    if meta.get("task", "lm") != "lm":  # a classifier (notegen classify) has no LM head
        raise NotegenError(f"{path}: a {meta['task']} model, not a language model")
    config, vocab, notation = ckpt_meta.checked(path, meta)
    weights, _ = split_train_state(tensors)
    ckpt_meta.weights(path, config, weights)  # before CharRNN allocates anything
    model = CharRNN(config)
    try:
        model.load_state_dict(weights)
    except RuntimeError as e:
        raise NotegenError(f"{path}: weights do not match the stored config ({e})") from None
    model.to(device).eval().requires_grad_(False)  # sampling needs no autograd
    return LoadedModel(model, vocab, notation, config, dict(meta.get("metrics", {})), meta, path)


def _device(device: str | torch.device) -> torch.device:
    from .runtime import pick_device

    return pick_device(str(device))
