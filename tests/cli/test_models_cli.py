"""`notegen models`: bundled and local checkpoints described from metadata."""

from __future__ import annotations

import shutil

from notegen.models.checkpoint import bundled_names


def test_lists_local_runs_with_metrics(tiny_notes_model, tmp_path, notegen_here):
    runs = tmp_path / "runs"
    shutil.copytree(tiny_notes_model, runs / "mine")
    (runs / "broken.safetensors").write_bytes(b"not a checkpoint")
    r = notegen_here("models", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "bundled:"
    for name in bundled_names():
        assert any(line.strip().startswith(name) for line in lines)
    mine = [line for line in lines if "mine/best.safetensors" in line]
    assert len(mine) == 1 and "notes" in mine[0] and "gru" in mine[0] and "val bpc" in mine[0]
    assert any("broken.safetensors" in line and "unreadable" in line for line in lines)


def test_a_diverged_checkpoint_is_listed_as_unreadable(tmp_path, capsys):
    import torch

    from notegen.models.checkpoint import save
    from notegen.models.config import PRESETS
    from notegen.models.rnn import CharRNN
    from notetokens.vocab import CharVocab

    from ..conftest import run_main

    vocab = CharVocab.build(["abc"])
    config = PRESETS["tiny"].with_vocab(len(vocab))
    model = CharRNN(config)
    runs = tmp_path / "runs"
    runs.mkdir()
    save(runs / "good.safetensors", model, vocab, "text", config, {"val_bpc": 2.5})
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(float("nan"))
    save(runs / "nan.safetensors", model, vocab, "text", config, {"val_bpc": float("nan")})
    save(runs / "inf.safetensors", model, vocab, "text", config,
         {"val_bpc": 3.0, "train_loss": float("inf")})
    code, out, err = run_main(["models", "--dir", str(runs)], capsys)
    assert code == 0, err
    line = {name: next(li for li in out.splitlines() if f"{name}.safetensors" in li)
            for name in ("good", "nan", "inf")}
    assert "val bpc 2.500" in line["good"] and "unreadable" not in line["good"]
    assert "unreadable: validation figure is nan" in line["nan"] and "val bpc" not in line["nan"]
    assert "unreadable: training figure is inf" in line["inf"]
