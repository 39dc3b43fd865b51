"""Checks of policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team, 'none'}``.

Variables work only in Version 2012-10-17 documents, only in Resource,
NotResource and condition values, and only with string and ARN operators.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
"""

from __future__ import annotations

from collections.abc import Iterable

from clearance.lint.checks.conditions import key_is_open
from clearance.lint.context import PolicyCheck, PolicyContext, StatementCheck, StatementView
from clearance.lint.finding import Finding, Rule, iam_doc, rule
from clearance.policy import Severity
from clearance.policy.conditions import parse_operator

__all__ = ["POLICY_CHECKS", "STATEMENT_CHECKS"]

VARIABLE_UNSUPPORTED_IN_VERSION = rule(
    "VARIABLE_UNSUPPORTED_IN_VERSION", Severity.ERROR, "Variable unsupported in version"
)
VARIABLE_UNSUPPORTED_IN_ELEMENT = rule(
    "VARIABLE_UNSUPPORTED_IN_ELEMENT", Severity.ERROR, "Variable unsupported in element"
)
INVALID_VARIABLE_FOR_OPERATOR = rule(
    "INVALID_VARIABLE_FOR_OPERATOR", Severity.ERROR, "Invalid variable for operator"
)
MISSING_BRACE_IN_VARIABLE = rule(
    "MISSING_BRACE_IN_VARIABLE", Severity.ERROR, "Missing brace in variable"
)
EMPTY_VARIABLE = rule("EMPTY_VARIABLE", Severity.ERROR, "Empty variable")
UNSUPPORTED_SPACE_IN_VARIABLE = rule(
    "UNSUPPORTED_SPACE_IN_VARIABLE", Severity.ERROR, "Unsupported space in variable"
)
MISSING_QUOTE_IN_VARIABLE = rule(
    "MISSING_QUOTE_IN_VARIABLE", Severity.ERROR, "Missing quote in variable"
)
UNKNOWN_POLICY_VARIABLE = rule(
    "UNKNOWN_POLICY_VARIABLE",
    Severity.WARNING,
    "Unknown policy variable",
    iam_doc("reference_policies_variables.html"),
)

_SPECIAL = frozenset({"*", "?", "$"})
_VARIABLE_OPERATORS = ("String", "Arn")


def _values(view: StatementView) -> Iterable[tuple[str, str]]:
    """(pointer, value) for every value where variables are allowed."""
    statement = view.statement
    for element, values in (
        ("Resource", statement.resource),
        ("NotResource", statement.not_resource),
    ):
        for index, value in enumerate(values or ()):
            yield view.item(element, index), value
    for condition in view.statement.conditions:
        for index, value in enumerate(condition.values):
            yield view.condition_value_at(condition, index), value


def variables(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    supported = context.policy.supports_variables
    for pointer, value in _values(view):
        if "${" not in value:
            continue
        if not supported:
            yield VARIABLE_UNSUPPORTED_IN_VERSION.at(
                pointer,
                f'{value} uses a policy variable, but variables need "Version": "2012-10-17"; '
                "in this document it is literal text.",
            )
        else:
            yield from _syntax(context, pointer, value)


def _syntax(context: PolicyContext, pointer: str, value: str) -> Iterable[Finding]:
    position = 0
    while (start := value.find("${", position)) >= 0:
        end = value.find("}", start + 2)
        if end < 0:
            yield MISSING_BRACE_IN_VARIABLE.at(
                pointer, f"The policy variable in {value!r} has no closing brace: add }}."
            )
            return
        position = end + 1
        body = value[start + 2 : end]
        found = _body(context, body)
        if found is not None:
            problem, message = found
            yield problem.at(pointer, message)


def _body(context: PolicyContext, body: str) -> tuple[Rule, str] | None:
    if not body.strip():
        return EMPTY_VARIABLE, "Empty policy variable ${}: name a condition key inside it."
    if body.strip() in _SPECIAL:
        return None
    name, comma, default = body.partition(",")
    if any(ch.isspace() for ch in name.strip()) or (not comma and name != name.strip()):
        return (
            UNSUPPORTED_SPACE_IN_VARIABLE,
            f"Remove the space from the policy variable ${{{body}}}.",
        )
    default = default.strip()
    if comma and (len(default) < 2 or default[0] != "'" or default[-1] != "'"):
        return (
            MISSING_QUOTE_IN_VARIABLE,
            f"The default value in ${{{body}}} must be in single quotes, "
            f"as in ${{{name.strip()}, 'value'}}.",
        )
    name = name.strip()
    if context.catalog.condition_key(name) is None and not key_is_open(name):
        return (
            UNKNOWN_POLICY_VARIABLE,
            f"${{{name}}} names no known condition key, so it never has a value and the text "
            "containing it matches nothing (unless it has a default).",
        )
    return None


def misplaced_variables(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    statement = view.statement
    for element, values in (("Action", statement.action), ("NotAction", statement.not_action)):
        for index, value in enumerate(values or ()):
            if "${" in value:
                yield VARIABLE_UNSUPPORTED_IN_ELEMENT.at(
                    view.item(element, index),
                    f"{element} does not support policy variables: {value} is literal text.",
                )
    for element, block in (
        ("Principal", statement.principal),
        ("NotPrincipal", statement.not_principal),
    ):
        for kind, values in block.entries if block is not None else ():
            for index, value in enumerate(values):
                if "${" in value:
                    yield VARIABLE_UNSUPPORTED_IN_ELEMENT.at(
                        view.layout.item(index, element, kind),
                        f"{element} does not support policy variables: {value} is literal text.",
                    )
    if not context.policy.supports_variables:
        return
    for condition in statement.conditions:
        operator = parse_operator(condition.operator)
        if operator is None or operator.base.name.startswith(_VARIABLE_OPERATORS):
            continue
        for index, value in enumerate(condition.values):
            if "${" in value:
                yield INVALID_VARIABLE_FOR_OPERATOR.at(
                    view.condition_value_at(condition, index),
                    f"{condition.operator} does not take policy variables; only String and Arn "
                    "operators do.",
                )


POLICY_CHECKS: tuple[PolicyCheck, ...] = ()
STATEMENT_CHECKS: tuple[StatementCheck, ...] = (variables, misplaced_variables)
