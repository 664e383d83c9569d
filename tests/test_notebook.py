"""The lecture notebook (examples/lecture.ipynb) runs top to bottom in a fresh
kernel, as a learner runs it, and shows what it promises."""

from __future__ import annotations

import re
import shutil

import pytest

from .conftest import ROOT, need

NOTEBOOK = ROOT / "examples" / "lecture.ipynb"


def _outputs(nb, mime: str) -> list[str]:
    return [
        o["data"][mime] if mime != "stream" else o["text"]
        for cell in nb.cells if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if (mime == "stream" and o["output_type"] == "stream") or mime in o.get("data", {})
    ]  # fmt: skip


@pytest.mark.slow
def test_lecture_notebook_runs_top_to_bottom(tmp_path):
    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError:
        need(False, "nbclient and ipykernel (pip install -e '.[dev]')")
    work = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", work, ignore=shutil.ignore_patterns("out", "*.ipynb"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), (
        "clear the notebook's outputs before committing it"
    )
    where = {"metadata": {"path": str(work)}}  # the kernel's working folder
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources=where)
    client.execute()

    printed = "".join(_outputs(nb, "stream"))
    # the temperature section's markdown points at both greedy loops: the KJV verse
    # written again and again, the folk tune's one note struck again and again
    verse = re.search(r"appears (\d+) times", printed)
    assert verse is not None and int(verse.group(1)) >= 2, printed
    [tune] = [line.split(maxsplit=1)[1] for line in printed.splitlines()
              if line.startswith("argmax") and " | " in line]  # fmt: skip
    pitches = [t.split(":")[0] for t in tune.split() if t != "|"]
    assert any(len(set(pitches[i : i + 4])) == 1 and pitches[i] != "R" for i in range(len(pitches) - 3)), tune
    assert "read back the same notes: True" in printed
    assert "the same notes: True" in printed
    pages = _outputs(nb, "text/html")
    assert len(pages) >= 4  # the jig, the tiny model's tune, the riff, the converted jig
    assert all("<pre>" in page and "data:image/png;base64," in page for page in pages)
    assert len(_outputs(nb, "image/png")) >= 2 + len(pages)  # embeddings, loss curve, each tune's roll
    for name in ("jig.mid", "jig.tab", "lantern_jig.mid", "tiny-tunes/best.safetensors",
                 "tiny-words/best.safetensors"):  # fmt: skip
        assert (work / "out" / name).is_file(), name
