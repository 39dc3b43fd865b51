"""Schema migrations, run when a store opens.

``upgrade(engine)`` brings an empty or older database to the head revision.
Several processes may open the same database at once: the migration runs
under a lock (``BEGIN IMMEDIATE`` on SQLite, a transaction-scoped advisory lock
on PostgreSQL) and re-reads the revision once it holds it, so exactly one of
them migrates and the others wait and find the schema current. DDL is
transactional on both databases: a failed migration leaves the old schema.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from clearance.store.database import WRITE_OPTION, translate_errors

__all__ = ["VERSION_TABLE", "alembic_config", "current_revision", "head_revision", "upgrade"]

VERSION_TABLE = "clearance_schema_version"
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 0x636C656172616E63  # "clearanc": the advisory lock of migrations


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to ``revision`` (default: head) unless the schema is already there."""
    target = head_revision() if revision == "head" else revision
    with engine.connect() as conn:
        if current_revision(conn) == target:
            conn.rollback()
            return
        conn.rollback()
    with engine.connect() as conn, translate_errors():
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK_KEY)))
            if current_revision(conn) == target:
                return
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
