"""CloudTrail ``LookupEvents`` over the store's audit trail.

- Authorized as ``cloudtrail:LookupEvents`` on ``*``.
- Tenancy: a caller sees only events recorded for its own account
  (recipientAccountId); the account filter is part of every store query.
- One lookup attribute at most, as AWS allows ("Currently the list can contain
  only one item": https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html).
- Retention: like AWS, the API answers from the last 90 days only; older events
  stay in the store for ``clearance audit`` (which has no such window).
- ``EventCategory=insight``: Clearance records no Insights events, so none match.
- ``NextToken`` is bound to the attribute, time range and category it was issued
  for: using it with other parameters is ``InvalidNextTokenException``, as AWS says.
- ``MaxResults`` outside 1..50 is refused by the JSON decoder (the model's range,
  ``ValidationException``) before this handler runs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from clearance.errors import InvalidInput
from clearance.services.cloudtrail.errors import (
    InvalidEventCategory,
    InvalidLookupAttributes,
    InvalidMaxResults,
    InvalidNextToken,
    InvalidTimeRange,
)
from clearance.services.cloudtrail.resources import RESOURCE_TYPES, resources_of
from clearance.services.context import CallContext
from clearance.services.registry import operation
from clearance.store.events import EventQuery, StoredEvent, event_marker

__all__ = ["RETENTION", "event_shape"]

RETENTION = timedelta(days=90)
DEFAULT_MAX_RESULTS = 50
MAX_RESULTS = 50
# A ResourceType lookup filters rows the index cannot: it examines at most this
# many per call and returns what it found with a NextToken (fewer than MaxResults
# on a page, as AWS may also return).
MAX_SCANNED = 1000
_SCAN_STEP = 200
_CATEGORIES = frozenset({"insight"})

Keep = Callable[[StoredEvent], bool]


@operation("cloudtrail", "LookupEvents")
def lookup_events(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require("cloudtrail:LookupEvents", "*")
    attribute = _attribute(params.get("LookupAttributes") or [])
    start, end = params.get("StartTime"), params.get("EndTime")
    if start is not None and end is not None and start > end:
        raise InvalidTimeRange("Start time must not be after end time.")
    limit = params.get("MaxResults", DEFAULT_MAX_RESULTS)
    if not 1 <= limit <= MAX_RESULTS:
        raise InvalidMaxResults(f"MaxResults must be between 1 and {MAX_RESULTS}.")
    category = params.get("EventCategory")
    if category is not None and category not in _CATEGORIES:
        raise InvalidEventCategory(f"Event category {category} is not valid.")
    fingerprint = _fingerprint(attribute, start, end, category)
    token = _open_token(params.get("NextToken"), fingerprint)
    if category == "insight":
        return {"Events": []}
    oldest = ctx.now - RETENTION
    query = EventQuery(
        account_id=ctx.account_id,
        attributes={} if attribute is None or attribute[0] == "ResourceType" else dict([attribute]),
        start=oldest if start is None else max(start, oldest),
        end=end,
    )
    keep = _resource_type(attribute[1]) if attribute and attribute[0] == "ResourceType" else None
    try:
        events, after = _page(ctx, query, limit, token, keep)
    except InvalidInput:  # the attributes are checked above: only the token is left
        raise InvalidNextToken("Invalid NextToken.") from None
    result: dict[str, Any] = {"Events": [event_shape(event) for event in events]}
    if after is not None:
        result["NextToken"] = f"{after}.{fingerprint}"
    return result


def event_shape(event: StoredEvent) -> dict[str, Any]:
    """LookupEvents' ``Event``: the indexed attributes and the record as JSON text."""
    record = event.record
    identity = record.get("userIdentity")
    key = identity.get("accessKeyId") if isinstance(identity, Mapping) else None
    return {
        "EventId": event.event_id,
        "EventName": record.get("eventName"),
        "ReadOnly": "true" if record.get("readOnly") else "false",
        "AccessKeyId": key or None,
        "EventTime": event.event_time,
        "EventSource": record.get("eventSource"),
        "Username": event.username,
        "Resources": resources_of(record),
        "CloudTrailEvent": json.dumps(record, separators=(",", ":")),
    }


def _attribute(attributes: list[dict[str, str]]) -> tuple[str, str] | None:
    if not attributes:
        return None
    if len(attributes) > 1:
        raise InvalidLookupAttributes("You cannot specify more than one lookup attribute.")
    key, value = attributes[0]["AttributeKey"], attributes[0]["AttributeValue"]
    if key == "ReadOnly" and value.lower() not in ("true", "false"):
        raise InvalidLookupAttributes("The value of ReadOnly must be true or false.")
    return key, value


def _resource_type(wanted: str) -> Keep:
    if wanted not in RESOURCE_TYPES:
        return lambda event: False
    return lambda event: any(r["ResourceType"] == wanted for r in resources_of(event.record))


def _fingerprint(
    attribute: tuple[str, str] | None,
    start: datetime | None,
    end: datetime | None,
    category: str | None,
) -> str:
    moments = [None if t is None else t.isoformat() for t in (start, end)]
    text = json.dumps([attribute, *moments, category], separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _open_token(token: str | None, fingerprint: str) -> str | None:
    if not token:
        return None
    inner, dot, bound = token.rpartition(".")
    if not dot or not inner or not hmac.compare_digest(bound, fingerprint):
        raise InvalidNextToken("Invalid NextToken.")
    return inner


def _page(
    ctx: CallContext, query: EventQuery, limit: int, token: str | None, keep: Keep | None
) -> tuple[list[StoredEvent], str | None]:
    """One page of matches and the token after it (None at the end)."""
    if keep is None:
        page = ctx.store.find_events(query, limit=limit, next_token=token)
        return list(page.events), page.next_token
    matched: list[StoredEvent] = []
    scanned = 0
    while True:
        page = ctx.store.find_events(query, limit=_SCAN_STEP, next_token=token)
        for event in page.events:
            scanned += 1
            token = event_marker(event)
            if keep(event):
                matched.append(event)
                if len(matched) == limit:
                    return matched, token
        if page.next_token is None:
            return matched, None
        if scanned >= MAX_SCANNED:
            return matched, token
