"""Condition blocks: their shape, operator names, and the values of date operators.

AWS accepts JSON numbers and booleans as condition values, an empty condition
block under any name (``{"x": {}}``), and condition keys without a vendor (``"a"``).
"""

from __future__ import annotations

from clearance.policy.conditions import parse_operator
from clearance.policy.validation.dates import legacy_date
from clearance.policy.validation.elements import (
    Json,
    Statements,
    condition_values,
    items,
    pointer,
)
from clearance.policy.validation.messages import LEGACY_PARSING, SYNTAX_ERROR
from clearance.policy.validation.order import Phase, Report

__all__ = ["condition_syntax", "dates"]


def condition_syntax(report: Report, where: str, statement: dict[str, Json]) -> None:
    """Phase 1: objects of objects of scalar values, under operators that exist."""
    if "Condition" not in statement:
        return
    block, at = statement["Condition"], pointer(where, "Condition")
    if not isinstance(block, dict):
        report.add(Phase.SYNTAX, SYNTAX_ERROR, at)
        return
    for operator, keys in block.items():
        operator_at = pointer(at, operator)
        if not isinstance(keys, dict):
            report.add(Phase.SYNTAX, SYNTAX_ERROR, operator_at)
            continue
        for key, value in keys.items():
            for item_at, item in items(pointer(operator_at, key), value):
                if item is None or isinstance(item, dict | list):
                    report.add(Phase.SYNTAX, SYNTAX_ERROR, item_at)
        # IAM ignores an empty block, whatever its operator (moto's valid cases).
        if keys and parse_operator(operator) is None:
            message = SYNTAX_ERROR if report.rules.iam else f"Invalid Condition type : {operator}"
            report.add(Phase.SYNTAX, message, operator_at)


def dates(report: Report, statements: Statements) -> None:
    """Phase 3: the values of date operators as IAM's legacy parser reads them."""
    for where, statement in statements:
        for operator, at, item in condition_values(where, statement):
            parsed = parse_operator(operator)
            if parsed is None or not parsed.base.name.startswith("Date"):
                continue
            text = _scalar_text(item)
            if text is not None and not legacy_date(text):
                report.add(Phase.LEGACY, LEGACY_PARSING, at)


def _scalar_text(value: Json) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None
