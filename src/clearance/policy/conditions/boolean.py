"""``Bool``: ``true`` / ``false`` without regard to case.

A request value other than ``true`` reads as false, the way AWS's evaluator
(and Java's ``Boolean.parseBoolean``) reads booleans; a policy value other
than ``true`` or ``false`` never matches.
"""

from __future__ import annotations

from clearance.policy.conditions.base import BaseOperator, join_pieces
from clearance.wildcard import Pieces

__all__ = ["OPERATORS"]


def _prepare(pieces: Pieces) -> object | None:
    text = join_pieces(pieces).strip().lower()
    return text if text in ("true", "false") else None


def _coerce(value: str) -> object:
    return "true" if value == "true" or value.strip().lower() == "true" else "false"


def _equals(policy: object, value: object) -> bool:
    return policy == value


OPERATORS = (BaseOperator("Bool", _prepare, _coerce, _equals, by_equality=True),)
