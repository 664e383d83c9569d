"""The checkpoint metadata format (models/ckpt_format.py): fields written and read
back by one object, an integer format version with migrations, so the bundled
models keep loading when the version moves on, and a file from a newer notegen
refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from notegen.models import checkpoint, ckpt_format, ckpt_meta
from notetokens.errors import NotegenError

from ..conftest import run_main

TEXT = "the quick brown fox jumps over the lazy dog."


def header(path: Path) -> dict[str, str]:
    with safe_open(str(path), "pt") as f:
        return dict(f.metadata())


def tensors_of(path: Path) -> dict[str, torch.Tensor]:
    with safe_open(str(path), "pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118


@pytest.fixture
def good(tmp_path, make_untrained) -> Path:
    lm = make_untrained("text", [TEXT])
    return checkpoint.save(tmp_path / "good.safetensors", lm.model, lm.vocab, "text", lm.config,
                           {"x": 1}, extra_meta={"task": "lm", "base": "runs/a", "labels": ["a", "b"]})


def test_what_is_written_is_read_back_strings_included(good):
    meta = checkpoint.read_meta(good)
    # a string field goes in as a string and comes back one: no caller encodes it first
    assert meta["task"] == "lm" and meta["base"] == "runs/a" and meta["labels"] == ["a", "b"]
    assert meta["metrics"] == {"x": 1} and meta["notation"] == "text"
    assert meta.format_version == ckpt_format.VERSION and meta.read_from == ckpt_format.VERSION
    raw = header(good)
    # the legacy marker, the version, and the fields other readers read as they are
    assert raw["format"] == "notegen-checkpoint/1" and raw["format_version"] == str(ckpt_format.VERSION)
    assert raw["notation"] == "text" and raw["base"] == '"runs/a"'
    assert raw["config"].startswith("{") and raw["vocab"].startswith("{")


def test_the_object_encodes_and_decodes_symmetrically(tmp_path):
    fields = {"notation": "notes", "notegen_version": "9.9", "task": "classify",
              "n": 3, "none": None, "nested": {"a": [1, "two", None]}}
    meta = ckpt_format.CheckpointMeta(fields)
    back = ckpt_format.CheckpointMeta.decode(tmp_path / "x", meta.encode())
    assert dict(back) == fields
    with pytest.raises(TypeError):
        ckpt_format.CheckpointMeta({"notation": 3}).encode()


def test_the_bundled_models_are_version_one_and_load():
    for name in ("folk", "kjv"):
        path = checkpoint.resolve(name)
        # kjv was written before the version was a number; folk (retrained) carries it
        written = int(header(path).get("format_version", 1))
        assert written == (1 if name == "kjv" else ckpt_format.VERSION)
        lm = checkpoint.load(name)
        assert lm.meta.read_from == written and lm.notation in ("notes", "text")


def test_a_bumped_version_migrates_the_bundled_models(monkeypatch, tmp_path, make_untrained):
    seen: list[tuple[str, bool]] = []

    def to_two(fields: dict, tensors: dict | None) -> None:
        seen.append((fields["notation"], tensors is not None))
        fields["migrated"] = True

    monkeypatch.setattr(ckpt_format, "VERSION", 2)
    monkeypatch.setitem(ckpt_format.MIGRATIONS, 1, to_two)
    for name in ("folk", "kjv"):
        lm = checkpoint.load(name)
        assert lm.meta["migrated"] is True and lm.meta.read_from == 1
        assert lm.meta.format_version == 2
        ids = torch.tensor([lm.vocab.encode("A")])
        assert torch.isfinite(lm.model(ids)[0]).all()
        assert checkpoint.read_meta(checkpoint.resolve(name))["migrated"] is True
    assert ("notes", True) in seen and ("text", True) in seen and ("notes", False) in seen
    # a file written now is version 2, read without migrating
    lm = make_untrained("text", [TEXT])
    new = checkpoint.save(tmp_path / "new.safetensors", lm.model, lm.vocab, "text", lm.config)
    assert header(new)["format_version"] == "2"
    seen.clear()
    assert "migrated" not in checkpoint.load(new).meta and not seen
    monkeypatch.undo()  # back to version 1: that file is from a newer notegen
    with pytest.raises(NotegenError, match=r"new\.safetensors: written by a newer notegen") as e:
        checkpoint.load(new)
    assert "upgrade" in str(e.value) and "\n" not in str(e.value)


def test_a_migration_may_rename_weights(monkeypatch, good):
    def rename(fields: dict, tensors: dict | None) -> None:
        if tensors is not None:
            tensors["head.weight"] = tensors.pop("old.head.weight")

    raw = tensors_of(good)
    raw["old.head.weight"] = raw.pop("head.weight")
    old = good.with_name("old.safetensors")
    meta = header(good)
    del meta["format_version"]  # a version 1 file
    save_file(raw, str(old), metadata=meta)
    monkeypatch.setattr(ckpt_format, "VERSION", 2)
    monkeypatch.setitem(ckpt_format.MIGRATIONS, 1, rename)
    assert checkpoint.load(old).model.head.weight.shape == raw["old.head.weight"].shape


@pytest.mark.parametrize(("value", "words"), [
    ("99", "written by a newer notegen (checkpoint format 99"),
    ("0", "'format_version' is 0, not a version number"),
    ("true", "not a version number"),
    ("1.5", "not a version number"),
    ("one", "not a version number"),
])
def test_a_bad_or_newer_version_is_one_line(good, tmp_path, value, words):
    bad = tmp_path / "bad.safetensors"
    save_file(tensors_of(good), str(bad), metadata={**header(good), "format_version": value})
    for read in (checkpoint.load, checkpoint.read_meta):
        with pytest.raises(NotegenError, match=r"bad\.safetensors: ") as e:
            read(bad)
        assert words in str(e.value) and "\n" not in str(e.value)


def test_sample_refuses_a_newer_file_with_exit_2(good, tmp_path, capsys):
    bad = tmp_path / "newer.safetensors"
    save_file(tensors_of(good), str(bad), metadata={**header(good), "format_version": "7"})
    code, _, err = run_main(["sample", "--model", str(bad), "--length", "10"], capsys)
    assert code == 2 and "Traceback" not in err
    assert "newer.safetensors: written by a newer notegen" in err and len(err.strip().splitlines()) == 1


def test_the_training_state_is_split_by_one_helper():
    t = torch.zeros(1)
    weights, state = checkpoint.split_train_state({"embed.weight": t, "_train.optim.0.exp_avg": t,
                                                   "_train.rng.cpu": t})
    assert list(weights) == ["embed.weight"] and sorted(state) == ["optim.0.exp_avg", "rng.cpu"]
    joined = ckpt_format.join_train_state(weights, state)
    assert sorted(joined) == ["_train.optim.0.exp_avg", "_train.rng.cpu", "embed.weight"]


def test_the_parameter_count_is_the_model_s_own_and_allocates_nothing(make_untrained):
    from dataclasses import replace

    cfg = make_untrained("text", [TEXT]).config
    # within every per-field cap, but billions of weights: refused without building them
    huge = replace(cfg, hidden_size=8192, num_layers=16)
    assert ckpt_meta.parameters(huge) > ckpt_meta.MAX_PARAMETERS
    with pytest.raises(NotegenError, match=r"describes .* weights; notegen loads at most"):
        ckpt_meta.config(Path("m.safetensors"), huge.to_dict())
    # any module: the count knows nothing of cells
    assert ckpt_meta.count(lambda: torch.nn.Linear(3, 4)) == 16
