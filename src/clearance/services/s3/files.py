"""Object bytes on disk, under ``<data dir>/s3``: ``objects/XX/<random>`` files
that are written to ``tmp/`` first, flushed to disk, then renamed into place, so
a reader never sees a partial object. Uploads the http layer spooled to
``tmp/`` are renamed into place without a copy.

Replicas that share a PostgreSQL store must share the data directory too.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from clearance.wire import SpooledBody

__all__ = ["COPY_CHUNK", "ObjectFiles", "Written"]

COPY_CHUNK = 1024 * 1024
STALE_AFTER = 24 * 3600.0


class Written:
    """A file written into place: its storage name, size and MD5."""

    __slots__ = ("md5", "size", "storage")

    def __init__(self, storage: str, size: int, md5: bytes) -> None:
        self.storage = storage
        self.size = size
        self.md5 = md5


class ObjectFiles:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True, mode=0o700)
        (root / "objects").mkdir(exist_ok=True, mode=0o700)

    def purge_stale(self, now: float, age: float = STALE_AFTER) -> int:
        """Remove files left in ``tmp/`` by an interrupted upload or a crash:
        anything not written to for ``age`` seconds (uploads in flight on other
        replicas keep writing). Returns how many were removed."""
        removed = 0
        for entry in os.scandir(self.tmp):
            with contextlib.suppress(OSError):
                if entry.is_file() and now - entry.stat().st_mtime > age:
                    os.unlink(entry.path)
                    removed += 1
        return removed

    def _new_storage(self) -> str:
        name = secrets.token_hex(16)
        return f"objects/{name[:2]}/{name}"

    def path(self, storage: str) -> Path:
        if ".." in storage.split("/"):
            raise ValueError("storage paths never leave the S3 directory")
        return self.root / storage

    def _place(self, temp: str) -> str:
        storage = self._new_storage()
        final = self.path(storage)
        final.parent.mkdir(exist_ok=True, mode=0o700)
        os.replace(temp, final)
        return storage

    def write(self, produce: Callable[[Callable[[bytes], object]], object]) -> Written:
        """A new file with what ``produce(write)`` writes; removed if it raises."""
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        handle, temp = tempfile.mkstemp(dir=self.tmp, prefix="object-")
        try:
            with os.fdopen(handle, "wb") as out:

                def write(data: bytes) -> None:
                    nonlocal size
                    md5.update(data)
                    size += len(data)
                    out.write(data)

                produce(write)
                out.flush()
                os.fsync(out.fileno())
            return Written(self._place(temp), size, md5.digest())
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise

    def adopt(self, spooled: SpooledBody) -> Written | None:
        """Move a spooled request body into place (None when it is not in our
        ``tmp/``: then copy it with :meth:`write`)."""
        if Path(spooled.path).parent.resolve() != self.tmp.resolve():
            return None
        with open(spooled.path, "rb+") as handle:
            os.fsync(handle.fileno())
        return Written(self._place(spooled.path), spooled.size, bytes.fromhex(spooled.md5))

    def open(self, storage: str) -> BinaryIO:
        return open(self.path(storage), "rb")

    def copy_into(self, storage: str, write: Callable[[bytes], object]) -> None:
        with self.open(storage) as source:
            while chunk := source.read(COPY_CHUNK):
                write(chunk)

    def delete(self, storages: Iterable[str | None]) -> None:
        for storage in storages:
            if storage:
                with contextlib.suppress(OSError):
                    os.unlink(self.path(storage))
