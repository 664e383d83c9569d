"""What models there are: bundled ones and checkpoints in local run folders,
described from their metadata alone (no weights are loaded)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from notetokens.errors import NotegenError

from .checkpoint import BUNDLED, read_meta


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

