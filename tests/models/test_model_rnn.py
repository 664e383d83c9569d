from dataclasses import replace

import pytest
import torch

from notegen.models.config import PRESETS, ModelConfig, preset
from notegen.models.rnn import CharRNN, detach_hidden
from notetokens.errors import NotegenError


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
def test_forward_shapes_and_state_carry(cell):
    torch.manual_seed(0)
    config = replace(PRESETS["tiny"], cell=cell, num_layers=2).with_vocab(11)
    model = CharRNN(config).eval()
    ids = torch.randint(0, 11, (3, 20))
    logits, hidden = model(ids, model.init_hidden(3))
    assert logits.shape == (3, 20, 11)
    # carrying the state across two halves equals one pass over the whole
    a, h = model(ids[:, :7], None)
    b, _ = model(ids[:, 7:], detach_hidden(h))
    torch.testing.assert_close(torch.cat([a, b], dim=1), logits, rtol=1e-5, atol=1e-5)
    if cell == "lstm":
        assert isinstance(hidden, tuple) and hidden[0].shape == (2, 3, config.hidden_size)


def test_presets_sizes():
    sizes = {name: CharRNN(c.with_vocab(90)).num_parameters() for name, c in PRESETS.items()}
    assert sizes["tiny"] < 50_000
    assert 1_000_000 <= sizes["small"] <= 2_000_000 < sizes["medium"] <= 3_000_000
    assert 4_000_000 <= sizes["base"] <= 6_000_000


def test_config_round_trip_and_errors():
    c = PRESETS["small"].with_vocab(42)
    assert ModelConfig.from_dict(c.to_dict()) == c
    with pytest.raises(NotegenError, match="unknown cell"):
        ModelConfig(cell="transformer")
    with pytest.raises(NotegenError, match="unknown model config fields"):
        ModelConfig.from_dict({**c.to_dict(), "heads": 4})
    with pytest.raises(NotegenError, match="unknown preset 'huge'"):
        preset("huge")
