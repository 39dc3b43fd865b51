"""Checks of condition values: can the operator read them, and do they mean
what their author probably meant?"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from clearance.lint.checks.conditions import ParsedCondition, operator_type, parsed_conditions
from clearance.lint.context import PolicyCheck, PolicyContext, StatementCheck, StatementView
from clearance.lint.finding import Finding, Rule, rule
from clearance.policy import Severity
from clearance.policy.conditions import SetQualifier

__all__ = ["POLICY_CHECKS", "STATEMENT_CHECKS"]

_MISMATCH = {
    "Numeric": ("TYPE_MISMATCH_NUMBER", "Type mismatch number", "a number"),
    "Date": ("TYPE_MISMATCH_DATE", "Type mismatch date", "a date (YYYY-MM-DD or ISO 8601)"),
    "Bool": ("TYPE_MISMATCH_BOOLEAN", "Type mismatch Boolean", "true or false"),
    "IPAddress": ("TYPE_MISMATCH_IP_RANGE", "Type mismatch IP range", "an IP address or CIDR"),
    "Binary": ("TYPE_MISMATCH_STRING", "Type mismatch string", "base64-encoded text"),
}
VALUE_MISMATCH: dict[str, tuple[Rule, str]] = {
    kind: (rule(code, Severity.WARNING, title), wanted)
    for kind, (code, title, wanted) in _MISMATCH.items()
}
INVALID_CONDITION_MULTIPLE_BOOLEAN = rule(
    "INVALID_CONDITION_MULTIPLE_BOOLEAN", Severity.ERROR, "Invalid condition multiple Boolean"
)
INVALID_DATE_VALUE = rule("INVALID_DATE_VALUE", Severity.WARNING, "Invalid date value")
WILDCARD_WITHOUT_LIKE_OPERATOR = rule(
    "WILDCARD_WITHOUT_LIKE_OPERATOR", Severity.WARNING, "Wildcard without like operator"
)
EMPTY_ARRAY_CONDITION = rule("EMPTY_ARRAY_CONDITION", Severity.SUGGESTION, "Empty array condition")
EMPTY_ARRAY_CONDITION_FORALLVALUES = rule(
    "EMPTY_ARRAY_CONDITION_FORALLVALUES", Severity.SUGGESTION, "Empty array condition ForAllValues"
)
EMPTY_ARRAY_CONDITION_FORANYVALUE = rule(
    "EMPTY_ARRAY_CONDITION_FORANYVALUE", Severity.SUGGESTION, "Empty array condition ForAnyValue"
)
EMPTY_ARRAY_CONDITION_IFEXISTS = rule(
    "EMPTY_ARRAY_CONDITION_IFEXISTS", Severity.SUGGESTION, "Empty array condition IfExists"
)
PRIVATE_IP_ADDRESS = rule("PRIVATE_IP_ADDRESS", Severity.ERROR, "Private IP address")
PRIVATE_NOT_IP_ADDRESS = rule("PRIVATE_NOT_IP_ADDRESS", Severity.ERROR, "Private NotIpAddress")
PRIVATE_IP_ADDRESS_SUBSET = rule(
    "PRIVATE_IP_ADDRESS_SUBSET", Severity.SUGGESTION, "Private IP address subset"
)
PRIVATE_NOT_IP_ADDRESS_SUBSET = rule(
    "PRIVATE_NOT_IP_ADDRESS_SUBSET", Severity.SUGGESTION, "Private NotIpAddress subset"
)
IMPROVE_IP_RANGE = rule("IMPROVE_IP_RANGE", Severity.SUGGESTION, "Improve IP range")
REDUNDANT_CONDITION_VALUE_NUM = rule(
    "REDUNDANT_CONDITION_VALUE_NUM", Severity.SUGGESTION, "Redundant condition value num"
)

_VARIABLE = re.compile(r"\$\{[^}]*\}")
_PRIVATE = tuple(
    ipaddress.ip_network(block)
    for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_BOUNDS = frozenset(
    {"NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"}
)


def values(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    for parsed in parsed_conditions(view, context):
        if not parsed.condition.values:
            yield _empty(view, parsed)
            continue
        yield from _typed(view, parsed)
        yield from _meaning(view, parsed)


def _empty(view: StatementView, parsed: ParsedCondition) -> Finding:
    operator, key = parsed.operator, parsed.condition.key
    pointer = view.condition_at(parsed.condition)
    if operator.qualifier is SetQualifier.FOR_ALL_VALUES:
        return EMPTY_ARRAY_CONDITION_FORALLVALUES.at(
            pointer,
            f"ForAllValues with no values matches only when {key} is missing from the "
            "request; to test that, use Null with the value true.",
        )
    if operator.qualifier is SetQualifier.FOR_ANY_VALUE:
        return EMPTY_ARRAY_CONDITION_FORANYVALUE.at(
            pointer,
            f"ForAnyValue with no values never matches, whatever {key} holds. Specify values.",
        )
    if operator.if_exists:
        return EMPTY_ARRAY_CONDITION_IFEXISTS.at(
            pointer,
            f"IfExists with no values matches only when {key} is missing from the "
            "request; to test that, use Null with the value true.",
        )
    return EMPTY_ARRAY_CONDITION.at(pointer, f"There are no values for {key}; specify values.")


def _typed(view: StatementView, parsed: ParsedCondition) -> Iterable[Finding]:
    condition, operator = parsed.condition, parsed.operator
    kind = operator_type(operator)
    mismatch = VALUE_MISMATCH.get("Bool" if kind == "Null" else kind)
    for index, value in enumerate(condition.values):
        if mismatch is None or "${" in value:
            continue
        if operator.base.prepare(((value, True),)) is None:
            found, wanted = mismatch
            yield found.at(
                view.condition_value_at(condition, index),
                f"{condition.operator} needs {wanted}; {value!r} is not, so it never matches.",
            )
    if kind == "Bool" and len(condition.values) > 1:
        yield INVALID_CONDITION_MULTIPLE_BOOLEAN.at(
            view.condition_at(condition),
            f"{condition.key} takes a single Boolean value; use one of true or false.",
        )


def _meaning(view: StatementView, parsed: ParsedCondition) -> Iterable[Finding]:
    condition, operator = parsed.condition, parsed.operator
    kind = operator_type(operator)
    if kind == "String" and "Like" not in operator.base.name:
        for index, value in enumerate(condition.values):
            if "*" in _VARIABLE.sub("", value) or "?" in _VARIABLE.sub("", value):
                yield WILDCARD_WITHOUT_LIKE_OPERATOR.at(
                    view.condition_value_at(condition, index),
                    f"{value!r} contains * or ?, which {condition.operator} compares literally. "
                    "If you meant a wildcard, use StringLike (or StringNotLike).",
                )
    if kind == "Date" and condition.key.lower() != "aws:epochtime":
        for index, value in enumerate(condition.values):
            if _is_number(value):
                yield INVALID_DATE_VALUE.at(
                    view.condition_value_at(condition, index),
                    f"The date {value} is epoch seconds and might not resolve as expected; "
                    "use the YYYY-MM-DD (ISO 8601) format.",
                )
    if kind == "IPAddress":
        yield from _addresses(view, parsed)
    if operator.base.name in _BOUNDS and operator.qualifier is None and len(condition.values) > 1:
        bound = "greatest" if "Less" in operator.base.name else "least"
        yield REDUNDANT_CONDITION_VALUE_NUM.at(
            view.condition_at(condition),
            f"Several values for {condition.operator} are redundant: only the {bound} one "
            f"matters. Keep that single value for {condition.key}.",
        )


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _addresses(view: StatementView, parsed: ParsedCondition) -> Iterable[Finding]:
    condition, negated = parsed.condition, parsed.operator.base.negated
    networks = []
    for index, value in enumerate(condition.values):
        try:
            written = ipaddress.ip_interface(value.strip())
        except ValueError:
            continue
        network = written.network
        networks.append(network)
        if written.ip != network.network_address:
            yield IMPROVE_IP_RANGE.at(
                view.condition_value_at(condition, index),
                f"The bits of {value} after the prefix length are ignored; write {network}.",
            )
    if condition.key.lower() != "aws:sourceip" or not networks:
        return
    private = [network for network in networks if _is_private(network)]
    if not private:
        return
    pointer = view.condition_at(condition)
    if len(private) == len(networks):
        found = PRIVATE_NOT_IP_ADDRESS if negated else PRIVATE_IP_ADDRESS
        effect = "has no effect" if negated else "never matches"
        yield found.at(
            pointer,
            f"aws:SourceIp holds only public addresses, so a condition on private ranges "
            f"({', '.join(map(str, private))}) {effect}. Use aws:VpcSourceIp for private ones.",
        )
    else:
        found = PRIVATE_NOT_IP_ADDRESS_SUBSET if negated else PRIVATE_IP_ADDRESS_SUBSET
        yield found.at(
            pointer,
            f"aws:SourceIp holds only public addresses, so the private ranges "
            f"({', '.join(map(str, private))}) have no effect. Use aws:VpcSourceIp for those.",
        )


def _is_private(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return any(
        network.version == block.version and network.subnet_of(block)  # type: ignore[arg-type]
        for block in _PRIVATE
    )


POLICY_CHECKS: tuple[PolicyCheck, ...] = ()
STATEMENT_CHECKS: tuple[StatementCheck, ...] = (values,)
