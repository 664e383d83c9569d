"""`notegen train`, `text` and `eval` through the real entry point."""

import re

import pytest
import torch

from notegen.models import checkpoint

from ..conftest import ctrl_c_when_locked
from ..conftest import run_main as run

BOOK = "In the beginning was the word, and the word was good. " * 30
TUNES = [
    "G-G-D-D-E-E-D",
    "C4 D4 E4 C4 | C4 D4 E4 C4 | E4 F4 G4:2",
    "E4 D4 C4 D4 | E4 E4 E4:2 | D4 D4 D4:2 | E4 G4 G4:2",
    "L:1/8 M:6/8 K:D Q:110\nD4 F#4 A4 D5:2 | A4 F#4 D4:3",
]
FAST = ["--batch-size", "4", "--seq-len", "32", "--lr", "0.01", "--eval-every", "10"]


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)




def test_train_on_a_text_file_then_write_text(tmp_path, capsys):
    book = tmp_path / "book.txt"
    book.write_text(BOOK)
    out = tmp_path / "run"
    code, _, err = run(["train", str(book), "--notation", "text", "--out", str(out),
                        "--steps", "40", "--progress", *FAST], capsys)
    assert code == 0, err
    assert "40/40" in err and "bpc=" in err and "trained at step 40/40" in err
    code, text, err = run(["text", "--model", str(out), "--prime", "In the", "--length", "60",
                           "--temperature", "0.7", "--seed", "3"], capsys)
    assert code == 0, err
    assert text.startswith("In the") and 6 < len(text) <= 6 + 60 + 1
    again = run(["text", "--model", str(out / "best.safetensors"), "--prime", "In the",
                 "--length", "60", "--temperature", "0.7", "--seed", "3"], capsys)[1]
    assert again == text  # a file or its run directory, same seed, same text


def test_train_on_a_folder_of_note_strings_resume_and_eval(tmp_path, capsys):
    folder = tmp_path / "tunes"
    folder.mkdir()
    for i, tune in enumerate(TUNES * 3):
        (folder / f"tune{i}.txt").write_text(tune + "\n")
    out = tmp_path / "run"
    code, _, err = run(["train", str(folder), "--notation", "notes", "--out", str(out),
                        "--steps", "12", *FAST], capsys)
    assert code == 0, err
    lm = checkpoint.load(out)
    assert lm.notation == "notes" and "#" in lm.vocab
    # resume without naming the notation again: it comes from the checkpoint
    code, _, err = run(["train", str(folder), "--out", str(out), "--resume", "--steps", "20",
                        *FAST], capsys)
    assert code == 0, err
    assert checkpoint.read(out / "last.safetensors")[1]["train_state"]["step"] == 20
    held_out = tmp_path / "held_out.txt"
    held_out.write_text("D4 E4 F#4 G4 | A4:2 A4:2\n")
    code, report, err = run(["eval", "--model", str(out), str(held_out), "--samples", "4",
                             "--max-chars", "100"], capsys)
    assert code == 0, err
    assert "bits per char" in report and "validity rate" in report
    assert "Jensen-Shannon" in report
    assert "dynamic" not in report
    code, report, err = run(["eval", "--model", str(out), str(held_out), "--samples", "0",
                             "--dynamic", "--dynamic-lr", "0.05"], capsys)
    assert code == 0, err
    static = float(report.split("bits per char")[1].split()[0])
    dynamic = float(report.split("dynamic")[1].split()[0])
    # a text shorter than one chunk is scored before the first step: the same figure
    assert dynamic == pytest.approx(static, abs=2e-4) and static > 0
    held_out.write_text("D4 E4 F#4 G4 | A4:2 A4:2 | " * 12 + "\n")  # a phrase read again and again
    code, report, err = run(["eval", "--model", str(out), str(held_out), "--samples", "0",
                             "--dynamic", "--cache-weights", "6:0.5,12:0.8"], capsys)  # implies --cache
    assert code == 0, err
    figure = {name: float(report.split(name + " ")[1].split()[0])
              for name in ("bits per char", "dynamic", "static + cache", "dynamic + cache")}
    assert "weights 6:0.5,12:0.8" in report
    assert figure["static + cache"] < 0.6 * figure["bits per char"]
    assert figure["dynamic + cache"] < 0.6 * figure["dynamic"]


def test_user_errors_are_one_line_and_exit_2(tmp_path, capsys):
    book = tmp_path / "book.txt"
    book.write_text(BOOK)
    out = tmp_path / "run"
    assert run(["train", str(book), "--notation", "text", "--out", str(out), "--steps", "2",
                *FAST], capsys)[0] == 0
    cases = [
        (["text", "--model", str(out), "--prime", "In the Zoo"], "'Z'"),
        (["text", "--model", str(out), "--temperature", "0"], "temperature must be"),
        (["text", "--model", str(tmp_path / "none.safetensors")], "no such file"),
        (["train", str(book), "--notation", "text", "--out", str(out)], "already holds"),
        (["eval", "--model", str(out), str(book), "--cache", "--cache-weights", "8:2"], "ORDER:WEIGHT"),
        (["train", str(tmp_path / "missing.txt"), "--notation", "text", "--out",
          str(tmp_path / "r2")], "no such file"),
    ]
    for argv, message in cases:
        code, _, err = run(argv, capsys)
        assert code == 2, (argv, err)
        assert message in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
    pickle_file = tmp_path / "evil.safetensors"
    pickle_file.write_bytes(b"\x80\x04\x95" + b"\x00" * 40)
    code, _, err = run(["text", "--model", str(pickle_file)], capsys)
    assert code == 2 and "not a notegen checkpoint" in err


def test_train_needs_a_notation(tmp_path, capsys):
    book = tmp_path / "book.txt"
    book.write_text(BOOK)
    code, _, err = run(["train", str(book), "--out", str(tmp_path / "r")], capsys)
    assert code == 2 and "--notation" in err


def test_resume_refuses_another_preset_and_a_busy_folder(tmp_path, capsys):
    from notegen.models.runlock import RunLock

    book = tmp_path / "book.txt"
    book.write_text(BOOK)
    out = tmp_path / "run"
    args = ["train", str(book), "-n", "text", "--out", str(out), "--steps", "2", *FAST]
    assert run(args, capsys)[0] == 0
    code, _, err = run([*args, "--resume", "--steps", "3", "--preset", "small"], capsys)
    assert code == 2 and err.strip().count("\n") == 0
    assert "made with preset tiny, not small" in err
    with RunLock(out):
        code, _, err = run([*args, "--resume", "--steps", "3"], capsys)
    assert code == 2 and "another training run is using this folder" in err
    assert "Traceback" not in err
    code, _, err = run([*args, "--resume", "--steps", "3", "--preset", "tiny"], capsys)
    assert code == 0, err


def test_ctrl_c_during_train_saves_and_exits_130(tmp_path):
    book = tmp_path / "book.txt"
    book.write_text(BOOK)
    out = tmp_path / "run"
    code, err = ctrl_c_when_locked(["train", str(book), "-n", "text", "--out", str(out), "--steps", "1000000",
                                    *FAST[:4], "--eval-every", "1000000"], out)
    assert code == 130, err
    assert "Traceback" not in err and "stopped at step" in err
    step = checkpoint.read(out / "last.safetensors")[1]["train_state"]["step"]
    assert step >= 1


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--lr", "nan", "--lr must be a finite number > 0"),
        ("--lr", "inf", "--lr must be a finite number > 0"),
        ("--lr", "0", "--lr must be a finite number > 0"),
        ("--weight-decay", "nan", "--weight-decay must be a finite number >= 0"),
        ("--weight-decay", "inf", "--weight-decay must be a finite number >= 0"),
        ("--dropout", "nan", "--dropout must be a finite number in [0, 1)"),
        ("--dropout", "1", "--dropout must be a finite number in [0, 1)"),
    ],
)
def test_train_refuses_a_float_option_that_is_not_finite(tmp_path, capsys, option, value, message):
    book = tmp_path / "book.txt"
    book.write_text(BOOK)
    out = tmp_path / "run"
    code, _, err = run(["train", str(book), "-n", "text", "--out", str(out), "--steps", "2",
                        *FAST, option, value], capsys)
    assert code == 2 and message in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert not out.exists()  # refused before any work


def test_a_loss_that_turns_nan_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path, capsys):
    book = tmp_path / "book.txt"
    book.write_text(BOOK)
    out = tmp_path / "run"
    # a finite but absurd learning rate: AdamW's decay (1 - lr * 0.01) blows the weights up
    code, _, err = run(["train", str(book), "-n", "text", "--out", str(out), "--steps", "40",
                        *FAST[:4], "--eval-every", "5", "--lr", "1e6"], capsys)
    assert code == 2 and "Traceback" not in err, err
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.startswith("notegen")]
    assert len(lines) == 1 and "lower --lr" in lines[0]
    assert re.search(r"the loss became (nan|inf|-inf) at step \d+", lines[0]), lines[0]
    assert "trained at step" not in err
    step = checkpoint.read(out / "last.safetensors")[1]["train_state"]["step"]
    assert 5 <= step < int(lines[0].split("at step ")[1].split(":")[0])
    assert f"of step {step} is kept" in lines[0]
    for name in ("best.safetensors", "last.safetensors"):
        checkpoint.load(out / name)  # finite weights: load refuses nan ones


def test_resume_takes_the_settings_not_given_from_the_saved_run(tmp_path, capsys):
    book = tmp_path / "book.txt"
    book.write_text(BOOK * 20)  # long enough that step 3 is mid-epoch: the carried state counts
    out = tmp_path / "run"
    base = ["train", str(book), "-n", "text", "--out", str(out)]
    assert run([*base, "--steps", "3", "--batch-size", "4", "--seq-len", "32", "--lr", "0.02",
                "--eval-every", "100"], capsys)[0] == 0
    code, _, err = run([*base, "--resume", "--steps", "5"], capsys)
    assert code == 0 and "Traceback" not in err, err
    meta = checkpoint.read_meta(out / "last.safetensors")
    assert meta["train_state"]["step"] == 5
    saved = meta["train_config"]
    assert (saved["batch_size"], saved["seq_len"], saved["lr"], saved["eval_every"]) == (4, 32, 0.02, 100)
    for option, value, words in [("--batch-size", "8", "batch size 4, not 8"),
                                 ("--seq-len", "16", "sequence length 32, not 16"),
                                 ("--seed", "7", "seed 0, not 7")]:
        code, _, err = run([*base, "--resume", "--steps", "6", option, value], capsys)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert f"made with {words}" in err and f"resume without {option}" in err
    # the same values given again, and a new learning rate, are fine
    code, _, err = run([*base, "--resume", "--steps", "6", "--batch-size", "4", "--lr", "0.001"],
                       capsys)
    assert code == 0, err
    assert checkpoint.read_meta(out / "last.safetensors")["train_config"]["lr"] == 0.001
