"""Marker pagination as IAM does it: ``Marker``/``MaxItems`` in, ``IsTruncated``/``Marker`` out.

Listing is keyset pagination over an indexed sort key (usually the lower-cased
name, then the id): a marker is the opaque, URL-safe encoding of the last key
returned, so pages stay correct while other writers insert or delete.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from clearance.errors import InvalidInput

__all__ = ["DEFAULT_MAX_ITEMS", "Page", "decode_marker", "encode_marker", "paginate"]

T = TypeVar("T")
DEFAULT_MAX_ITEMS = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    marker: str | None = None  # present only when truncated
    is_truncated: bool = False


def encode_marker(key: Sequence[Any]) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_marker(marker: str, width: int) -> list[Any]:
    try:
        padded = marker + "=" * (-len(marker) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError):
        key = None
    if not isinstance(key, list) or len(key) != width:
        raise InvalidInput("Invalid Marker.")
    return key


def paginate(
    conn: Connection,
    query: sa.Select[Any],
    order: Sequence[sa.ColumnElement[Any]],
    marker: str | None,
    max_items: int | None,
    build: Callable[[Row[Any]], T],
) -> Page[T]:
    """Run ``query`` ordered by ``order`` from ``marker`` on; at most ``max_items`` items.

    The row's key is read from labelled columns ``_k0``, ``_k1``... that this
    function adds, so ``order`` may hold any expressions.
    """
    limit = DEFAULT_MAX_ITEMS if max_items is None else max_items
    if limit < 1:
        raise InvalidInput("MaxItems must be at least 1.")
    labelled = [expression.label(f"_k{i}") for i, expression in enumerate(order)]
    query = query.add_columns(*labelled)
    if marker:
        after = decode_marker(marker, len(order))
        query = query.where(sa.tuple_(*order) > sa.tuple_(*[sa.literal(v) for v in after]))
    rows = conn.execute(query.order_by(*order).limit(limit + 1)).all()
    if len(rows) <= limit:
        return Page(tuple(build(row) for row in rows))
    rows = rows[:limit]
    last = rows[-1]._mapping
    next_marker = encode_marker([last[f"_k{i}"] for i in range(len(order))])
    return Page(tuple(build(row) for row in rows), next_marker, True)
