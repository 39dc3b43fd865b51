"""What ``clearance audit events`` selects: command-line filters → an
:class:`EventQuery` (indexed columns) plus the few checks the index cannot do.

- ``--principal``: an ARN or a user / session name. A name, a user ARN, an
  assumed-role or federated-user ARN narrow by the Username column; a role ARN
  matches every session of the role (its sessionIssuer); the record's ARN is
  compared exactly afterwards.
- ``--action``: ``iam:CreateUser`` (service and name) or ``CreateUser``.
- ``--denied``: authorization failures (AccessDenied and its kin) and
  authentication failures (a bad, expired or unknown credential).
- ``--since`` / ``--until``: ISO 8601 (UTC when no zone) or relative: ``90s``,
  ``15m``, ``1h``, ``2d``, ``1w`` before now.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from clearance.store.events import EventQuery, StoredEvent

__all__ = ["DENIED_CODES", "Filters", "parse_moment", "plan"]

# errorCodes of calls refused for who made them (authorization, then authentication).
DENIED_CODES = (
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "Client.UnauthorizedOperation",
    "UnauthorizedAccess",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "ExpiredToken",
    "ExpiredTokenException",
    "MissingAuthenticationToken",
    "InvalidAccessKeyId",
)

_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True, slots=True)
class Filters:
    principal: str | None = None
    action: str | None = None
    error_code: str | None = None
    denied: bool = False
    since: datetime | None = None
    until: datetime | None = None
    request_id: str | None = None
    account_id: str | None = None
    access_key_id: str | None = None


def parse_moment(text: str, now: datetime) -> datetime:
    """``1h`` (before ``now``) or an ISO 8601 time; ValueError otherwise."""
    relative = _RELATIVE.match(text)
    if relative:
        amount, unit = int(relative.group(1)), _UNITS[relative.group(2)]
        return now - timedelta(**{unit: amount})
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def plan(filters: Filters) -> tuple[EventQuery, Callable[[StoredEvent], bool]]:
    """The store query, and the check each event it returns must still pass."""
    source, names = _action(filters.action)
    if filters.denied:
        codes: tuple[str, ...] = DENIED_CODES
        if filters.error_code:
            codes = tuple(c for c in codes if c == filters.error_code) or ("",)
    else:
        codes = (filters.error_code,) if filters.error_code else ()
    username, matches = _principal(filters.principal)
    query = EventQuery(
        account_id=filters.account_id,
        event_names=names,
        event_source=source,
        username=username,
        access_key_id=filters.access_key_id,
        request_id=filters.request_id,
        error_codes=codes,
        start=filters.since,
        end=filters.until,
    )
    return query, matches


def _action(action: str | None) -> tuple[str | None, tuple[str, ...]]:
    if not action:
        return None, ()
    service, colon, name = action.partition(":")
    if not colon:
        return None, (action,)
    return f"{service.lower()}.amazonaws.com", (name,)


def _principal(principal: str | None) -> tuple[str | None, Callable[[StoredEvent], bool]]:
    if not principal:
        return None, _always
    if not principal.startswith("arn:"):
        return principal, _always
    resource = principal.split(":", 5)[5] if principal.count(":") >= 5 else ""
    kind, _, rest = resource.partition("/")
    if kind == "role":
        return None, lambda event: _issuer_arn(event.record) == principal
    if resource == "root":
        return "root", lambda event: _arn(event.record) == principal
    # user/PATH/NAME, assumed-role/ROLE/SESSION, federated-user/NAME: the last part.
    name = rest.rsplit("/", 1)[-1] if rest else None
    return name, lambda event: _arn(event.record) == principal


def _always(event: StoredEvent) -> bool:
    return True


def _identity(record: Mapping[str, Any]) -> Mapping[str, Any]:
    identity = record.get("userIdentity")
    return identity if isinstance(identity, Mapping) else {}


def _arn(record: Mapping[str, Any]) -> str | None:
    arn = _identity(record).get("arn")
    return arn if isinstance(arn, str) else None


def _issuer_arn(record: Mapping[str, Any]) -> str | None:
    context = _identity(record).get("sessionContext")
    issuer = context.get("sessionIssuer") if isinstance(context, Mapping) else None
    arn = issuer.get("arn") if isinstance(issuer, Mapping) else None
    return arn if isinstance(arn, str) else None
