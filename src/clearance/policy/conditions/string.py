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


def _equals(policy: object, value: str) -> bool:
    return policy == value


def _equals_folded(policy: object, value: str) -> bool:
    return policy == value.casefold()


def _like(policy: object, value: str) -> bool:
    matcher: Matcher = policy  # type: ignore[assignment]
    return matcher(value)


OPERATORS = (
    BaseOperator("StringEquals", _prepare_exact, _equals),
    BaseOperator("StringNotEquals", _prepare_exact, _equals, negated=True),
    BaseOperator("StringEqualsIgnoreCase", _prepare_folded, _equals_folded),
    BaseOperator("StringNotEqualsIgnoreCase", _prepare_folded, _equals_folded, negated=True),
    BaseOperator("StringLike", _prepare_like, _like),
    BaseOperator("StringNotLike", _prepare_like, _like, negated=True),
)
