"""Audit events as table rows, and the multi-row INSERT that appends them.

The write path runs on the audit writer thread beside the request threads, so
it keeps per-event Python work small: each record (and trace) is serialized
once, eventTime is parsed once per distinct value in a batch (records carry
whole seconds, so a batch has few), and the rows go in as a few multi-row
``INSERT ... VALUES (...), (...)`` statements rather than an executemany:
SQLite's executemany releases and retakes the GIL for every row, which makes
the writer and the request threads trade the GIL once per event. On
PostgreSQL, psycopg's executemany (pipelined, prepared) is the cheaper one. The
SQL text is built once per row count, from the table's columns, and stays
parameterized.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Dialect

from clearance.store.schema import audit_events

__all__ = ["RECORD", "Batch", "EventRow", "EventWriter"]

EventRow = tuple[Any, ...]
Batch = Sequence[tuple[Mapping[str, Any], Mapping[str, Any] | None]]

# The columns in the order of an EventRow (chain_seq is bound per statement row).
COLUMNS = (
    "event_id",
    "request_id",
    "event_time",
    "event_name",
    "event_source",
    "username",
    "access_key_id",
    "resource_name",
    "read_only",
    "account_id",
    "error_code",
    "record",
    "trace",
    "chain_seq",
)
RECORD = COLUMNS.index("record")
_MAX_ROWS = 256  # rows per SQLite statement
_RESOURCE_LIMIT = 1024  # the resource_name column's length

# requestParameters members naming the resource a call is about, most specific first.
_RESOURCE_MEMBERS = (
    "policyArn",
    "roleArn",
    "serialNumber",
    "userName",
    "roleName",
    "groupName",
    "instanceProfileName",
    "policyName",
    "openIDConnectProviderArn",
    "sAMLProviderArn",
    "accessKeyId",
)

# The stored JSON text: compact, the same text json.dumps(..., separators) makes.
_encode = json.JSONEncoder(separators=(",", ":")).encode


class EventWriter:
    """Builds the rows of a batch and inserts them, for one SQL dialect."""

    def __init__(self, dialect: Dialect) -> None:
        missing = set(COLUMNS) - set(audit_events.c.keys())
        if missing or len(COLUMNS) != len(audit_events.c):
            raise RuntimeError(f"audit_events and EventRow disagree: {sorted(missing)}")
        # What SQLAlchemy would bind (dialect_impl: a TypeDecorator's own
        # bind_processor stops before the dialect's DATETIME text on SQLite).
        bind_time = audit_events.c.event_time.type.dialect_impl(dialect).bind_processor(dialect)
        bind_bool = audit_events.c.read_only.type.dialect_impl(dialect).bind_processor(dialect)
        self._bind_time: Callable[[Any], Any] = bind_time or (lambda value: value)
        self._true = bind_bool(True) if bind_bool else True
        self._false = bind_bool(False) if bind_bool else False
        if dialect.paramstyle == "qmark":  # SQLite
            placeholder, self._multi_row = "?", True
        elif dialect.paramstyle in ("format", "pyformat"):  # psycopg
            placeholder, self._multi_row = "%s", False
        else:
            raise RuntimeError(f"unsupported DB-API paramstyle {dialect.paramstyle!r}")
        fits = _sqlite_variables() // len(COLUMNS)
        self._max_rows = min(_MAX_ROWS, 1 << (fits.bit_length() - 1))
        quote = dialect.identifier_preparer
        names = ", ".join(quote.format_column(audit_events.c[name]) for name in COLUMNS)
        self._head = f"INSERT INTO {quote.format_table(audit_events)} ({names}) VALUES "
        self._one_row = "(" + ", ".join([placeholder] * len(COLUMNS)) + ")"
        self._statements: dict[int, str] = {}

    def rows(self, batch: Batch) -> list[EventRow]:
        """The batch's rows, chain_seq not yet set (the last column)."""
        times: dict[str, Any] = {}
        rows: list[EventRow] = []
        append = rows.append
        true, false = self._true, self._false
        for record, trace in batch:
            identity = record.get("userIdentity") or {}
            moment = str(record["eventTime"])
            when = times.get(moment)
            if when is None:
                when = times[moment] = self._bind_time(_parse_time(moment))
            append((
                str(record["eventID"]),
                str(record.get("requestID") or ""),
                when,
                str(record["eventName"]),
                str(record["eventSource"]),
                _username(identity),
                identity.get("accessKeyId") or None,
                _resource_name(record.get("requestParameters")),
                true if record.get("readOnly") else false,
                record.get("recipientAccountId") or None,
                record.get("errorCode"),
                _encode(record),
                None if trace is None else _encode(trace),
            ))  # fmt: skip
        return rows

    def insert(self, conn: Connection, rows: Sequence[EventRow], chain_seq: int) -> None:
        """Insert ``rows`` as batch ``chain_seq``."""
        if not self._multi_row:
            # psycopg pipelines an executemany: one round trip, prepared once.
            conn.exec_driver_sql(self._statement(1), [(*row, chain_seq) for row in rows])
            return
        start, left = 0, len(rows)
        while left:
            # Chunks of a few fixed sizes (powers of two): a few cached statements.
            count = min(self._max_rows, 1 << (left.bit_length() - 1))
            params: list[Any] = []
            extend, append = params.extend, params.append
            for row in rows[start : start + count]:
                extend(row)
                append(chain_seq)
            conn.exec_driver_sql(self._statement(count), tuple(params))
            start, left = start + count, left - count

    def _statement(self, count: int) -> str:
        statement = self._statements.get(count)
        if statement is None:
            statement = self._head + ", ".join([self._one_row] * count)
            self._statements[count] = statement
        return statement


def _sqlite_variables() -> int:
    """SQLITE_MAX_VARIABLE_NUMBER's default: 32,766 since SQLite 3.32, 999 before."""
    return 32_766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _username(identity: Mapping[str, Any]) -> str | None:
    """LookupEvents' Username: the user name, the session name, or ``root``."""
    if identity.get("userName"):
        return str(identity["userName"])
    kind = identity.get("type")
    arn = str(identity.get("arn") or "")
    if kind == "Root":
        return "root"
    if kind in ("AssumedRole", "FederatedUser") and "/" in arn:
        return arn.rsplit("/", 1)[1]
    return None


def _resource_name(params: Any) -> str | None:
    if not isinstance(params, Mapping):
        return None
    for member in _RESOURCE_MEMBERS:
        value = params.get(member)
        if isinstance(value, str) and value:
            return value[:_RESOURCE_LIMIT]
    return None
