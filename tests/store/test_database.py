"""Engines: URLs, SQLite settings (WAL, FULL sync, foreign keys, busy timeout), file mode."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from clearance.store import Store
from clearance.store.database import create_store_engine, normalize_url
from clearance.store.errors import InvalidInput


def test_urls() -> None:
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///x/clearance.db").drivername == "sqlite+pysqlite"
    for bad in ("sqlite://", "sqlite:///:memory:", "mysql://u@h/db"):
        with pytest.raises(ValueError):
            normalize_url(bad)


def test_sqlite_settings_and_private_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "clearance.db"
    engine = create_store_engine(f"sqlite:///{path}", busy_timeout_ms=1234)
    try:
        with engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        engine.dispose()
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 1234,
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_values_the_database_refuses(store: Store, account: str) -> None:
    if store.engine.dialect.name == "postgresql":
        with pytest.raises(InvalidInput):
            store.create_user(account, "x" * 65)
    else:  # SQLite does not enforce lengths: the IAM layer validates first
        assert store.create_user(account, "x" * 65).name == "x" * 65


def test_single_reads_leave_connections_transactional(store: Store, account: str) -> None:
    for _ in range(20):  # cycle pooled connections through autocommit reads and writes
        store.account_version(account)
        store.create_user(account, "tmp")
        store.delete_user(account, "tmp")
    with store.engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
        assert conn.in_transaction()
