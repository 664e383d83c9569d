"""Checkpoints from anywhere: every malformed, inconsistent or oversized file is
refused in one line, in ctypes and in a driver built with AddressSanitizer and
UBSan; and the engine allocates nothing after it has opened a model."""

from __future__ import annotations

import json
import math
import struct
import subprocess
from pathlib import Path

import pytest
import torch

from notegen.models import checkpoint
from notegen.models.config import ModelConfig
from notegen.models.engine import Engine, allocations
from notegen.models.options import SampleOptions
from notegen.models.rnn import CharRNN
from notetokens.errors import NotegenError
from notetokens.vocab import CharVocab

ROOT = Path(__file__).resolve().parents[2]


def _parts(data: bytes) -> tuple[dict, bytes]:
    n = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8 : 8 + n]), data[8 + n :]


def _join(header: dict, body: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + body


def _tiny(folder: Path, cell: str, hidden: int) -> Path:
    """A small untrained model with the folk model's characters: under the
    sanitizers its steps cost next to nothing (a step of folk takes about 7 ms
    there), so the grammar, the draw and the prime reading get many tunes."""
    vocab = CharVocab.from_dict(checkpoint.read_meta(checkpoint.resolve("folk"))["vocab"])
    config = ModelConfig(cell=cell, embed_dim=6, hidden_size=hidden, num_layers=2, dropout=0.0).with_vocab(
        len(vocab)
    )
    torch.manual_seed(1)
    return checkpoint.save(folder / f"{cell}.safetensors", CharRNN(config), vocab, "notes", config)


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return _tiny(tmp_path_factory.mktemp("good"), "lstm", 10)


@pytest.fixture(scope="module")
def small_gru(tmp_path_factory) -> Path:
    return _tiny(tmp_path_factory.mktemp("small"), "gru", 16)


def _meta(h: dict, key: str, change) -> dict:
    h = json.loads(json.dumps(h))
    value = json.loads(h["__metadata__"][key])
    h["__metadata__"][key] = json.dumps(change(value))
    return h


def _hostile(good: Path) -> dict[str, bytes]:
    data = good.read_bytes()
    h, body = _parts(data)
    n = struct.unpack("<Q", data[:8])[0]
    first = min((k for k in h if k != "__metadata__"), key=lambda k: h[k]["data_offsets"][0])
    out: dict[str, bytes] = {
        f"truncated{at}": data[:at] for at in (0, 5, 8, 30, 8 + n - 1, 8 + n + 3, len(data) - 1)
    }
    out["empty"] = b""
    out["header_length_huge"] = struct.pack("<Q", 2**40) + data[8:]
    out["header_length_past_end"] = struct.pack("<Q", len(data)) + data[8:]
    big = json.loads(json.dumps(h))
    big[first] = {"dtype": "F32", "shape": [2_500_000_000], "data_offsets": [0, 10_000_000_000]}
    out["ten_gb_tensor"] = _join(big, body)
    out["ten_gb_config"] = _join(
        _meta(h, "config", lambda c: {**c, "hidden_size": 8192, "num_layers": 16}), body
    )
    out["inconsistent_shapes"] = _join(_meta(h, "config", lambda c: {**c, "hidden_size": 11}), body)
    out["wrong_cell"] = _join(_meta(h, "config", lambda c: {**c, "cell": "gru"}), body)
    out["unknown_cell"] = _join(_meta(h, "config", lambda c: {**c, "cell": "transformer"}), body)
    out["vocab_size_off"] = _join(
        _meta(h, "config", lambda c: {**c, "vocab_size": c["vocab_size"] + 1}), body
    )
    out["repeated_chars"] = _join(
        _meta(h, "vocab", lambda v: {**v, "chars": v["chars"] + v["chars"][0]}), body
    )
    out["bad_specials"] = _join(_meta(h, "vocab", lambda v: {**v, "specials": ["<pad>"]}), body)
    nan = bytearray(body)
    nan[h[first]["data_offsets"][0] : h[first]["data_offsets"][0] + 4] = struct.pack("<f", math.nan)
    out["nan_weight"] = _join(h, bytes(nan))
    inf = bytearray(body)
    inf[h[first]["data_offsets"][0] + 4 : h[first]["data_offsets"][0] + 8] = struct.pack("<f", math.inf)
    out["inf_weight"] = _join(h, bytes(inf))
    for name, change in {
        "f16": lambda t: {**t, "dtype": "F16"},
        "offsets_reversed": lambda t: {**t, "data_offsets": t["data_offsets"][::-1]},
        "three_dims": lambda t: {**t, "shape": [1, *t["shape"]]},
        "negative_shape": lambda t: {**t, "shape": [-1]},
    }.items():
        out[name] = _join({**h, first: change(h[first])}, body)
    out["missing_tensor"] = _join({k: v for k, v in h.items() if k != "head.bias"}, body)
    out["extra_tensor"] = _join({**h, "extra.weight": h["head.bias"]}, body)
    out["not_notegen"] = _join({**h, "__metadata__": {**h["__metadata__"], "format": "other/1"}}, body)
    out["no_metadata"] = _join({k: v for k, v in h.items() if k != "__metadata__"}, body)
    out["classifier"] = _join({**h, "__metadata__": {**h["__metadata__"], "task": '"classify"'}}, body)
    deep = ("[" * 5000 + "]" * 5000).encode()
    out["deep_json"] = _join({**h, "__metadata__": {**h["__metadata__"], "deep": [[[1]]]}}, body).replace(
        b"[[[1]]]", deep
    )
    out["garbage"] = bytes(range(256)) * 8
    out["lone_surrogate"] = _join(_meta(h, "vocab", lambda v: {**v, "chars": "\ud800" + v["chars"]}), body)
    return out


ACCEPTED = {
    "format_version_int": lambda h: {**h, "__metadata__": {**h["__metadata__"], "format_version": 1}},
    "format_version_str": lambda h: {**h, "__metadata__": {**h["__metadata__"], "format_version": "1"}},
    "unknown_keys": lambda h: {**h, "__metadata__": {**h["__metadata__"], "future": '{"a": [1, 2]}'}},
    "train_state": lambda h: {**h, "_train.step": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}},
}


@pytest.fixture(scope="module")
def files(good, tmp_path_factory) -> tuple[list[Path], list[Path]]:
    folder = tmp_path_factory.mktemp("hostile")
    refused = []
    for name, data in _hostile(good).items():
        (folder / name).write_bytes(data)
        refused.append(folder / name)
    h, body = _parts(good.read_bytes())
    accepted = []
    for name, change in ACCEPTED.items():
        (folder / name).write_bytes(_join(change(h), body))
        accepted.append(folder / name)
    return refused, accepted


def test_hostile_checkpoints_are_refused_in_one_line(built, files, good):
    refused, accepted = files
    for path in refused:
        with pytest.raises(NotegenError) as e:
            Engine(path)
        assert "\n" not in str(e.value) and str(path) in str(e.value), path.name
    reference = Engine(good)
    reference.reset()
    for path in accepted:  # keys the engine does not know are not its business
        engine = Engine(path)
        engine.reset()
        assert (engine.step(5) == reference.step(5)).all(), path.name
        reference.reset()


def test_hostile_checkpoints_under_the_sanitizers(sanitized, files, good):
    refused, accepted = files
    done = subprocess.run(
        [str(sanitized), "open", *map(str, refused + accepted)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "runtime error" not in done.stderr and "Sanitizer" not in done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(refused) + len(accepted)
    assert all(line != "ok" and "not a notegen checkpoint" in line for line in lines[: len(refused)])
    assert lines[len(refused) :] == ["ok"] * len(accepted)


def test_sampling_under_the_sanitizers(sanitized, good, small_gru):
    folk = ROOT / "models" / "bundled" / "folk.safetensors"
    fields = "K=Dmix;M=6/8,9/8;T=jig"
    # the bundled model's full-size step for one short tune; the small models
    # for many tunes: seeds 0-4 take each of the driver's option variants
    # (plain, top-k, top-p, low temperature, a pitch range)
    runs = (
        [folk, "1", "120", fields],
        [good, "5", "500"],
        [small_gru, "5", "500"],
        [small_gru, "3", "400", fields],
    )
    for args in runs:
        done = subprocess.run(
            [str(sanitized), "sample", *map(str, args)], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]
        assert "runtime error" not in done.stderr and "Sanitizer" not in done.stderr
        assert "failed 0" in done.stdout


def test_hostile_primes_under_the_sanitizers(sanitized, small_gru, tmp_path):
    import random

    from .test_grammar_walks import HOSTILE, _random_prime

    lm, rng = checkpoint.load(small_gru), random.Random(3)  # folk's characters, a step that costs little
    primes = (
        HOSTILE + [_random_prime(rng, lm) for _ in range(20)] + ["M:3/4\n" + "C4 " * 150, "K:" + "D" * 900]
    )
    (tmp_path / "primes").write_bytes(b"\0".join(p.encode() for p in primes))
    done = subprocess.run(
        [str(sanitized), "primes", str(small_gru), str(tmp_path / "primes")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "runtime error" not in done.stderr and "Sanitizer" not in done.stderr
    sampled, refused = (int(w) for w in done.stdout.split()[1::2])
    assert sampled + refused == len(primes) and sampled > 10 and refused > 3


def test_nothing_is_allocated_after_load(counting):
    folk = ROOT / "models" / "bundled" / "folk.safetensors"
    done = subprocess.run(
        [str(counting), "sample", str(folk), "6", "3000"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    first = done.stdout.splitlines()[0]  # "allocations at open N, after M"
    at_open, after = (int(w.strip(",")) for w in first.split()[3::2])
    assert at_open > 0  # the counter sees the engine's own blocks
    assert after == 0


def test_the_binding_allocates_nothing_per_tune(folk):
    _, engine = folk
    before = allocations()
    for seed in range(3):
        "".join(engine.stream(SampleOptions(parts="one", seed=seed, max_chars=400)))
    assert allocations() == before
