"""What models there are: bundled ones and checkpoints in local run folders,
described from their metadata alone (no weights are loaded)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from notetokens.errors import NotegenError

from .checkpoint import BUNDLED, read_meta


def _describe(name: str, path: Path) -> str:
    try:
        meta: dict[str, Any] = read_meta(path)  # checked: config, vocab and metrics are objects
        size = path.stat().st_size / 1e6
    except NotegenError as e:
        return f"{name:<24} unreadable: {_after_path(str(e), path)}"
    except OSError as e:
        return f"{name:<24} unreadable: {e.strerror}"
    m = meta.get("metrics", {})
    diverged = _not_finite(m)
    if diverged:
        return f"{name:<24} unreadable: {diverged} (a diverged run?)"
    cfg = meta["config"]
    parts = [
        f"{name:<24}",
        f"{meta.get('notation', '?'):<6}",
        f"{cfg.get('cell', '?')} {cfg.get('num_layers', '?')}x{cfg.get('hidden_size', '?')}",
        f"{size:5.1f} MB",
    ]
    for key, label in (("test_bpc", "test bpc"), ("val_bpc", "val bpc"), ("validity", "valid")):
        if isinstance(m.get(key), (int, float)):
            parts.append(f"{label} {m[key]:.3f}")
    return "  ".join(parts)


# the figures a run records, as the listing names them when one is nan or infinite
_FIGURES = {"val_bpc": "validation", "val_loss": "validation", "test_bpc": "test",
            "train_loss": "training", "train_bpc": "training", "best_val_loss": "best validation"}


def _not_finite(metrics: dict[str, Any]) -> str | None:
    """'validation figure is nan' when a recorded figure is nan or infinite. The
    weights of such a run have diverged, which `load` refuses; the listing reads
    metadata only, so the figure stands in for the weights."""
    for key, what in _FIGURES.items():
        v = metrics.get(key)
        if isinstance(v, float) and not math.isfinite(v):
            return f"{what} figure is {v}"
    return None


def _after_path(message: str, path: Path) -> str:
    """The reason without the file name the listing already shows."""
    prefix = f"{path}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def describe_all(dirs: Iterable[Path]) -> list[str]:
    lines = ["bundled:"]
    lines += ["  " + _describe(p.stem, p) for p in sorted(BUNDLED.glob("*.safetensors"))] or ["  (none)"]
    for d in dirs:
        try:
            found = sorted(d.rglob("*.safetensors")) if d.is_dir() else []
        except OSError as e:  # a folder that cannot be listed
            lines.append(f"{d}: unreadable: {e.strerror}")
            continue
        if found:
            lines.append(f"{d}:")
            lines += ["  " + _describe(str(p.relative_to(d)), p) for p in found]
    return lines

