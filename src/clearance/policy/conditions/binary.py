"""``BinaryEquals``: both sides are base64 text; the decoded bytes are compared."""

from __future__ import annotations

import base64
import binascii

from clearance.policy.conditions.base import BaseOperator, join_pieces
from clearance.wildcard import Pieces

__all__ = ["OPERATORS"]


def _decode(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _prepare(pieces: Pieces) -> object | None:
    return _decode(join_pieces(pieces))


def _equals(policy: object, value: object) -> bool:
    return policy == value


OPERATORS = (BaseOperator("BinaryEquals", _prepare, _decode, _equals, by_equality=True),)
