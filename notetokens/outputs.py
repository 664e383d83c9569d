"""Output files: every check in one place, run before anything is written, and
the writes themselves.

A command names all its outputs to `check_all` first (an `--out` and a `--plot`
alike), so a bad second output fails before the first one is touched. The rules:

- a regular file is written to a temporary file in the same folder, fsynced and
  renamed over the old one: a failed write (a full disk) leaves the old file whole;
- a character device (`/dev/null`, a terminal) or a FIFO with a reader is written
  directly, like a shell redirection: renaming over a device node would replace it;
  a FIFO that no process reads (within 2 s), a block device (a disk) or a socket
  is refused;
- a directory, a missing folder, a folder this user cannot write in and a
  write-protected file (no write permission for anyone, or not for this user) are
  refused; `force` lets a write-protected file be replaced;
- an output that is one of the command's input files (directly, through a
  symlink or a hard link) is refused: writing it would destroy what is read;
- `-` is standard output, which must be open; a full or failing standard output is
  one line of error, a closed pipe (`| head`) a quiet stop with status 1. While
  `notegen` runs, `sys.stdout` is a `GuardedStdout`, so a report printed with
  `click.echo` or `print` fails the same way.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .errors import NotegenError

STDOUT = "-"
FIFO_WAIT = 2.0  # seconds a FIFO may go without a reader before it is refused


@dataclass(frozen=True)
class Target:
    """A checked output: where the bytes go and how they get there."""

    path: str  # as the user wrote it, for messages
    real: str  # the file actually written (a symlink's target); "" for stdout
    kind: str  # "stdout", "file" (new or replaced atomically) or "device" (written directly)

    @property
    def existed(self) -> bool:
        return self.kind == "file" and os.path.lexists(self.real)


def check(path: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = ()) -> Target:
    """A writable output, or a `NotegenError` saying in one line why not.
    `inputs` are the files the command reads: the output may not be one of them."""
    target = _check(path, force)
    _not_an_input(target, inputs)
    return target


def _check(path: str | Path, force: bool) -> Target:
    text = str(path)
    if text == STDOUT:
        if not stdout_open():
            raise NotegenError("standard output is closed; name an output file instead of '-'")
        return Target(text, "", "stdout")
    if not text or text.endswith(("/", os.sep)):
        raise NotegenError(f"{text or repr(text)}: an output needs a file name, not a folder")
    try:
        st = os.stat(text)  # through any symlink, as opening it will go
    except (FileNotFoundError, NotADirectoryError):
        st = None
    except OSError as e:
        raise NotegenError(f"{text}: {e.strerror}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        # opened by the name given: /dev/stdout's real path is /proc/.../fd/pipe:[n]
        return Target(text, text, _special(text, text, st.st_mode))
    real = os.path.realpath(text)  # write through a symlink, keep the link
    folder = os.path.dirname(real) or "."
    if not os.path.isdir(folder):
        what = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise NotegenError(f"{text}: folder {_shown(text, folder)} {what}")
    if not os.access(folder, os.W_OK | os.X_OK):
        why = "is on a read-only file system" if _read_only_fs(folder) else "is not writable by you"
        raise NotegenError(f"{text}: folder {_shown(text, folder)} {why}")
    if st is not None and not force and (st.st_mode & 0o222 == 0 or not os.access(real, os.W_OK)):
        raise NotegenError(f"{text}: the file is write-protected; use --force to replace it")
    return Target(text, real, "file")


def check_all(
    paths: list[str | Path], *, force: bool = False, inputs: Iterable[str | Path] = ()
) -> list[Target]:
    """Check every output of one command; the same file named twice is an error."""
    inputs = list(inputs)
    targets = [check(p, force=force, inputs=inputs) for p in paths]
    seen: dict[str, str] = {}
    for t in targets:
        if t.kind == "file" and t.real in seen:
            raise NotegenError(f"{t.path}: named twice as an output (also as {seen[t.real]})")
        seen.setdefault(t.real, t.path)
    return targets


def write_bytes(path: str | Path | Target, data: bytes, *, force: bool = True) -> None:
    """Write `data` to a checked output (see the module rules).

    Library callers have already been asked for this file, so a write-protected
    one is replaced unless `force=False`; commands check with their `--force` first.
    """
    target = path if isinstance(path, Target) else check(path, force=force)
    if target.kind == "stdout":
        write_stdout(data)
    elif target.kind == "device":
        _guard(target, lambda: _write_device(target, data))
    else:
        _guard(target, lambda: _write_atomic(target.real, data))


def install(tmp: str | Path, path: str | Path | Target, *, force: bool = True) -> None:
    """Move a finished temporary file (in the output's folder) into place, or copy
    it to a device or standard output."""
    target = path if isinstance(path, Target) else check(path, force=force)
    if target.kind == "file":
        _guard(target, lambda: os.replace(tmp, target.real))
    else:
        write_bytes(target, Path(tmp).read_bytes())


def temp_folder(path: str | Path | Target) -> str:
    """Where to build an output's temporary files: beside it, so the rename stays
    on one file system; the system's temporary folder for a device or stdout."""
    target = path if isinstance(path, Target) else check(path)
    if target.kind != "file":
        return tempfile.gettempdir()
    return os.path.dirname(target.real) or "."


def free_bytes(folder: str | Path) -> int | None:
    """Space left for this user in `folder`'s file system, if the OS says."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):
        return None
    return st.f_bavail * st.f_frsize


def stdout_open() -> bool:
    if sys.stdout is None or getattr(sys.stdout, "closed_at_start", False) is True:
        return False  # file descriptor 1 was closed when the process started
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, io.UnsupportedOperation):  # a stream without a descriptor (tests)
        return True
    except ValueError:  # closed
        return False
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def write_stdout(data: bytes | str) -> None:
    """Write to standard output and flush; failures become one line of error."""
    if not stdout_open():
        raise NotegenError("standard output is closed")
    try:
        if isinstance(data, str):
            sys.stdout.write(data)
        else:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except OSError as e:
        raise stdout_error(e) from None


def stdout_error(e: OSError) -> Exception:
    """What to raise for a failed write to stdout: a closed pipe stays a
    BrokenPipeError (a quiet stop), anything else a one-line `NotegenError`."""
    silence_stdout()
    if isinstance(e, BrokenPipeError) or e.errno == errno.EPIPE:
        return BrokenPipeError(errno.EPIPE, "broken pipe")
    return NotegenError(f"cannot write to standard output: {e.strerror or e}")


def require_stdout(command: str) -> None:
    """Refuse to run `command`, which prints its result, with standard output closed."""
    if not stdout_open():
        raise NotegenError(f"standard output is closed; `{command}` prints its result there")


class GuardedStdout:
    """`sys.stdout` while the `notegen` command runs (cli.main installs it): a
    failed write or flush raises `stdout_error`'s one line naming standard output
    (a quiet BrokenPipeError for a closed pipe) instead of a bare OSError, and a
    standard output closed at start-up (`stream` None) refuses every write
    instead of dropping it, as `click.echo` does with no stdout."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.failed: Exception | None = None  # a write failed: every later one fails too

    @property
    def closed_at_start(self) -> bool:
        return self.stream is None

    def write(self, text: str) -> int:
        self._raise_if_failed()
        if self.stream is None:
            raise NotegenError("standard output is closed; nothing can be printed")
        try:
            return self.stream.write(text)
        except OSError as e:
            self.failed = stdout_error(e)  # stdout now goes to /dev/null: keep saying it failed
            raise self.failed from None

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._raise_if_failed()
        if self.stream is None:
            return
        try:
            self.stream.flush()
        except OSError as e:
            self.failed = stdout_error(e)
            raise self.failed from None

    def _raise_if_failed(self) -> None:
        # a probe that swallowed the first error (click writes "" to learn the
        # stream's kind) must not leave the real write to succeed at /dev/null
        if self.failed is not None:
            raise type(self.failed)(*self.failed.args) from None

    def isatty(self) -> bool:
        return self.stream is not None and self.stream.isatty()

    def __getattr__(self, name: str) -> Any:
        if self.stream is None:
            if name in ("encoding", "errors"):
                return "utf-8" if name == "encoding" else "strict"
            raise AttributeError(name)
        return getattr(self.stream, name)


def silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so the interpreter's last flush of
    data nobody can receive does not print a second error at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno() if sys.stdout is not None else 1)
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


# --- internals


def _not_an_input(target: Target, inputs: Iterable[str | Path]) -> None:
    """Refuse an output that is one of the inputs: the same file by any name."""
    if target.kind != "file" or not os.path.exists(target.real):
        return
    for src in inputs:
        try:
            same = os.path.samefile(src, target.real)
        except (OSError, ValueError):  # a missing input is reported where it is read
            continue
        if same:
            also = "" if str(src) == target.path else f" ({src})"
            raise NotegenError(
                f"{target.path}: is the input file{also}; writing it would destroy what is read, "
                "so name another output"
            )


def _special(text: str, real: str, mode: int) -> str:
    if stat.S_ISDIR(mode):
        raise NotegenError(f"{text}: is a directory; name a file inside it")
    if stat.S_ISCHR(mode):
        return "device"
    if stat.S_ISFIFO(mode):  # whether a process reads it is seen when writing
        return "device"
    if stat.S_ISBLK(mode):
        raise NotegenError(f"{text}: is a block device (a disk); refusing to write to it")
    raise NotegenError(f"{text}: is not a regular file (a socket?); refusing to write to it")


def _shown(text: str, folder: str) -> str:
    given = os.path.dirname(text)
    return given if given and os.path.realpath(given) == folder else folder


def _read_only_fs(folder: str) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _write_atomic(real: str, data: bytes) -> None:
    folder = os.path.dirname(real) or "."
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(os.path.basename(real), folder), suffix=".tmp",
                               dir=folder)
    try:
        os.chmod(tmp, _mode(real))  # mkstemp makes 0600; a user expects an ordinary file
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, real)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


TEMP_EXTRA = 14  # a dot either side of the name, 8 random characters, ".tmp"


def _temp_prefix(name: str, folder: str) -> str:
    """`.name.`, cut short where the temporary name would pass the file system's
    limit on a name (255 bytes): any name valid for the output works."""
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    while name and len(os.fsencode(name)) + TEMP_EXTRA > limit:
        name = name[:-1]
    return f".{name}."


def _write_device(target: Target, data: bytes) -> None:
    # without O_NONBLOCK, opening a FIFO that no process reads would wait forever;
    # a reader started at the same moment gets a short grace period
    deadline = time.monotonic() + FIFO_WAIT
    while True:
        try:
            fd = os.open(target.real, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as e:
            if e.errno != errno.ENXIO:
                raise
            if time.monotonic() > deadline:
                raise NotegenError(f"{target.path}: a FIFO that no process is reading") from None
            time.sleep(0.05)
    os.set_blocking(fd, True)
    with open(fd, "wb", buffering=0) as f:
        view = memoryview(data)
        while view:
            view = view[f.write(view) or 0 :]


def _guard(target: Target, write: Callable[[], object]) -> None:
    existed = target.existed
    try:
        write()
    except OSError as e:
        kept = "; the old file is kept" if existed else ""
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise NotegenError(f"{target.path}: no space left on the device{kept}") from None
        raise NotegenError(f"{target.path}: {e.strerror or e}{kept}") from None


def _mode(real: str) -> int:
    """The existing file's mode, or what a new file gets under the umask."""
    try:
        return os.stat(real).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
