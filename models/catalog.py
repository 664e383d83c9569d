"""What models there are: bundled ones and checkpoints in local run folders,
described from their metadata alone (no weights are loaded)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from notetokens.errors import NotegenError

from .checkpoint import BUNDLED, FORMAT


def read_meta(path: Path) -> dict[str, Any]:
    """A checkpoint's metadata from its safetensors header, without the weights."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="numpy") as f:
            header = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as e:
        raise NotegenError(f"{path}: not a safetensors file ({e})") from None
    if header.get("format") != FORMAT:
        raise NotegenError(f"{path}: not a notegen checkpoint")
    out: dict[str, Any] = {}
    for k, v in header.items():
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    return out


def _describe(name: str, path: Path) -> str:
    try:
        meta: dict[str, Any] = read_meta(path)
    except NotegenError as e:
        return f"{name:<24} unreadable: {e}"
    m = meta.get("metrics", {})
    cfg = meta.get("config", {})
    size = path.stat().st_size / 1e6
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


def describe_all(dirs: Iterable[Path]) -> list[str]:
    lines = ["bundled:"]
    lines += ["  " + _describe(p.stem, p) for p in sorted(BUNDLED.glob("*.safetensors"))] or ["  (none)"]
    for d in dirs:
        found = sorted(d.rglob("*.safetensors")) if d.is_dir() else []
        if found:
            lines.append(f"{d}:")
            lines += ["  " + _describe(str(p.relative_to(d)), p) for p in found]
    return lines


def card_metrics(path: Path) -> str:
    return json.dumps(read_meta(path).get("metrics", {}), indent=2)
