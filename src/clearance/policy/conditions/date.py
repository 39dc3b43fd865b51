"""Date operators over ISO 8601 timestamps or epoch seconds.

Both sides may use either form (``aws:EpochTime`` is seconds, ``aws:CurrentTime``
is ISO 8601). A timestamp without a zone is UTC. A value that is neither never
matches.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from clearance.policy.conditions.base import BaseOperator, join_pieces
from clearance.wildcard import Pieces

__all__ = ["OPERATORS", "parse_date"]


def parse_date(text: str) -> datetime | None:
    """An aware datetime (UTC when no zone is given), or None.

    Compared as datetimes: ``timestamp()`` would cost twice the parse.
    """
    text = text.strip()
    if not text:
        return None
    if text[4:5] != "-":  # "YYYY-..." is never a number: skip the failing float()
        try:
            return datetime.fromtimestamp(float(text), UTC)
        except ValueError:
            pass
        except (OverflowError, OSError):
            return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _prepare(pieces: Pieces) -> object | None:
    return parse_date(join_pieces(pieces))


def _ordered(compare: Callable[[Any, Any], Any]) -> Callable[[object, object], bool]:
    """``compare(policy, request)``: a C function, so no Python frame per comparison.

    Operators read "request OP policy", so GreaterThan is ``lt(policy, request)``.
    """
    return cast(Callable[[object, object], bool], compare)


OPERATORS = (
    BaseOperator("DateEquals", _prepare, parse_date, _ordered(operator.eq)),
    BaseOperator("DateNotEquals", _prepare, parse_date, _ordered(operator.eq), negated=True),
    BaseOperator("DateLessThan", _prepare, parse_date, _ordered(operator.gt)),
    BaseOperator("DateLessThanEquals", _prepare, parse_date, _ordered(operator.ge)),
    BaseOperator("DateGreaterThan", _prepare, parse_date, _ordered(operator.lt)),
    BaseOperator("DateGreaterThanEquals", _prepare, parse_date, _ordered(operator.le)),
)
