"""The values authentication takes and gives: key records in, an :class:`Authenticated` out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

__all__ = [
    "AuthMethod",
    "Authenticated",
    "ChunkSigning",
    "KeyRecord",
    "SecretLookup",
]

AuthMethod = Literal["sigv4-header", "sigv4-query", "sigv2", "sigv2-query", "anonymous"]


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What the store knows about an access key.

    Temporary (STS) credentials set ``session_token`` — or, for a store that
    keeps only its hash, ``session_token_sha256`` (hex SHA-256 of the token's
    UTF-8): the request must carry exactly that token. ``expires_at`` ends the
    key's validity; a request at or after it fails with ``ExpiredToken``.
    """

    access_key_id: str
    secret_access_key: str = field(repr=False)
    active: bool = True
    session_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None
    session_token_sha256: str | None = field(default=None, repr=False)

    @property
    def temporary(self) -> bool:
        return self.session_token is not None or self.session_token_sha256 is not None


SecretLookup = Callable[[str], KeyRecord | None]
"""Access key id → its record, or None when no such key exists (or it was deleted)."""


@dataclass(frozen=True, slots=True)
class ChunkSigning:
    """What verifying an ``aws-chunked`` body (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``)
    needs: each chunk's string to sign chains from ``seed_signature``."""

    amz_date: str
    credential_scope: str
    seed_signature: str
    signing_key: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Authenticated:
    """A request whose signature verified (or an anonymous one, when allowed).

    Enough for the condition keys that depend on how a request was signed:
    ``aws:SecureTransport`` (from the request), ``s3:signatureversion``
    (``method``), ``s3:authType`` (header / query), ``s3:signatureAge``
    (``signature_age_seconds``).
    """

    access_key_id: str
    method: AuthMethod
    region: str | None
    service: str | None
    signed_at: datetime
    session_token: str | None = field(repr=False)
    signed_headers: tuple[str, ...]
    signature_age_seconds: float
    payload_hash: str | None = None
    chunk_signing: ChunkSigning | None = None

    @property
    def anonymous(self) -> bool:
        return self.method == "anonymous"
