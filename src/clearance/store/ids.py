"""Identifiers and secrets as AWS makes them, from an injected source of randomness.

- unique ids: a 4-letter prefix and 17 characters of ``[A-Z2-7]`` (21 in all):
  ``AIDA`` user, ``AGPA`` group, ``AROA`` role, ``ANPA`` policy, ``AIPA``
  instance profile (protocol-notes §3);
- access key ids: ``AKIA`` (long-term) or ``ASIA`` (STS) and 16 characters (20 in all);
- secret access keys: 40 characters of the base64 alphabet;
- session tokens: opaque base64 text (the store keeps only their SHA-256).

Production code uses :func:`secrets.token_bytes`; tests pass a seeded source
(:func:`seeded_ids`) so that every id and secret is reproducible.
"""

from __future__ import annotations

import base64
import random
import secrets
from collections.abc import Callable

__all__ = [
    "ACCESS_KEY_PREFIX",
    "GROUP_PREFIX",
    "INSTANCE_PROFILE_PREFIX",
    "OIDC_PROVIDER_PREFIX",
    "POLICY_PREFIX",
    "ROLE_PREFIX",
    "SAML_PROVIDER_PREFIX",
    "SESSION_KEY_PREFIX",
    "USER_PREFIX",
    "IdGenerator",
    "seeded_ids",
]

USER_PREFIX = "AIDA"
GROUP_PREFIX = "AGPA"
ROLE_PREFIX = "AROA"
POLICY_PREFIX = "ANPA"
INSTANCE_PROFILE_PREFIX = "AIPA"
ACCESS_KEY_PREFIX = "AKIA"
SESSION_KEY_PREFIX = "ASIA"
# AWS shows no unique id for identity providers; these internal ids only key their tags.
OIDC_PROVIDER_PREFIX = "COPA"
SAML_PROVIDER_PREFIX = "CSPA"

_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class IdGenerator:
    """Makes ids and secrets from ``random_bytes(n)`` (default: the OS's CSPRNG)."""

    __slots__ = ("_random_bytes",)

    def __init__(self, random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> None:
        self._random_bytes = random_bytes

    def _base32(self, length: int) -> str:
        # 32 divides 256: taking each byte modulo 32 is unbiased.
        return "".join(_BASE32[byte % 32] for byte in self._random_bytes(length))

    def unique_id(self, prefix: str) -> str:
        """``prefix`` and 17 characters: ``AIDAJQABLZS4A3QDU576Q``."""
        return prefix + self._base32(17)

    def hex_id(self, prefix: str, length: int = 17) -> str:
        """``prefix`` and ``length`` lower-case hex digits (EC2's ``i-0123…``)."""
        return prefix + self._random_bytes((length + 1) // 2).hex()[:length]

    def access_key_id(self, prefix: str = ACCESS_KEY_PREFIX) -> str:
        """20 characters: ``AKIA`` or ``ASIA`` and 16 more."""
        return prefix + self._base32(16)

    def secret_access_key(self) -> str:
        """40 characters of the base64 alphabet (240 random bits)."""
        return base64.b64encode(self._random_bytes(30)).decode("ascii")

    def session_token(self) -> str:
        """An opaque session token (768 random bits, base64)."""
        return base64.b64encode(self._random_bytes(96)).decode("ascii")


def seeded_ids(seed: int) -> IdGenerator:
    """A reproducible generator for tests. Never use it for real credentials."""
    return IdGenerator(random.Random(seed).randbytes)
