"""Migrations: empty database → head, schema equal to the tables, idempotent reopen."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from clearance.clock import FixedClock
from clearance.store import Store
from clearance.store.database import create_store_engine
from clearance.store.migrate import (
    VERSION_TABLE,
    alembic_config,
    current_revision,
    head_revision,
    upgrade,
)
from clearance.store.schema import metadata
from tests.store.conftest import make_store


def _diff(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        return list(compare_metadata(context, metadata))


def test_empty_to_head_matches_the_schema(database_url: str) -> None:
    engine = create_store_engine(database_url)
    try:
        with engine.connect() as conn:
            assert current_revision(conn) is None
            assert sa.inspect(conn).get_table_names() == []
        upgrade(engine)
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision() == "0013"
            names = set(sa.inspect(conn).get_table_names())
            assert names == set(metadata.tables) | {VERSION_TABLE}
            pseudo = conn.execute(sa.text("SELECT id, version FROM accounts ORDER BY id")).all()
            assert [tuple(row) for row in pseudo] == [("aws", 1), ("org", 1)]
        assert _diff(engine) == []
        upgrade(engine)  # again: nothing to do
    finally:
        engine.dispose()


def test_downgrade_and_upgrade_again(database_url: str) -> None:
    engine = create_store_engine(database_url)
    try:
        upgrade(engine)
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {VERSION_TABLE}
        upgrade(engine)
        assert _diff(engine) == []
    finally:
        engine.dispose()


def test_concurrent_opens_migrate_once(database_url: str, clock: FixedClock) -> None:
    stores: list[Store] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def open_one() -> None:
        barrier.wait()
        try:
            stores.append(make_store(database_url, clock))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        stores[0].create_account("123456789012")
        assert [a.id for a in stores[-1].list_accounts()] == ["123456789012"]
    finally:
        for store in stores:
            store.close()
