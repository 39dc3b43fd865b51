"""Checks that a condition key can be present in the requests a statement is about.

A key that the statement's actions never carry is absent from every request
the statement matches: a positive condition on it never holds (an Allow that
grants nothing), and a Deny conditioned on it never applies (a guard that does
not guard). The catalog says which keys each action and resource type carry.
"""

from __future__ import annotations

from collections.abc import Iterable

from clearance.lint.checks.conditions import (
    ParsedCondition,
    key_is_open,
    operator_type,
    parsed_conditions,
)
from clearance.lint.context import PolicyCheck, PolicyContext, StatementCheck, StatementView
from clearance.lint.finding import Finding, rule
from clearance.lint.global_keys import SESSION_KEYS
from clearance.policy import Severity
from clearance.policy.conditions import SetQualifier
from clearance.wildcard import has_wildcard

__all__ = ["POLICY_CHECKS", "STATEMENT_CHECKS"]

_SAR = (
    "https://docs.aws.amazon.com/service-authorization/latest/reference/"
    "reference_policies_actions-resources-contextkeys.html"
)
ALLOW_WITH_UNSUPPORTED_TAG = rule(
    "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
    Severity.WARNING,
    "Allow with unsupported tag condition key for service",
)
ALLOW_NOT_ACTION_WITH_UNSUPPORTED_TAG = rule(
    "ALLOW_NOT_ACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
    Severity.WARNING,
    "Allow NotAction with unsupported tag condition key for service",
)
DENY_WITH_UNSUPPORTED_TAG = rule(
    "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
    Severity.SECURITY_WARNING,
    "Deny with unsupported tag condition key for service",
)
DENY_NOT_ACTION_WITH_UNSUPPORTED_TAG = rule(
    "DENY_NOT_ACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
    Severity.SECURITY_WARNING,
    "Deny NotAction with unsupported tag condition key for service",
)
CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS = rule(
    "CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS",
    Severity.WARNING,
    "Condition key not supported by the actions",
    _SAR,
)

TAG_KEYS = frozenset({"aws:resourcetag/*", "aws:requesttag/*", "aws:tagkeys"})
_SESSION_KEYS = frozenset(key.lower() for key in SESSION_KEYS)


def tag_keys(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    statement = view.statement
    for parsed in parsed_conditions(view, context):
        info = parsed.key
        if (
            info is None
            or info.template not in TAG_KEYS
            or operator_type(parsed.operator) == "Null"
        ):
            continue
        pointer = view.condition_at(parsed.condition)
        key = parsed.condition.key
        if statement.not_action is not None:
            found = (
                ALLOW_NOT_ACTION_WITH_UNSUPPORTED_TAG
                if view.allows
                else DENY_NOT_ACTION_WITH_UNSUPPORTED_TAG
            )
            yield found.at(pointer, _message(view, key, "the services NotAction leaves in"))
            continue
        unsupported = _unsupported_services(view, context, key)
        if unsupported:
            found = ALLOW_WITH_UNSUPPORTED_TAG if view.allows else DENY_WITH_UNSUPPORTED_TAG
            yield found.at(pointer, _message(view, key, ", ".join(unsupported)))


def _unsupported_services(view: StatementView, context: PolicyContext, key: str) -> list[str]:
    entries = view.statement.action or ()
    if any(has_wildcard(entry.partition(":")[0]) for entry in entries):
        return [
            "services matched by "
            + ", ".join(e for e in entries if has_wildcard(e.partition(":")[0]))
        ]
    services = sorted({info.service for entry in entries for info in view.expand(entry)})
    return [name for name in services if not context.catalog.service_supports_key(name, key)]


def _message(view: StatementView, key: str, services: str) -> str:
    if view.allows:
        return (
            f"{key} is not in the requests of {services}, so this Allow never applies to them. "
            "Remove those actions or grant them in a statement without the tag condition."
        )
    return (
        f"{key} is not in the requests of {services}, so this Deny never applies to them and "
        "does not protect them. Deny those actions in a statement without the tag condition."
    )


def service_keys(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    actions = view.concrete_actions()
    if not actions:
        return
    for parsed in parsed_conditions(view, context):
        info = parsed.key
        if info is None or operator_type(parsed.operator) == "Null":
            continue
        name = info.template
        if name.startswith("aws:") or name in _SESSION_KEYS or key_is_open(name):
            continue
        if not any(name in action.condition_keys for action in actions):
            shown = ", ".join(action.full_name for action in actions[:3])
            more = " ..." if len(actions) > 3 else ""
            yield CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS.at(
                view.condition_at(parsed.condition),
                f"None of the statement's actions ({shown}{more}) carries {info.name} in its "
                "requests: the key is always absent, so this condition is always "
                f"{_when_absent(parsed)}.",
            )


def _when_absent(parsed: ParsedCondition) -> str:
    operator = parsed.operator
    holds = (
        operator.if_exists
        or operator.base.negated
        or operator.qualifier is SetQualifier.FOR_ALL_VALUES
    )
    return "true and checks nothing" if holds else "false"


POLICY_CHECKS: tuple[PolicyCheck, ...] = ()
STATEMENT_CHECKS: tuple[StatementCheck, ...] = (tag_keys, service_keys)
