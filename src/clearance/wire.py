"""An HTTP request as the protocol and authentication layers see it.

Framework-free: the ``http`` layer builds one from whatever its server gives
it, and nothing below ``http`` imports a web framework. The path and query
are kept exactly as sent (still percent-encoded), because signatures are
computed over the bytes the client signed.

Large bodies (S3 uploads) never sit in memory: the ``http`` layer spools them
to a file while hashing (:class:`SpooledBody`), and a response may stream a
byte range of an open file (:class:`FileStream`) instead of carrying ``body``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

__all__ = ["BodyHasher", "FileStream", "SpooledBody", "WireRequest", "WireResponse"]

STREAM_CHUNK = 256 * 1024


class BodyHasher:
    """SHA-256 and MD5 of a body, fed piece by piece as it arrives."""

    __slots__ = ("md5", "sha256", "size")

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0

    def update(self, data: bytes) -> None:
        self.sha256.update(data)
        self.md5.update(data)
        self.size += len(data)


@dataclass(frozen=True, slots=True)
class SpooledBody:
    """A request body written to ``path`` by the ``http`` layer, hashed on the way.

    The file belongs to the request: the ``http`` layer removes it after the
    response unless a handler moved it (``os.replace``) somewhere else."""

    path: str
    size: int
    sha256: str  # hex
    md5: str  # hex

    def open(self) -> BinaryIO:
        return open(self.path, "rb")

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


@dataclass(frozen=True, slots=True)
class WireRequest:
    method: str
    path: str  # raw, percent-encoded as sent, without the query string
    query: str  # raw query string, without the leading "?"
    headers: tuple[tuple[str, str], ...]  # names lower-cased, in the order received
    body: bytes = b""  # empty when ``spooled`` holds the body
    source_ip: str | None = None
    secure: bool = False  # received over TLS
    spooled: SpooledBody | None = None
    _index: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name, value in self.headers:
            self._index.setdefault(name, []).append(value)

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        query: str = "",
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        **extra: object,
    ) -> WireRequest:
        lowered = tuple((name.lower(), value) for name, value in headers)
        return cls(method.upper(), path or "/", query, lowered, body, **extra)  # type: ignore[arg-type]

    def header(self, name: str) -> str | None:
        """The header's value (repeated headers joined with ``,``), or None."""
        values = self._index.get(name.lower())
        return ",".join(values) if values else None

    def header_values(self, name: str) -> list[str]:
        return list(self._index.get(name.lower(), ()))

    @property
    def body_size(self) -> int:
        return self.spooled.size if self.spooled is not None else len(self.body)

    def body_sha256(self) -> str:
        """Hex SHA-256 of the body, wherever it is."""
        if self.spooled is not None:
            return self.spooled.sha256
        return hashlib.sha256(self.body).hexdigest()

    def open_body(self) -> BinaryIO:
        """The body as a readable binary file."""
        if self.spooled is not None:
            return self.spooled.open()
        return io.BytesIO(self.body)


class FileStream:
    """``length`` bytes of an open file from ``offset``: a response body read in
    chunks as the client takes them. The file is closed when the stream ends
    (or by :meth:`close`), so a concurrent delete never cuts a download short."""

    __slots__ = ("file", "length", "offset")

    def __init__(self, file: BinaryIO, offset: int, length: int) -> None:
        self.file = file
        self.offset = offset
        self.length = length

    def chunks(self, size: int = STREAM_CHUNK) -> Iterator[bytes]:
        try:
            self.file.seek(self.offset)
            left = self.length
            while left > 0:
                data = self.file.read(min(size, left))
                if not data:
                    break
                left -= len(data)
                yield data
        finally:
            self.close()

    def close(self) -> None:
        self.file.close()


@dataclass(frozen=True, slots=True)
class WireResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    stream: FileStream | None = None  # when set, the body (``body`` is empty)

    @property
    def content_length(self) -> int:
        return self.stream.length if self.stream is not None else len(self.body)
