"""Two gloo processes on the CPU, launched by torchrun, train one tiny model."""

import os
import re
import subprocess
import sys
import textwrap

import pytest

from notegen.models import checkpoint

SCRIPT = textwrap.dedent("""
    import os, sys
    import torch
    torch.set_num_threads(1)
    from notegen.models.training import TrainConfig, train

    text = "abcabdabcabd hello world, hello there. " * 30
    docs = [text[i:i + 120] for i in range(0, len(text), 120)]
    r = train(docs, "text", sys.argv[1], TrainConfig(steps=6, batch_size=2, seq_len=16,
              eval_every=3, lr=1e-2), progress=False)
    # one file per rank: the two ranks' prints can interleave on a shared stdout
    with open(os.path.join(sys.argv[2], f"rank{os.environ['RANK']}.txt"), "w") as f:
        f.write(f"RANK {os.environ['RANK']} OF {os.environ['WORLD_SIZE']} "
                f"STEP {r.step} CHECKSUM {r.param_checksum:.12f}\\n")
""")


@pytest.mark.slow
def test_two_gloo_ranks_agree(tmp_path):
    script = tmp_path / "ddp_train.py"
    script.write_text(SCRIPT)
    out = tmp_path / "run"
    reports = tmp_path / "reports"
    reports.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         str(script), str(out), str(reports)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = "".join(p.read_text() for p in sorted(reports.iterdir()))
    found = re.findall(r"RANK (\d) OF 2 STEP (\d+) CHECKSUM (\S+)\n", text)
    assert sorted(r for r, _, _ in found) == ["0", "1"], text
    assert {s for _, s, _ in found} == {"6"}
    # the ranks read different rows and differ in dropout noise, so equal weights
    # mean the gradients really were averaged
    assert len({c for _, _, c in found}) == 1, found
    lm = checkpoint.load(out / "last.safetensors")
    assert lm.meta["train_state"]["step"] == 6
    assert sorted(p.name for p in out.iterdir()) == [".lock", "best.safetensors", "last.safetensors"]
