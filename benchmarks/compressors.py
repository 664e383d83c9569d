"""How many bits per character general-purpose compressors need for a test text
when they have already seen the training text: size(train + test) - size(train).

This is the bar a bundled model's test-set bits per character must clear, taken
at each compressor's strongest setting: 7-Zip's PPMd at every model order from
4 to 32 (1 GB of model memory), xz and zstd at their maximum, and the best of all.

    python benchmarks/compressors.py TRAIN.jsonl TEST.jsonl [--orders 4,6,8,12,16,24,32]

Each corpus file is what `notegen corpus` writes; documents are joined by
newlines, the same text the model is scored on (its end token counted as one
character). Needs xz, zstd and 7-Zip (Debian: xz-utils zstd 7zip, or p7zip-full).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

ORDERS = (4, 6, 8, 12, 16, 24, 32)
STREAMS = {
    "xz -9e": ["xz", "-9e", "-c", "-T1"],
    "zstd --ultra -22 --long=27": ["zstd", "--ultra", "-22", "--long=27", "-c", "-q"],
}


def load(path: str) -> str:
    docs = [json.loads(line)["text"] for line in Path(path).read_text().splitlines() if line.strip()]
    return "".join(d + "\n" for d in docs)


def seven_zip() -> str | None:
    return next((exe for exe in ("7z", "7zz", "7za") if shutil.which(exe)), None)


def ppmd_size(exe: str, data: bytes, order: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        src, arc = Path(tmp) / "t.txt", Path(tmp) / "t.7z"
        src.write_bytes(data)
        subprocess.run([exe, "a", "-bd", f"-m0=PPMd:o={order}:mem=1g", str(arc), str(src)],
                       check=True, capture_output=True)
        return arc.stat().st_size


def stream_size(cmd: list[str], data: bytes) -> int:
    return len(subprocess.run(cmd, input=data, capture_output=True, check=True).stdout)


def table(train: str, test: str, orders: tuple[int, ...] = ORDERS) -> list[tuple[str, float]]:
    """(compressor, bits per test character given the training text); NaN where the
    program is missing."""
    a, b = train.encode(), (train + test).encode()
    rows: list[tuple[str, float]] = []
    exe = seven_zip()
    for order in orders:
        name = f"7z PPMd o{order} (1 GB)"
        if exe is None:
            rows.append((name, float("nan")))
            continue
        rows.append((name, 8 * (ppmd_size(exe, b, order) - ppmd_size(exe, a, order)) / len(test)))
    for name, cmd in STREAMS.items():
        if shutil.which(cmd[0]) is None:
            rows.append((name, float("nan")))
            continue
        rows.append((name, 8 * (stream_size(cmd, b) - stream_size(cmd, a)) / len(test)))
    return rows


def best(rows: list[tuple[str, float]]) -> tuple[str, float]:
    found = [r for r in rows if r[1] == r[1]]  # NaN != NaN
    return min(found, key=lambda r: r[1]) if found else ("none", float("nan"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--orders", default=",".join(map(str, ORDERS)))
    a = ap.parse_args()
    train, test = load(a.train), load(a.test)
    rows = table(train, test, tuple(int(o) for o in a.orders.split(",")))
    print(f"train {len(train):,} chars, test {len(test):,} chars")
    print("| compressor | bits/char on test, given train |\n|---|---|")
    for name, bpc in rows:
        print(f"| {name} | {bpc:.3f} |")
    name, bpc = best(rows)
    print(f"| **best: {name}** | **{bpc:.3f}** |")


if __name__ == "__main__":
    main()
