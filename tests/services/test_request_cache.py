"""The request path's caches (``clearance.services.cache``) stay correct across
replicas: two gateways on one SQLite database, each with its own caches, and a
change made through either one (or straight in the store) is seen by the other
on its very next request. A warm request makes one database read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from clearance.clock import SystemClock
from clearance.services.cache import Caches, CachingStore, RequestView
from clearance.services.gateway import Gateway
from clearance.store import SessionSpec, Store, Tag, fast_hasher, open_store
from clearance.wire import WireRequest, WireResponse

ACCOUNT = "123456789012"
MASTER_KEY = bytes(range(32))
ALLOW_IAM = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
    }
)
DENY_GET_USER = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "iam:GetUser", "Resource": "*"}],
    }
)


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    url = f"sqlite:///{tmp_path / 'clearance.db'}"
    clock = SystemClock()
    one = open_store(url, MASTER_KEY, clock, password_hasher=fast_hasher())
    two = open_store(url, MASTER_KEY, clock, password_hasher=fast_hasher())
    try:
        yield one, two
    finally:
        one.close()
        two.close()


@pytest.fixture
def setup(stores: tuple[Store, Store]) -> dict[str, Any]:
    store = stores[0]
    store.create_account(ACCOUNT)
    store.create_user(ACCOUNT, "alice", tags=[Tag("team", "blue")])
    store.create_user(ACCOUNT, "caller")
    store.put_user_policy(ACCOUNT, "caller", "iam", ALLOW_IAM)
    key = store.create_access_key(ACCOUNT, "caller")
    return {"key": key.id, "secret": key.secret_access_key}


def signed(key: str, secret: str, body: str, token: str | None = None) -> WireRequest:
    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1:8080/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials(key, secret, token), "iam", "us-east-1").add_auth(request)
    prepared = request.prepare()
    raw = prepared.body if isinstance(prepared.body, bytes) else str(prepared.body).encode()
    headers = [("host", "127.0.0.1:8080"), *prepared.headers.items()]
    return WireRequest.build("POST", "/", "", headers, raw, source_ip="127.0.0.1")


def get_user(key: str, secret: str, name: str = "alice", token: str | None = None) -> WireRequest:
    body = f"Action=GetUser&Version=2010-05-08&UserName={name}"
    return signed(key, secret, body, token)


def code(response: WireResponse) -> str | None:
    text = response.body.decode()
    if "<Code>" not in text:
        return None
    return text.split("<Code>", 1)[1].split("</Code>", 1)[0]


class Counter:
    """SQL statements SQLAlchemy runs on a store, and fast version reads."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.statements: list[str] = []
        self.version_reads = 0
        sa.event.listen(store.engine, "before_cursor_execute", self._statement)
        original = store.account_versions

        def counted(account_ids: Any) -> dict[str, int]:
            self.version_reads += 1
            return original(account_ids)

        monkeypatch.setattr(store, "account_versions", counted)

    def _statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def reset(self) -> None:
        self.statements.clear()
        self.version_reads = 0


def test_a_warm_get_user_makes_one_read(
    stores: tuple[Store, Store], setup: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = stores[0]
    gateway = Gateway(store, SystemClock())
    request = get_user(setup["key"], setup["secret"])
    first = gateway.handle(request)
    assert first.status == 200, first.body
    assert b"<UserName>alice</UserName>" in first.body
    counter = Counter(store, monkeypatch)
    for _ in range(3):
        assert (
            gateway.handle(request).body.split(b"RequestId")[0] == first.body.split(b"RequestId")[0]
        )
    assert not counter.statements, " / ".join(counter.statements)  # no SQLAlchemy at all
    assert counter.version_reads == 3  # one version read per request


def test_a_deleted_key_is_refused_by_the_other_replica(
    stores: tuple[Store, Store], setup: dict[str, Any]
) -> None:
    a, b = Gateway(stores[0], SystemClock()), Gateway(stores[1], SystemClock())
    request = get_user(setup["key"], setup["secret"])
    assert a.handle(request).status == 200
    assert b.handle(request).status == 200
    stores[1].delete_access_key(ACCOUNT, "caller", setup["key"])
    refused = a.handle(request)
    assert refused.status == 403
    assert code(refused) == "InvalidClientTokenId"


def test_an_inactive_key_is_refused_and_reactivated(
    stores: tuple[Store, Store], setup: dict[str, Any]
) -> None:
    a = Gateway(stores[0], SystemClock())
    request = get_user(setup["key"], setup["secret"])
    assert a.handle(request).status == 200
    stores[1].update_access_key(ACCOUNT, "caller", setup["key"], "Inactive")
    assert code(a.handle(request)) == "InvalidClientTokenId"
    stores[1].update_access_key(ACCOUNT, "caller", setup["key"], "Active")
    assert a.handle(request).status == 200


def test_a_policy_change_elsewhere_applies_on_the_next_request(
    stores: tuple[Store, Store], setup: dict[str, Any]
) -> None:
    a = Gateway(stores[0], SystemClock())
    request = get_user(setup["key"], setup["secret"])
    assert a.handle(request).status == 200
    stores[1].put_user_policy(ACCOUNT, "caller", "deny", DENY_GET_USER)
    denied = a.handle(request)
    assert code(denied) == "AccessDenied", denied.body
    stores[1].delete_user_policy(ACCOUNT, "caller", "deny")
    assert a.handle(request).status == 200


def test_entity_reads_follow_changes_made_elsewhere(
    stores: tuple[Store, Store], setup: dict[str, Any]
) -> None:
    a = Gateway(stores[0], SystemClock())
    request = get_user(setup["key"], setup["secret"])
    assert b"<Value>blue</Value>" in a.handle(request).body
    stores[1].tag_user(ACCOUNT, "alice", [Tag("team", "red")])
    assert b"<Value>red</Value>" in a.handle(request).body
    stores[1].update_user(ACCOUNT, "alice", new_path="/moved/")
    assert b"<Path>/moved/</Path>" in a.handle(request).body
    stores[1].update_user(ACCOUNT, "alice", new_name="alicia")
    assert code(a.handle(request)) == "NoSuchEntity"


def test_a_renamed_caller_gets_its_new_arn(
    stores: tuple[Store, Store], setup: dict[str, Any]
) -> None:
    a = Gateway(stores[0], SystemClock())
    whoami = signed(setup["key"], setup["secret"], "Action=GetUser&Version=2010-05-08")
    assert b"<UserName>caller</UserName>" in a.handle(whoami).body
    stores[1].update_user(ACCOUNT, "caller", new_name="renamed")
    assert b"<UserName>renamed</UserName>" in a.handle(whoami).body


def test_an_ended_session_is_refused_within_the_session_ttl(
    stores: tuple[Store, Store], setup: dict[str, Any]
) -> None:
    """Ending a session does not bump the account's version: the key cache
    re-reads session keys after SESSION_TTL."""
    store = stores[0]
    user = store.get_user(ACCOUNT, "caller")
    clock = SystemClock()
    new = store.create_session(
        SessionSpec(
            account_id=ACCOUNT,
            kind="SessionToken",
            principal_arn=user.arn,
            principal_id=user.id,
            expires=clock.now() + timedelta(hours=1),
            user_id=user.id,
            mfa_present=True,  # GetSessionToken keys call IAM only with MFA
        )
    )
    ticks = Ticks()
    a = Gateway(store, clock, caches=Caches(store, monotonic=ticks))
    request = get_user(new.session.access_key_id, new.secret_access_key, token=new.session_token)
    assert a.handle(request).status == 200, a.handle(request).body
    stores[1].delete_session(new.session.access_key_id)
    ticks.now += 1.5
    assert code(a.handle(request)) == "InvalidClientTokenId"


def test_use_of_a_key_is_recorded_once_a_minute(
    stores: tuple[Store, Store], setup: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = stores[0]
    gateway = Gateway(store, SystemClock())
    calls: list[str] = []
    original = store.record_access_key_use

    def record(access_key_id: str, *args: Any, **kwargs: Any) -> None:
        calls.append(access_key_id)
        original(access_key_id, *args, **kwargs)

    monkeypatch.setattr(store, "record_access_key_use", record)
    request = get_user(setup["key"], setup["secret"])
    for _ in range(5):
        assert gateway.handle(request).status == 200
    assert calls == [setup["key"]]
    assert store.get_access_key_last_used(ACCOUNT, setup["key"]).service_name == "iam"


def test_reads_after_a_write_in_the_same_request_bypass_the_cache(
    stores: tuple[Store, Store], setup: dict[str, Any]
) -> None:
    store = stores[0]
    caches = Caches(store)
    view = RequestView(caches)
    view.versions_of(ACCOUNT)
    proxy: Any = CachingStore(view, ACCOUNT)
    assert proxy.get_user(ACCOUNT, "alice").path == "/"
    assert proxy.get_user(ACCOUNT, "alice") is proxy.get_user(ACCOUNT, "alice")  # cached
    proxy.update_user(ACCOUNT, "alice", new_path="/p/")
    assert view.dirty
    assert proxy.get_user(ACCOUNT, "alice").path == "/p/"
    # A later request (new snapshot) sees it too.
    later = RequestView(caches)
    later.versions_of(ACCOUNT)
    assert CachingStore(later, ACCOUNT).get_user(ACCOUNT, "alice").path == "/p/"


def test_a_write_without_a_version_bump_drops_the_local_entries(
    stores: tuple[Store, Store], setup: dict[str, Any]
) -> None:
    store = stores[0]
    caches = Caches(store)
    view = RequestView(caches)
    view.versions_of(ACCOUNT)
    proxy: Any = CachingStore(view, ACCOUNT)
    assert proxy.get_user(ACCOUNT, "alice").password_last_used is None
    proxy.record_password_use(ACCOUNT, "alice")
    later = RequestView(caches)
    later.versions_of(ACCOUNT)
    assert CachingStore(later, ACCOUNT).get_user(ACCOUNT, "alice").password_last_used is not None


def test_other_replicas_see_unversioned_columns_within_the_entity_ttl(
    stores: tuple[Store, Store], setup: dict[str, Any]
) -> None:
    ticks = Ticks()
    caches = Caches(stores[0], monotonic=ticks)

    def read() -> Any:
        view = RequestView(caches)
        view.versions_of(ACCOUNT)
        return CachingStore(view, ACCOUNT).get_user(ACCOUNT, "alice")

    assert read().password_last_used is None
    stores[1].record_password_use(ACCOUNT, "alice")
    assert read().password_last_used is None  # cached, version unchanged
    ticks.now += 1.5
    assert read().password_last_used is not None


def test_the_fast_version_read_matches_and_falls_back(
    stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = stores[0]
    store.create_account(ACCOUNT)
    before = store.account_versions([ACCOUNT, "000000000000"])
    assert set(before) == {ACCOUNT}
    stores[1].create_user(ACCOUNT, "bob")
    assert store.account_versions([ACCOUNT]) == {ACCOUNT: before[ACCOUNT] + 1}

    def broken(account_ids: list[str]) -> dict[str, int]:
        raise RuntimeError("connection lost")

    monkeypatch.setattr(store._version_reader, "read", broken)
    assert store.account_versions([ACCOUNT]) == {ACCOUNT: before[ACCOUNT] + 1}
