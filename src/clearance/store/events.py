"""The audit trail's table: append batches of CloudTrail records, look them up.

Records arrive already built and redacted (:mod:`clearance.audit`); this module
only extracts the lookup attributes of CloudTrail's ``LookupEvents``
(EventId, EventName, ReadOnly, Username, ResourceName, EventSource,
AccessKeyId) into indexed columns and pages newest first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from clearance.errors import InvalidInput
from clearance.store.base import StoreBase
from clearance.store.pagination import decode_marker, encode_marker
from clearance.store.schema import audit_events

__all__ = ["LOOKUP_ATTRIBUTES", "EventPage", "EventsMixin", "StoredEvent"]

DEFAULT_MAX_RESULTS = 50
MAX_RESULTS = 50  # LookupEvents' limit

# LookupEvents' attribute keys → columns.
LOOKUP_ATTRIBUTES: Mapping[str, sa.Column[Any]] = {
    "EventId": audit_events.c.event_id,
    "EventName": audit_events.c.event_name,
    "EventSource": audit_events.c.event_source,
    "Username": audit_events.c.username,
    "AccessKeyId": audit_events.c.access_key_id,
    "ResourceName": audit_events.c.resource_name,
    "ReadOnly": audit_events.c.read_only,
}

# requestParameters members naming the resource a call is about, most specific first.
_RESOURCE_MEMBERS = (
    "policyArn",
    "roleArn",
    "serialNumber",
    "userName",
    "roleName",
    "groupName",
    "instanceProfileName",
    "policyName",
    "openIDConnectProviderArn",
    "sAMLProviderArn",
    "accessKeyId",
)

Batch = Sequence[tuple[Mapping[str, Any], Mapping[str, Any] | None]]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    event_id: str
    request_id: str
    event_time: datetime
    record: Mapping[str, Any] = field(hash=False)
    trace: Mapping[str, Any] | None = field(default=None, hash=False)


@dataclass(frozen=True, slots=True)
class EventPage:
    events: tuple[StoredEvent, ...]
    next_token: str | None = None


class EventsMixin(StoreBase):
    def append_events(self, batch: Batch) -> None:
        """Append CloudTrail records (with their traces), all in one transaction."""
        rows = [_row(record, trace) for record, trace in batch]
        if not rows:
            return
        with self._write(None, bump=False) as tx:
            tx.conn.execute(sa.insert(audit_events), rows)

    def lookup_events(
        self,
        filters: Mapping[str, str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> EventPage:
        """Events newest first, filtered by LookupEvents attributes (all must match)
        and ``start <= eventTime <= end``; ``next_token`` continues a page."""
        limit = DEFAULT_MAX_RESULTS if max_results is None else max_results
        if not 1 <= limit <= MAX_RESULTS:
            raise InvalidInput(f"MaxResults must be between 1 and {MAX_RESULTS}.")
        query = sa.select(audit_events)
        for key, value in (filters or {}).items():
            query = query.where(_condition(key, value))
        if start is not None:
            query = query.where(audit_events.c.event_time >= start)
        if end is not None:
            query = query.where(audit_events.c.event_time <= end)
        order = (audit_events.c.event_time, audit_events.c.event_id)
        if next_token:
            after_time, after_id = decode_marker(next_token, 2)
            try:
                moment = datetime.fromisoformat(str(after_time))
            except ValueError:
                raise InvalidInput("Invalid NextToken.") from None
            query = query.where(
                sa.tuple_(*order)
                < sa.tuple_(
                    sa.literal(moment, audit_events.c.event_time.type), sa.literal(after_id)
                )
            )
        query = query.order_by(*(column.desc() for column in order)).limit(limit + 1)
        with self._read() as conn:
            rows = conn.execute(query).all()
        events = tuple(_event(row) for row in rows[:limit])
        if len(rows) <= limit:
            return EventPage(events)
        last = events[-1]
        return EventPage(events, encode_marker([last.event_time.isoformat(), last.event_id]))

    def event_by_request_id(self, request_id: str) -> StoredEvent | None:
        """The event of one request (``clearance explain --request-id``)."""
        with self._read_once() as conn:
            row = conn.execute(
                sa.select(audit_events).where(audit_events.c.request_id == request_id).limit(1)
            ).first()
        return None if row is None else _event(row)


def _condition(key: str, value: str) -> sa.ColumnElement[bool]:
    column = LOOKUP_ATTRIBUTES.get(key)
    if column is None:
        raise InvalidInput(f"Unsupported lookup attribute: {key}.")
    if key == "ReadOnly":
        if value.lower() not in ("true", "false"):
            raise InvalidInput("ReadOnly must be true or false.")
        return column.is_(value.lower() == "true")
    return column == value


def _row(record: Mapping[str, Any], trace: Mapping[str, Any] | None) -> dict[str, Any]:
    identity = record.get("userIdentity") or {}
    return {
        "event_id": str(record["eventID"]),
        "request_id": str(record.get("requestID") or ""),
        "event_time": datetime.fromisoformat(str(record["eventTime"]).replace("Z", "+00:00")),
        "event_name": str(record["eventName"]),
        "event_source": str(record["eventSource"]),
        "username": _username(identity),
        "access_key_id": identity.get("accessKeyId") or None,
        "resource_name": _resource_name(record.get("requestParameters")),
        "read_only": bool(record.get("readOnly")),
        "account_id": record.get("recipientAccountId") or None,
        "error_code": record.get("errorCode"),
        "record": json.dumps(record, separators=(",", ":")),
        "trace": None if trace is None else json.dumps(trace, separators=(",", ":")),
    }


def _username(identity: Mapping[str, Any]) -> str | None:
    """LookupEvents' Username: the user name, the session name, or ``root``."""
    if identity.get("userName"):
        return str(identity["userName"])
    kind = identity.get("type")
    arn = str(identity.get("arn") or "")
    if kind == "Root":
        return "root"
    if kind in ("AssumedRole", "FederatedUser") and "/" in arn:
        return arn.rsplit("/", 1)[1]
    return None


def _resource_name(params: Any) -> str | None:
    if not isinstance(params, Mapping):
        return None
    for member in _RESOURCE_MEMBERS:
        value = params.get(member)
        if isinstance(value, str) and value:
            return value[:1024]
    return None


def _event(row: Row[Any]) -> StoredEvent:
    values = row._mapping
    return StoredEvent(
        event_id=values["event_id"],
        request_id=values["request_id"],
        event_time=values["event_time"],
        record=json.loads(values["record"]),
        trace=None if values["trace"] is None else json.loads(values["trace"]),
    )
