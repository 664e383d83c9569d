"""A run folder is one run's: locked while it trains, and a checkpoint that cannot
be written is a clear error that keeps the last good one."""

import errno
import os
import shutil
import subprocess
import uuid

import pytest

from notegen.models import checkpoint
from notegen.models.resume import check_resume_preset
from notegen.models.runlock import RunLock
from notegen.models.training import TrainConfig, train
from notetokens.errors import NotegenError

TEXT = "abcabdabcabd hello world, hello there. " * 30


def _cfg(**kw):
    return TrainConfig(**{"batch_size": 4, "seq_len": 16, "eval_every": 5, "steps": 10, **kw})


def test_a_second_run_in_a_locked_folder_is_refused(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    with RunLock(out), pytest.raises(NotegenError, match="another training run"):
        train([TEXT], "text", out, _cfg(), progress=False)
    assert not (out / "last.safetensors").exists()
    # once the other run has ended, the folder is free again
    assert train([TEXT], "text", out, _cfg(steps=2), progress=False).step == 2
    with RunLock(out), pytest.raises(NotegenError, match="another training run"):
        train([TEXT], "text", out, _cfg(steps=4), resume=True, progress=False)


def test_a_failed_checkpoint_write_keeps_the_last_good_one(tmp_path, monkeypatch):
    out = tmp_path / "run"
    train([TEXT], "text", out, _cfg(steps=5), progress=False)
    before = (out / "last.safetensors").read_bytes()

    def disk_full(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("notetokens.outputs.os.replace", disk_full)
    with pytest.raises(NotegenError, match=r"(?i)safetensors: .*no space left.*kept"):
        train([TEXT], "text", out, _cfg(steps=10), resume=True, progress=False)
    monkeypatch.undo()
    assert (out / "last.safetensors").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [".lock", "best.safetensors", "last.safetensors"]
    assert train([TEXT], "text", out, _cfg(steps=10), resume=True, progress=False).step == 10


@pytest.fixture
def small_tmpfs(tmp_path):
    """A real 1 MB file system (needs root and mount), unmounted afterwards."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    mnt = tmp_path / f"fs-{uuid.uuid4().hex[:6]}"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_full_disk_stops_the_run_with_its_last_checkpoint_whole(small_tmpfs):
    from notegen.models.config import ModelConfig

    out = small_tmpfs / "run"
    mcfg = ModelConfig(embed_dim=16, hidden_size=96, num_layers=1, dropout=0.0)  # ~0.2 MB a file
    train([TEXT], "text", out, _cfg(steps=5), model_config=mcfg, progress=False)
    good = (out / "last.safetensors").read_bytes()
    (small_tmpfs / "filler").write_bytes(b"\0" * (1024 * 1024 - 3 * len(good) // 2))
    with pytest.raises(NotegenError, match=r"(?i)safetensors: .*no space left"):
        train([TEXT], "text", out, _cfg(steps=10), model_config=mcfg, resume=True,
              progress=False)
    assert (out / "last.safetensors").read_bytes() == good
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    assert checkpoint.read(out / "last.safetensors")[1]["train_state"]["step"] == 5


def test_resuming_as_another_preset_is_refused(tmp_path):
    out = tmp_path / "run"
    train([TEXT], "text", out, _cfg(steps=2, preset="tiny"), progress=False)
    check_resume_preset(out, "tiny")
    with pytest.raises(NotegenError, match="preset tiny, not small"):
        check_resume_preset(out, "small")
