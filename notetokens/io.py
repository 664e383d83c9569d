"""Reading and writing scores as files: notation by extension, errors naming the
file, and writes by the rules of `outputs` (a temporary file renamed into place),
so a failed conversion never leaves half a file or destroys the one already there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import NotegenError, ParseError
from .limits import check_file_size
from .outputs import write_bytes
from .registry import Notation, for_path, get
from .score import Score


def read_text(path: str | Path) -> str:
    """A text file's contents; a binary or non-UTF-8 file is a `ParseError`."""
    data = _read_bytes(path)
    return decode_text(data, str(path))


def decode_text(data: bytes, source: str) -> str:
    if b"\x00" in data:
        raise ParseError("this is a binary file, not text", source=source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise ParseError("not UTF-8 text", line=line, col=col, source=source) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_bytes(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise NotegenError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise NotegenError(f"{path}: is a directory, not a file") from None
    except OSError as e:
        raise NotegenError(f"{path}: {e.strerror}") from None


def read(path: str | Path, notation: str | None = None, **options: Any) -> Score:
    """Parse a file into a Score; the notation comes from the extension unless named."""
    nt = get(notation) if notation else for_path(path)
    if not nt.readable or not nt.music:
        raise NotegenError(f"{path}: notation {nt.name!r} cannot be read as music")
    check_file_size(path, nt.name, nt.binary)
    data: Any = _read_bytes(path) if nt.binary else read_text(path)
    if not nt.binary and not data.strip():
        raise ParseError("the file is empty", source=str(path))
    try:
        return nt.parse(data, **options)
    except ParseError as e:
        raise e.with_source(str(path)) from None


def render(score: Score, notation: Notation, **options: Any) -> bytes:
    out = notation.format(score, **options)
    return out if isinstance(out, bytes) else out.encode("utf-8")


def write(score: Score, path: str | Path, notation: str | None = None, **options: Any) -> None:
    """Format a Score and write it (atomically to a regular file)."""
    nt = get(notation) if notation else for_path(path)
    write_bytes(path, render(score, nt, **options))

