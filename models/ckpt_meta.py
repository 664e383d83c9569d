"""Checking a checkpoint's metadata and weights before a model is built from them.

A checkpoint is a file from anywhere: its JSON metadata may hold any JSON value
in any field, and its sizes decide how much memory building the model takes. So
every field is checked for its JSON type and range, the sizes are capped, the
weights' element count must be what the config implies (before any allocation),
and the weights must be finite. Each failure is one line naming the file. The caps
below bound a model whatever its file says (README, "Limits").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch

from notetokens.errors import NotegenError
from notetokens.vocab import SPECIALS, CharVocab

from .config import CELLS, ModelConfig

MAX_VOCAB = 4096  # tokens: characters + the 4 specials (a char model needs a few hundred)
MAX_EMBED = 4096  # embed_dim
MAX_HIDDEN = 8192  # hidden_size
MAX_LAYERS = 16  # num_layers
MAX_PARAMETERS = 500_000_000  # all weights together: 2 GB of float32 (the base preset has 5 M)

_INT_CAPS = {
    "vocab_size": MAX_VOCAB,
    "embed_dim": MAX_EMBED,
    "hidden_size": MAX_HIDDEN,
    "num_layers": MAX_LAYERS,
}


def kind(value: object) -> str:
    """A JSON value's type in words."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return {dict: "an object", list: "a list", str: "a string"}.get(type(value), "null")


def config(path: Path, d: object) -> ModelConfig:
    if not isinstance(d, dict):
        raise NotegenError(f"{path}: metadata 'config' is {kind(d)}, not an object")
    known = set(ModelConfig.__dataclass_fields__)
    unknown = sorted(set(d) - known)
    if unknown:
        raise NotegenError(f"{path}: metadata 'config' has unknown fields {unknown}")
    if "vocab_size" not in d:
        raise NotegenError(f"{path}: metadata 'config' has no vocab_size")
    for name, cap in _INT_CAPS.items():
        if name not in d:
            continue
        v = d[name]
        if not isinstance(v, int) or isinstance(v, bool):
            raise NotegenError(f"{path}: config {name} must be an integer, not {kind(v)} ({v!r:.40})")
        if not 1 <= v <= cap:
            raise NotegenError(f"{path}: config {name} is {v}; notegen loads 1 to {cap}")
    cell = d.get("cell", "gru")
    if cell not in CELLS:
        raise NotegenError(f"{path}: config cell is {cell!r:.40}; known: {', '.join(CELLS)}")
    dropout = d.get("dropout", 0.0)
    if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or not 0 <= dropout < 1:
        raise NotegenError(f"{path}: config dropout must be a number in [0, 1), not {dropout!r:.40}")
    cfg = ModelConfig(**d)
    described = parameters(cfg)
    if described > MAX_PARAMETERS:
        raise NotegenError(
            f"{path}: the config describes {described:,} weights; notegen loads at most "
            f"{MAX_PARAMETERS:,}"
        )
    return cfg


def vocab(path: Path, d: object) -> CharVocab:
    if not isinstance(d, dict):
        raise NotegenError(f"{path}: metadata 'vocab' is {kind(d)}, not an object")
    if d.get("specials") != list(SPECIALS):
        raise NotegenError(f"{path}: vocab specials must be {list(SPECIALS)}")
    chars = d.get("chars")
    if not isinstance(chars, str):
        raise NotegenError(f"{path}: vocab chars must be a string, not {kind(chars)}")
    if len(chars) + len(SPECIALS) > MAX_VOCAB:
        raise NotegenError(f"{path}: vocab has {len(chars)} characters; notegen loads at most {MAX_VOCAB}")
    if len(set(chars)) != len(chars):
        raise NotegenError(f"{path}: vocab chars repeat a character")
    return CharVocab(tuple(chars))


def notation(path: Path, v: object) -> str:
    from notetokens.registry import NOTATIONS

    if not isinstance(v, str) or v not in NOTATIONS:
        raise NotegenError(f"{path}: metadata 'notation' is {v!r:.40}; known: {', '.join(NOTATIONS)}")
    return v


def metrics(path: Path, v: object) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise NotegenError(f"{path}: metadata 'metrics' is {kind(v)}, not an object")
    return v


def checked(path: Path, meta: Mapping[str, Any]) -> tuple[ModelConfig, CharVocab, str]:
    """The config, vocabulary and notation of parsed metadata, each checked."""
    for name in ("config", "vocab", "notation"):
        if name not in meta:
            raise NotegenError(f"{path}: metadata has no {name!r}")
    cfg, voc, nt = config(path, meta["config"]), vocab(path, meta["vocab"]), notation(path, meta["notation"])
    metrics(path, meta.get("metrics", {}))
    if cfg.vocab_size != len(voc):
        raise NotegenError(f"{path}: config says {cfg.vocab_size} tokens but the vocabulary has {len(voc)}")
    return cfg, voc, nt


def parameters(cfg: ModelConfig) -> int:
    """How many weights `CharRNN(cfg)` has, counted on the model itself built on
    torch's meta device, which allocates nothing (so a config is checked before
    any memory is taken, whatever its cell)."""
    from .rnn import CharRNN

    return count(lambda: CharRNN(cfg))


def count(build: Callable[[], torch.nn.Module]) -> int:
    """The number of weights of the module `build` makes, made without memory."""
    with torch.device("meta"):
        module = build()
    return sum(t.numel() for t in module.state_dict().values())


def weights(path: Path, cfg: ModelConfig | int, tensors: dict[str, Any]) -> None:
    """The weights fit the config (or a model of `cfg` weights) in number and
    hold no NaN or infinity."""
    expected = cfg if isinstance(cfg, int) else parameters(cfg)
    held = sum(t.numel() for t in tensors.values())
    if held != expected:
        raise NotegenError(
            f"{path}: the file holds {held:,} weights but its config describes {expected:,}"
        )
    for name, t in tensors.items():
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise NotegenError(
                f"{path}: weight {name} holds NaN or infinite values (a diverged run?); "
                "load an earlier checkpoint"
            )

