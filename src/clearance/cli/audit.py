"""``clearance audit``: search the audit trail that ``clearance serve`` records.

Reads the same store as the server (``--data-dir DIR | --database URL``), safe
while it runs: every page is one short read transaction.

    clearance audit events --principal alice --since 1h
    clearance audit events --action iam:CreateUser --format jsonl
    clearance audit events --denied --account 123456789012
    clearance audit session ASIA...   (or an assumed-role ARN)
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from clearance.cli import audit_verify
from clearance.cli.audit_filters import Filters, parse_moment, plan
from clearance.cli.audit_session import Trace, follow
from clearance.clock import SystemClock
from clearance.services.bootstrap import open_server_store
from clearance.settings import Settings
from clearance.store import Store
from clearance.store.events import StoredEvent

__all__ = ["audit_app", "register"]

# A scan of at least this many events shows a progress bar (on a terminal).
PROGRESS_THRESHOLD = 2000

audit_app = typer.Typer(
    help="Search the audit trail (CloudTrail records) in the store; safe while the server runs.",
    no_args_is_help=True,
)


class Format(enum.StrEnum):
    TABLE = "table"
    JSONL = "jsonl"


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    audit_verify.register(audit_app)


_DATA_DIR = typer.Option(None, help="Data directory (default ./clearance-data).")
_DATABASE = typer.Option(None, help="Database URL (default SQLite in the data directory).")
_FORMAT = typer.Option(
    Format.TABLE, "--format", help="table (for people) or jsonl (one record a line)."
)


@audit_app.command("events")
def events_command(
    principal: str = typer.Option(
        None, help="Caller: an ARN (user, role, assumed-role, root) or a user / session name."
    ),
    action: str = typer.Option(None, help="iam:CreateUser, or CreateUser (any service)."),
    error_code: str = typer.Option(None, help="Only calls that failed with this errorCode."),
    denied: bool = typer.Option(
        False, "--denied", help="Only calls refused by authorization or authentication."
    ),
    since: str = typer.Option(None, help="From this time: ISO 8601 or relative (30m, 1h, 7d)."),
    until: str = typer.Option(None, help="Up to this time: ISO 8601 or relative."),
    request_id: str = typer.Option(None, help="The event of one request."),
    account: str = typer.Option(None, help="Only events recorded for this account id."),
    access_key_id: str = typer.Option(None, help="Only calls signed with this access key id."),
    limit: int = typer.Option(None, min=1, help="At most this many events (newest first)."),
    output_format: Format = _FORMAT,
    data_dir: Path = _DATA_DIR,
    database: str = _DATABASE,
) -> None:
    """List recorded API calls, newest first."""
    now = SystemClock().now()
    filters = Filters(
        principal=principal,
        action=action,
        error_code=error_code,
        denied=denied,
        since=_moment("--since", since, now),
        until=_moment("--until", until, now),
        request_id=request_id,
        account_id=account,
        access_key_id=access_key_id,
    )
    query, matches = plan(filters)
    store = _open(data_dir, database)
    try:
        selected = (event for event in _scan(store, query) if matches(event))
        _emit(_limited(selected, limit), output_format)
    finally:
        store.close()


audit_app.command("list", help="Same as `events`.")(events_command)


@audit_app.command("session")
def session_command(
    credential: str = typer.Argument(..., help="A temporary access key id or a session ARN."),
    account: str = typer.Option(None, help="Only issuing events recorded for this account."),
    output_format: Format = _FORMAT,
    data_dir: Path = _DATA_DIR,
    database: str = _DATABASE,
) -> None:
    """Follow a session back to the long-term identity that created it.

    Exit status 1 when the trail has no event that issued CREDENTIAL.
    """
    store = _open(data_dir, database)
    try:
        trace = follow(store, credential.strip(), account)
    finally:
        store.close()
    if output_format is Format.JSONL:
        for hop in trace.hops:
            typer.echo(_json(hop.event.record))
    else:
        _print_trace(trace)
    if not trace.hops:
        typer.echo(f"No issuing event found for {credential} in the trail.", err=True)
        raise typer.Exit(1)


# -- helpers ---------------------------------------------------------------------------


def _open(data_dir: Path | None, database: str | None) -> Store:
    settings = Settings.load(data_dir=data_dir, database=database)
    return open_server_store(
        settings.data_dir, settings.database_url, settings.master_key, SystemClock()
    )


def _moment(option: str, text: str | None, now: datetime) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_moment(text, now)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r}: expected ISO 8601 (2026-05-01T12:00:00Z) or relative (30m, 1h, 7d).",
            param_hint=option,
        ) from None


def _scan(store: Store, query: Any) -> Iterator[StoredEvent]:
    """The events of ``query`` with a progress bar on stderr for long scans on a terminal."""
    if not sys.stderr.isatty():
        yield from store.find_events_iter(query)
        return
    total = store.find_event_count(query)
    if total < PROGRESS_THRESHOLD:
        yield from store.find_events_iter(query)
        return
    columns = (TextColumn("scanning"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("scan", total=total)
        for event in store.find_events_iter(query):
            progress.advance(task)
            yield event


def _limited(events: Iterable[StoredEvent], limit: int | None) -> Iterator[StoredEvent]:
    for count, event in enumerate(events, 1):
        yield event
        if limit is not None and count >= limit:
            return


def _json(record: Any) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def _table(*headers: str) -> Table:
    """Columns fold rather than truncate: an ARN or a request id cut short is useless."""
    table = Table()
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def _emit(events: Iterable[StoredEvent], output_format: Format) -> None:
    if output_format is Format.JSONL:
        for event in events:
            typer.echo(_json(event.record))
        return
    table = _table("Time (UTC)", "Call", "Caller", "Account", "Error", "Source IP", "Request ID")
    for event in events:
        record = event.record
        identity = record.get("userIdentity") or {}
        table.add_row(
            escape(str(record.get("eventTime", ""))),
            escape(f"{str(record.get('eventSource', '')).split('.')[0]}:{record.get('eventName')}"),
            escape(str(identity.get("arn") or identity.get("userName") or identity.get("type"))),
            escape(str(event.account_id or "")),
            escape(str(record.get("errorCode") or "")),
            escape(str(record.get("sourceIPAddress") or "")),
            escape(event.request_id),
        )
    console = Console(highlight=False)
    console.print(table)
    console.print(f"{table.row_count} event(s).")


def _print_trace(trace: Trace) -> None:
    console = Console(highlight=False)
    table = _table("Credential", "Issued by", "Time (UTC)", "Caller", "Caller's key", "Request ID")
    for hop in trace.hops:
        record = hop.event.record
        table.add_row(
            escape(hop.credential),
            escape(str(record.get("eventName", ""))),
            escape(str(record.get("eventTime", ""))),
            escape(f"{hop.caller_arn} ({hop.caller_type})"),
            escape(hop.caller_key),
            escape(hop.event.request_id),
        )
    if trace.hops:
        console.print(table)
    if trace.origin is not None:
        console.print(f"Long-term identity: {escape(trace.origin)}")
    elif trace.unresolved is not None and trace.hops:
        console.print(f"The trail ends at {escape(trace.unresolved)}: no event issued it.")
