"""The shape of a statement: its elements and their types, Effect, and Sids."""

from __future__ import annotations

import re

from clearance.policy.validation.conditions import condition_syntax
from clearance.policy.validation.elements import Json, Statements, pointer
from clearance.policy.validation.messages import (
    LEGACY_PARSING,
    SID_CHARACTERS,
    SID_UNIQUE,
    SYNTAX_ERROR,
)
from clearance.policy.validation.order import Phase, Report
from clearance.policy.validation.principals import principal_syntax

__all__ = ["effect_case", "sids", "statement_syntax"]

STATEMENT_ELEMENTS = frozenset(
    {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction"}
    | {"Resource", "NotResource", "Condition"}
)
EXCLUSIVE = (("Principal", "NotPrincipal"), ("Action", "NotAction"), ("Resource", "NotResource"))

_SID = re.compile(r"[0-9A-Za-z]*")


def statement_syntax(report: Report, where: str, statement: dict[str, Json]) -> None:
    """Phase 1: known elements, one of each exclusive pair, Effect, and element types."""
    for key in statement:
        if key not in STATEMENT_ELEMENTS:
            report.add(Phase.SYNTAX, SYNTAX_ERROR, pointer(where, key))
    for first, second in EXCLUSIVE:
        if first in statement and second in statement:
            report.add(Phase.SYNTAX, SYNTAX_ERROR, where)
    effect = statement.get("Effect")
    if "Effect" not in statement:
        report.add(Phase.SYNTAX, SYNTAX_ERROR, where)
    elif not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        report.add(Phase.SYNTAX, SYNTAX_ERROR, pointer(where, "Effect"))
    if "Sid" in statement and not isinstance(statement["Sid"], str):
        report.add(Phase.SYNTAX, SYNTAX_ERROR, pointer(where, "Sid"))
    for name in ("Action", "NotAction", "Resource", "NotResource"):
        _string_list_syntax(report, where, statement, name)
    for name in ("Principal", "NotPrincipal"):
        principal_syntax(report, where, statement, name)
    condition_syntax(report, where, statement)


def _string_list_syntax(report: Report, where: str, statement: dict[str, Json], name: str) -> None:
    if name not in statement:
        return
    value = statement[name]
    if isinstance(value, str):
        return
    if not isinstance(value, list):
        report.add(Phase.SYNTAX, SYNTAX_ERROR, pointer(where, name))
        return
    # AWS takes a null among resources (moto's valid_policy_documents keep one).
    nullable = name in ("Resource", "NotResource")
    for index, item in enumerate(value):
        if not isinstance(item, str) and not (nullable and item is None):
            report.add(Phase.SYNTAX, SYNTAX_ERROR, pointer(where, name, index))


def effect_case(report: Report, statements: Statements) -> None:
    """Phase 3: IAM's legacy parser takes ``Allow`` and ``Deny`` in exactly that case."""
    for where, statement in statements:
        effect = statement.get("Effect")
        if not isinstance(effect, str) or effect in ("Allow", "Deny"):
            continue
        if effect.lower() in ("allow", "deny"):
            report.add(Phase.LEGACY, LEGACY_PARSING, pointer(where, "Effect"))


def sids(report: Report, statements: Statements) -> None:
    """Phase 4: Sid characters, then uniqueness, as the kind asks."""
    rules = report.rules
    seen: set[str] = set()
    for where, statement in statements:
        sid = statement.get("Sid")
        if not isinstance(sid, str):
            continue
        if rules.sid_characters and _SID.fullmatch(sid) is None:
            report.add(Phase.SID, SID_CHARACTERS, pointer(where, "Sid"))
        if rules.sid_unique and sid:
            if sid in seen:
                report.add(Phase.SID, SID_UNIQUE, pointer(where, "Sid"))
            seen.add(sid)
