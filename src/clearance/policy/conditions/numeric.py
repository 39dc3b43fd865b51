"""Numeric operators. A value that is not a number never matches."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

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


def _coerce(value: str) -> object | None:
    return parse_number(value)


def _comparing(compare: Callable[[Decimal, Decimal], bool]) -> Callable[[object, object], bool]:
    def match(policy: object, value: object) -> bool:
        return compare(value, policy)  # type: ignore[arg-type]

    return match


OPERATORS = (
    BaseOperator("NumericEquals", _prepare, _coerce, _comparing(lambda r, p: r == p)),
    BaseOperator(
        "NumericNotEquals", _prepare, _coerce, _comparing(lambda r, p: r == p), negated=True
    ),
    BaseOperator("NumericLessThan", _prepare, _coerce, _comparing(lambda r, p: r < p)),
    BaseOperator("NumericLessThanEquals", _prepare, _coerce, _comparing(lambda r, p: r <= p)),
    BaseOperator("NumericGreaterThan", _prepare, _coerce, _comparing(lambda r, p: r > p)),
    BaseOperator("NumericGreaterThanEquals", _prepare, _coerce, _comparing(lambda r, p: r >= p)),
)
