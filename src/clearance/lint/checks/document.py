"""Checks of the document as a whole: Version, Sids, repeated statements."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clearance.lint.context import PolicyCheck, PolicyContext, StatementCheck
from clearance.lint.finding import Finding, rule
from clearance.policy import PrincipalBlock, Severity, Statement

__all__ = ["POLICY_CHECKS", "STATEMENT_CHECKS"]

MISSING_VERSION = rule("MISSING_VERSION", Severity.WARNING, "Missing version")
UNIQUE_SIDS_RECOMMENDED = rule(
    "UNIQUE_SIDS_RECOMMENDED", Severity.WARNING, "Unique Sids recommended"
)
EMPTY_SID_VALUE = rule("EMPTY_SID_VALUE", Severity.SUGGESTION, "Empty Sid value")
REDUNDANT_STATEMENT = rule("REDUNDANT_STATEMENT", Severity.SUGGESTION, "Redundant statement")


def missing_version(context: PolicyContext) -> Iterable[Finding]:
    if context.policy.version is None:
        yield MISSING_VERSION.at(
            "",
            'Add "Version": "2012-10-17": without it the policy is read with the 2008 '
            "grammar and policy variables such as ${aws:username} are plain text.",
        )


def sids(context: PolicyContext) -> Iterable[Finding]:
    seen: dict[str, int] = {}
    for view in context:
        sid = view.statement.sid
        if sid is None:
            continue
        if sid == "":
            yield EMPTY_SID_VALUE.at(
                view.at("Sid"), "The Sid is empty: give it a value or remove it."
            )
        elif sid in seen:
            yield UNIQUE_SIDS_RECOMMENDED.at(
                view.at("Sid"),
                f"Sid {sid!r} is also the Sid of statement {seen[sid]}; use unique statement IDs.",
            )
        else:
            seen[sid] = view.index


def redundant_statements(context: PolicyContext) -> Iterable[Finding]:
    seen: dict[Any, int] = {}
    for view in context:
        meaning = _meaning(view.statement)
        if meaning in seen:
            yield REDUNDANT_STATEMENT.at(
                view.pointer,
                f"This statement grants exactly what statement {seen[meaning]} does; remove one "
                "of them so that a later edit cannot change only one copy.",
            )
        else:
            seen[meaning] = view.index


def _meaning(statement: Statement) -> Any:
    """What a statement says, without its Sid and without order or case where AWS ignores it."""

    def folded(values: tuple[str, ...] | None) -> frozenset[str] | None:
        return None if values is None else frozenset(value.lower() for value in values)

    def exact(values: tuple[str, ...] | None) -> frozenset[str] | None:
        return None if values is None else frozenset(values)

    def principal(block: PrincipalBlock | None) -> Any:
        if block is None:
            return None
        return block.wildcard, frozenset((kind, frozenset(vals)) for kind, vals in block.entries)

    return (
        statement.effect,
        principal(statement.principal),
        principal(statement.not_principal),
        folded(statement.action),
        folded(statement.not_action),
        exact(statement.resource),
        exact(statement.not_resource),
        frozenset(
            (condition.operator, condition.key.lower(), frozenset(condition.values))
            for condition in statement.conditions
        ),
    )


POLICY_CHECKS: tuple[PolicyCheck, ...] = (missing_version, sids, redundant_statements)
STATEMENT_CHECKS: tuple[StatementCheck, ...] = ()
