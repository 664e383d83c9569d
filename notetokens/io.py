"""Reading and writing scores as files: notation by extension, errors naming the
file, and writes by the rules of `outputs` (a temporary file renamed into place),
so a failed conversion never leaves half a file or destroys the one already there."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from .errors import NotegenError, ParseError
from .limits import check_file_size
from .outputs import write_bytes
from .registry import Notation, for_path, get
from .score import Score


def read_text(path: str | Path) -> str:
    """A text file's contents; a binary or non-UTF-8 file is a `ParseError`."""
    data = read_bytes(path)
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


def not_a_file(path: str | Path, mode: int, wanted: str = "a file") -> str | None:
    """Why an input of this `stat` mode cannot be read as `wanted`, or None for a
    regular file. A device (`/dev/zero`, `/dev/urandom`) can give bytes without
    end and a FIFO can wait for a writer for ever, so neither is ever read: every
    input (music files, corpus files and folders, checkpoints) is named this way."""
    if stat.S_ISREG(mode):
        return None
    what = (
        "a directory" if stat.S_ISDIR(mode)
        else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
        else "not a regular file (a socket?)"
    )
    return f"{path}: is {what}, not {wanted}"


def read_bytes(path: str | Path) -> bytes:
    """A regular file's bytes. It is opened without blocking and checked on the
    open descriptor, so a FIFO (or a file swapped for one) never stalls the read
    and a device is never read at all."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise NotegenError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise NotegenError(f"{path}: is a directory, not a file") from None
    except OSError as e:
        raise NotegenError(f"{path}: {e.strerror}") from None
    with open(fd, "rb") as f:
        problem = not_a_file(path, os.fstat(fd).st_mode)
        if problem:
            raise NotegenError(problem)
        try:
            return f.read()
        except OSError as e:
            raise NotegenError(f"{path}: {e.strerror}") from None



def read(path: str | Path, notation: str | None = None, *, tune: int | None = None, **options: Any) -> Score:
    """Parse a file into a Score; the notation comes from the extension unless named.
    A file of several tunes (an ABC collection) gives its first tune, or tune
    number `tune` (from 1); `read_tune` also says how many the file holds."""
    return read_tune(path, notation, tune=tune, **options)[0]


def read_tune(
    path: str | Path, notation: str | None = None, *, tune: int | None = None, **options: Any
) -> tuple[Score, int]:
    """`read`, and the number of tunes in the file (1 but for a collection)."""
    nt = get(notation) if notation else for_path(path)
    if not nt.readable or not nt.music:
        raise NotegenError(f"{path}: notation {nt.name!r} cannot be read as music")
    check_file_size(path, nt.name, nt.binary)
    data: Any = read_bytes(path) if nt.binary else read_text(path)
    if not nt.binary and not data.strip():
        raise ParseError("the file is empty", source=str(path))
    count = 1
    if nt.collection:
        data, count = only_tune(nt, data, tune or 1, str(path))
    elif tune not in (None, 1):
        raise NotegenError(f"{path}: a {nt.name} file holds one tune; a tune number is for ABC files")
    try:
        return nt.parse(data, **options), count
    except ParseError as e:
        raise e.with_source(str(path)) from None


def only_tune(nt: Notation, text: str, number: int, source: str) -> tuple[str, int]:
    """`text` with tune `number` (from 1) as its first tune, and how many tunes it
    holds. The tunes before it become blank lines, so the file's header still
    applies and an error names the line in the file."""
    tunes = nt.impl().split_tunes(text)
    if number < 1 or number > max(len(tunes), 1):
        held = f"{len(tunes)} tune{'s' if len(tunes) != 1 else ''}"
        raise NotegenError(f"{source}: there is no tune {number}; the file holds {held}")
    if number == 1:
        return text, len(tunes)
    lines = text.split("\n")
    first, start = tunes[0][0], tunes[number - 1][0]  # 1-based lines of their `X:`
    lines[first - 1 : start - 1] = [""] * (start - first)
    return "\n".join(lines), len(tunes)


def render(score: Score, notation: Notation, **options: Any) -> bytes:
    out = notation.format(score, **options)
    return out if isinstance(out, bytes) else out.encode("utf-8")


def write(score: Score, path: str | Path, notation: str | None = None, **options: Any) -> None:
    """Format a Score and write it (atomically to a regular file)."""
    nt = get(notation) if notation else for_path(path)
    require_notes(score, path)
    write_bytes(path, render(score, nt, **options))


def require_notes(score: Score, path: str | Path) -> None:
    """Refuse to write a file of no notes: no reader of music takes it back."""
    if not any(p.notes for p in score.parts):
        raise NotegenError(f"{path}: the music has no notes; an empty file would not read back")

