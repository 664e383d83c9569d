"""Reading and writing scores as files: notation by extension, errors naming the
file, and atomic writes (a temporary file renamed into place), so a failed
conversion never leaves half a file or destroys the one already there."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from .errors import NotegenError, ParseError
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
    """Format a Score and write it atomically."""
    nt = get(notation) if notation else for_path(path)
    write_bytes(path, render(score, nt, **options))


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise NotegenError(f"{path}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        os.chmod(tmp, _mode(path))  # mkstemp makes 0600; a user expects an ordinary file
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode(path: Path) -> int:
    """The existing file's mode, or what a new file gets under the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
