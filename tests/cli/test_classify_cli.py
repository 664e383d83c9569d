"""`notegen classify fit/predict` and `notegen embed` through the real entry point."""

from __future__ import annotations

import random

import pytest
import torch

from notegen.models import checkpoint

from ..classify_tasks import write_task
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
                                    "--epochs", "1000000", "--patience", "0", "--batch-size", "8",
                                    "--device", "cpu"], out)
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
    assert f"{tmp_path / 'bad.txt'}:1:7: expected a note letter" in err and err.strip().count("\n") == 0
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


@pytest.mark.parametrize("task, notation", [("language", "text"), ("meter", "notes")])
def test_the_default_fit_gets_the_first_tasks_right(tmp_path, capsys, task, notation):
    """English against Finnish sentences, jigs against reels: 60 files a label,
    no options but the notation, then 20 files it never saw."""
    data = write_task(tmp_path / "data", task, 60, seed=0)
    new = write_task(tmp_path / "new", task, 10, seed=1)
    code, out, err = run(["classify", "fit", str(data), "--notation", notation, "--out",
                          str(tmp_path / "run")], capsys)
    assert code == 0, err
    base = {"text": "kjv", "notes": "folk"}[notation]
    assert f"model (from {base}) " in out and ", n-gram baseline " in out
    assert out.count("recall") == 2 and "classify predict uses the" in out
    assert "few documents" not in err
    for use in ("best", "model", "baseline"):
        code, out, err = run(["classify", "predict", "--model", str(tmp_path / "run"), "--use", use,
                              str(new)], capsys)
        assert code == 0, err
        rows = [line.split() for line in out.splitlines()]
        right = sum(name.split("/")[-2] == label for name, label, _ in rows)
        assert len(rows) == 20 and right >= 19, (use, out)


def test_a_weak_fit_shows_beside_its_baseline(tmp_path, capsys):
    data = write_task(tmp_path / "data", "meter", 8, seed=0)
    code, out, err = run(["classify", "fit", str(data), "--notation", "notes", "--base", "none",
                          "--epochs", "1", "--out", str(tmp_path / "run"), "--device", "cpu"], capsys)
    assert code == 0, err
    assert "model (from scratch)" in out and "n-gram baseline 1.000" in out
    assert "classify predict uses the n-gram baseline" in out
    assert [x for x in err.splitlines() if "few documents" in x] == [
        "notegen: few documents (jig 8, reel 8; 20 or more per label is safer): the held-out "
        "accuracy is rough; fitting anyway"]
    (tmp_path / "run" / "baseline.json").unlink()
    code, out, err = run(["classify", "predict", "--model", str(tmp_path / "run"), "--use", "baseline",
                          str(data / "jig")], capsys)
    assert code == 2 and out == "" and err.strip().count("\n") == 0 and "no n-gram baseline" in err


def test_predict_counts_a_binary_file_in_a_folder_as_skipped(tmp_path, capsys):
    data = labelled(tmp_path / "data")
    code, _, err = run(["classify", "fit", str(data), "--notation", "notes", "--base", "none",
                        "--out", str(tmp_path / "run"), *FAST], capsys)
    assert code == 0, err
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "a.txt").write_text("C5 D5 E5 G5 A5 B5 C5 D5\n")
    (folder / "blob.txt").write_bytes(bytes(range(256)) * 4)
    code, out, err = run(["classify", "predict", "--model", str(tmp_path / "run"), str(folder)], capsys)
    assert code == 0, err
    assert [line.split()[0] for line in out.splitlines()] == [str(folder / "a.txt")]
    skipped = [x for x in err.splitlines() if "skipped" in x]
    assert len(skipped) == 1 and skipped[0].startswith("notegen: skipped 1 unreadable item(s), first: ")
    assert str(folder / "blob.txt") in skipped[0]


def test_abc_files_start_from_the_folk_model_by_default(tmp_path, capsys):
    """ABC is read as note strings, the folk model's text, so --base auto is folk."""
    for label, meter, body in (("jig", "6/8", "DFA dfa|gfe dcB|"), ("reel", "4/4", "DFAd fdAF|GBdg bgdB|")):
        (tmp_path / "data" / label).mkdir(parents=True)
        for i in range(4):
            (tmp_path / "data" / label / f"{i}.abc").write_text(
                f"X:{i + 1}\nT:{label} {i}\nM:{meter}\nL:1/8\nK:D\n{body * (i + 1)}\n")
    code, out, err = run(["classify", "fit", str(tmp_path / "data"), "--notation", "abc", "--out",
                          str(tmp_path / "run"), "--epochs", "1", "--device", "cpu"], capsys)
    assert code == 0, err
    assert "model (from folk) " in out, out
    code, out, err = run(["classify", "predict", "--model", str(tmp_path / "run"),
                          str(tmp_path / "data" / "jig")], capsys)
    assert code == 0, err
    assert [line.split()[1] in ("jig", "reel") for line in out.splitlines()] == [True] * 4, out
