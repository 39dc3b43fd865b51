"""Date operators over ISO 8601 timestamps or epoch seconds.

Both sides may use either form (``aws:EpochTime`` is seconds, ``aws:CurrentTime``
is ISO 8601). A timestamp without a zone is UTC. A value that is neither never
matches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

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


def _coerce(value: str) -> object | None:
    return parse_date(value)


def _comparing(compare: Callable[[float, float], bool]) -> Callable[[object, object], bool]:
    def match(policy: object, value: object) -> bool:
        return compare(value, policy)  # type: ignore[arg-type]

    return match


OPERATORS = (
    BaseOperator("DateEquals", _prepare, _coerce, _comparing(lambda r, p: r == p)),
    BaseOperator("DateNotEquals", _prepare, _coerce, _comparing(lambda r, p: r == p), negated=True),
    BaseOperator("DateLessThan", _prepare, _coerce, _comparing(lambda r, p: r < p)),
    BaseOperator("DateLessThanEquals", _prepare, _coerce, _comparing(lambda r, p: r <= p)),
    BaseOperator("DateGreaterThan", _prepare, _coerce, _comparing(lambda r, p: r > p)),
    BaseOperator("DateGreaterThanEquals", _prepare, _coerce, _comparing(lambda r, p: r >= p)),
)
