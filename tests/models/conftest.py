"""Shared fixtures for the model tests: small texts and tiny models, fast on 2 cores."""

from __future__ import annotations

import pytest
import torch

from notegen.models.checkpoint import LoadedModel
from notegen.models.config import PRESETS
from notegen.models.rnn import CharRNN
from notetokens.vocab import CharVocab

TEXT = (
    "the quick brown fox jumps over the lazy dog. "
    "a stitch in time saves nine. all that glitters is not gold. "
) * 12

MELODIES = [
    "G4 G4 D5 D5 E5 E5 D5:2 | C5 C5 B4 B4 A4 A4 G4:2",
    "L:1/8 M:6/8 K:D Q:110\nD4 F#4 A4 d5:2 | A4 F#4 D4:3",
    "C4 D4 E4 C4 | C4 D4 E4 C4 | E4 F4 G4:2",
    "E4 D4 C4 D4 | E4 E4 E4:2 | D4 D4 D4:2 | E4 G4 G4:2",
    "[C4 E4 G4]:2 R:1 G4 | F4 E4 D4 C4:2",
]


@pytest.fixture(autouse=True)
def _few_threads():
    old = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models gain nothing from threads; a busy CPU loses a lot
    yield
    torch.set_num_threads(old)


def untrained(notation: str, texts: list[str], cell: str = "gru", seed: int = 0) -> LoadedModel:
    """A randomly initialised tiny model over the characters of `texts`."""
    vocab = CharVocab.build(texts)
    config = PRESETS["tiny"].with_vocab(len(vocab))
    if cell != "gru":
        from dataclasses import replace

        config = replace(config, cell=cell)
    torch.manual_seed(seed)
    model = CharRNN(config).eval().requires_grad_(False)
    return LoadedModel(model, vocab, notation, config)


@pytest.fixture
def make_untrained():
    return untrained


@pytest.fixture
def text():
    return TEXT


@pytest.fixture(scope="session")
def text_run(tmp_path_factory):
    """A tiny text model trained for a few seconds; returns (run dir, TrainResult)."""
    from notegen.models.training import TrainConfig, train

    torch.set_num_threads(1)  # tiny models gain nothing from threads; a busy CPU loses a lot
    out = tmp_path_factory.mktemp("text_run")
    docs = [TEXT[i : i + 300] for i in range(0, len(TEXT), 300)]
    result = train(docs, "text", out, TrainConfig(steps=120, batch_size=8, seq_len=32,
                                                  lr=1e-2, eval_every=40), progress=False)
    return out, result
