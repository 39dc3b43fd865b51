"""Fixtures of the store's contract suite: every test runs on SQLite (a file in
``tmp_path``) and on PostgreSQL when ``CLEARANCE_TEST_DATABASE_URL`` is set.

PostgreSQL runs use a temporary database created for the test session (dropped
at the end) and a fresh schema per test, selected with ``search_path``.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

from clearance.clock import FixedClock
from clearance.store import Quotas, Store, fast_hasher, open_store, seeded_ids

PG_ENV = "CLEARANCE_TEST_DATABASE_URL"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
MASTER_KEY = bytes(range(32))
START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
DOC = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)

_schemas = itertools.count(1)


def _libpq(url: sa.URL) -> str:
    """A URL psycopg accepts (no SQLAlchemy driver suffix)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[sa.URL]:
    configured = os.environ.get(PG_ENV)
    if not configured:
        pytest.skip(
            f"PostgreSQL store tests skipped: set {PG_ENV}=postgresql://user@host:5432/db "
            "(a database the user may CREATE DATABASE from) to run them"
        )
    base = sa.make_url(configured)
    name = f"clearance_test_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(_libpq(base), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield base.set(database=name)
    finally:
        with psycopg.connect(_libpq(base), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def fresh_postgres_url(database: sa.URL) -> str:
    """A new empty schema in the session's database, as a store URL."""
    schema = f"t{next(_schemas)}"
    with psycopg.connect(_libpq(database), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    url = database.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/clearance.db"
    return fresh_postgres_url(request.getfixturevalue("pg_database"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def make_store(url: str, clock: FixedClock, quotas: Quotas | None = None) -> Store:
    return open_store(
        url, MASTER_KEY, clock, seeded_ids(7), password_hasher=fast_hasher(), quotas=quotas
    )


@pytest.fixture
def store(database_url: str, clock: FixedClock) -> Iterator[Store]:
    opened = make_store(database_url, clock)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def account(store: Store) -> str:
    store.create_account(ACCOUNT)
    return ACCOUNT
