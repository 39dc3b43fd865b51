"""``clearance audit session``: where a set of temporary credentials came from.

From an access key id or a session ARN, find the STS event that issued it
(AssumeRole*, GetFederationToken, GetSessionToken); its caller is the next hop.
A caller that itself used temporary credentials (an assumed role, a federated
user, a GetSessionToken key) is followed again, up role chains, until a
long-term identity (an IAM user's or root's long-term key, or an external web
identity / SAML user) or a hop the trail has no issuing event for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clearance.store import Store
from clearance.store.events import StoredEvent

__all__ = ["MAX_HOPS", "Hop", "Trace", "follow"]

MAX_HOPS = 32  # a role chain is at most a handful of hops; this bounds a malformed trail
_TEMPORARY_PREFIX = "ASIA"


@dataclass(frozen=True, slots=True)
class Hop:
    credential: str  # the key id or session ARN looked up
    event: StoredEvent  # the event that issued it
    caller_type: str
    caller_arn: str
    caller_key: str


@dataclass(frozen=True, slots=True)
class Trace:
    hops: tuple[Hop, ...]
    origin: str | None  # the long-term identity reached (its ARN), None when the trail ends first
    unresolved: str | None = None  # the credential no issuing event was found for


def follow(store: Store, credential: str, account_id: str | None = None) -> Trace:
    hops: list[Hop] = []
    seen: set[str] = set()
    current = credential
    while len(hops) < MAX_HOPS and current not in seen:
        seen.add(current)
        is_arn = current.startswith("arn:")
        event = store.find_credential_origin(
            access_key_id=None if is_arn else current,
            arn=current if is_arn else None,
            account_id=account_id,
        )
        if event is None:
            return Trace(tuple(hops), None, current)
        identity = _identity(event.record)
        hop = Hop(
            credential=current,
            event=event,
            caller_type=str(identity.get("type") or ""),
            caller_arn=str(identity.get("arn") or identity.get("userName") or ""),
            caller_key=str(identity.get("accessKeyId") or ""),
        )
        hops.append(hop)
        if not hop.caller_key.startswith(_TEMPORARY_PREFIX):
            return Trace(tuple(hops), hop.caller_arn)
        current = hop.caller_key
    return Trace(tuple(hops), None, current)


def _identity(record: Mapping[str, Any]) -> Mapping[str, Any]:
    identity = record.get("userIdentity")
    return identity if isinstance(identity, Mapping) else {}
