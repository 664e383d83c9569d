"""Wall time of `notegen --help` and `notegen sample --out song.mid` (bundled
model), each next to a bare `python -c pass` in the same run for scale.

    python benchmarks/bench_cli.py [--runs 7]

Targets here: --help under 0.3 s, sample under 3 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wall(cmd: list[str], cwd: str) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    runs = ap.parse_args().runs
    exe = shutil.which("notegen") or str(Path(sys.executable).parent / "notegen")
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "notegen --help": [exe, "--help"],
        "notegen sample --out song.mid": [exe, "sample", "--out", "song.mid", "--seed", "1"],
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    with tempfile.TemporaryDirectory() as tmp:
        wall(cases["notegen sample --out song.mid"], tmp)  # warm the file cache once
        for _ in range(runs):  # interleaved, so load changes hit every case alike
            for name, cmd in cases.items():
                times[name].append(wall(cmd, tmp))
    base = statistics.median(times["python -c pass"])
    print(f"| command | median | min | x python startup |  ({runs} runs each)\n|---|---|---|---|")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"| `{name}` | {med:.3f} s | {min(ts):.3f} s | {med / base:.1f}x |")


if __name__ == "__main__":
    main()
