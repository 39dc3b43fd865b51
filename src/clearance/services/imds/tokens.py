"""IMDSv2 session tokens: ``PUT /latest/api/token`` with
``X-aws-ec2-metadata-token-ttl-seconds`` (1..21600) gives a token that the
following requests send as ``X-aws-ec2-metadata-token``.

A token is sealed (AES-GCM, :class:`clearance.store.TokenSealer`) with its
expiry and bound to its instance as associated data: every server replica
can check it, no state is kept, and one instance's token is worthless for
another's metadata.
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html
"""

from __future__ import annotations

from datetime import datetime

from clearance.store import TokenSealer

__all__ = ["MAX_TTL", "MIN_TTL", "issue_token", "token_valid", "ttl_of"]

MIN_TTL = 1
MAX_TTL = 21600
_MAX_TOKEN_CHARS = 512


def _context(instance_id: str) -> str:
    return f"imds-token:{instance_id}"


def ttl_of(header: str | None) -> int | None:
    """The requested TTL, or None when missing or out of AWS's range."""
    if header is None or not header.strip().isdigit() or len(header.strip()) > 6:
        return None
    ttl = int(header.strip())
    return ttl if MIN_TTL <= ttl <= MAX_TTL else None


def issue_token(sealer: TokenSealer, instance_id: str, now: datetime, ttl: int) -> str:
    expires = int(now.timestamp()) + ttl
    return sealer.seal(str(expires), _context(instance_id))


def token_valid(sealer: TokenSealer, instance_id: str, token: str, now: datetime) -> bool:
    if not token or len(token) > _MAX_TOKEN_CHARS:
        return False
    opened = sealer.open(token, _context(instance_id))
    if opened is None or not opened.isdigit():
        return False
    return now.timestamp() < int(opened)
