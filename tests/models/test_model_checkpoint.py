import os
import pickle
import subprocess
import sys
import textwrap

import pytest
import torch

from notegen.models import checkpoint
from notegen.models.sampling import step_logits
from notetokens.errors import NotegenError

TEXT = "the quick brown fox jumps over the lazy dog. a stitch in time saves nine."


def _save(lm, path, **metrics):
    return checkpoint.save(path, lm.model, lm.vocab, lm.notation, lm.config, metrics)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_round_trip_gives_the_same_logits_and_keeps_the_vocab(tmp_path, cell, make_untrained):
    lm = make_untrained("text", [TEXT], cell=cell)
    _save(lm, tmp_path / "m.safetensors", val_bpc=1.25)
    back = checkpoint.load(tmp_path / "m.safetensors")
    assert back.vocab == lm.vocab and back.notation == "text" and back.config == lm.config
    assert back.metrics == {"val_bpc": 1.25}
    assert back.meta["notegen_version"]
    ids = torch.tensor([lm.vocab.encode("the quick brown fox")])
    torch.testing.assert_close(back.model(ids)[0], lm.model(ids)[0], rtol=0, atol=0)
    # the vocabulary comes from the file alone: no side file, nothing rebuilt
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


def test_tensors_are_read_into_aligned_memory_of_their_own(tmp_path):
    # safetensors' views into the file sit where its header puts them; a kernel given
    # an unaligned operand takes another path, so every tensor read is copied out
    from safetensors.torch import save_file

    raw = tmp_path / "raw.safetensors"
    for pad in range(0, 64, 8):
        header = {"format": checkpoint.FORMAT, "pad": '"' + "x" * pad + '"'}
        save_file({"a": torch.arange(7.0), "b": torch.ones(3, 5)}, str(raw), metadata=header)
        tensors, _ = checkpoint.read(raw)
        for t in tensors.values():
            assert t.data_ptr() % 64 == 0 and t.is_contiguous()
        tensors["a"][0] = 99.0  # its own memory: the file is untouched
        assert checkpoint.read(raw)[0]["a"][0] == 0.0


def test_directory_means_its_best_checkpoint_and_device_maps(tmp_path, make_untrained):
    lm = make_untrained("text", [TEXT])
    _save(lm, tmp_path / "best.safetensors")
    back = checkpoint.load(tmp_path, device="cpu")
    assert back.path == tmp_path / "best.safetensors"
    assert back.device == torch.device("cpu")
    assert not any(p.requires_grad for p in back.model.parameters())


def test_unknown_names_and_files_are_clear_errors(tmp_path):
    with pytest.raises(NotegenError, match="no bundled model of that name"):
        checkpoint.load("no-such-model-name")
    with pytest.raises(NotegenError, match="no such file"):
        checkpoint.load(tmp_path / "missing.safetensors")
    with pytest.raises(NotegenError, match=r"no best\.safetensors"):
        checkpoint.load(tmp_path)
    (tmp_path / "junk.safetensors").write_bytes(b"")
    with pytest.raises(NotegenError, match=r"junk\.safetensors: not a notegen checkpoint"):
        checkpoint.load(tmp_path / "junk.safetensors")


class _Payload:
    """Unpickling this would create the marker file."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("name", ["x.safetensors", "x.pt", "best.safetensors"])
def test_a_malicious_pickle_is_refused_without_running_it(tmp_path, name):
    marker = tmp_path / "pwned"
    data = pickle.dumps({"state_dict": _Payload(str(marker))})
    # the payload is real: unpickling it would run the command
    pickle.loads(data)
    assert marker.exists()
    marker.unlink()
    (tmp_path / name).write_bytes(data)
    torch_save = tmp_path / f"torch-{name}"
    torch.save({"w": _Payload(str(marker))}, torch_save)  # torch.save: a zip holding a pickle
    targets = [tmp_path / name, torch_save]
    if name == "best.safetensors":
        targets.append(tmp_path)  # a run directory whose best checkpoint is a pickle
    for path in targets:
        with pytest.raises(NotegenError, match="not a notegen checkpoint"):
            checkpoint.load(path)
    assert not marker.exists()


def test_a_plain_safetensors_file_is_not_a_checkpoint(tmp_path):
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2)}, tmp_path / "plain.safetensors")
    with pytest.raises(NotegenError, match="not a notegen checkpoint"):
        checkpoint.load(tmp_path / "plain.safetensors")


def test_a_save_interrupted_in_process_leaves_the_old_file(tmp_path, monkeypatch, make_untrained):
    lm = make_untrained("text", [TEXT])
    path = _save(lm, tmp_path / "m.safetensors", version=1)
    import notetokens.outputs

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(notetokens.outputs.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        _save(make_untrained("text", [TEXT], seed=1), path, version=2)
    monkeypatch.undo()
    assert checkpoint.load(path).metrics == {"version": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]


def test_a_process_killed_mid_save_leaves_the_old_file(tmp_path, make_untrained):
    lm = make_untrained("text", [TEXT])
    path = _save(lm, tmp_path / "m.safetensors", version=1)
    before = step_logits(lm, "the")
    # a second process dies (no cleanup, like SIGKILL) after writing the temporary file
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        from conftest import TEXT, untrained
        from notegen.models import checkpoint
        os.fsync = lambda fd: os._exit(9)
        lm = untrained("text", [TEXT], seed=5)
        checkpoint.save({str(path)!r}, lm.model, lm.vocab, "text", lm.config, {{"version": 2}})
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=60)
    assert proc.returncode == 9, proc.stderr
    leftovers = [p for p in tmp_path.iterdir() if p.name != "m.safetensors"]
    assert leftovers and leftovers[0].stat().st_size > 0  # it died mid-write
    back = checkpoint.load(path)
    assert back.metrics == {"version": 1}
    torch.testing.assert_close(step_logits(back, "the"), before)
