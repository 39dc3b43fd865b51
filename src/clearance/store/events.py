"""The audit trail's table: append batches of CloudTrail records, look them up.

Records arrive already built and redacted (:mod:`clearance.audit`); this module
only extracts the lookup attributes of CloudTrail's ``LookupEvents``
(EventId, EventName, ReadOnly, Username, ResourceName, EventSource,
AccessKeyId) into columns (:mod:`clearance.store.event_rows` builds the rows
and inserts them) and pages newest first.

The query half (``lookup_events``, ``find_*``, ``event_by_request_id``) reads
by :class:`EventQuery`; ``account_id`` is how the API keeps tenants apart (a
caller sees only events whose recipientAccountId is its account). Pages are
keyset pages on (event_time, event_id): tokens stay valid while events arrive.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from clearance.errors import InvalidInput
from clearance.store.event_chain import EventChainMixin
from clearance.store.event_rows import RECORD, Batch, EventWriter
from clearance.store.pagination import decode_marker, encode_marker
from clearance.store.schema import audit_events

__all__ = [
    "ISSUING_EVENTS",
    "LOOKUP_ATTRIBUTES",
    "EventPage",
    "EventQuery",
    "EventsMixin",
    "StoredEvent",
    "event_marker",
]

DEFAULT_MAX_RESULTS = 50
MAX_RESULTS = 50  # LookupEvents' limit
MAX_SCAN_PAGE = 1000  # a page of an internal scan (clearance audit)
SCAN_BATCH = 500

# The STS calls that issue temporary credentials: where a session comes from.
ISSUING_EVENTS = (
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "GetFederationToken",
    "GetSessionToken",
)
# How far a session's creationDate may be from its issuing event's eventTime.
_ISSUE_SLACK = timedelta(minutes=5)
_ORDER = (audit_events.c.event_time, audit_events.c.event_id)

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


@dataclass(frozen=True, slots=True)
class StoredEvent:
    event_id: str
    request_id: str
    event_time: datetime
    record: Mapping[str, Any] = field(hash=False)
    trace: Mapping[str, Any] | None = field(default=None, hash=False)
    username: str | None = None  # LookupEvents' Username (user, session name or root)
    account_id: str | None = None  # recipientAccountId


@dataclass(frozen=True, slots=True)
class EventPage:
    events: tuple[StoredEvent, ...]
    next_token: str | None = None


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Which events a scan selects: every field that is set must match.

    ``attributes`` are LookupEvents' (``EventName``, ``Username``...); the other
    fields serve ``clearance audit``. Every one is an indexed or cheap column.
    """

    account_id: str | None = None  # recipientAccountId: the tenant boundary
    attributes: Mapping[str, str] = field(default_factory=dict)
    event_names: tuple[str, ...] = ()
    event_source: str | None = None
    username: str | None = None
    access_key_id: str | None = None
    request_id: str | None = None
    error_codes: tuple[str, ...] = ()
    succeeded: bool | None = None  # True: no errorCode; False: any errorCode
    start: datetime | None = None
    end: datetime | None = None


class EventsMixin(EventChainMixin):
    def __init__(self, engine: Engine, master_key: bytes, *args: Any, **kwargs: Any) -> None:
        super().__init__(engine, master_key, *args, **kwargs)
        self._event_writer = EventWriter(engine.dialect)

    def append_events(self, batch: Batch) -> None:
        """Append CloudTrail records (with their traces), all in one transaction."""
        if not batch:
            return
        rows = self._event_writer.rows(batch)
        with self._write(None, bump=False) as tx:
            # Numbers the rows as the next batch and appends the batch's digest.
            seq = self._chain_batch(tx, [(row[0], row[RECORD]) for row in rows])
            self._event_writer.insert(tx.conn, rows, seq)

    def lookup_events(
        self,
        filters: Mapping[str, str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
        *,
        account_id: str | None = None,
    ) -> EventPage:
        """Events newest first, filtered by LookupEvents attributes (all must match)
        and ``start <= eventTime <= end``; ``next_token`` continues a page.
        With ``account_id``, only the events recorded for that account."""
        query = EventQuery(account_id, attributes=dict(filters or {}), start=start, end=end)
        limit = DEFAULT_MAX_RESULTS if max_results is None else max_results
        if not 1 <= limit <= MAX_RESULTS:
            raise InvalidInput(f"MaxResults must be between 1 and {MAX_RESULTS}.")
        return self.find_events(query, limit=limit, next_token=next_token)

    def find_events(
        self, query: EventQuery, *, limit: int = DEFAULT_MAX_RESULTS, next_token: str | None = None
    ) -> EventPage:
        """One page (newest first, at most ``limit``, 1..1000) of the events ``query``
        selects; ``next_token`` (from a page or :func:`event_marker`) continues."""
        if not 1 <= limit <= MAX_SCAN_PAGE:
            raise InvalidInput(f"A page holds 1 to {MAX_SCAN_PAGE} events.")
        select = _select(query)
        if next_token:
            select = select.where(_after(next_token))
        select = select.order_by(*(column.desc() for column in _ORDER)).limit(limit + 1)
        with self._read() as conn:
            rows = conn.execute(select).all()
        events = tuple(_event(row) for row in rows[:limit])
        if len(rows) <= limit:
            return EventPage(events)
        return EventPage(events, event_marker(events[-1]))

    def find_events_iter(
        self, query: EventQuery, *, batch: int = SCAN_BATCH
    ) -> Iterator[StoredEvent]:
        """Every event ``query`` selects, newest first, read in pages of ``batch``
        (one short read transaction per page: safe while the server writes)."""
        token: str | None = None
        while True:
            page = self.find_events(query, limit=batch, next_token=token)
            yield from page.events
            if page.next_token is None:
                return
            token = page.next_token

    def find_event_count(self, query: EventQuery) -> int:
        """How many events ``query`` selects (for a progress bar)."""
        counted = sa.select(sa.func.count()).select_from(_select(query).subquery())
        with self._read_once() as conn:
            return int(conn.execute(counted).scalar_one())

    def event_by_request_id(
        self, request_id: str, *, account_id: str | None = None
    ) -> StoredEvent | None:
        """The event of one request (``clearance explain --request-id``); with
        ``account_id``, only if it was recorded for that account."""
        select = sa.select(audit_events).where(audit_events.c.request_id == request_id)
        if account_id is not None:
            select = select.where(audit_events.c.account_id == account_id)
        with self._read_once() as conn:
            row = conn.execute(select.limit(1)).first()
        return None if row is None else _event(row)

    def find_credential_origin(
        self,
        *,
        access_key_id: str | None = None,
        arn: str | None = None,
        account_id: str | None = None,
    ) -> StoredEvent | None:
        """The successful STS event (AssumeRole*, GetFederationToken, GetSessionToken)
        whose response issued ``access_key_id`` or the session ``arn``; the newest
        when an ARN was issued more than once. None when the trail has no such event.

        The issued key id is only in the record's JSON: the scan reads the issuing
        events by their (event_name, event_time) index, first near the session's
        creation time when a use of the key tells it, then all of them."""
        if not access_key_id and not arn:
            raise InvalidInput("An access key id or a session ARN is required.")
        base = EventQuery(account_id=account_id, event_names=ISSUING_EVENTS, succeeded=True)
        created = self._session_created(access_key_id) if access_key_id else None
        scans = [base]
        if created is not None:
            near = dataclasses.replace(
                base, start=created - _ISSUE_SLACK, end=created + _ISSUE_SLACK
            )
            scans.insert(0, near)
        for scan in scans:
            for event in self.find_events_iter(scan):
                if _issued(event.record, access_key_id, arn):
                    return event
        return None

    def _session_created(self, access_key_id: str) -> datetime | None:
        """The creationDate a use of temporary key ``access_key_id`` reports, if any."""
        select = (
            sa.select(audit_events.c.record)
            .where(audit_events.c.access_key_id == access_key_id)
            .order_by(audit_events.c.event_time)
            .limit(1)
        )
        with self._read_once() as conn:
            text = conn.execute(select).scalar()
        if text is None:
            return None
        identity = json.loads(text).get("userIdentity") or {}
        context = identity.get("sessionContext") or {}
        created = (context.get("attributes") or {}).get("creationDate")
        return _parse_time(created) if isinstance(created, str) else None


def _condition(key: str, value: str) -> sa.ColumnElement[bool]:
    column = LOOKUP_ATTRIBUTES.get(key)
    if column is None:
        raise InvalidInput(f"Unsupported lookup attribute: {key}.")
    if key == "ReadOnly":
        if value.lower() not in ("true", "false"):
            raise InvalidInput("ReadOnly must be true or false.")
        return column.is_(value.lower() == "true")
    return column == value


def _event(row: Row[Any]) -> StoredEvent:
    values = row._mapping
    return StoredEvent(
        event_id=values["event_id"],
        request_id=values["request_id"],
        event_time=values["event_time"],
        record=json.loads(values["record"]),
        trace=None if values["trace"] is None else json.loads(values["trace"]),
        username=values["username"],
        account_id=values["account_id"],
    )


def _select(query: EventQuery) -> sa.Select[Any]:
    select = sa.select(audit_events)
    columns = audit_events.c
    for key, value in query.attributes.items():
        select = select.where(_condition(key, value))
    equal: tuple[tuple[sa.Column[Any], str | None], ...] = (
        (columns.account_id, query.account_id),
        (columns.event_source, query.event_source),
        (columns.username, query.username),
        (columns.access_key_id, query.access_key_id),
        (columns.request_id, query.request_id),
    )
    for column, wanted in equal:
        if wanted is not None:
            select = select.where(column == wanted)
    if query.event_names:
        select = select.where(columns.event_name.in_(query.event_names))
    if query.error_codes:
        select = select.where(columns.error_code.in_(query.error_codes))
    if query.succeeded is not None:
        failed = columns.error_code.is_not(None)
        select = select.where(sa.not_(failed) if query.succeeded else failed)
    if query.start is not None:
        select = select.where(columns.event_time >= query.start)
    if query.end is not None:
        select = select.where(columns.event_time <= query.end)
    return select


def event_marker(event: StoredEvent) -> str:
    """The token that continues a scan after ``event``."""
    return encode_marker([event.event_time.isoformat(), event.event_id])


def _after(token: str) -> sa.ColumnElement[bool]:
    after_time, after_id = decode_marker(token, 2)
    if not isinstance(after_time, str) or not isinstance(after_id, str):
        raise InvalidInput("Invalid NextToken.")
    try:
        moment = datetime.fromisoformat(after_time)
    except ValueError:
        raise InvalidInput("Invalid NextToken.") from None
    time_type = audit_events.c.event_time.type
    return sa.tuple_(*_ORDER) < sa.tuple_(sa.literal(moment, time_type), sa.literal(after_id))


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _issued(record: Mapping[str, Any], access_key_id: str | None, arn: str | None) -> bool:
    """Whether ``record``'s response issued the key or the session ARN."""
    response = record.get("responseElements")
    if not isinstance(response, Mapping):
        return False
    if access_key_id:
        credentials = response.get("credentials")
        if isinstance(credentials, Mapping) and credentials.get("accessKeyId") == access_key_id:
            return True
    if arn:
        for member in ("assumedRoleUser", "federatedUser"):
            user = response.get(member)
            if isinstance(user, Mapping) and user.get("arn") == arn:
                return True
    return False
