"""`notegen plugin install / uninstall`: the LV2 bundle built from plugin/lv2/ and
put where hosts look for plugins, atomically.

The bundle is staged in a hidden folder beside the target, with manifest.ttl
written last (a host scanning the folder meanwhile sees no second plugin), then
swapped in by one rename: an existing install is replaced only once the new one
is complete, and any failure before the swap leaves it as it was.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from notetokens.errors import NotegenError

URI = "urn:notegen:generator"
BUNDLE = "notegen.lv2"
FILES = ("notegen.so", "notegen.ttl", "model.safetensors", "manifest.ttl")  # the manifest last
REPO = Path(__file__).resolve().parents[1]  # the clone scripts/setup.sh installed from
SOURCES = REPO / "plugin" / "lv2"
ENGINE_SOURCES = REPO / "plugin" / "engine"
STAGING = f".{BUNDLE}."  # hidden staging and removal folders: .notegen.lv2.<random>
STALE_AFTER = 600.0  # seconds: a staging folder this old was left by an install that died


@dataclass(frozen=True)
class Installed:
    path: Path  # the bundle folder
    model: Path  # the checkpoint copied into it
    replaced: bool  # an older install was there
    visible: bool  # in the folders hosts search (LV2_PATH, or the platform's default)


def default_dir() -> Path:
    """The per-user LV2 folder of this platform."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Audio" / "Plug-Ins" / "LV2"
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "LV2"
    return Path.home() / ".lv2"


def search_path() -> list[Path]:
    """Where lilv-based hosts look: LV2_PATH when set (it replaces the default)."""
    env = os.environ.get("LV2_PATH")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    if sys.platform.startswith("linux"):
        return [default_dir(), Path("/usr/local/lib/lv2"), Path("/usr/lib/lv2")]
    return [default_dir()]


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def is_visible(folder: Path) -> bool:
    return any(_same(folder, p) for p in search_path())


# -- the tools ---------------------------------------------------------------
def find_compiler() -> list[str]:
    """The C compiler make will use ($CC, else cc) as a command line."""
    cc = shlex.split(os.environ.get("CC") or "cc")
    if not cc or shutil.which(cc[0]) is None:
        name = cc[0] if cc else "cc"
        raise NotegenError(f"no C compiler found ({name}): install gcc (Debian/Ubuntu: apt install "
                           "build-essential; Fedora: dnf install gcc; macOS: xcode-select --install)")
    if shutil.which("make") is None:
        raise NotegenError("no make found: install make (Debian/Ubuntu: apt install build-essential)")
    return cc


LV2_HEADER = "lv2/core/lv2.h"


def find_lv2_headers(cc: list[str]) -> None:
    """The compiler itself finds <lv2/core/lv2.h> where it looks (its include path,
    CPATH): the same search the build makes."""
    probe = subprocess.run([*cc, "-E", "-x", "c", "-o", os.devnull, "-"], input=f"#include <{LV2_HEADER}>\n",
                           capture_output=True, text=True)
    if probe.returncode != 0:
        raise NotegenError(f"no LV2 headers found ({LV2_HEADER}, e.g. /usr/include/lv2): install "
                           "lv2-dev (Debian/Ubuntu), lv2-devel (Fedora) or lv2 (Homebrew)")


def _make(folder: Path, *args: str) -> None:
    """`make -C folder args`; its output is shown only when it fails, as one line."""
    cmd = ["make", "-C", str(folder), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        lines = [ln.strip() for ln in (done.stderr + "\n" + done.stdout).splitlines() if ln.strip()]
        errors = [ln for ln in lines if "error" in ln.lower()]
        why = (errors or lines or [f"exit status {done.returncode}"])[0]
        raise NotegenError(f"building in {folder} failed (make -C {folder}): {why}")


# -- the model ---------------------------------------------------------------
def check_model(model: str | Path) -> Path:
    """The checkpoint file of `model` (a bundled name, a run folder, a file), once
    the C engine has opened it and it is a notes model; else a NotegenError."""
    from notegen.models import engine
    from notegen.models.checkpoint import resolve

    path = resolve(model)
    if not engine.available() and engine.library_path() == engine.LIBRARY:
        _make(ENGINE_SOURCES)  # the plugin compiles the same sources: the compiler is there
    notation = engine.Engine(path).notation
    if notation != "notes":
        raise NotegenError(f"{path}: a {notation} model; the plugin plays notes models (e.g. --model folk)")
    return path.resolve()


def build() -> Path:
    """The bundle built by plugin/lv2's Makefile (a no-op when up to date). It is
    built with its default model: the chosen one is copied into the installed
    bundle, so the shared build folder, which the plugin's tests use, keeps folk."""
    _make(SOURCES)
    built = SOURCES / "build" / BUNDLE
    missing = [f for f in FILES if not (built / f).is_file()]
    if missing:
        raise NotegenError(f"{built}: the build made no {', '.join(missing)}")
    return built


# -- bundles on disk ---------------------------------------------------------
def is_bundle(path: Path) -> bool:
    """A folder holding only files, with a manifest that names the plugin."""
    if path.is_symlink() or not path.is_dir():
        return False
    manifest = path / "manifest.ttl"
    try:
        if manifest.is_symlink() or not manifest.is_file() or manifest.stat().st_size > 1 << 16:
            return False
        if any(not p.is_file() or p.is_symlink() for p in path.iterdir()):
            return False
        return f"<{URI}>" in manifest.read_text(errors="replace")
    except OSError:
        return False


def _remove(path: Path) -> None:
    """Remove a bundle: the manifest first, so no host loads a half-removed one."""
    if path.is_symlink():
        path.unlink()
        return
    (path / "manifest.ttl").unlink(missing_ok=True)
    shutil.rmtree(path)


def _clean_stale(folder: Path) -> None:
    """Staging folders of installs that died (a kill, a power cut) long ago."""
    now = time.time()
    for p in folder.glob(STAGING + "*"):
        try:
            if p.is_dir() and not p.is_symlink() and now - p.stat().st_mtime > STALE_AFTER \
                    and all(c.name in FILES for c in p.iterdir()):
                _remove(p)
        except OSError:
            pass  # not ours to fight over


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where
    the system or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: fall back to two renames
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(staged: Path, target: Path) -> None:
    """`staged` becomes `target`; an old `target` is removed afterwards."""
    if not os.path.lexists(target):
        os.rename(staged, target)
        return
    if _exchange(staged, target):
        old = staged  # now the old bundle
    else:
        old = target.with_name(f"{STAGING}{uuid.uuid4().hex[:8]}")
        os.rename(target, old)
        try:
            os.rename(staged, target)
        except BaseException:
            os.rename(old, target)
            raise
    with contextlib.suppress(OSError):  # installed; the next install clears what is left
        _remove(old)


def _stage(built: Path, checkpoint: Path, folder: Path) -> Path:
    staged = folder / f"{STAGING}{uuid.uuid4().hex[:8]}"
    staged.mkdir(mode=0o755)
    try:
        for name in FILES:
            src = checkpoint if name == "model.safetensors" else built / name
            shutil.copyfile(src, staged / name)
            os.chmod(staged / name, 0o755 if name.endswith(".so") else 0o644)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def _folder(folder: Path) -> Path:
    if os.path.lexists(folder) and not folder.is_dir():
        raise NotegenError(f"{folder}: not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise NotegenError(f"{folder}: cannot create the folder ({e.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise NotegenError(f"{folder}: cannot write in this folder (permission denied)")
    return folder


def install(model: str | Path = "folk", folder: Path | None = None) -> Installed:
    """Check the model, build the plugin, install the bundle into `folder`."""
    folder = Path(folder).expanduser() if folder is not None else default_dir()
    target = folder / BUNDLE
    if os.path.lexists(target) and not is_bundle(target) and not target.is_symlink():
        raise NotegenError(f"{target}: exists and is not a notegen bundle; not replacing it")
    if not (SOURCES / "Makefile").is_file():
        raise NotegenError(f"{SOURCES}: no plugin sources here (install notegen from its git clone "
                           "with scripts/setup.sh to build the plugin)")
    find_lv2_headers(find_compiler())  # before the engine may be built to check the model
    checkpoint = check_model(model)
    built = build()
    _folder(folder)
    _clean_stale(folder)
    replaced = os.path.lexists(target)
    try:
        staged = _stage(built, checkpoint, folder)
        try:
            _swap_in(staged, target)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
    except OSError as e:
        raise NotegenError(f"{target}: cannot install the plugin ({e.strerror or e})") from None
    return Installed(target, checkpoint, replaced, is_visible(folder))


def uninstall(folder: Path | None = None) -> Path | None:
    """Remove the bundle from `folder`; None when there is none."""
    folder = Path(folder).expanduser() if folder is not None else default_dir()
    target = folder / BUNDLE
    if not os.path.lexists(target):
        return None
    if target.is_symlink():
        if not is_bundle(target.resolve()):
            raise NotegenError(f"{target}: a link to something that is not a notegen bundle; not removing it")
    elif not is_bundle(target):
        raise NotegenError(f"{target}: not a notegen bundle (no manifest.ttl naming {URI}, "
                           "or other things inside); not removing it")
    try:
        if target.is_symlink():
            target.unlink()
        else:
            gone = folder / f"{STAGING}{uuid.uuid4().hex[:8]}"
            os.rename(target, gone)  # hosts stop seeing it at once
            _remove(gone)
    except OSError as e:
        raise NotegenError(f"{target}: cannot remove the plugin ({e.strerror or e})") from None
    return target
