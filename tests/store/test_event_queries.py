"""The trail's query half: EventQuery's filters, the account boundary, scans in
pages, counts, and finding the STS event that issued a temporary credential."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clearance.audit import CallRecord, Identity, build_event
from clearance.errors import InvalidInput
from clearance.store import Store
from clearance.store.events import EventQuery, event_marker

from .conftest import ACCOUNT, OTHER_ACCOUNT

T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
ALICE = Identity("IAMUser", "AIDAX", f"arn:aws:iam::{ACCOUNT}:user/alice", ACCOUNT, "AKIAALICE",
                 "alice")  # fmt: skip
ROOT = Identity("Root", OTHER_ACCOUNT, f"arn:aws:iam::{OTHER_ACCOUNT}:root", OTHER_ACCOUNT,
                "AKIAOTHER")  # fmt: skip


def _event(n: int, identity: Identity = ALICE, **extra: Any) -> tuple[dict[str, Any], None]:
    call = CallRecord(
        identity=identity,
        event_time=T0 + timedelta(seconds=n),
        service=extra.pop("service", "iam"),
        operation=extra.pop("operation", "CreateUser"),
        region="us-east-1",
        request_id=f"req-{n}",
        params=extra.pop("params", {"UserName": f"user{n}"}),
        **extra,
    )
    return dict(build_event(call, new_id=lambda: f"evt-{n:03d}").record), None


def _ids(store: Store, query: EventQuery, **kwargs: Any) -> list[str]:
    return [e.event_id for e in store.find_events(query, **kwargs).events]


def test_filters_and_the_account_boundary(store: Store) -> None:
    store.append_events(
        [
            _event(1),
            _event(2, error_code="AccessDenied", error_message="no"),
            _event(3, ROOT),
            _event(4, service="sts", operation="GetCallerIdentity", params={}),
        ]
    )
    assert _ids(store, EventQuery(account_id=ACCOUNT)) == ["evt-004", "evt-002", "evt-001"]
    assert _ids(store, EventQuery(account_id=OTHER_ACCOUNT)) == ["evt-003"]
    page = store.lookup_events({"EventName": "CreateUser"}, account_id=OTHER_ACCOUNT)
    assert [e.event_id for e in page.events] == ["evt-003"]
    assert page.events[0].username == "root" and page.events[0].account_id == OTHER_ACCOUNT
    assert _ids(store, EventQuery(error_codes=("AccessDenied",))) == ["evt-002"]
    assert _ids(store, EventQuery(succeeded=True, username="alice")) == ["evt-004", "evt-001"]
    assert _ids(store, EventQuery(succeeded=False)) == ["evt-002"]
    assert _ids(store, EventQuery(event_source="sts.amazonaws.com")) == ["evt-004"]
    assert _ids(store, EventQuery(event_names=("GetCallerIdentity", "Nope"))) == ["evt-004"]
    assert _ids(store, EventQuery(access_key_id="AKIAOTHER")) == ["evt-003"]
    assert _ids(store, EventQuery(request_id="req-2")) == ["evt-002"]
    window = EventQuery(start=T0 + timedelta(seconds=2), end=T0 + timedelta(seconds=3))
    assert _ids(store, window) == ["evt-003", "evt-002"]
    assert store.find_event_count(EventQuery(account_id=ACCOUNT)) == 3
    assert store.event_by_request_id("req-3", account_id=ACCOUNT) is None
    found = store.event_by_request_id("req-3", account_id=OTHER_ACCOUNT)
    assert found is not None and found.event_id == "evt-003"


def test_scans_in_pages(store: Store) -> None:
    store.append_events([_event(n) for n in range(7)])
    everything = [e.event_id for e in store.find_events_iter(EventQuery(), batch=2)]
    assert everything == [f"evt-{n:03d}" for n in reversed(range(7))]
    first = store.find_events(EventQuery(), limit=3)
    assert first.next_token == event_marker(first.events[-1])
    rest = _ids(store, EventQuery(), limit=10, next_token=first.next_token)
    assert rest == ["evt-003", "evt-002", "evt-001", "evt-000"]
    with pytest.raises(InvalidInput):
        store.find_events(EventQuery(), limit=0)
    with pytest.raises(InvalidInput):
        store.find_events(EventQuery(), next_token="garbage")


def _issue(n: int, caller: Identity, operation: str, response: dict[str, Any]) -> Any:
    return _event(n, caller, service="sts", operation=operation, params={}, result=response)


def test_the_event_that_issued_a_credential(store: Store) -> None:
    role_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/s1"
    issued = {
        "Credentials": {"AccessKeyId": "ASIAONE", "SecretAccessKey": "s", "SessionToken": "t"},
        "AssumedRoleUser": {"AssumedRoleId": "AROAX:s1", "Arn": role_arn},
    }
    federated = {
        "Credentials": {"AccessKeyId": "ASIAFED", "SecretAccessKey": "s", "SessionToken": "t"},
        "FederatedUser": {"FederatedUserId": f"{ACCOUNT}:bob", "Arn": "arn:fed"},
    }
    store.append_events(
        [
            _issue(1, ALICE, "AssumeRole", issued),
            _issue(2, ALICE, "GetFederationToken", federated),
            _event(3),
        ]
    )
    by_key = store.find_credential_origin(access_key_id="ASIAONE")
    assert by_key is not None and by_key.event_id == "evt-001"
    by_arn = store.find_credential_origin(arn=role_arn)
    assert by_arn is not None and by_arn.event_id == "evt-001"
    fed = store.find_credential_origin(arn="arn:fed")
    assert fed is not None and fed.event_id == "evt-002"
    assert store.find_credential_origin(access_key_id="ASIAONE", account_id=OTHER_ACCOUNT) is None
    assert store.find_credential_origin(access_key_id="ASIANONE") is None
    with pytest.raises(InvalidInput):
        store.find_credential_origin()
