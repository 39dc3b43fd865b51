"""The audit append path's multi-row statements: a batch larger than one
statement (and not a multiple of its row count) is stored whole, each row with
its columns, in one verified chain batch."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from clearance.audit import CallRecord, Identity, build_event
from clearance.store import Store
from clearance.store.events import EventQuery

from .conftest import ACCOUNT

T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
ALICE = Identity("IAMUser", "AIDAX", f"arn:aws:iam::{ACCOUNT}:user/alice", ACCOUNT, "AKIAALICE",
                 "alice")  # fmt: skip
COUNT = 300  # 256 + 32 + 8 + 4 rows on SQLite


def _event(n: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    write = n % 3 == 0
    call = CallRecord(
        identity=ALICE,
        event_time=T0 + timedelta(seconds=n // 7),  # several events per second
        service="iam",
        operation="CreateUser" if write else "GetUser",
        region="us-east-1",
        request_id=f"req-{n}",
        params={"UserName": f"user{n}"},
        recipient_account_id=ACCOUNT,
    )
    event = build_event(call, new_id=lambda: f"evt-{n:04d}")
    trace = {"outcome": "allowed", "denied_by": None, "checks": [{"n": n, "é": "ü"}]}
    return dict(event.record), trace


def test_a_batch_across_several_statements_is_stored_whole(store: Store) -> None:
    batch = [_event(n) for n in range(COUNT)]
    store.append_events(batch)
    report = store.verify_event_chain()
    assert report.ok and (report.batches, report.events) == (1, COUNT)
    stored = {e.event_id: e for e in store.find_events_iter(EventQuery())}
    assert len(stored) == COUNT
    for record, trace in batch:
        event = stored[record["eventID"]]
        assert event.record == record and event.trace == trace
        assert event.event_time == datetime.fromisoformat(record["eventTime"])
        assert event.request_id == record["requestID"] and event.username == "alice"
    writes = store.lookup_events(filters={"ReadOnly": "false"}, max_results=50)
    assert all(e.record["eventName"] == "CreateUser" for e in writes.events)
    assert len(writes.events) == 50 and writes.next_token is not None
    (one,) = store.lookup_events(filters={"ResourceName": "user7"}).events
    assert one.event_id == "evt-0007"


def test_the_stored_text_is_the_compact_json(store: Store) -> None:
    record, trace = _event(1)
    store.append_events([(record, trace)])
    with store.engine.connect() as conn:  # the text json.dumps makes, compact
        stored = conn.exec_driver_sql("SELECT record, trace FROM audit_events").one()
    assert stored[0] == json.dumps(record, separators=(",", ":"))
    assert stored[1] == json.dumps(trace, separators=(",", ":"))
