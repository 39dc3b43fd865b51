"""ARN operators. Each of the six colon-separated parts is matched on its own,
case-sensitively, with ``*`` and ``?`` allowed in every part; ``ArnEquals``
and ``ArnLike`` behave alike, as AWS documents.
"""

from __future__ import annotations

from clearance.policy.conditions.base import BaseOperator
from clearance.policy.resource import compile_arn_pattern
from clearance.wildcard import Matcher, Pieces

__all__ = ["OPERATORS"]


def _prepare(pieces: Pieces) -> object | None:
    return compile_arn_pattern(pieces)


def _coerce(value: str) -> object | None:
    """Only an ARN (six colon-separated parts) can be compared."""
    return value if value.count(":") >= 5 and value.startswith("arn:") else None


def _match(policy: object, value: object) -> bool:
    matcher: Matcher = policy  # type: ignore[assignment]
    return matcher(value)  # type: ignore[arg-type]


OPERATORS = (
    BaseOperator("ArnEquals", _prepare, _coerce, _match, prepared_is_matcher=True),
    BaseOperator("ArnNotEquals", _prepare, _coerce, _match, negated=True, prepared_is_matcher=True),
    BaseOperator("ArnLike", _prepare, _coerce, _match, prepared_is_matcher=True),
    BaseOperator("ArnNotLike", _prepare, _coerce, _match, negated=True, prepared_is_matcher=True),
)
