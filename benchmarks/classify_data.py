"""Labelled data for the classification benchmark (benchmarks/classify.py).

folk: the tunes of music21's oneills1850 and ryansMammoth whose ABC `R:` field
names a tune type, as note-string model text (the text the bundled folk model
reads) with any `T:` header field removed, so the label is not in the text.
kjv: verses of Debian's bible-kjv labelled by Testament, chapter:verse removed.
Each is split once into train and test by a fixed seed and written as
DATA/<split>/<label>/<n>.txt, the layout `notegen classify fit` reads.
"""

from __future__ import annotations

import random
import re
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

TYPES = {  # R: field (lower case) -> class; the rest is too rare to learn and test
    "reel": "reel", "hornpipe": "hornpipe", "jig": "jig", "double jig": "jig",
    "slip jig": "slip-jig", "slipjig": "slip-jig", "strathspey": "strathspey",
}
COLLECTIONS = ("oneills1850", "ryansMammoth")
R_FIELD = re.compile(r"^R:\s*(.*?)\s*$", re.M)
NT_BOOK = "Matthew"


def strip_type(text: str) -> str:
    """The model text without a `T:` field in its header line."""
    head, sep, body = text.partition("\n")
    if not sep:
        return text
    fields = [f for f in head.split(" ") if not f.startswith("T:")]
    return (" ".join(fields) + "\n" + body) if fields else body


def _tunes(path: str) -> list[tuple[str, str]]:
    from notetokens import abc, notes
    from notetokens.errors import NotegenError
    from notetokens.io import read_text

    out = []
    for _, tune in abc.split_tunes(read_text(path)):
        m = R_FIELD.search(tune)
        label = TYPES.get(m.group(1).lower()) if m else None
        if label is None:
            continue
        try:
            out.append((label, strip_type(notes.to_model_text(abc.parse(tune, expand_repeats=False)))))
        except NotegenError:
            continue
    return out


def folk(out: Path, test_fraction: float = 0.25, jobs: int = 2) -> Counter[str]:
    from notetokens.sources import music21_corpus_dir

    root = music21_corpus_dir()
    files = [str(f) for c in COLLECTIONS for f in sorted((root / c).glob("*.abc"))]
    seen: set[str] = set()
    items: list[tuple[str, str]] = []
    with ProcessPoolExecutor(jobs) as pool:
        for tunes in pool.map(_tunes, files, chunksize=8):
            for label, text in tunes:
                body = text.partition("\n")[2] or text
                if body not in seen:  # the same tune in both collections counts once
                    seen.add(body)
                    items.append((label, text))
    return _write(out, items, test_fraction)


def kjv(out: Path, train_size: int = 1500, test_size: int = 500) -> Counter[str]:
    from notetokens.sources import kjv_books

    books = kjv_books("train") + kjv_books("test")
    names = [b for b, _ in books]
    nt_from = names.index(NT_BOOK)
    items = []
    for i, (_, text) in enumerate(books):
        label = "new" if i >= nt_from else "old"
        items += [(label, line.split(" ", 1)[1] + "\n") for line in text.splitlines() if " " in line]
    random.Random(0).shuffle(items)
    items = items[: train_size + test_size]
    return _write(out, items, test_size / (train_size + test_size))


def _write(out: Path, items: list[tuple[str, str]], test_fraction: float) -> Counter[str]:
    rng = random.Random(0)
    counts: Counter[str] = Counter()
    by_label: dict[str, list[str]] = {}
    for label, text in items:
        by_label.setdefault(label, []).append(text)
    for label, texts in sorted(by_label.items()):
        rng.shuffle(texts)
        n_test = round(len(texts) * test_fraction)
        for split, part in (("test", texts[:n_test]), ("train", texts[n_test:])):
            folder = out / split / label
            folder.mkdir(parents=True, exist_ok=True)
            for i, text in enumerate(part):
                (folder / f"{i:05d}.txt").write_text(text)
            counts[f"{split}/{label}"] = len(part)
    return counts


if __name__ == "__main__":
    which, dest = sys.argv[1], Path(sys.argv[2])
    result = folk(dest) if which == "folk" else kjv(dest)
    for k, v in sorted(result.items()):
        print(f"{k} {v}")
