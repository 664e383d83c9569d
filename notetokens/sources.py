"""Corpora that come from installed packages: the ABC folk collections music21
ships, and the King James Bible of Debian's bible-kjv. Nothing is downloaded.

The splits are fixed here so that no run can train on a test set by accident:
folk TEST is airdsAirs + miscFolk; KJV TEST is 3 John, Jude and Revelation.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from .errors import NotegenError

FOLK_SPLITS = {
    "train": ("essenFolksong", "oneills1850", "ryansMammoth"),
    "test": ("airdsAirs", "miscFolk"),
}
KJV_TEST_FROM = "3 John"  # the last 5% of the books
CHAPTER_RE = re.compile(r"^((?:[1-3] )?[A-Z][A-Za-z ]*?) (\d+)$")
VERSE_RE = re.compile(r"^\s+(\d+) (.*)$")


def music21_corpus_dir() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


def folk_files(split: str = "train") -> list[Path]:
    """The ABC files of one split, in a stable order."""
    if split not in FOLK_SPLITS:
        raise NotegenError(f"unknown split {split!r}; use train or test")
    root = music21_corpus_dir()
    files = []
    for name in FOLK_SPLITS[split]:
        files += sorted((root / name).glob("*.abc"))
    if not files:
        raise NotegenError(f"music21's ABC collections were not found under {root}")
    return files


def kjv_books(split: str = "train") -> list[tuple[str, str]]:
    """(book, text) pairs of the King James Bible, one verse a line."""
    exe = shutil.which("bible")
    if exe is None:
        raise NotegenError(
            "the kjv corpus needs the `bible` command: install Debian's bible-kjv package "
            "(sudo apt-get install bible-kjv)"
        )
    raw = subprocess.run([exe, "gen1:1-rev22:21"], capture_output=True, text=True, check=True).stdout
    books = split_books(raw)
    names = [b for b, _ in books]
    cut = names.index(KJV_TEST_FROM)
    return books[cut:] if split == "test" else books[:cut]


def split_books(raw: str) -> list[tuple[str, str]]:
    """Parse `bible`'s output (chapter headings, numbered verses wrapped at 80
    columns) into books whose text has one verse per line: `1:1 In the beginning...`."""
    books: list[tuple[str, list[str]]] = []
    chapter = "0"
    for line in raw.splitlines():
        head = CHAPTER_RE.match(line)
        verse = VERSE_RE.match(line)
        if head:
            book, chapter = head.group(1), head.group(2)
            if not books or books[-1][0] != book:
                books.append((book, []))
        elif verse and books:
            books[-1][1].append(f"{chapter}:{verse.group(1)} {verse.group(2)}")
        elif line.strip() and books and books[-1][1]:
            books[-1][1][-1] += " " + line.strip()  # a wrapped verse goes on
    return [(b, "\n".join(lines) + "\n") for b, lines in books]
