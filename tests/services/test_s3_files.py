"""Object files under ``<data dir>/s3``: written whole or not at all, spooled
uploads moved into place, stale temporary files purged, deletes tolerant."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from clearance.services.s3.files import ObjectFiles
from clearance.wire import SpooledBody


def test_write_places_a_complete_file(tmp_path: Path) -> None:
    files = ObjectFiles(tmp_path / "s3")
    written = files.write(lambda write: (write(b"hello "), write(b"world")))
    assert files.path(written.storage).read_bytes() == b"hello world"
    assert (written.size, written.md5) == (11, hashlib.md5(b"hello world").digest())
    assert list(files.tmp.iterdir()) == []
    files.delete([written.storage, None, "objects/zz/missing"])
    assert not files.path(written.storage).exists()


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    files = ObjectFiles(tmp_path / "s3")

    def produce(write: object) -> None:
        assert callable(write)
        write(b"partial")
        raise RuntimeError("the client went away")

    with pytest.raises(RuntimeError):
        files.write(produce)
    assert list(files.tmp.iterdir()) == []
    assert list((files.root / "objects").rglob("*")) == []


def test_spooled_uploads_move_into_place(tmp_path: Path) -> None:
    files = ObjectFiles(tmp_path / "s3")
    spool = files.tmp / "upload-1"
    spool.write_bytes(b"spooled")
    body = SpooledBody(str(spool), 7, "", hashlib.md5(b"spooled").hexdigest())
    written = files.adopt(body)
    assert written is not None and not spool.exists()
    assert files.path(written.storage).read_bytes() == b"spooled"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(b"x")
    assert files.adopt(SpooledBody(str(elsewhere), 1, "", "")) is None  # not ours: copy it


def test_stale_temporary_files_are_purged(tmp_path: Path) -> None:
    files = ObjectFiles(tmp_path / "s3")
    old, fresh = files.tmp / "upload-old", files.tmp / "upload-fresh"
    old.write_bytes(b"o")
    fresh.write_bytes(b"f")
    now = fresh.stat().st_mtime + 10
    os.utime(old, (now - 2 * 86400, now - 2 * 86400))
    assert files.purge_stale(now) == 1
    assert sorted(p.name for p in files.tmp.iterdir()) == ["upload-fresh"]


def test_storage_names_never_leave_the_directory(tmp_path: Path) -> None:
    files = ObjectFiles(tmp_path / "s3")
    with pytest.raises(ValueError):
        files.path("objects/../../etc/passwd")
