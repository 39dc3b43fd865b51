"""The model's value constraints, compiled once per shape, worded as AWS words them.

Protocol-independent: the query decoder uses it now, a JSON decoder will use
it the same way. Each check returns None when the value passes (the fast,
common case) or the failed constraints in AWS's order and wording::

    Member must satisfy regular expression pattern: [\\w+=,.@-]+
    Member must have length greater than or equal to 1
    Member must have value less than or equal to 43200
    Member must satisfy enum value set: [Active, Inactive]

AWS lists a failed pattern before a failed length (observed on STS
``AssumeRole``), and echoes the value unless the member is ``sensitive``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from clearance.protocol.models import Shape
from clearance.protocol.patterns import compile_pattern

__all__ = [
    "NOT_NULL",
    "Check",
    "describe_all",
    "scalar_check",
    "show_value",
]

NOT_NULL = "Member must not be null"

Check = Callable[[Any], list[str] | None]

_NUMERIC = frozenset({"integer", "long", "float", "double"})
_SIZED = frozenset({"string", "blob", "list", "map"})


def _length_texts(shape: Shape) -> tuple[int | None, int | None, str, str]:
    meta = shape.metadata
    low = meta.get("min")
    high = meta.get("max")
    return (
        None if low is None else int(low),
        None if high is None else int(high),
        f"Member must have length greater than or equal to {low}",
        f"Member must have length less than or equal to {high}",
    )


def _number_check(shape: Shape) -> Check | None:
    meta = shape.metadata
    low = meta.get("min")
    high = meta.get("max")
    if low is None and high is None:
        return None
    low_text = f"Member must have value greater than or equal to {low}"
    high_text = f"Member must have value less than or equal to {high}"

    def check(value: Any) -> list[str] | None:
        if low is not None and value < low:
            return [low_text]
        if high is not None and value > high:
            return [high_text]
        return None

    return check


def _sized_check(shape: Shape) -> Check | None:
    meta = shape.metadata
    low, high, low_text, high_text = _length_texts(shape)
    pattern_text = meta.get("pattern") if shape.type_name == "string" else None
    regex = compile_pattern(pattern_text) if pattern_text else None
    enum: Sequence[str] = (meta.get("enum") or ()) if shape.type_name == "string" else ()
    allowed = frozenset(enum)
    enum_text = f"Member must satisfy enum value set: [{', '.join(enum)}]"
    regex_text = f"Member must satisfy regular expression pattern: {pattern_text}"
    if regex is None and low is None and high is None and not allowed:
        return None
    low_bound = low if low is not None else -1
    high_bound = high if high is not None else 1 << 62

    def check(value: Any) -> list[str] | None:
        size = len(value)
        if (
            low_bound <= size <= high_bound
            and (regex is None or regex.fullmatch(value) is not None)
            and (not allowed or value in allowed)
        ):
            return None
        failed = []
        if allowed and value not in allowed:
            failed.append(enum_text)
        if regex is not None and regex.fullmatch(value) is None:
            failed.append(regex_text)
        if size < low_bound:
            failed.append(low_text)
        if size > high_bound:
            failed.append(high_text)
        return failed or None

    return check


def scalar_check(shape: Shape) -> Check | None:
    """The constraint check for a value of ``shape`` (length checks apply to lists/maps too)."""
    if shape.type_name in _NUMERIC:
        return _number_check(shape)
    if shape.type_name in _SIZED:
        return _sized_check(shape)
    return None


def describe_all(shape: Shape) -> str:
    """Every constraint of an element shape, as AWS lists them for a list or map member.

    ``[Member must have length less than or equal to 128, Member must have length
    greater than or equal to 1, Member must satisfy regular expression pattern: ...]``
    """
    meta = shape.metadata
    texts = []
    if shape.type_name in _NUMERIC:
        if meta.get("max") is not None:
            texts.append(f"Member must have value less than or equal to {meta['max']}")
        if meta.get("min") is not None:
            texts.append(f"Member must have value greater than or equal to {meta['min']}")
    else:
        low, high, low_text, high_text = _length_texts(shape)
        if high is not None:
            texts.append(high_text)
        if low is not None:
            texts.append(low_text)
        if meta.get("pattern"):
            texts.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
        if meta.get("enum"):
            texts.append(f"Member must satisfy enum value set: [{', '.join(meta['enum'])}]")
    return f"[{', '.join(texts)}]"


def _java_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return f"[{', '.join(_java_text(v) for v in value)}]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_java_text(k)}={_java_text(v)}" for k, v in value.items())
        return f"{{{inner}}}"
    if isinstance(value, bytes | bytearray):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    return str(value)


def show_value(value: Any, sensitive: bool) -> str:
    """The value as a validation message shows it: quoted Java text, or "" when sensitive."""
    if sensitive:
        return ""
    return f"'{_java_text(value)}'"
