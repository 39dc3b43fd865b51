"""Console passwords: hashed with Argon2id (argon2-cffi), never stored in clear.

The default parameters are argon2-cffi's (RFC 9106 "low memory" profile: 64 MiB,
3 passes). Tests inject :func:`fast_hasher` to keep the suite quick.
"""

from __future__ import annotations

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["PasswordHasher", "default_hasher", "fast_hasher"]


class PasswordHasher:
    """Hashes and verifies passwords; ``needs_rehash`` follows parameter changes."""

    __slots__ = ("_argon",)

    def __init__(self, argon: argon2.PasswordHasher) -> None:
        self._argon = argon

    def hash(self, password: str) -> str:
        return self._argon.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        try:
            return self._argon.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hashed: str) -> bool:
        return self._argon.check_needs_rehash(hashed)


def default_hasher() -> PasswordHasher:
    return PasswordHasher(argon2.PasswordHasher())


def fast_hasher() -> PasswordHasher:
    """Weak parameters for tests only."""
    return PasswordHasher(argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
