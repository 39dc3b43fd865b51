"""Notes: warnings about documents AWS accepts but that likely mean something else."""

from __future__ import annotations

from collections.abc import Iterator

from clearance.policy.diagnostics import Severity
from clearance.policy.model import VERSION_2012
from clearance.policy.validation.elements import (
    Json,
    Located,
    Statements,
    condition_values,
    strings,
)
from clearance.policy.validation.order import Phase, Report
from clearance.policy.variables import has_variables

__all__ = ["variables"]


def variables(report: Report, document: dict[str, Json], statements: Statements) -> None:
    """Policy variables are plain text unless the Version is 2012-10-17."""
    version = document.get("Version")
    if version == VERSION_2012 or report.rules.version_required:
        return
    for where, statement in statements:
        for at, text in _variable_slots(where, statement):
            if has_variables(text):
                message = (
                    "Policy variables need Version 2012-10-17; "
                    f"in this policy {text!r} is literal text."
                )
                report.add(Phase.NOTE, message, at, Severity.WARNING, "PolicyVariableIgnored")


def _variable_slots(where: str, statement: dict[str, Json]) -> Iterator[Located]:
    """The strings where a policy variable would be replaced: resources and condition values."""
    for name in ("Resource", "NotResource"):
        yield from strings(where, statement, name)
    for _, at, item in condition_values(where, statement):
        if isinstance(item, str):
            yield at, item
