"""``Null``: ``true`` holds when the key is absent, ``false`` when present."""

from __future__ import annotations

from clearance.policy.conditions.base import BaseOperator, join_pieces
from clearance.wildcard import Pieces

__all__ = ["OPERATORS"]


def _prepare(pieces: Pieces) -> object | None:
    text = join_pieces(pieces).strip().lower()
    return {"true": True, "false": False}.get(text)


def _unused_coerce(value: str) -> object:
    return value


def _unused_compare(_policy: object, _value: object) -> bool:
    return False


OPERATORS = (BaseOperator("Null", _prepare, _unused_coerce, _unused_compare, is_null_check=True),)
