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
        meta: dict[str, Any] = read_meta(path)  # checked: config, vocab and metrics are objects
        size = path.stat().st_size / 1e6
    except NotegenError as e:
        return f"{name:<24} unreadable: {_after_path(str(e), path)}"
    except OSError as e:
        return f"{name:<24} unreadable: {e.strerror}"
    m = meta.get("metrics", {})
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

