"""PostgreSQL: version bumps are announced on the ``clearance_account_version`` channel."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from clearance.clock import FixedClock
from clearance.store import NOTIFY_CHANNEL
from tests.store.conftest import ACCOUNT, fresh_postgres_url, make_store


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> str:
    return fresh_postgres_url(request.getfixturevalue("pg_database"))


def test_writes_notify_listeners(postgres_url: str, clock: FixedClock) -> None:
    store = make_store(postgres_url, clock)
    url = sa.make_url(postgres_url).set(drivername="postgresql", query={})
    try:
        store.create_account(ACCOUNT)
        with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            store.create_user(ACCOUNT, "alice")
            store.tag_user(ACCOUNT, "alice", [("k", "v")])
            store.get_user(ACCOUNT, "alice")  # reads announce nothing
            received = [n.payload for n in conn.notifies(timeout=5, stop_after=2)]
        version = store.account_version(ACCOUNT)
        assert received == [f"{ACCOUNT}:{version - 1}", f"{ACCOUNT}:{version}"]
    finally:
        store.close()
