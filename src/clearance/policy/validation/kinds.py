"""Phase 8, the rules of the kind: required and prohibited elements, principals,
trust-policy actions and RCP restrictions (the table is :mod:`.rules`).

AWS Organizations answers every SCP/RCP problem with one message, "The provided
policy document does not meet the requirements of the specified policy type.";
the SCP/RCP rules here say which requirement instead.
"""

from __future__ import annotations

from clearance.policy.validation.elements import Json, Statements, pointer, present, strings
from clearance.policy.validation.messages import (
    MISSING_PRINCIPAL,
    NO_RESOURCES,
    PRINCIPAL_NOT_ALLOWED,
    TRUST_ACTIONS,
)
from clearance.policy.validation.order import Phase, Report

__all__ = ["kind_rules"]


def kind_rules(report: Report, statements: Statements) -> None:
    """Resources first, then each statement's rules of the kind, statement by statement."""
    rules = report.rules
    if rules.resource == "required":
        for where, statement in statements:
            if not present(statement, "Resource", "NotResource"):
                report.add(Phase.RESOURCES, NO_RESOURCES, where)
    for where, statement in statements:
        _principal_rule(report, where, statement)
        if rules.resource == "forbidden":
            for name in ("Resource", "NotResource"):
                if name in statement:
                    report.add(Phase.KIND, f"Has prohibited field {name}", pointer(where, name))
        if not rules.not_action and "NotAction" in statement:
            message = f"NotAction is not supported in a {rules.title}."
            report.add(Phase.KIND, message, pointer(where, "NotAction"))
            if "Action" not in statement:
                report.add(Phase.KIND, f"A {rules.title} statement must use Action.", where)
        if rules.sts_actions_only:
            _trust_actions(report, where, statement)
        if rules.rcp:
            _rcp_rules(report, where, statement)


def _principal_rule(report: Report, where: str, statement: dict[str, Json]) -> None:
    rules = report.rules
    if rules.principal == "forbidden":
        for name in ("Principal", "NotPrincipal"):
            if name in statement:
                message = (
                    PRINCIPAL_NOT_ALLOWED
                    if rules.iam
                    else f"{name} is not supported in a {rules.title}."
                )
                report.add(Phase.KIND, message, pointer(where, name))
        return
    if rules.principal in ("required", "wildcard"):
        needed = ("Principal",) if not rules.not_principal else ("Principal", "NotPrincipal")
        if not any(name in statement for name in needed):
            report.add(Phase.KIND, MISSING_PRINCIPAL, where)
    if not rules.not_principal and "NotPrincipal" in statement:
        message = f"NotPrincipal is not supported in a {rules.title}."
        report.add(Phase.KIND, message, pointer(where, "NotPrincipal"))
    if rules.principal == "wildcard" and isinstance(statement.get("Principal"), dict):
        message = f'Principal must be "*" in a {rules.title}.'
        report.add(Phase.KIND, message, pointer(where, "Principal"))


def _trust_actions(report: Report, where: str, statement: dict[str, Json]) -> None:
    for name in ("Action", "NotAction"):
        for at, text in strings(where, statement, name):
            if text.split(":", 1)[0].lower() != "sts" or ":" not in text:
                report.add(Phase.KIND, TRUST_ACTIONS, at)


def _rcp_rules(report: Report, where: str, statement: dict[str, Json]) -> None:
    title = report.rules.title
    effect = statement.get("Effect")
    if effect == "Allow" and not _full_access(statement):
        message = (
            f"A {title} may Allow only as RCPFullAWSAccess does: "
            'Principal, Action and Resource all "*", without a Condition.'
        )
        report.add(Phase.KIND, message, pointer(where, "Effect"))
    if effect == "Deny":
        for at, text in strings(where, statement, "Action"):
            if text == "*":
                message = f'A {title} cannot deny every action with "*"; name the service.'
                report.add(Phase.KIND, message, at)


def _full_access(statement: dict[str, Json]) -> bool:
    """The RCPFullAWSAccess statement: Allow ``*`` to ``*`` on ``*``, nothing else."""

    def star(value: Json) -> bool:
        return bool(value == "*" or value == ["*"])

    extra = {"Condition", "NotAction", "NotResource", "NotPrincipal"} & statement.keys()
    return (
        not extra
        and statement.get("Principal") == "*"
        and star(statement.get("Action"))
        and star(statement.get("Resource"))
    )
