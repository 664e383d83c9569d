"""`notegen plugin install / uninstall`: the real build (make -C plugin/lv2), real
bundles in temporary folders, found by the real `lv2info`; a failing install
leaves the old one as it was."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ..conftest import ROOT, need, need_program, one_line

URI = "urn:notegen:generator"
FILES = {"manifest.ttl", "notegen.ttl", "notegen.so", "model.safetensors"}
FOLK = ROOT / "models" / "bundled" / "folk.safetensors"
NOTEGEN = str(Path(sys.executable).parent / "notegen")


def notegen(*args: str, env: dict[str, str] | None = None,
            preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NOTEGEN, "plugin", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}, preexec_fn=preexec)


def contents(folder: Path) -> dict[str, str]:
    """Every file of a folder (and its subfolders) with the hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def lv2info(folder: Path) -> subprocess.CompletedProcess[str]:
    """lv2info with hosts' search path set to `folder` (and the LV2 specs)."""
    path = os.pathsep.join([str(folder), "/usr/lib/lv2"])
    return subprocess.run(["lv2info", URI], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "LV2_PATH": path})


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """One install of the bundled folk model (the real build) and how long it took."""
    need((ROOT / "plugin" / "lv2" / "Makefile").is_file(), "plugin/lv2 has no Makefile yet")
    need_program("cc", "gcc")
    need_program("lv2info", "lilv-utils")
    need(Path("/usr/include/lv2/core/lv2.h").is_file(), "no LV2 headers (Debian package lv2-dev)")
    folder = tmp_path_factory.mktemp("lv2")
    start = time.monotonic()
    r = notegen("install", "--dir", str(folder))
    took = time.monotonic() - start
    assert r.returncode == 0, r.stderr
    return folder, took


@pytest.fixture
def old_install(installed: tuple[Path, float], tmp_path: Path) -> Path:
    """A folder holding a copy of a finished install, to try failures on."""
    folder = tmp_path / "lv2"
    shutil.copytree(installed[0], folder)
    return folder


def test_install_writes_the_bundle_that_lv2info_finds(installed: tuple[Path, float]) -> None:
    folder, took = installed
    bundle = folder / "notegen.lv2"
    assert {p.name for p in folder.iterdir()} == {"notegen.lv2"}  # no staging folder left
    assert {p.name for p in bundle.iterdir()} == FILES
    assert (bundle / "model.safetensors").read_bytes() == FOLK.read_bytes()
    assert (bundle / "notegen.so").read_bytes()[:4] == b"\x7fELF"
    assert URI in (bundle / "manifest.ttl").read_text()
    info = lv2info(folder)
    assert info.returncode == 0, info.stderr
    assert bundle.resolve().as_uri() in info.stdout  # this bundle, not another install
    for symbol in ("control", "notes", "temperature", "seed", "key", "meter", "type", "new_tune",
                   "channel", "low", "high"):
        assert f'Symbol:      {symbol}\n' in info.stdout, symbol
    assert took < 120, f"install took {took:.1f} s"


def test_install_says_where_and_how_to_check(old_install: Path) -> None:
    r = notegen("install", "--dir", str(old_install))
    assert r.returncode == 0, r.stderr
    assert f"replaced {old_install / 'notegen.lv2'}" in r.stdout
    assert f"LV2_PATH={old_install} lv2info {URI}" in r.stdout  # a folder hosts do not search


def test_reinstall_swaps_in_the_new_model_whole(old_install: Path, notes_model: Path) -> None:
    bundle = old_install / "notegen.lv2"
    before = contents(bundle)
    so_before = (bundle / "notegen.so").stat().st_ino
    r = notegen("install", "--dir", str(old_install), "--model", str(notes_model))
    assert r.returncode == 0, r.stderr
    after = contents(bundle)
    assert set(after) == FILES
    assert after["model.safetensors"] != before["model.safetensors"]
    assert after["notegen.so"] == before["notegen.so"]  # the same build
    assert (bundle / "notegen.so").stat().st_ino != so_before  # a new bundle, renamed in
    assert (bundle / "model.safetensors").read_bytes() == notes_model.read_bytes()
    assert {p.name for p in old_install.iterdir()} == {"notegen.lv2"}
    assert lv2info(old_install).returncode == 0


def _bad_model(tmp: Path) -> list[str]:
    bad = tmp / "broken.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    return ["--model", str(bad)]


def _read_only(tmp: Path, folder: Path) -> Callable[[], None]:
    """Make `folder` unwritable (root ignores modes: the immutable attribute then)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    need(done.returncode == 0, f"cannot make a folder read-only as root: {done.stderr.strip()}")
    return lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)


def _nothing() -> None:
    pass


def _small_files() -> None:
    """In the child: writes stop at 1 MB (as on a full disk), EFBIG and not SIGXFSZ."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))


@pytest.mark.parametrize("how", ["bad model", "text model", "read-only folder", "disk full"])
def test_a_failing_install_keeps_the_old_one(old_install: Path, tmp_path: Path, how: str) -> None:
    before = contents(old_install)
    args, words, preexec = ["install", "--dir", str(old_install)], ["notegen:"], None
    undo: Callable[[], None] = _nothing
    if how == "bad model":
        args += _bad_model(tmp_path)
        words.append("broken.safetensors")
    elif how == "text model":
        args += ["--model", "kjv"]
        words += ["kjv.safetensors", "text model"]
    elif how == "read-only folder":
        undo = _read_only(tmp_path, old_install)
        words.append(str(old_install))
    else:
        preexec = _small_files
        words += [str(old_install / "notegen.lv2"), "cannot install the plugin", "File too large"]
    try:
        r = notegen(*args, preexec=preexec)
    finally:
        undo()
    one_line(r, *words)
    assert contents(old_install) == before  # the old bundle whole, no staging folder left
    assert lv2info(old_install).returncode == 0


def test_no_compiler_is_one_line_naming_the_package(tmp_path: Path) -> None:
    r = notegen("install", "--dir", str(tmp_path / "lv2"), env={"CC": "no-such-cc"})
    one_line(r, "no C compiler", "no-such-cc", "gcc", "build-essential")
    assert not (tmp_path / "lv2").exists()


def test_no_lv2_headers_is_one_line_naming_the_package(tmp_path: Path) -> None:
    """A compiler that does not see /usr/include, as on a machine without lv2-dev."""
    cc = tmp_path / "cc-without-headers"
    cc.write_text(f'#!/bin/sh\nexec {shutil.which("cc")} -nostdinc "$@"\n')
    cc.chmod(0o755)
    r = notegen("install", "--dir", str(tmp_path / "lv2"), env={"CC": str(cc)})
    one_line(r, "no LV2 headers", "lv2/core/lv2.h", "lv2-dev")
    assert not (tmp_path / "lv2").exists()


def test_install_goes_to_the_users_lv2_folder_by_default(installed: tuple[Path, float],
                                                          tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LV2_PATH"}
    r = subprocess.run([NOTEGEN, "plugin", "install"], capture_output=True, text=True, timeout=300,
                       env={**env, "HOME": str(tmp_path), "OMP_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr
    bundle = tmp_path / ".lv2" / "notegen.lv2"
    assert {p.name for p in bundle.iterdir()} == FILES
    assert r.stdout.splitlines()[1] == f"check it: lv2info {URI}"  # hosts look in ~/.lv2
    r = subprocess.run([NOTEGEN, "plugin", "uninstall"], capture_output=True, text=True, timeout=300,
                       env={**env, "HOME": str(tmp_path)})
    assert r.returncode == 0 and not bundle.exists(), r.stderr


def test_install_will_not_replace_a_folder_of_another_plugin(tmp_path: Path) -> None:
    other = tmp_path / "notegen.lv2"
    other.mkdir()
    (other / "manifest.ttl").write_text("<urn:someone:else> a <http://lv2plug.in/ns/lv2core#Plugin> .\n")
    r = notegen("install", "--dir", str(tmp_path))
    one_line(r, str(other), "not a notegen bundle")
    assert (other / "manifest.ttl").read_text().startswith("<urn:someone:else>")


def test_uninstall_removes_the_bundle_then_has_nothing_to_remove(old_install: Path) -> None:
    r = notegen("uninstall", "--dir", str(old_install))
    assert r.returncode == 0, r.stderr
    assert f"removed {old_install / 'notegen.lv2'}" in r.stdout
    assert list(old_install.iterdir()) == []
    assert lv2info(old_install).returncode != 0
    again = notegen("uninstall", "--dir", str(old_install))
    assert again.returncode == 0, again.stderr
    assert "nothing to remove" in again.stdout


@pytest.mark.parametrize("what", ["another plugin", "more than a bundle", "a file"])
def test_uninstall_refuses_what_is_not_a_notegen_bundle(tmp_path: Path, what: str) -> None:
    target = tmp_path / "notegen.lv2"
    if what == "a file":
        target.write_text("mine\n")
    else:
        target.mkdir()
        manifest = f"<{URI}> a <http://lv2plug.in/ns/lv2core#Plugin> .\n"
        if what == "another plugin":
            manifest = manifest.replace(URI, "urn:someone:else")
        else:
            (target / "photos").mkdir()
            (target / "photos" / "cat.jpg").write_bytes(b"\xff\xd8")
        (target / "manifest.ttl").write_text(manifest)
    before = contents(tmp_path)
    r = notegen("uninstall", "--dir", str(tmp_path))
    one_line(r, str(target), "not removing it")
    assert contents(tmp_path) == before and target.exists()
