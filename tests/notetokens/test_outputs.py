"""The output rules of notetokens.outputs, on real files, devices, FIFOs and
small real file systems (a tmpfs, mounted when the tests run as root)."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from notetokens.errors import NotegenError
from notetokens.outputs import check, check_all, write_bytes

from ..mounts import remount_read_only, tmpfs


def test_a_regular_file_is_replaced_whole_and_keeps_its_mode(tmp_path):
    out = tmp_path / "x.txt"
    out.write_bytes(b"old")
    out.chmod(0o640)
    write_bytes(out, b"new")
    assert out.read_bytes() == b"new" and stat.S_IMODE(out.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]  # no temporary file left


def test_a_device_is_written_directly_not_replaced():
    before = os.stat("/dev/null")
    write_bytes("/dev/null", b"anything")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_a_full_device_is_one_error():
    with pytest.raises(NotegenError, match="/dev/full: no space left"):
        write_bytes("/dev/full", b"x" * 10000)


def test_a_fifo_with_a_reader_gets_the_bytes(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    data = b"C4 D4 E4\n" * 10000  # more than a pipe buffer holds
    write_bytes(fifo, data)
    reader.join(10)
    assert got == [data] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_fifo_nobody_reads_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotegenError, match="no process is reading"):
        write_bytes(fifo, b"x")


def test_directories_and_missing_folders_are_refused(tmp_path):
    with pytest.raises(NotegenError, match="is a directory"):
        check(tmp_path)
    with pytest.raises(NotegenError, match="needs a file name"):
        check(f"{tmp_path}/")
    with pytest.raises(NotegenError, match=r"folder .*nope does not exist"):
        check(tmp_path / "nope" / "x.mid")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotegenError, match="is not a folder"):
        check(tmp_path / "file" / "x.mid")


def test_a_write_protected_file_needs_force(tmp_path):
    out = tmp_path / "x.mid"
    out.write_bytes(b"old")
    out.chmod(0o444)
    with pytest.raises(NotegenError, match="write-protected; use --force"):
        check(out)
    with pytest.raises(NotegenError, match="write-protected"):
        write_bytes(out, b"new", force=False)
    assert out.read_bytes() == b"old"
    write_bytes(check(out, force=True), b"new")
    assert out.read_bytes() == b"new"


def test_a_symlink_is_written_through(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_bytes(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_one_file_named_twice_is_refused(tmp_path):
    (tmp_path / "a.png").symlink_to(tmp_path / "b.png")
    with pytest.raises(NotegenError, match="named twice"):
        check_all([tmp_path / "b.png", tmp_path / "a.png"])
    check_all(["-", "-", "/dev/null", "/dev/null"])  # streams and devices may repeat


def test_a_full_disk_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    with tmpfs(tmp_path / "disk", 64) as disk:
        old = os.urandom(40_000)
        (disk / "x.abc").write_bytes(old)
        with pytest.raises(NotegenError, match=r"x\.abc: no space left on the device; the old file is kept"):
            write_bytes(disk / "x.abc", b"y" * 60_000)
        assert (disk / "x.abc").read_bytes() == old
        assert [p.name for p in disk.iterdir()] == ["x.abc"]


def test_a_read_only_folder_is_refused_before_writing(tmp_path):
    if os.geteuid() == 0:  # root writes anywhere on a writable file system: use a read-only one
        with tmpfs(tmp_path / "ro", 64) as folder:
            (folder / "x.mid").write_bytes(b"old")
            remount_read_only(folder)
            with pytest.raises(NotegenError, match="read-only file system"):
                check(folder / "x.mid")
            assert (folder / "x.mid").read_bytes() == b"old"
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        try:
            with pytest.raises(NotegenError, match="not writable by you"):
                check(folder / "x.mid")
        finally:
            folder.chmod(0o755)
