"""Numeric operators. A value that is not a number never matches."""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from clearance.policy.conditions.base import BaseOperator, join_pieces
from clearance.wildcard import Pieces

__all__ = ["OPERATORS", "parse_number"]


def parse_number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _prepare(pieces: Pieces) -> object | None:
    return parse_number(join_pieces(pieces))


def _ordered(compare: Callable[[Any, Any], Any]) -> Callable[[object, object], bool]:
    """``compare(policy, request)``: a C function, so no Python frame per comparison.

    Operators read "request OP policy", so GreaterThan is ``lt(policy, request)``.
    """
    return cast(Callable[[object, object], bool], compare)


OPERATORS = (
    BaseOperator("NumericEquals", _prepare, parse_number, _ordered(operator.eq)),
    BaseOperator("NumericNotEquals", _prepare, parse_number, _ordered(operator.eq), negated=True),
    BaseOperator("NumericLessThan", _prepare, parse_number, _ordered(operator.gt)),
    BaseOperator("NumericLessThanEquals", _prepare, parse_number, _ordered(operator.ge)),
    BaseOperator("NumericGreaterThan", _prepare, parse_number, _ordered(operator.lt)),
    BaseOperator("NumericGreaterThanEquals", _prepare, parse_number, _ordered(operator.le)),
)
