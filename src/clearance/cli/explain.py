"""``clearance explain``: why a request was (or would be) allowed or denied.

Three sources: ``--request-id`` (a recorded call), ``--principal/--action/
--resource`` (the live store, now) and a case file (offline). ``--format json``
prints the report's stable keys (README); text is coloured when stdout is a
terminal. Exit status: 0 allowed, 1 denied or not authenticated, 2 error.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from clearance.clock import SystemClock
from clearance.errors import ClearanceError
from clearance.services.bootstrap import open_server_store
from clearance.services.explain import (
    explain_case,
    explain_principal,
    explain_request_id,
    parse_context,
)
from clearance.settings import Settings
from clearance.simulate import MAX_CASE_BYTES
from clearance.store import Store, generate_master_key, open_store

__all__ = ["register", "render_text"]


class Format(StrEnum):
    JSON = "json"
    TEXT = "text"


_STYLE = {
    "allowed": "bold green",
    "explicit_deny": "bold red",
    "implicit_deny": "bold yellow",
    "authentication_failed": "bold red",
}
_SAID_STYLE = {"deny": "red", "no allow": "yellow", "allow": "green"}


def register(app: typer.Typer) -> None:
    app.command("explain")(explain)


def explain(
    case: str = typer.Argument(None, help="An offline case file (clearance simulate's format)."),
    request_id: str = typer.Option(None, "--request-id", help="A recorded request's id."),
    principal: str = typer.Option(None, "--principal", help="User, role, session or root ARN."),
    action: str = typer.Option(None, "--action", help="The action, e.g. iam:ListUsers."),
    resource: str = typer.Option("*", "--resource", help="The resource ARN."),
    context: list[str] = typer.Option(
        None, "--context", help="KEY=VALUE; repeat a key for a multi-valued key."
    ),
    data_dir: Path = typer.Option(None, help="Data directory (default ./clearance-data)."),
    database: str = typer.Option(None, help="Database URL (default SQLite in the data dir)."),
    output_format: Format = typer.Option(Format.TEXT, "--format", help="text (default) or json."),
) -> None:
    """Explain a decision: each layer, the deciding statements, failed conditions,
    the smallest fix and who can make it.

    Reads the same store as `clearance serve` (safe while the server runs).
    """
    modes = sum(x is not None for x in (case, request_id, principal))
    if modes != 1:
        _fail("give exactly one of: a case file, --request-id ID, --principal ARN")
    try:
        if case is not None:
            report = explain_case(_read_case(case))
        elif principal is not None and not action:
            _fail("--principal needs --action (and usually --resource)")
        else:
            report = _from_store(
                data_dir, database, request_id, principal, action, resource, context or []
            )
    except ClearanceError as error:
        _fail(error.message, error.code)
    if output_format is Format.JSON:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        render_text(report, Console())
    raise typer.Exit(0 if report.get("decision") == "allowed" else 1)


def _from_store(
    data_dir: Path | None,
    database: str | None,
    request_id: str | None,
    principal: str | None,
    action: str,
    resource: str,
    context: list[str],
) -> dict[str, Any]:
    store = _open(data_dir, database)
    try:
        if request_id is not None:
            return explain_request_id(store, request_id)
        assert principal is not None
        return explain_principal(
            store, SystemClock(), principal, action, resource, parse_context(context)
        )
    finally:
        store.close()


def _open(data_dir: Path | None, database: str | None) -> Store:
    settings = Settings.load(data_dir=data_dir, database=database)
    if not database and settings.database_url.startswith("sqlite:///"):
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        if not path.is_file():
            _fail(f"no Clearance store at {path} (pass --data-dir or --database)")
    if settings.master_key or (settings.data_dir / "master.key").exists():
        return open_server_store(
            settings.data_dir, settings.database_url, settings.master_key, SystemClock()
        )
    # Explaining decrypts nothing: without the server's key, open the database
    # as it is rather than create a data directory and a key as a side effect.
    return open_store(settings.database_url, generate_master_key(), SystemClock(), migrate=False)


def _read_case(name: str) -> dict[str, Any]:
    path = Path(name)
    if not path.is_file():
        _fail(f"no such case file: {name}")
    if path.stat().st_size > MAX_CASE_BYTES:
        _fail("case exceeds 1 MiB")
    try:
        decoded = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        _fail(f"not JSON: {error}")
    if not isinstance(decoded, dict):
        _fail("a case must be a JSON object")
    case: dict[str, Any] = decoded
    return case


def _fail(message: str, code: str = "InvalidInput") -> None:
    typer.echo(json.dumps({"error": {"code": code, "message": message}}), err=True)
    raise typer.Exit(2)


# -- text ----------------------------------------------------------------------------------


def render_text(report: dict[str, Any], console: Console) -> None:
    """The report for people: decision, case, request, layers, statements, fix."""

    def say(text: str = "") -> None:
        console.print(text, highlight=False, soft_wrap=True)

    decision = str(report.get("decision"))
    say(f"[{_STYLE.get(decision, 'bold')}]{escape(decision.replace('_', ' ').upper())}[/]")
    if report.get("message"):
        say(escape(str(report["message"])))
    diagnosis = report.get("diagnosis")
    if diagnosis:
        say(f"[bold]Case:[/] {escape(diagnosis['title'])} [dim]({diagnosis['case']})[/]")
    event = report.get("event")
    if event:
        say(
            escape(
                f"Event: {event.get('event_source')} {event.get('event_name')} at "
                f"{event.get('event_time')} by {event.get('caller')} "
                f"(request {event.get('request_id')})"
            )
        )
    _request(report.get("request"), say)
    _authentication(report.get("authentication"), say)
    _layers(report.get("layers") or [], say)
    _statements(report.get("statements") or [], say)
    _conditions(report.get("failed_conditions") or [], say)
    explanation = report.get("explanation") or {}
    say(f"\n[bold]Why:[/] {escape(str(explanation.get('summary')))}")
    if explanation.get("fix"):
        say(f"[bold]Smallest fix:[/] {escape(explanation['fix'])}")
    if explanation.get("layer"):
        say(f"[bold]Layer to change:[/] {escape(explanation['layer'])}")
    if explanation.get("who_can_change"):
        say(f"[bold]Who can change it:[/] {escape(explanation['who_can_change'])}")
    if diagnosis and diagnosis.get("advice") != explanation.get("fix"):
        say(f"[bold]Advice:[/] {escape(diagnosis['advice'])}")


def _request(request: Any, say: Any) -> None:
    if not isinstance(request, dict):
        return
    say("\n[bold]Request[/]")
    for key in ("principal", "action", "resource"):
        if request.get(key):
            say(f"  {key:<10} {escape(str(request[key]))}")
    context = request.get("context") or {}
    for key, value in context.items():
        say(f"  [dim]{escape(key)} = {escape(json.dumps(value))}[/]")


def _authentication(details: Any, say: Any) -> None:
    if not isinstance(details, dict):
        return
    say("\n[bold]Authentication[/]")
    for key in ("error", "access_key_id", "caller", "session_kind", "rule"):
        if details.get(key) is not None:
            say(f"  {key:<14} {escape(str(details[key]))}")
    for key, title in (
        ("canonical_request", "Canonical request the server computed"),
        ("string_to_sign", "String to sign the server computed"),
    ):
        if details.get(key):
            say(f"  [bold]{title}:[/]")
            for line in str(details[key]).split("\n"):
                say(f"    [cyan]{escape(line)}[/]")


def _layers(layers: list[dict[str, Any]], say: Any) -> None:
    if not layers:
        return
    say("\n[bold]Layers[/]")
    for layer in layers:
        said = str(layer.get("said"))
        style = _SAID_STYLE.get(said, "dim")
        mark = "  [bold]<- decided[/]" if layer.get("decided") else ""
        policies = ", ".join(layer.get("policies") or [])
        detail = f" [dim]({escape(policies)})[/]" if policies else ""
        say(f"  {escape(layer['policy_type']):<28} [{style}]{escape(said)}[/]{mark}{detail}")


def _statements(statements: list[dict[str, Any]], say: Any) -> None:
    if not statements:
        return
    say("\n[bold]Statements[/]")
    for s in statements:
        sid = f" (Sid {s['sid']})" if s.get("sid") else ""
        role = "deciding" if s.get("role") == "deciding" else "closest match"
        head = f"{role}: {s.get('policy_type')} {s.get('policy')} #{s.get('statement')}{sid}"
        say(f"  [bold]{escape(head)}[/] {escape(str(s.get('effect', '')))}")
        for line in str(s.get("source") or "").split("\n"):
            if line:
                say(f"    [cyan]{escape(line)}[/]")


def _conditions(conditions: list[dict[str, Any]], say: Any) -> None:
    if not conditions:
        return
    say("\n[bold]Failed conditions[/]")
    for c in conditions:
        actual = "absent" if c.get("absent") else json.dumps(c.get("request_value"))
        say(
            f"  [red]{escape(c['operator'])} {escape(c['key'])}[/]: policy wants "
            f"{escape(json.dumps(c['policy_values']))}, the request has {escape(actual)}"
        )
