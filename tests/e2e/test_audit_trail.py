"""Every call to the live server is recorded as a CloudTrail event, within the
batching window, with secrets redacted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from clearance.clock import SystemClock
from clearance.services.bootstrap import open_server_store
from tests.e2e.conftest import ACCOUNT_ID, Server, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own, with audit recording on (``CLEARANCE_AUDIT=1``)."""
    yield from start_server(tmp_path_factory.mktemp("audited") / "data", {"CLEARANCE_AUDIT": "1"})


def _events(server: Server, **filters: str) -> list[dict[str, Any]]:
    store = open_server_store(
        server.data_dir, f"sqlite:///{server.data_dir / 'clearance.db'}", None, SystemClock()
    )
    try:
        return [e.record for e in store.lookup_events(filters=filters, max_results=50).events]
    finally:
        store.close()


def _eventually(server: Server, **filters: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = _events(server, **filters)
        if found:
            return found
        time.sleep(0.1)
    return []


def test_calls_are_recorded_with_secrets_redacted(server: Server, unique: Any) -> None:
    iam = server.client("iam")
    name = unique("audited")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]

    [created] = _eventually(server, EventName="CreateUser", Username="root", ResourceName=name)
    assert created["eventSource"] == "iam.amazonaws.com"
    assert created["userIdentity"]["type"] == "Root"
    assert created["recipientAccountId"] == ACCOUNT_ID
    assert created["readOnly"] is False

    [issued] = _eventually(server, EventName="CreateAccessKey", ResourceName=name)
    assert key["SecretAccessKey"] not in str(issued)

    denied = server.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError):
        denied.list_users()
    [refused] = _eventually(server, EventName="ListUsers", AccessKeyId=key["AccessKeyId"])
    assert refused["errorCode"] == "AccessDenied"
    assert refused["userIdentity"]["type"] == "IAMUser"
