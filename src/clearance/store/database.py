"""Engines for the two supported databases, and how transactions are opened.

SQLite (the default, ``sqlite:///path/clearance.db``):

- WAL journal, so that readers never wait for the writer;
- ``synchronous=FULL``: every commit fsyncs the WAL before it returns, so an
  acknowledged write survives ``kill -9`` of the process *and* an OS crash or
  power loss (``NORMAL`` would survive only the former);
- ``foreign_keys=ON`` and a ``busy_timeout``, so that writers from several
  processes queue instead of failing;
- writes start with ``BEGIN IMMEDIATE``: the write lock is taken before the
  first read, so a quota counted inside the transaction cannot change before
  the insert (no lock upgrade, no ``SQLITE_BUSY`` mid-transaction). Reads start
  with a plain ``BEGIN`` and see one snapshot;
- SQLite 3.35 or later (``RETURNING``); a new database file is created mode 0600.

PostgreSQL (``postgresql://...``, driven by psycopg 3): READ COMMITTED, and
every write first locks its account's row (``UPDATE accounts SET version =
version + 1``), which serializes the writes of one account across all server
processes, while each statement after the lock sees the latest committed data.

On both, the per-request reads (a key, the account's version) are single
statements run without BEGIN/COMMIT round trips. Lock timeouts, deadlocks and
lost races surface as ``ConcurrentModification`` (409, retryable).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from clearance.store.errors import ConcurrentModification, InvalidInput

__all__ = [
    "DEFAULT_BUSY_TIMEOUT_MS",
    "SINGLE_READ_OPTION",
    "WRITE_OPTION",
    "create_store_engine",
    "normalize_url",
    "translate_errors",
]

DEFAULT_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "clearance_write"  # execution option: this connection will write
SINGLE_READ_OPTION = "clearance_single_read"  # execution option: one statement, no BEGIN

_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})  # serialization, deadlock, lock


def normalize_url(url: str | URL) -> URL:
    """``postgresql://`` → psycopg 3; ``sqlite://`` → pysqlite with a file path."""
    parsed = sa.make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:" or "mode=memory" in str(parsed):
            raise ValueError("the SQLite store needs a file: sqlite:///path/clearance.db")
        return parsed.set(drivername="sqlite+pysqlite")
    raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def create_store_engine(
    url: str | URL, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS, **options: Any
) -> Engine:
    parsed = normalize_url(url)
    options.setdefault("hide_parameters", True)  # no hashes or ciphertexts in error text
    if parsed.get_backend_name() == "sqlite":
        _create_private_file(Path(str(parsed.database)))
        engine = sa.create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            **options,
        )
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    options.setdefault("pool_size", 8)
    options.setdefault("max_overflow", 16)
    options.setdefault("pool_recycle", 1800)
    return sa.create_engine(parsed, **options)


def _create_private_file(path: Path) -> None:
    """Create a new database file readable by its owner only (SQLite gives the
    ``-wal`` and ``-shm`` files the same permissions)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _enable_wal(cursor: Any, busy_timeout_ms: int) -> None:
    """Switch a new database to WAL (a persistent setting). The switch takes an
    exclusive lock without waiting on the busy handler, so first opens that race
    retry until the busy timeout."""
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise RuntimeError(f"SQLite refused WAL mode (journal_mode={mode})")
            return
        except sqlite3.OperationalError as error:
            if not _SQLITE_BUSY.search(str(error)) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module (see `_begin`).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            _enable_wal(cursor, busy_timeout_ms)
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get(SINGLE_READ_OPTION):
            return  # one SELECT in autocommit mode is its own snapshot
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN")


def _sqlstate(error: DBAPIError) -> str | None:
    state = getattr(error.orig, "sqlstate", None)
    return state if isinstance(state, str) else None


_SQLITE_BUSY = re.compile(r"database is locked|database is busy", re.IGNORECASE)


@contextmanager
def translate_errors() -> Iterator[None]:
    """Map lock timeouts, deadlocks and lost races to ``ConcurrentModification``,
    and values the database refuses (too long...) to ``InvalidInput``."""
    try:
        yield
    except DataError:
        # The IAM layer validates lengths and formats first; this is the backstop.
        raise InvalidInput("A value is too long or malformed for the store.") from None
    except IntegrityError:
        raise ConcurrentModification(
            "The request conflicted with a concurrent change; retry it."
        ) from None
    except OperationalError as error:
        if _sqlstate(error) in _RETRYABLE_SQLSTATES or _SQLITE_BUSY.search(str(error.orig)):
            raise ConcurrentModification(
                "The database was busy with concurrent changes; retry the request."
            ) from None
        raise
