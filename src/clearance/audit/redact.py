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
        "UserData",  # EC2 RunInstances: CloudTrail hides it too
    )
)

# Scalars returned as they are; checked by exact type first because the
# writer redacts every event and ``isinstance`` against ABCs is slow.
_LEAVES = frozenset({str, int, float, bool, type(None)})


def is_secret(key: str) -> bool:
    return key.lower() in SECRET_KEYS


def redact(value: Any) -> Any:
    """A copy of ``value`` with every secret member's value replaced by :data:`HIDDEN`."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is dict or isinstance(value, Mapping):
        return _redact_members(value)
    if kind is list or kind is tuple or isinstance(value, list | tuple):
        return [item if type(item) in _LEAVES else redact(item) for item in value]
    return value


def _redact_members(members: Mapping[Any, Any]) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for key, item in members.items():
        if isinstance(key, str) and key.lower() in SECRET_KEYS:
            out[key] = HIDDEN
        elif type(item) in _LEAVES:  # most members: no call
            out[key] = item
        else:
            out[key] = redact(item)
    return out
