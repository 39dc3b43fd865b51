"""The audit trail's table: batched appends, LookupEvents filters, time range, paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clearance.audit import CallRecord, Identity, SessionIssuer, build_event
from clearance.errors import InvalidInput
from clearance.store import Store

from .conftest import ACCOUNT

T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
ALICE = Identity("IAMUser", "AIDAX", f"arn:aws:iam::{ACCOUNT}:user/alice", ACCOUNT, "AKIAALICE",
                 "alice")  # fmt: skip
SESSION = Identity(
    "AssumedRole", "AROAX:s1", f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/s1", ACCOUNT,
    "ASIAS1", issuer=SessionIssuer("Role", "AROAX", f"arn:aws:iam::{ACCOUNT}:role/admin",
                                   ACCOUNT, "admin"), session_created=T0,
)  # fmt: skip


def _event(
    n: int, operation: str = "CreateUser", identity: Identity = ALICE, **extra: Any
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    call = CallRecord(
        identity=identity,
        event_time=T0 + timedelta(seconds=n),
        service=extra.pop("service", "iam"),
        operation=operation,
        region="us-east-1",
        request_id=f"req-{n}",
        params=extra.pop("params", {"UserName": f"user{n}"}),
        **extra,
    )
    event = build_event(call, new_id=lambda: f"evt-{n:03d}")
    return dict(event.record), None if event.trace is None else dict(event.trace)


def _ids(store: Store, **kwargs: Any) -> list[str]:
    return [e.event_id for e in store.lookup_events(**kwargs).events]


def test_round_trip_with_the_trace(store: Store) -> None:
    trace = {"outcome": "explicit_deny", "denied_by": "identity-based policy", "decisions": []}
    record, _ = _event(1, error_code="AccessDenied", error_message="no")
    store.append_events([(record, trace)])
    (found,) = store.lookup_events().events
    assert found.record == record
    assert found.trace == trace
    assert found.event_time == T0 + timedelta(seconds=1)
    by_request = store.event_by_request_id("req-1")
    assert by_request is not None and by_request.event_id == "evt-001"
    assert store.event_by_request_id("nope") is None


def test_an_empty_batch_writes_nothing(store: Store) -> None:
    store.append_events([])
    assert store.lookup_events().events == ()


def test_lookup_attributes(store: Store) -> None:
    store.append_events(
        [
            _event(1),
            _event(2, "GetUser", params={"UserName": "bob"}),
            _event(3, "AssumeRole", SESSION, service="sts",
                   params={"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/admin"}),
            _event(4, "CreateRole", Identity("Root", ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root",
                                             ACCOUNT, "AKIAROOT"), params={"RoleName": "r"}),
        ]
    )  # fmt: skip
    assert _ids(store) == ["evt-004", "evt-003", "evt-002", "evt-001"]  # newest first
    assert _ids(store, filters={"EventName": "GetUser"}) == ["evt-002"]
    assert _ids(store, filters={"Username": "alice"}) == ["evt-002", "evt-001"]
    assert _ids(store, filters={"Username": "s1"}) == ["evt-003"]
    assert _ids(store, filters={"Username": "root"}) == ["evt-004"]
    assert _ids(store, filters={"AccessKeyId": "ASIAS1"}) == ["evt-003"]
    assert _ids(store, filters={"EventSource": "sts.amazonaws.com"}) == ["evt-003"]
    assert _ids(store, filters={"ResourceName": "bob"}) == ["evt-002"]
    assert _ids(store, filters={"ResourceName": f"arn:aws:iam::{ACCOUNT}:role/admin"}) == [
        "evt-003"
    ]
    assert _ids(store, filters={"ResourceName": "r"}) == ["evt-004"]
    assert _ids(store, filters={"ReadOnly": "true"}) == ["evt-002"]
    assert _ids(store, filters={"ReadOnly": "false"}) == ["evt-004", "evt-003", "evt-001"]
    assert _ids(store, filters={"EventId": "evt-003"}) == ["evt-003"]
    assert _ids(store, filters={"EventName": "CreateUser", "Username": "alice"}) == ["evt-001"]


def test_bad_lookups(store: Store) -> None:
    with pytest.raises(InvalidInput):
        store.lookup_events(filters={"Color": "red"})
    with pytest.raises(InvalidInput):
        store.lookup_events(filters={"ReadOnly": "maybe"})
    with pytest.raises(InvalidInput):
        store.lookup_events(max_results=0)
    with pytest.raises(InvalidInput):
        store.lookup_events(next_token="garbage")


def test_time_range(store: Store) -> None:
    store.append_events([_event(n) for n in range(5)])
    start, end = T0 + timedelta(seconds=1), T0 + timedelta(seconds=3)
    assert _ids(store, start=start, end=end) == ["evt-003", "evt-002", "evt-001"]
    assert _ids(store, start=T0 + timedelta(seconds=4)) == ["evt-004"]
    assert _ids(store, end=T0) == ["evt-000"]


def test_pagination_visits_every_event_once(store: Store) -> None:
    # Two events share each second: the event id breaks ties.
    batch = [_event(n) for n in range(7)]
    for record, _ in batch:
        record["eventTime"] = f"2026-05-01T12:00:0{int(record['eventID'][-1]) // 2}Z"
    store.append_events(batch)
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        page = store.lookup_events(max_results=3, next_token=token)
        seen.extend(e.event_id for e in page.events)
        pages += 1
        token = page.next_token
        if token is None:
            break
    assert pages == 3
    assert seen == [f"evt-{n:03d}" for n in (6, 5, 4, 3, 2, 1, 0)]
