"""Hostile checkpoints: metadata of the wrong JSON type or size, weights that are
NaN, files that are not checkpoints at all. Each is one NotegenError naming the
file, before any large allocation; `models --dir` lists them and goes on."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import save_file

from notegen.models import checkpoint, ckpt_meta
from notegen.models.catalog import describe_all
from notetokens.errors import NotegenError

TEXT = "the quick brown fox jumps over the lazy dog."


@pytest.fixture
def good(tmp_path, make_untrained) -> Path:
    lm = make_untrained("text", [TEXT])
    return checkpoint.save(tmp_path / "good.safetensors", lm.model, lm.vocab, "text", lm.config, {"x": 1})


def rewrite(src: Path, dst: Path, tensors: dict | None = None, **fields: object) -> Path:
    """A copy of checkpoint `src` with metadata fields replaced by raw JSON values."""
    from safetensors import safe_open

    with safe_open(str(src), "pt") as f:
        meta = dict(f.metadata())
        weights = tensors or {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    for k, v in fields.items():
        meta[k] = v if isinstance(v, str) and k == "notation" else json.dumps(v)
    save_file(weights, str(dst), metadata=meta)
    return dst


def config_of(path: Path) -> dict:
    return dict(checkpoint.read_meta(path)["config"])


HOSTILE = [
    ("hidden_size 10^6", lambda c: {**c, "hidden_size": 10**6}, "hidden_size is 1000000"),
    ("float size", lambda c: {**c, "hidden_size": 48.5}, "hidden_size must be an integer"),
    ("string size", lambda c: {**c, "num_layers": "2"}, "num_layers must be an integer"),
    ("bool size", lambda c: {**c, "embed_dim": True}, "embed_dim must be an integer"),
    ("zero layers", lambda c: {**c, "num_layers": 0}, "num_layers is 0"),
    ("many layers", lambda c: {**c, "num_layers": 10**9}, "num_layers is 1000000000"),
    ("config a list", lambda c: [1, 2], "'config' is a list"),
    ("config a string", lambda c: "gru", "'config' is a string"),
    ("unknown field", lambda c: {**c, "exec": "rm -rf"}, "unknown fields"),
    ("nan dropout", lambda c: {**c, "dropout": math.nan}, "dropout"),
    ("unknown cell", lambda c: {**c, "cell": {"a": 1}}, "cell"),
    ("weights for another size", lambda c: {**c, "hidden_size": 64}, "weights"),
]


@pytest.mark.parametrize(("name", "change", "words"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_configs_are_one_error_naming_the_file(good, tmp_path, name, change, words):
    bad = rewrite(good, tmp_path / "bad.safetensors", config=change(config_of(good)))
    with pytest.raises(NotegenError, match=r"bad\.safetensors: ") as e:
        checkpoint.load(bad)
    assert words in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"vocab": [1, 2]}, "'vocab' is a list"),
        ({"vocab": {"specials": ["<pad>", "<bos>", "<eos>", "<unk>"], "chars": 7}}, "chars must be a string"),
        ({"vocab": {"specials": [], "chars": "ab"}}, "specials"),
        ({"vocab": {"specials": ["<pad>", "<bos>", "<eos>", "<unk>"], "chars": "aa"}}, "repeat"),
        ({"vocab": {"specials": ["<pad>", "<bos>", "<eos>", "<unk>"], "chars": "x" * 5000}}, "at most"),
        ({"metrics": [1, 2]}, "'metrics' is a list"),
        ({"notation": "klingon"}, "'notation'"),
    ],
)
def test_hostile_vocab_metrics_and_notation(good, tmp_path, fields, words):
    bad = rewrite(good, tmp_path / "bad.safetensors", **fields)
    with pytest.raises(NotegenError, match=r"bad\.safetensors: ") as e:
        checkpoint.load(bad)
    assert words in str(e.value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_weights_that_are_not_finite_are_refused(good, tmp_path, value):
    from safetensors import safe_open

    with safe_open(str(good), "pt") as f:
        tensors = {k: f.get_tensor(k).clone() for k in f.keys()}  # noqa: SIM118
    tensors["head.weight"][0, 0] = value
    bad = rewrite(good, tmp_path / "bad.safetensors", tensors=tensors)
    with pytest.raises(NotegenError, match=r"bad\.safetensors: weight head\.weight holds NaN or infinite"):
        checkpoint.load(bad)


def test_what_is_not_a_checkpoint_says_what_it_is(tmp_path):
    with pytest.raises(NotegenError, match="/dev/zero: is a device"):
        checkpoint.load("/dev/zero")
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    with pytest.raises(NotegenError, match="is a FIFO"):  # not a wait for a writer
        checkpoint.load(fifo)
    (tmp_path / "notes.txt").write_text("C4 D4 E4\n")
    with pytest.raises(NotegenError, match="not a notegen checkpoint"):
        checkpoint.load(tmp_path / "notes.txt")
    with pytest.raises(NotegenError, match=r"no best\.safetensors"):
        checkpoint.load(tmp_path)


def test_parameter_count_matches_the_model(make_untrained):
    from dataclasses import replace

    from notegen.models.rnn import CharRNN

    base = make_untrained("text", [TEXT]).config
    for cell in ("gru", "lstm", "rnn"):
        for layers in (1, 3):
            cfg = replace(base, cell=cell, num_layers=layers)
            assert ckpt_meta.parameters(cfg) == CharRNN(cfg).num_parameters()


def test_models_lists_bad_files_as_unreadable_and_goes_on(good, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    rewrite(good, runs / "a-bad.safetensors", config=[1])
    rewrite(good, runs / "b-huge.safetensors", config={**config_of(good), "hidden_size": 10**6})
    (runs / "c-junk.safetensors").write_bytes(b"\x00" * 100)
    os.mkfifo(runs / "d-pipe.safetensors")
    rewrite(good, runs / "e-good.safetensors")
    lines = describe_all([runs])
    text = "\n".join(lines)
    for name in ("a-bad", "b-huge", "c-junk", "d-pipe"):
        assert any(line.strip().startswith(name) and "unreadable:" in line for line in lines), text
    assert any(line.strip().startswith("e-good") and "unreadable" not in line for line in lines), text


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
SIZES = st.one_of(st.integers(-5, 10**12), st.floats(), st.text(max_size=3), st.booleans(), st.none())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    config=st.one_of(
        JSON,
        st.fixed_dictionaries(
            {},
            optional={
                "vocab_size": SIZES, "embed_dim": SIZES, "hidden_size": SIZES,
                "num_layers": SIZES, "cell": st.sampled_from(["gru", "lstm", "rnn", "x"]) | JSON,
                "dropout": st.floats() | JSON,
            },
        ),
    ),
    vocab=st.one_of(JSON, st.fixed_dictionaries({"specials": JSON, "chars": JSON | st.text(max_size=50)})),
    notation=st.one_of(st.sampled_from(["text", "notes", "x"]), st.text(max_size=5)),
    metrics=JSON,
)
def test_fuzzed_metadata_loads_or_is_one_error(tmp_path_factory, config, vocab, notation, metrics):
    folder = tmp_path_factory.mktemp("fuzz")
    src = folder / "src.safetensors"
    torch.manual_seed(0)
    save_file({"w": torch.zeros(3)}, str(src), metadata={"format": checkpoint.FORMAT})
    bad = rewrite(src, folder / "m.safetensors", config=config, vocab=vocab, notation=notation,
                  metrics=metrics)
    try:
        checkpoint.load(bad)
    except NotegenError as e:
        assert "\n" not in str(e) and str(bad) in str(e)
    lines = describe_all([folder])
    assert any("m.safetensors" in line for line in lines)


@pytest.mark.parametrize(
    ("device", "words"),
    [
        ("meta", "not supported"),
        ("cpu:1", "one cpu device"),
        ("bogus", "unknown device"),
        ("cuda:99", "cuda"),
    ],
)
def test_devices_are_checked_before_reading(good, device, words):
    with pytest.raises(NotegenError, match=words) as e:
        checkpoint.load(good, device=device)
    assert "safetensors" not in str(e.value)
