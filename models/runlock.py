"""One training run per folder at a time: an exclusive `fcntl` lock on a file in
the run folder, held for the whole run and released by the kernel when the
process ends, however it ends (so a killed run leaves no stale lock).

Holding the lock, a run also clears what a killed earlier run left: the hidden
temporary files (`.last.safetensors.x1y2z3.tmp`) of an atomic write that a
SIGKILL (or a power cut) stopped before its rename. No other run can be
writing them, so they are nobody's."""

from __future__ import annotations

import os
import re
from pathlib import Path
from types import TracebackType

from notetokens.errors import NotegenError

LOCK = ".lock"
# the temporary names of notetokens.outputs' atomic writes (and `.name.tmp`)
STALE_TEMP = re.compile(r"\..+\.tmp")


class RunLock:
    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        try:
            import fcntl
        except ImportError:  # no fcntl (Windows): no lock, as before
            return self
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise NotegenError(f"{self.path.parent}: cannot lock the run folder ({e.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise NotegenError(
                f"{self.path.parent}: another training run is using this folder"
            ) from None
        self._fd = fd
        clear_stale_temps(self.path.parent)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None


def clear_stale_temps(folder: Path) -> list[Path]:
    """Remove the temporary files a killed run left in `folder` (call it holding
    the folder's lock); the ones removed. One that cannot be removed stays: it
    harms nothing but the disk space it takes."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if STALE_TEMP.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
            except OSError:
                continue
            removed.append(Path(entry.path))
    return removed
