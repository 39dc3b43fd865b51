"""The registry of condition operators and the parser of operator names."""

from __future__ import annotations

from functools import lru_cache

from clearance.policy.conditions import arn, binary, boolean, date, ip, null, numeric, string
from clearance.policy.conditions.base import (
    UNRESOLVED,
    BaseOperator,
    Context,
    Operator,
    SetQualifier,
)

__all__ = [
    "BASE_OPERATORS",
    "UNRESOLVED",
    "BaseOperator",
    "Context",
    "Operator",
    "SetQualifier",
    "parse_operator",
]

BASE_OPERATORS: dict[str, BaseOperator] = {
    op.name: op
    for family in (string, numeric, date, boolean, binary, ip, arn, null)
    for op in family.OPERATORS
}

_IF_EXISTS = "IfExists"


@lru_cache(maxsize=1024)
def parse_operator(text: str) -> Operator | None:
    """The operator named ``text``, or None when AWS would reject the name.

    Operator names are case-sensitive. ``Null`` takes no ``IfExists``.
    """
    qualifier = None
    name = text
    for candidate in SetQualifier:
        prefix = candidate.value + ":"
        if text.startswith(prefix):
            qualifier, name = candidate, text[len(prefix) :]
            break
    if_exists = name.endswith(_IF_EXISTS) and name != _IF_EXISTS
    if if_exists:
        name = name[: -len(_IF_EXISTS)]
    base = BASE_OPERATORS.get(name)
    if base is None or (if_exists and base.is_null_check):
        return None
    return Operator(text, base, qualifier, if_exists)
