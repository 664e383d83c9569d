"""One training run per folder at a time: an exclusive `fcntl` lock on a file in
the run folder, held for the whole run and released by the kernel when the
process ends, however it ends (so a killed run leaves no stale lock)."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from notetokens.errors import NotegenError

LOCK = ".lock"


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
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None
