"""``clearance audit verify``: is the audit trail intact?

Checks the store's hash chain of event batches (every batch's hash recomputed
from its stored records, its MAC under the master key, the link to the batch
before) and the signed digests of the JSON-lines files (every digest's Ed25519
signature and chain, every log file's SHA-256). Exit code 0: intact; 1:
tampering found (the message names the first broken batch or file); 2: the
trail could not be read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from clearance.audit.signing import PUBLIC_KEY_FILE, load_verifier
from clearance.audit.verify import FilesReport, verify_files
from clearance.clock import SystemClock
from clearance.settings import Settings
from clearance.store import load_or_create_master_key, open_store
from clearance.store.crypto import MASTER_KEY_FILE
from clearance.store.event_chain import ChainReport

__all__ = ["register", "verify"]

INTACT, TAMPERED, UNREADABLE = 0, 1, 2


def register(audit_app: typer.Typer) -> None:
    """Add ``verify`` to the ``clearance audit`` group."""
    audit_app.command("verify")(verify)


def verify(
    data_dir: Path = typer.Option(
        None, "--data-dir", help="Data directory (default ./clearance-data)."
    ),
    database: str = typer.Option(
        None, "--database", help="Database URL (default SQLite in the data directory)."
    ),
    files: Path = typer.Option(
        None,
        "--files",
        help="Directory of audit log files (default <data dir>/audit when it holds digests). "
        "Given alone, only the files are checked.",
    ),
    public_key: Path = typer.Option(
        None,
        "--public-key",
        help=f"Public key of the digests (default <data dir>/{PUBLIC_KEY_FILE}); "
        "pin a copy kept elsewhere for the strongest check.",
    ),
    output: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Verify the audit trail: the store's hash chain and the signed log files."""
    if output not in ("text", "json"):
        raise typer.BadParameter("--format must be text or json")
    try:
        settings = Settings.load(data_dir=data_dir, database=database)
    except ValueError as error:
        _fail(str(error))
    check_store = files is None or data_dir is not None or database is not None
    directory = files
    default_dir = settings.audit_options.directory or settings.data_dir / "audit"
    if directory is None and (default_dir / "digests").is_dir():
        directory = default_dir
    store_report = _verify_store(settings) if check_store else None
    files_report = None
    if directory is not None:
        key = public_key or settings.data_dir / PUBLIC_KEY_FILE
        if not key.is_file():
            _fail(f"no public key at {key} to check the digests with (--public-key)")
        files_report = verify_files(directory, load_verifier(key))
    ok = (store_report is None or store_report[1].ok) and (files_report is None or files_report.ok)
    if output == "json":
        typer.echo(json.dumps(_json(ok, store_report, files_report), indent=2))
    else:
        _text(ok, store_report, files_report)
    raise typer.Exit(INTACT if ok else TAMPERED)


def _fail(message: str) -> Any:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(UNREADABLE)


def _verify_store(settings: Settings) -> tuple[str, ChainReport]:
    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        _fail(f"no database at {url}")
    if not settings.master_key and not (settings.data_dir / MASTER_KEY_FILE).is_file():
        _fail(
            f"no master key: neither CLEARANCE_MASTER_KEY nor {settings.data_dir / MASTER_KEY_FILE}"
        )
    try:
        key = load_or_create_master_key(settings.data_dir, settings.master_key)
        store = open_store(url, key, SystemClock())
    except Exception as error:  # unreadable, not tampered: exit 2
        _fail(f"cannot open the store: {error}")
    try:
        name = store.engine.url.render_as_string(hide_password=True)
        return name, store.verify_event_chain()
    finally:
        store.close()


def _store_summary(report: ChainReport) -> str:
    text = f"{report.batches} batches"
    if report.first_seq is not None:
        text += f" ({report.first_seq}..{report.last_seq})"
    text += f", {report.events} events"
    if report.pruned:
        text += f"; verified from batch {report.first_seq} on (older batches were pruned)"
    if report.unchained:
        text += f"; {report.unchained} events from before the chain existed are not covered"
    return text


def _text(ok: bool, store: tuple[str, ChainReport] | None, files: FilesReport | None) -> None:
    first: str | None = None
    if store is not None:
        name, report = store
        state = "intact" if report.ok else "TAMPERED"
        typer.echo(f"store {name}: {state}: {_store_summary(report)}")
        for problem in report.problems:
            typer.echo(f"  {problem.kind}: {problem.subject}: {problem.message}")
        if report.problems:
            first = f"{report.problems[0].subject} of the store"
    if files is not None:
        state = "intact" if files.ok else "TAMPERED"
        typer.echo(
            f"files {files.directory}: {state}: {files.digests} digests, "
            f"{files.log_files} log files, {files.events} events"
        )
        for found in files.problems:
            typer.echo(f"  {found.kind}: {found.subject}: {found.message}")
        for note in files.notes:
            typer.echo(f"  note: {note}")
        if files.problems and first is None:
            first = files.problems[0].subject
    if ok:
        typer.echo("audit trail intact")
    else:
        typer.echo(f"audit trail TAMPERED: first broken: {first}")


def _json(
    ok: bool, store: tuple[str, ChainReport] | None, files: FilesReport | None
) -> dict[str, Any]:
    result: dict[str, Any] = {"ok": ok}
    if store is not None:
        name, report = store
        result["store"] = {
            "database": name,
            "ok": report.ok,
            "batches": report.batches,
            "events": report.events,
            "firstBatch": report.first_seq,
            "lastBatch": report.last_seq,
            "pruned": report.pruned,
            "unchainedEvents": report.unchained,
            "problems": [
                {"kind": p.kind, "subject": p.subject, "message": p.message}
                for p in report.problems
            ],
        }
    if files is not None:
        result["files"] = files.to_json()
    return result
