"""Ctrl-C during training: the run saves a checkpoint, exits cleanly, and resumes."""

import os
import signal
import subprocess
import sys
import textwrap
import time

from notegen.models import checkpoint
from notegen.models.training import TrainConfig, train

from ..conftest import as_at_a_terminal

TEXT = "abcabdabcabd hello world, hello there. " * 30

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    import torch
    torch.set_num_threads(1)
    from notegen.models.training import TrainConfig, train

    out, marker = sys.argv[1], Path(sys.argv[2])

    def on_step(step):
        if step == 5:
            marker.write_text("training")

    r = train([{text!r}], "text", out, TrainConfig(steps=1_000_000, batch_size=4, seq_len=16,
              eval_every=1000), progress=False, on_step=on_step)
    print("INTERRUPTED", r.interrupted, "STEP", r.step, flush=True)
""")


def test_ctrl_c_saves_and_the_run_resumes(tmp_path):
    script = tmp_path / "train_forever.py"
    script.write_text(SCRIPT.format(text=TEXT))
    out, marker = tmp_path / "run", tmp_path / "started"
    proc = subprocess.Popen([sys.executable, str(script), str(out), str(marker)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"}, preexec_fn=as_at_a_terminal)
    try:
        deadline = time.monotonic() + 600  # a loaded CI machine imports torch slowly
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), proc.stderr.read() if proc.poll() is not None else "timeout"
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "INTERRUPTED True" in stdout
    saved_step = checkpoint.read(out / "last.safetensors")[1]["train_state"]["step"]
    assert f"STEP {saved_step}" in stdout and saved_step >= 5
    assert (out / "best.safetensors").is_file()
    # resuming continues from the saved step, not from zero
    r = train([TEXT], "text", out, TrainConfig(steps=saved_step + 3, batch_size=4, seq_len=16),
              resume=True, progress=False)
    assert r.step == saved_step + 3
    assert checkpoint.read(out / "last.safetensors")[1]["train_state"]["step"] == saved_step + 3
