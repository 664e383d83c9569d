"""How many bits per character general-purpose compressors need for a test text
when they have already seen the training text: size(train + test) - size(train).

This is the bar a bundled model's test-set bits per character must clear.

    python benchmarks/compressors.py TRAIN.jsonl TEST.jsonl

Each corpus file is what `notegen corpus` writes; documents are joined by
newlines, the same text the model is scored on (its end token counted as one
character). Needs xz, zstd and 7z (Debian: xz-utils zstd p7zip-full).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

COMPRESSORS = {
    "xz -9e": ["xz", "-9e", "-c", "-T1"],
    "zstd --long -19": ["zstd", "--ultra", "-22", "--long=27", "-c", "-q"],
    "7z PPMd (o32, 1 GB)": None,  # 7z needs an archive path; see compressed_size
}


def load(path: str) -> str:
    docs = [json.loads(line)["text"] for line in Path(path).read_text().splitlines() if line.strip()]
    return "".join(d + "\n" for d in docs)


def compressed_size(name: str, data: bytes) -> int:
    if name.startswith("7z"):
        with tempfile.TemporaryDirectory() as tmp:
            src, arc = Path(tmp) / "t.txt", Path(tmp) / "t.7z"
            src.write_bytes(data)
            subprocess.run(["7z", "a", "-bd", "-m0=PPMd", "-mo=32", "-mmem=1g", "-mx=9", str(arc), str(src)],
                           check=True, capture_output=True)
            return arc.stat().st_size
    return len(subprocess.run(COMPRESSORS[name], input=data, capture_output=True, check=True).stdout)


def table(train: str, test: str) -> list[tuple[str, float]]:
    rows = []
    a, b = train.encode(), (train + test).encode()
    for name, cmd in COMPRESSORS.items():
        exe = "7z" if cmd is None else cmd[0]
        if shutil.which(exe) is None:
            rows.append((name, float("nan")))
            continue
        extra = compressed_size(name, b) - compressed_size(name, a)
        rows.append((name, 8 * extra / len(test)))
    return rows


def main() -> None:
    train, test = load(sys.argv[1]), load(sys.argv[2])
    print(f"train {len(train):,} chars, test {len(test):,} chars")
    print("| compressor | bits/char on test, given train |\n|---|---|")
    for name, bpc in table(train, test):
        print(f"| {name} | {bpc:.3f} |")


if __name__ == "__main__":
    main()
