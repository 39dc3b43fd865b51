"""``clearance simulate``: evaluate cases offline, one or thousands at a time."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from clearance.simulate import MAX_CASE_BYTES, run_case, run_jsonl

__all__ = ["register"]


class Format(StrEnum):
    JSON = "json"
    TEXT = "text"


_STYLE = {"allowed": "bold green", "explicit_deny": "bold red", "implicit_deny": "bold yellow"}


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)


def simulate(
    case: str = typer.Argument(
        None, help="A case file (JSON), or - for standard input. See the README for the format."
    ),
    jsonl: Path = typer.Option(
        None,
        "--jsonl",
        help="Read one case per line from this file (- for stdin); one result per line.",
    ),
    output_format: Format = typer.Option(Format.JSON, "--format", help="json (default) or text."),
    trace: bool = typer.Option(True, "--trace/--no-trace", help="Include the statement trace."),
) -> None:
    """Evaluate a request against policies, as AWS would, and say why.

    Exit status: 0 allowed, 1 denied, 2 malformed case.
    """
    if jsonl is not None:
        _run_lines(jsonl, trace)
        return
    if case is None:
        raise typer.BadParameter("give a case file, - for stdin, or --jsonl FILE")
    text = _read(case)
    try:
        decoded = json.loads(text)
    except ValueError as error:
        _fail(f"not JSON: {error}")
    if not isinstance(decoded, dict):
        _fail("a case must be a JSON object")
    result = run_case(decoded)
    if not trace:
        result.pop("trace", None)
    if output_format is Format.TEXT:
        _print_text(result)
    else:
        typer.echo(json.dumps(result, indent=2))
    if "error" in result:
        raise typer.Exit(2)
    raise typer.Exit(0 if result["decision"] == "allowed" else 1)


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read(MAX_CASE_BYTES + 1)
    path = Path(name)
    if not path.is_file():
        _fail(f"no such case file: {name}")
    if path.stat().st_size > MAX_CASE_BYTES:
        _fail("case exceeds 1 MiB")
    return path.read_text(encoding="utf-8")


def _run_lines(source: Path, trace: bool) -> None:
    handle: TextIO = sys.stdin if str(source) == "-" else source.open(encoding="utf-8")
    with handle:
        for result in run_jsonl(iter(handle)):
            if not trace:
                result.pop("trace", None)
            sys.stdout.write(json.dumps(result, separators=(",", ":")) + "\n")


def _fail(message: str) -> None:
    typer.echo(json.dumps({"error": {"code": "InvalidInput", "message": message}}))
    raise typer.Exit(2)


def _print_text(result: dict[str, Any]) -> None:
    console = Console()
    say = partial(console.print, highlight=False)
    if "error" in result:
        say(f"[bold red]{result['error']['code']}[/]: {escape(result['error']['message'])}")
        return
    decision = result["decision"]
    say(f"[{_STYLE[decision]}]{decision.replace('_', ' ').upper()}[/]")
    if result["message"]:
        say(escape(result["message"]))
    fix = result["fix"]
    say(f"\n[bold]Why:[/] {escape(fix['summary'])}")
    if fix.get("who_can_change"):
        say(f"[bold]Who can change it:[/] {escape(fix['who_can_change'])}")
    if fix.get("fix"):
        say(f"[bold]Smallest fix:[/] {escape(fix['fix'])}")
    for condition in fix.get("failed_conditions", []):
        actual = condition["request_value"]
        say(
            escape(
                f"  failed condition: {condition['operator']} {condition['key']} "
                f"{condition['policy_values']}, request has: "
                f"{'absent' if actual is None else actual}"
            )
        )
    if result.get("trace"):
        say(_trace_table(result["trace"]))


def _trace_table(trace: list[dict[str, Any]]) -> Table:
    table = Table(title="Statements considered (action / resource / principal / conditions)")
    for column in ("statement", "effect", "A R P C", "applies"):
        table.add_column(column)
    mark = {True: "✓", False: "✗", None: "-"}
    for row in trace:
        sid = f" {row['sid']}" if row["sid"] else ""
        conditions = "".join(mark[c["result"]] for c in row["conditions"]) or "-"
        table.add_row(
            escape(f"{row['policy_type']} {row['policy']} #{row['statement']}{sid}"),
            row["effect"],
            " ".join(
                (
                    mark[row["action_matched"]],
                    mark[row["resource_matched"]],
                    mark[row["principal_matched"]],
                    conditions,
                )
            ),
            "[bold]yes[/]" if row["applies"] else "no",
        )
    return table
