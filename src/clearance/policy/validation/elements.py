"""Reading a decoded policy document: JSON pointers and the values of an element."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = [
    "Json",
    "Located",
    "Statements",
    "condition_values",
    "items",
    "pointer",
    "present",
    "strings",
]

Json = Any
Located = tuple[str, str]  # (pointer, text)
Statements = list[tuple[str, dict[str, Json]]]  # (pointer, statement)


def pointer(base: str, *parts: str | int) -> str:
    """``base`` extended by ``parts``, escaped as RFC 6901 asks (``~0``, ``~1``)."""
    out = base
    for part in parts:
        out += "/" + str(part).replace("~", "~0").replace("/", "~1")
    return out


def items(at: str, value: Json) -> Iterator[tuple[str, Json]]:
    """A single value or each value of a list, with its pointer."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield pointer(at, index), item
    else:
        yield at, value


def strings(where: str, statement: dict[str, Json], name: str) -> Iterator[Located]:
    """The string values of ``name`` (a string or a list), with their pointers."""
    if name not in statement:
        return
    for at, item in items(pointer(where, name), statement[name]):
        if isinstance(item, str):
            yield at, item


def present(statement: dict[str, Json], name: str, other: str) -> bool:
    """``name`` or ``other`` is there and, when it is a list, not empty (AWS's test)."""
    for key in (name, other):
        if key in statement:
            value = statement[key]
            return not isinstance(value, list) or bool(value)
    return False


def condition_values(where: str, statement: dict[str, Json]) -> Iterator[tuple[str, str, Json]]:
    """Each value of the Condition block as (operator, pointer, value).

    A block or an operator's entry that is not an object has no values here
    (the syntax check reports it).
    """
    block = statement.get("Condition")
    if not isinstance(block, dict):
        return
    for operator, keys in block.items():
        if isinstance(keys, dict):
            for key, value in keys.items():
                for at, item in items(pointer(where, "Condition", operator, key), value):
                    yield operator, at, item
