"""`notegen models`: bundled and local checkpoints described from metadata."""

from __future__ import annotations

import shutil

from notegen.models.checkpoint import bundled_names


def test_lists_local_runs_with_metrics(tiny_notes_model, tmp_path, notegen):
    runs = tmp_path / "runs"
    shutil.copytree(tiny_notes_model, runs / "mine")
    (runs / "broken.safetensors").write_bytes(b"not a checkpoint")
    r = notegen("models", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "bundled:"
    for name in bundled_names():
        assert any(line.strip().startswith(name) for line in lines)
    mine = [line for line in lines if "mine/best.safetensors" in line]
    assert len(mine) == 1 and "notes" in mine[0] and "gru" in mine[0] and "val bpc" in mine[0]
    assert any("broken.safetensors" in line and "unreadable" in line for line in lines)
