"""Every Python block of the README's "From Python" section runs as written, in a
fresh interpreter, from a copy of the repository's examples."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from .conftest import ROOT


def python_blocks(section: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    start = text.index(f"## {section}\n")
    end = text.find("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start : end if end > 0 else None], re.S)


def test_from_python_blocks_run_as_written(tmp_path):
    blocks = python_blocks("From Python")
    assert len(blocks) >= 2
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("out", "*.ipynb"))
    script = tmp_path / "readme.py"
    script.write_text("\n".join(blocks))  # one session, as a reader pastes them in turn
    r = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    assert "L:1/8 M:6/8 K:D" in r.stdout and "And God said" in r.stdout and "e|" in r.stdout
    for made in ("jig.mid", "runs/mine/best.safetensors", "lantern_jig.mid"):
        assert (tmp_path / made).is_file(), made
