"""Where each parsed element sits in the document, as JSON pointers.

The parsed :class:`~clearance.policy.Policy` holds every list as a tuple, so
it cannot say whether ``"Action": "s3:GetObject"`` was written as a string or
as a one-element list — but a pointer must say ``/Action`` for the first and
``/Action/0`` for the second. This module reads only the *shape* of the
decoded document (which elements were lists, which statements were objects)
and never its meaning; the checks see the parsed policy alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Layout", "StatementLayout", "escape", "read_layout"]


def escape(segment: str) -> str:
    """One JSON pointer reference token (RFC 6901 §3)."""
    return segment.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True, slots=True)
class StatementLayout:
    """A statement's pointer and the element paths whose value was a JSON list.

    Paths are tuples of raw member names, e.g. ``("Principal", "AWS")`` or
    ``("Condition", "StringEquals", "aws:SourceIp")``.
    """

    pointer: str
    lists: frozenset[tuple[str, ...]] = field(default_factory=frozenset)

    def at(self, *path: str) -> str:
        """The pointer to an element, e.g. ``at("Action")`` → ``/Statement/0/Action``."""
        return self.pointer + "".join("/" + escape(part) for part in path)

    def item(self, index: int, *path: str) -> str:
        """The pointer to the ``index``-th value of an element (no index for a lone string)."""
        base = self.at(*path)
        return f"{base}/{index}" if path in self.lists else base


@dataclass(frozen=True, slots=True)
class Layout:
    statements: tuple[StatementLayout, ...] = ()

    def statement(self, index: int) -> StatementLayout:
        if index < len(self.statements):
            return self.statements[index]
        return StatementLayout(f"/Statement/{index}")


def read_layout(source: str | bytes | Mapping[str, Any]) -> Layout:
    """The layout of a document the parser accepted; empty when it cannot be read."""
    document: Any = source
    if not isinstance(source, Mapping):
        try:
            document = json.loads(source)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return Layout()
    if not isinstance(document, Mapping):
        return Layout()
    raw = document.get("Statement")
    if isinstance(raw, Mapping):
        return Layout((_statement(raw, "/Statement"),))
    if not isinstance(raw, list):
        return Layout()
    return Layout(
        tuple(
            _statement(item, f"/Statement/{index}")
            for index, item in enumerate(raw)
            if isinstance(item, Mapping)
        )
    )


def _statement(raw: Mapping[str, Any], pointer: str) -> StatementLayout:
    lists: set[tuple[str, ...]] = set()
    for name, value in raw.items():
        if isinstance(value, list):
            lists.add((name,))
        elif isinstance(value, Mapping) and name in ("Principal", "NotPrincipal", "Condition"):
            _nested(value, (name,), lists, depth=1 if name != "Condition" else 2)
    return StatementLayout(pointer, frozenset(lists))


def _nested(
    value: Mapping[str, Any], path: tuple[str, ...], lists: set[tuple[str, ...]], depth: int
) -> None:
    for name, inner in value.items():
        here = (*path, name)
        if isinstance(inner, list):
            lists.add(here)
        elif depth > 1 and isinstance(inner, Mapping):
            _nested(inner, here, lists, depth - 1)
