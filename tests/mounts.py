"""Small real file systems for tests of full disks and read-only folders: a tmpfs
mounted for one test (needs root, as CI runs; elsewhere the test skips)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from .conftest import need


@contextlib.contextmanager
def tmpfs(where: Path, size_kb: int, *, read_only: bool = False) -> Iterator[Path]:
    """`where` as a fresh tmpfs of `size_kb` KiB, unmounted afterwards."""
    need(os.geteuid() == 0, "mounting a small tmpfs needs root (CI runs as root)")
    where.mkdir(parents=True, exist_ok=True)
    options = f"size={size_kb}k" + (",ro" if read_only else "")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                       capture_output=True, text=True)
    need(r.returncode == 0, f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def remount_read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
