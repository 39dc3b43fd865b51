"""Redaction: secrets never reach the trail.

CloudTrail replaces sensitive values with ``HIDDEN_DUE_TO_SECURITY_REASONS``;
Clearance does the same, and is stricter: session tokens are hidden too. Keys
are matched case-insensitively at any depth of a request or response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["HIDDEN", "SECRET_KEYS", "is_secret", "redact"]

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

SECRET_KEYS = frozenset(
    key.lower()
    for key in (
        "SecretAccessKey",
        "SessionToken",
        "Password",
        "OldPassword",
        "NewPassword",
        "AuthenticationCode1",
        "AuthenticationCode2",
        "TokenCode",
        "SAMLAssertion",
        "WebIdentityToken",
        "Base32StringSeed",
        "QRCodePNG",
        "PrivateKey",
    )
)


def is_secret(key: str) -> bool:
    return key.lower() in SECRET_KEYS


def redact(value: Any) -> Any:
    """A copy of ``value`` with every secret member's value replaced by :data:`HIDDEN`."""
    if isinstance(value, Mapping):
        return {
            key: HIDDEN if isinstance(key, str) and is_secret(key) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value
