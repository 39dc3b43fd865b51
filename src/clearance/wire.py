"""An HTTP request as the protocol and authentication layers see it.

Framework-free: the ``http`` layer builds one from whatever its server gives
it, and nothing below ``http`` imports a web framework. The path and query
are kept exactly as sent (still percent-encoded), because signatures are
computed over the bytes the client signed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["WireRequest", "WireResponse"]


@dataclass(frozen=True, slots=True)
class WireRequest:
    method: str
    path: str  # raw, percent-encoded as sent, without the query string
    query: str  # raw query string, without the leading "?"
    headers: tuple[tuple[str, str], ...]  # names lower-cased, in the order received
    body: bytes = b""
    source_ip: str | None = None
    secure: bool = False  # received over TLS
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


@dataclass(frozen=True, slots=True)
class WireResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
