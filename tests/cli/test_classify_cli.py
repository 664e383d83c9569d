"""`notegen classify fit/predict` and `notegen embed` through the real entry point."""

from __future__ import annotations

import random

import pytest
import torch

from notegen.models import checkpoint

from ..conftest import ctrl_c_when_locked
from ..conftest import run_main as run

FAST = ["--epochs", "3", "--batch-size", "8", "--lr", "0.01", "--val-fraction", "0.25", "--device", "cpu"]


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)




def labelled(root, per_label=16):
    rng = random.Random(0)
    for label, octave in (("high", 5), ("low", 3)):
        (root / label).mkdir(parents=True)
        for i in range(per_label):
            tune = " ".join(f"{rng.choice('CDEFGAB')}{octave}" for _ in range(8))
            (root / label / f"{i}.txt").write_text(tune + "\n")
    return root


def test_fit_then_predict(tmp_path, capsys):
    data = labelled(tmp_path / "data")
    code, out, err = run(["classify", "fit", str(data), "--notation", "notes", "--out",
                          str(tmp_path / "run"), *FAST], capsys)
    assert code == 0, err
    assert "32 documents: high 16, low 16" in err
    assert "held-out accuracy" in out and "recall" in out
    assert (tmp_path / "run" / "best.safetensors").is_file()
    (tmp_path / "a.txt").write_text("C5 D5 E5 G5 A5 B5 C5 D5\n")
    (tmp_path / "b.txt").write_text("C3 D3 E3 G3 A3 B3 C3 D3\n")
    code, out, err = run(["classify", "predict", "--model", str(tmp_path / "run"),
                          str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], capsys)
    assert code == 0, err
    lines = [line.split() for line in out.splitlines()]
    assert [(n.rsplit("/", 1)[-1], label) for n, label, _ in lines] == [("a.txt", "high"), ("b.txt", "low")]
    assert all(0.5 <= float(p) <= 1.0 for _, _, p in lines)
    code, _, err = run(["classify", "fit", str(data), "--out", str(tmp_path / "run"), "--resume",
                        "--epochs", "4", "--device", "cpu"], capsys)
    assert code == 0, err
    assert "trained at epoch 4.00" in err


def test_ctrl_c_during_fit_saves_exits_130_and_resumes(tmp_path, capsys):
    """As `notegen train`: Ctrl-C finishes the step, saves last.safetensors, says
    how to go on and exits 130, the status a shell expects of an interrupted job."""
    data = labelled(tmp_path / "data")
    out = tmp_path / "run"
    code, err = ctrl_c_when_locked(["classify", "fit", str(data), "--notation", "notes", "--out", str(out),
                                    "--epochs", "1000000", "--batch-size", "8", "--device", "cpu"], out)
    assert code == 130, err
    assert "Traceback" not in err and "stopped at epoch" in err
    assert "fit again with --resume to continue" in err
    state = checkpoint.read(out / "last.safetensors")[1]["train_state"]
    assert state["step"] >= 1
    more = str(int(state["epoch"]) + 1)
    code, _, err = run(["classify", "fit", str(data), "--out", str(out), "--resume", "--epochs", more,
                        "--device", "cpu"], capsys)
    assert code == 0, err
    assert f"trained at epoch {more}.00" in err


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    code, out, err = run(["classify", "fit", str(tmp_path / "nowhere"), "--notation", "notes",
                          "--out", str(tmp_path / "run"), *FAST], capsys)
    assert code == 2 and err.strip().count("\n") == 0 and "not a folder" in err
    assert not (tmp_path / "run").exists()
    data = labelled(tmp_path / "data", per_label=4)
    code, _, err = run(["classify", "fit", str(data), "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and "--notation" in err
    code, _, err = run(["classify", "fit", str(data), "--notation", "notes", "--out",
                        str(tmp_path / "run"), *FAST], capsys)
    assert code == 0, err
    (tmp_path / "bad.txt").write_text("C4 D4 H4\n")
    (tmp_path / "good.txt").write_text("C4 D4 E4\n")
    code, out, err = run(["classify", "predict", "--model", str(tmp_path / "run"),
                          str(tmp_path / "good.txt"), str(tmp_path / "bad.txt")], capsys)
    assert code == 2 and out == ""
    assert err.startswith(f"{tmp_path / 'bad.txt'}:1:7:") and err.strip().count("\n") == 0
    code, _, err = run(["classify", "predict", "--model", "kjv", str(tmp_path / "good.txt")], capsys)
    assert code == 2 and "a language model, not a classifier" in err


def test_embed_prints_the_order_scores_and_draws_the_picture(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "folk.png"
    code, out, err = run(["embed", "--model", "folk", "--plot", str(png), "-k", "2"], capsys)
    assert code == 0, err
    assert "note letters by pitch (C D E F G A B): rank correlation" in out
    assert "octave digits (3 4 5 6)" in out and "nearest neighbours" in out
    assert png.read_bytes()[:4] == b"\x89PNG"
