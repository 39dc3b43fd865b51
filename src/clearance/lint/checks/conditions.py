"""Checks of condition keys and operators: does the key exist, and does the
operator suit it (type, single- or multivalued, IfExists, Null)?"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clearance.lint.catalog import ConditionKeyInfo
from clearance.lint.context import PolicyCheck, PolicyContext, StatementCheck, StatementView
from clearance.lint.finding import Finding, iam_doc, rule
from clearance.lint.global_keys import DEPRECATED_KEYS
from clearance.policy import Condition, Severity
from clearance.policy.conditions import Operator, SetQualifier, parse_operator

__all__ = [
    "POLICY_CHECKS",
    "STATEMENT_CHECKS",
    "ParsedCondition",
    "key_is_open",
    "operator_type",
    "parsed_conditions",
]

INVALID_CONDITION_KEY_FORMAT = rule(
    "INVALID_CONDITION_KEY_FORMAT", Severity.ERROR, "Invalid condition key format"
)
UNKNOWN_CONDITION_KEY = rule(
    "UNKNOWN_CONDITION_KEY",
    Severity.ERROR,
    "Invalid condition key",
    "invalid-service-condition-key",
)
DEPRECATED_GLOBAL_CONDITION_KEY = rule(
    "DEPRECATED_GLOBAL_CONDITION_KEY", Severity.WARNING, "Deprecated global condition key"
)
CONDITION_KEY_CASE = rule(
    "CONDITION_KEY_CASE",
    Severity.SUGGESTION,
    "Condition key case",
    iam_doc("reference_policies_elements_condition.html"),
)
DUPLICATE_KEYS_WITH_DIFFERENT_CASE = rule(
    "DUPLICATE_KEYS_WITH_DIFFERENT_CASE", Severity.ERROR, "Duplicate keys with different case"
)
IF_EXISTS_ON_NULL = rule(
    "IF_EXISTS_ON_NULL", Severity.ERROR, "Null with if exists", "null-with-if-exists"
)
NULL_WITH_QUALIFIER = rule("NULL_WITH_QUALIFIER", Severity.SUGGESTION, "Null with qualifier")
FORALLVALUES_WITH_SINGLE_VALUED_KEY = rule(
    "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
    Severity.SECURITY_WARNING,
    "ForAllValues with single valued key",
)
MISSING_QUALIFIER = rule("MISSING_QUALIFIER", Severity.ERROR, "Missing qualifier")
TYPE_MISMATCH = rule("TYPE_MISMATCH", Severity.WARNING, "Type mismatch")

# Operator families by the data type they compare (the catalog's vocabulary).
_FAMILIES = (
    ("String", "String"),
    ("Numeric", "Numeric"),
    ("Date", "Date"),
    ("Bool", "Bool"),
    ("Binary", "Binary"),
    ("IpAddress", "IPAddress"),
    ("NotIpAddress", "IPAddress"),
    ("Arn", "ARN"),
    ("Null", "Null"),
)
# Which operator types may compare a key of each type.
_COMPATIBLE = {
    "String": {"String", "ARN"},  # many string keys hold ARNs (kms:EncryptionContext:...)
    "ARN": {"ARN", "String"},
    "Numeric": {"Numeric"},
    "Date": {"Date"},
    "Bool": {"Bool"},
    "IPAddress": {"IPAddress"},
    "Binary": {"Binary"},
}
_FAMILY_NAMES = {
    "String": "String",
    "ARN": "Arn",
    "Numeric": "Numeric",
    "Date": "Date",
    "Bool": "Bool",
    "IPAddress": "IpAddress",
    "Binary": "Binary",
}
_EITHER_DATE_OR_NUMBER = frozenset({"aws:epochtime"})


@dataclass(frozen=True, slots=True)
class ParsedCondition:
    condition: Condition
    operator: Operator
    key: ConditionKeyInfo | None


def operator_type(operator: Operator) -> str:
    """The type an operator compares: String, Numeric, Date, Bool, Binary, IPAddress, ARN, Null."""
    for prefix, kind in _FAMILIES:
        if operator.base.name.startswith(prefix):
            return kind
    return ""


def key_is_open(key: str) -> bool:
    """Keys of web identity providers (``<issuer host/path>:sub``) are whatever the
    provider puts in its tokens; the catalog cannot list them."""
    prefix = key.partition(":")[0]
    return "." in prefix or "/" in prefix


def parsed_conditions(view: StatementView, context: PolicyContext) -> Iterable[ParsedCondition]:
    """The statement's conditions whose operator the grammar accepts."""
    for condition in view.statement.conditions:
        operator = parse_operator(condition.operator)
        if operator is not None:
            yield ParsedCondition(condition, operator, context.catalog.condition_key(condition.key))


def condition_keys(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    seen: dict[tuple[str, str], str] = {}
    for condition in view.statement.conditions:
        pointer = view.condition_at(condition)
        key = condition.key
        lowered = (condition.operator, key.lower())
        if lowered in seen and seen[lowered] != key:
            yield DUPLICATE_KEYS_WITH_DIFFERENT_CASE.at(
                pointer,
                f"{key} and {seen[lowered]} are the same key (key names ignore case) in the "
                f"same {condition.operator} block; keep one.",
            )
        seen.setdefault(lowered, key)
        yield from _key(context, key, pointer)


def _key(context: PolicyContext, key: str, pointer: str) -> Iterable[Finding]:
    prefix, colon, name = key.partition(":")
    if not colon or not prefix or not name:
        yield INVALID_CONDITION_KEY_FORMAT.at(
            pointer, f"{key!r} is not a condition key: use the format service:keyname."
        )
        return
    deprecated = {old.lower(): new for old, new in DEPRECATED_KEYS.items()}.get(key.lower())
    if deprecated is not None:
        yield DEPRECATED_GLOBAL_CONDITION_KEY.at(
            pointer, f"{key} is deprecated; use {deprecated} instead."
        )
        return
    info = context.catalog.condition_key(key)
    if info is not None:
        fixed = info.fixed_part
        # The prefix's case varies even in AWS's own examples ("SAML:aud"); the name's is AWS's.
        if key[len(prefix) : len(fixed)] != fixed[len(prefix) :]:
            yield CONDITION_KEY_CASE.at(
                pointer,
                f"{key} works (key names ignore case), but AWS writes it {fixed}"
                f"{key[len(fixed) :]}; matching AWS's spelling makes the policy easier to search.",
            )
    elif not key_is_open(key):
        yield UNKNOWN_CONDITION_KEY.at(pointer, _unknown_key(context, key, prefix))


def _unknown_key(context: PolicyContext, key: str, prefix: str) -> str:
    if prefix.lower() == "aws":
        return f"{key} is not a global condition key; the condition can never match a request."
    if not context.catalog.service_exists(prefix):
        return f"{key}: no service has the prefix {prefix!r}; the condition can never match."
    return f"The service {prefix} has no condition key {key}; the condition can never match."


def operators(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    for condition in view.statement.conditions:
        text = condition.operator.partition(":")[2] or condition.operator
        if text == "NullIfExists":
            yield IF_EXISTS_ON_NULL.at(
                view.condition_at(condition),
                "The Null operator cannot take the IfExists suffix: Null already tests "
                "whether the key exists.",
            )
    for parsed in parsed_conditions(view, context):
        yield from _operator(view, parsed)


def _operator(view: StatementView, parsed: ParsedCondition) -> Iterable[Finding]:
    condition, operator, info = parsed.condition, parsed.operator, parsed.key
    pointer = view.condition_at(condition)
    kind = operator_type(operator)
    if kind == "Null":
        if operator.qualifier is not None:
            yield NULL_WITH_QUALIFIER.at(
                pointer,
                f"{condition.operator} always evaluates to "
                f"{'true' if operator.qualifier is SetQualifier.FOR_ALL_VALUES else 'false'} for "
                "a missing key; use Null without ForAllValues/ForAnyValue.",
            )
        return
    if info is None or not info.type:
        return
    if operator.qualifier is SetQualifier.FOR_ALL_VALUES and not info.multivalued:
        yield FORALLVALUES_WITH_SINGLE_VALUED_KEY.at(
            pointer,
            f"{info.name} is single-valued; ForAllValues is also true when the key is absent, "
            f"which can be overly permissive. Remove ForAllValues:.",
            None if view.allows else Severity.WARNING,
        )
    if operator.qualifier is None and info.multivalued:
        yield MISSING_QUALIFIER.at(
            pointer,
            f"{info.name} can have several values in a request; use ForAllValues: or "
            f"ForAnyValue: with {condition.operator}.",
        )
    allowed = set(_COMPATIBLE.get(info.base_type, ()))
    if condition.key.lower() in _EITHER_DATE_OR_NUMBER:
        allowed.add("Numeric")
    if allowed and kind not in allowed:
        wanted = " or ".join(sorted(_FAMILY_NAMES[name] for name in allowed))
        yield TYPE_MISMATCH.at(
            pointer,
            f"{info.name} is of type {info.type}; compare it with {wanted} operators, not "
            f"{condition.operator}.",
        )


POLICY_CHECKS: tuple[PolicyCheck, ...] = ()
STATEMENT_CHECKS: tuple[StatementCheck, ...] = (condition_keys, operators)
