"""The Ed25519 key that signs audit digest files.

The private key lives in the data directory (``audit-signing.key``, PKCS#8 PEM,
mode 0600, created on first use, atomically so that concurrent first starts
agree on one key); the public key is written beside it (``audit-signing.pub``)
for verifiers, who may also keep a copy elsewhere and pin it. Callers pass the
paths: this module reads no environment.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "PRIVATE_KEY_FILE",
    "PUBLIC_KEY_FILE",
    "SIGNATURE_ALGORITHM",
    "DigestSigner",
    "DigestVerifier",
    "SigningKeyError",
    "load_or_create_signer",
    "load_verifier",
]

PRIVATE_KEY_FILE = "audit-signing.key"
PUBLIC_KEY_FILE = "audit-signing.pub"
SIGNATURE_ALGORITHM = "Ed25519"


class SigningKeyError(ValueError):
    """The signing key file is unusable (unsafe permissions, not an Ed25519 key)."""


class DigestVerifier:
    """Checks signatures made by one public key."""

    def __init__(self, public_key: Ed25519PublicKey) -> None:
        self._key = public_key
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.fingerprint = hashlib.sha256(raw).hexdigest()

    def verify(self, signature_hex: str, data: bytes) -> bool:
        try:
            self._key.verify(bytes.fromhex(signature_hex), data)
        except (InvalidSignature, ValueError):
            return False
        return True


class DigestSigner(DigestVerifier):
    """Signs digest strings; never shows the private key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        super().__init__(private_key.public_key())
        self._private = private_key

    def __repr__(self) -> str:
        return f"DigestSigner(fingerprint={self.fingerprint})"

    def sign(self, data: bytes) -> str:
        return self._private.sign(data).hex()


def load_or_create_signer(private_path: Path) -> DigestSigner:
    """The signer whose key is at ``private_path`` (created with its ``.pub`` on first use)."""
    if not private_path.exists():
        _create(private_path)
    if private_path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SigningKeyError(f"{private_path} must be accessible by its owner only (chmod 600)")
    key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{private_path} is not an Ed25519 private key")
    public_path = private_path.with_suffix(".pub")
    if not public_path.exists():
        _write_public(key, public_path)
    return DigestSigner(key)


def load_verifier(public_path: Path) -> DigestVerifier:
    key = serialization.load_pem_public_key(public_path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{public_path} is not an Ed25519 public key")
    return DigestVerifier(key)


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process got there first
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _write_public(key: Ed25519PrivateKey, path: Path) -> None:
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    temporary.write_bytes(pem)
    os.replace(temporary, path)
