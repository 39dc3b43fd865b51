"""``Bool``: ``true`` / ``false``, compared without regard to case."""

from __future__ import annotations

from clearance.policy.conditions.base import BaseOperator, join_pieces
from clearance.wildcard import Pieces

__all__ = ["OPERATORS"]


def _prepare(pieces: Pieces) -> object | None:
    text = join_pieces(pieces).strip().lower()
    return text if text in ("true", "false") else None


def _match(policy: object, value: str) -> bool:
    return policy == value.strip().lower()


OPERATORS = (BaseOperator("Bool", _prepare, _match),)
