"""The C step against PyTorch: the same logits (within 1e-5) after every
character, for the bundled models and for a tiny model of every cell."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from notegen.models import checkpoint
from notegen.models.config import ModelConfig
from notegen.models.engine import Engine
from notegen.models.rnn import CharRNN
from notegen.models.sampling import step_logits
from notetokens.vocab import CharVocab

TOL = 1e-5
FOLK = "L:1/8 M:6/8 K:D\nD2 F A2 d | c2 A B2 G | F2 A d2 f | e2 c d3 |"
KJV = "In the beginning God created the heaven and the earth. And the earth was"


def c_logits(engine: Engine, lm: checkpoint.LoadedModel, text: str) -> np.ndarray:
    engine.reset()
    out = [engine.step(1)]  # the begin token
    out += [engine.step(lm.vocab.id(ch)) for ch in text]
    return np.stack(out)


@pytest.mark.parametrize("name, text", [("folk", FOLK), ("kjv", KJV)])
def test_bundled_models_give_pytorchs_logits(built, name, text):
    lm = checkpoint.load(name)
    ref = step_logits(lm, text).numpy()
    got = c_logits(Engine(name), lm, text)
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() < TOL


def _tiny(tmp_path, cell: str, layers: int) -> tuple[checkpoint.LoadedModel, Engine]:
    vocab = CharVocab.build([FOLK])
    config = ModelConfig(cell=cell, embed_dim=12, hidden_size=40, num_layers=layers, dropout=0.0)
    config = config.with_vocab(len(vocab))
    torch.manual_seed(len(cell) + layers)
    model = CharRNN(config)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(3.0)  # past the default init's scale: the gates saturate somewhere
    path = checkpoint.save(tmp_path / f"{cell}{layers}.safetensors", model, vocab, "notes", config)
    return checkpoint.load(path), Engine(path)


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
@pytest.mark.parametrize("layers", [1, 3])
def test_every_cell_gives_pytorchs_logits(built, tmp_path, cell, layers):
    lm, engine = _tiny(tmp_path, cell, layers)
    ref = step_logits(lm, FOLK).numpy()
    got = c_logits(engine, lm, FOLK)
    assert np.abs(got - ref).max() < TOL
    assert np.abs(ref).max() > 0.1  # not a model whose logits are all zero


def test_a_trained_tiny_model_gives_pytorchs_logits(built, tmp_path):
    from notegen.models.config import TrainConfig
    from notegen.models.training import train

    docs = [FOLK, FOLK.replace("D2", "E2"), FOLK.replace("K:D", "K:G")] * 8
    config = TrainConfig(steps=4, batch_size=4, seq_len=32, eval_every=4, device="cpu", precision="fp32")
    result = train(docs, "notes", tmp_path / "run", config, progress=False)
    path = checkpoint.resolve(result.out_dir)
    lm = checkpoint.load(path)
    ref = step_logits(lm, FOLK).numpy()
    assert np.abs(c_logits(Engine(path), lm, FOLK) - ref).max() < TOL
