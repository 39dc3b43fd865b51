"""Secrets at rest: AES-256-GCM under a master key held outside the database.

A sealed secret is ``version (1 byte) || nonce (12 bytes) || ciphertext+tag``.
The associated data is the row's access key id, so a ciphertext copied onto
another row does not decrypt. Nonces come from the OS's CSPRNG (never from the
injected test randomness): determinism is not worth a reused GCM nonce.

The master key is 32 bytes, given as base64 in ``CLEARANCE_MASTER_KEY`` or kept
in ``<data dir>/master.key`` (mode 0600, created on first use). The store
itself reads no environment: callers pass the key (see
:func:`load_or_create_master_key`).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from clearance.store.errors import ServiceFailure

__all__ = [
    "AUTHORIZATION_MESSAGES",
    "MASTER_KEY_FILE",
    "MasterKeyError",
    "SecretBox",
    "TokenSealer",
    "generate_master_key",
    "load_or_create_master_key",
]

MASTER_KEY_FILE = "master.key"
_VERSION = b"\x01"
_NONCE = 12
_URLSAFE = re.compile(r"[A-Za-z0-9_-]+")


class MasterKeyError(ValueError):
    """The configured master key is unusable (wrong size, bad base64, unsafe file)."""


class SecretBox:
    """Seals and opens secrets with the master key; never shows the key."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise MasterKeyError("the master key must be 32 bytes")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"

    def seal(self, secret: str, context: str) -> bytes:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, secret.encode("utf-8"), context.encode("utf-8"))
        return _VERSION + nonce + sealed

    def open(self, blob: bytes, context: str) -> str:
        if blob[:1] != _VERSION or len(blob) < 1 + _NONCE + 16:
            raise ServiceFailure("A stored secret has an unknown format.")
        nonce, sealed = blob[1 : 1 + _NONCE], blob[1 + _NONCE :]
        try:
            plain = self._aead.decrypt(nonce, sealed, context.encode("utf-8"))
        except InvalidTag:
            raise ServiceFailure(
                "A stored secret cannot be decrypted with the configured master key."
            ) from None
        return plain.decode("utf-8")


# HKDF ``info`` of the key that seals encoded authorization messages.
AUTHORIZATION_MESSAGES = b"clearance/authorization-message/v1"


class TokenSealer:
    """Seals text into an opaque URL-safe token that only a holder of the same
    master key can open (encoded authorization messages).

    The key is derived with HKDF-SHA256 from the master key and ``purpose``, so
    a token is never a stored secret's ciphertext and vice versa. The token is
    ``base64url(version || nonce || ciphertext+tag)`` without padding; the
    associated data (an account id) binds it to one context.
    """

    __slots__ = ("_aead",)

    def __init__(self, master_key: bytes, purpose: bytes) -> None:
        if len(master_key) != 32:
            raise MasterKeyError("the master key must be 32 bytes")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose)
        self._aead = AESGCM(derived.derive(master_key))

    def __repr__(self) -> str:
        return "TokenSealer(<hidden>)"

    def seal(self, text: str, context: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, text.encode("utf-8"), context.encode("utf-8"))
        return base64.urlsafe_b64encode(_VERSION + nonce + sealed).rstrip(b"=").decode("ascii")

    def open(self, token: str, context: str) -> str | None:
        """The text, or None when the token is malformed, tampered with, sealed
        by another key or for another context."""
        if not _URLSAFE.fullmatch(token):
            return None
        try:
            blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            return None
        if blob[:1] != _VERSION or len(blob) < 1 + _NONCE + 16:
            return None
        try:
            plain = self._aead.decrypt(
                blob[1 : 1 + _NONCE], blob[1 + _NONCE :], context.encode("utf-8")
            )
        except InvalidTag:
            return None
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:
            return None

    @staticmethod
    def sealed_length(text_bytes: int) -> int:
        """The token's length for a text of ``text_bytes`` UTF-8 bytes."""
        raw = 1 + _NONCE + text_bytes + 16
        return (raw * 4 + 2) // 3


def generate_master_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _decode(text: str, origin: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(f"{origin} is not valid base64") from None
    if len(key) != 32:
        raise MasterKeyError(f"{origin} must decode to 32 bytes, not {len(key)}")
    return key


def load_or_create_master_key(data_dir: Path, env_value: str | None) -> bytes:
    """The master key: ``env_value`` (base64) when set, else ``data_dir/master.key``.

    The file is created on first use with mode 0600, atomically: concurrent
    first starts agree on one key. An existing key file readable or writable by
    group or others is refused.
    """
    if env_value:
        return _decode(env_value, "CLEARANCE_MASTER_KEY")
    path = Path(data_dir) / MASTER_KEY_FILE
    if not path.exists():
        _create_key_file(path)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise MasterKeyError(f"{path} must be accessible by its owner only (chmod 600)")
    return _decode(path.read_text(encoding="ascii"), str(path))


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(base64.b64encode(generate_master_key()).decode("ascii") + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process got there first
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
