"""String operators: exact, case-insensitive and wildcard (``Like``) comparison.

Values are compared case-sensitively except for the ``IgnoreCase`` pair;
``StringLike`` accepts ``*`` and ``?`` anywhere in the policy value.
"""

from __future__ import annotations

from clearance.policy.conditions.base import BaseOperator, join_pieces
from clearance.wildcard import Matcher, Pieces, compile_pieces

__all__ = ["OPERATORS"]


def _prepare_exact(pieces: Pieces) -> object:
    return join_pieces(pieces)


def _prepare_folded(pieces: Pieces) -> object:
    return join_pieces(pieces).casefold()


def _prepare_like(pieces: Pieces) -> object:
    return compile_pieces(pieces)


def _as_is(value: str) -> object:
    return value


def _folded(value: str) -> object:
    return value.casefold()


def _equals(policy: object, value: object) -> bool:
    return policy == value


def _like(policy: object, value: object) -> bool:
    matcher: Matcher = policy  # type: ignore[assignment]
    return matcher(value)  # type: ignore[arg-type]


OPERATORS = (
    BaseOperator(
        "StringEquals", _prepare_exact, _as_is, _equals, by_equality=True, coerce_is_identity=True
    ),
    BaseOperator(
        "StringNotEquals",
        _prepare_exact,
        _as_is,
        _equals,
        negated=True,
        by_equality=True,
        coerce_is_identity=True,
    ),
    BaseOperator("StringEqualsIgnoreCase", _prepare_folded, _folded, _equals, by_equality=True),
    BaseOperator(
        "StringNotEqualsIgnoreCase",
        _prepare_folded,
        _folded,
        _equals,
        negated=True,
        by_equality=True,
    ),
    BaseOperator(
        "StringLike",
        _prepare_like,
        _as_is,
        _like,
        coerce_is_identity=True,
        prepared_is_matcher=True,
    ),
    BaseOperator(
        "StringNotLike",
        _prepare_like,
        _as_is,
        _like,
        negated=True,
        coerce_is_identity=True,
        prepared_is_matcher=True,
    ),
)
