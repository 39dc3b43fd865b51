"""``clearance lint``: check a policy document the way IAM Access Analyzer would."""

from __future__ import annotations

import json
import sys
from collections import Counter
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding

from clearance.lint import Finding, blocking, lint_policy
from clearance.policy import PolicyKind, Severity

__all__ = ["register"]

MAX_POLICY_BYTES = 1 << 20


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


_STYLE = {
    Severity.ERROR: "bold red",
    Severity.SECURITY_WARNING: "bold magenta",
    Severity.WARNING: "yellow",
    Severity.SUGGESTION: "cyan",
}
_PLURAL = {
    Severity.ERROR: "error",
    Severity.SECURITY_WARNING: "security warning",
    Severity.WARNING: "warning",
    Severity.SUGGESTION: "suggestion",
}


def register(app: typer.Typer) -> None:
    app.command("lint")(lint)


def lint(
    policy: str = typer.Argument(..., help="A policy document (JSON), or - for standard input."),
    kind: PolicyKind = typer.Option(
        PolicyKind.IDENTITY, "--kind", help="Where the policy is attached.", case_sensitive=False
    ),
    output_format: Format = typer.Option(Format.TEXT, "--format", help="text (default) or json."),
) -> None:
    """Check a policy for errors, security risks and mistakes, like Access Analyzer.

    Uses the catalog of every AWS action, resource type and condition key.

    Exit status: 0 without ERROR or SECURITY_WARNING findings, 1 with, 2 if unreadable.
    """
    findings = lint_policy(_read(policy), kind)
    if output_format is Format.JSON:
        typer.echo(json.dumps([finding.to_json() for finding in findings], indent=2))
    else:
        _print_text(policy, findings)
    raise typer.Exit(1 if blocking(findings) else 0)


def _read(name: str) -> bytes:
    if name == "-":
        data = sys.stdin.buffer.read(MAX_POLICY_BYTES + 1)
    else:
        path = Path(name)
        if not path.is_file():
            _fail(f"no such policy file: {name}")
        data = path.read_bytes()
    if len(data) > MAX_POLICY_BYTES:
        _fail("policy exceeds 1 MiB")
    return data


def _fail(message: str) -> None:
    typer.echo(f"clearance lint: {message}", err=True)
    raise typer.Exit(2)


def _print_text(name: str, findings: list[Finding]) -> None:
    console = Console(highlight=False)
    for finding in findings:
        style = _STYLE[finding.severity]
        where = escape(finding.pointer or "/")
        console.print(
            f"[{style}]{finding.severity.value}[/] [bold]{finding.code}[/] [dim]at[/] {where}"
        )
        console.print(Padding(escape(finding.message), (0, 0, 0, 2)))
        if finding.learn_more:
            console.print(f"  [dim]{escape(finding.learn_more)}[/]", soft_wrap=True)
    counts = Counter(finding.severity for finding in findings)
    if not findings:
        console.print(f"[bold green]{escape(name)}: no findings[/]")
        return
    summary = ", ".join(
        f"[{_STYLE[severity]}]{counts[severity]} {_PLURAL[severity]}"
        f"{'s' if counts[severity] != 1 else ''}[/]"
        for severity in Severity
        if counts[severity]
    )
    console.print(f"{escape(name)}: {summary}")
