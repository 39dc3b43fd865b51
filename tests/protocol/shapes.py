"""Hypothesis strategies built from botocore shapes, and the normalisations the oracles need.

``input_values(shape)`` draws parameters that satisfy the shape's constraints
(required members, lengths, patterns, enums, ranges), so that a correct
decoder accepts every one of them; ``output_values(shape)`` draws results
with any subset of members and XML-safe text.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from botocore.model import ListShape, MapShape, Shape, StructureShape
from hypothesis import strategies as st

from clearance.protocol.patterns import compile_pattern

__all__ = ["GONE", "input_values", "output_values", "parsed_form", "wire_form"]

GONE: Any = object()

_LIST_CAP = 3
_TEXT_SPAN = 16
_CLASS_RUN = re.compile(r"\^?(\[(?:\\.|[^\]\\])*\])([+*])\$?")
_XML_UNSAFE = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\ufffe\uffff"
_XML_TEXT = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters=_XML_UNSAFE), max_size=_TEXT_SPAN
)
_ANY_TEXT = st.characters(exclude_categories=("Cs",))
_INT_RANGE = {"integer": 31, "long": 63}
_TIMES = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


def _bounds(shape: Shape, default_high: int) -> tuple[int, int]:
    low = int(shape.metadata.get("min", 0))
    high = shape.metadata.get("max")
    high = low + default_high if high is None else min(int(high), low + default_high)
    return low, max(low, high)


def _valid_string(shape: Shape) -> st.SearchStrategy[str]:
    meta = shape.metadata
    if meta.get("enum"):
        return st.sampled_from(list(meta["enum"]))
    low, high = _bounds(shape, _TEXT_SPAN)
    pattern = meta.get("pattern")
    if not pattern:
        return st.text(_ANY_TEXT, min_size=low, max_size=high)
    regex = compile_pattern(pattern)
    assert regex is not None, pattern
    run = _CLASS_RUN.fullmatch(pattern)
    if run is not None:
        alphabet_regex = compile_pattern(run.group(1))
        assert alphabet_regex is not None
        low = max(low, 1 if run.group(2) == "+" else 0)
        alphabet = st.from_regex(alphabet_regex, fullmatch=True)
        strategy = st.text(alphabet, min_size=low, max_size=max(low, high))
    else:
        strategy = st.from_regex(regex, fullmatch=True)
    limit = int(meta["max"]) if meta.get("max") is not None else 1 << 30
    return strategy.filter(lambda s: low <= len(s) <= limit and regex.fullmatch(s) is not None)


def _number(shape: Shape) -> st.SearchStrategy[Any]:
    meta = shape.metadata
    if shape.type_name in ("float", "double"):
        return st.floats(
            min_value=meta.get("min"),
            max_value=meta.get("max"),
            allow_nan=False,
            allow_infinity=False,
        )
    bits = _INT_RANGE.get(shape.type_name, 31)
    low = meta.get("min", -(1 << bits))
    high = meta.get("max", (1 << bits) - 1)
    return st.integers(min_value=int(low), max_value=int(high))


@functools.cache
def _strategy(shape: Shape, output: bool) -> st.SearchStrategy[Any]:
    if isinstance(shape, StructureShape):
        required = set() if output else set(shape.required_members)
        fixed = {
            n: st.deferred(lambda m=m: _strategy(m, output))
            for n, m in shape.members.items()
            if n in required
        }
        optional = {
            n: st.deferred(lambda m=m: _strategy(m, output))
            for n, m in shape.members.items()
            if n not in required
        }
        values = st.fixed_dictionaries(fixed, optional=optional)
        if output or not shape.members:
            return values
        # A structure with nothing set sends nothing; AWS then sees a missing member.
        return values.filter(lambda d, s=shape: wire_form(d, s) is not GONE)
    if isinstance(shape, ListShape):
        low, high = (0, _LIST_CAP) if output else _bounds(shape, _LIST_CAP)
        return st.lists(_strategy(shape.member, output), min_size=low, max_size=high)
    if isinstance(shape, MapShape):
        low, high = (0, _LIST_CAP) if output else _bounds(shape, _LIST_CAP)
        return st.dictionaries(
            _strategy(shape.key, output),
            _strategy(shape.value, output),
            min_size=low if output else max(low, 1),
            max_size=max(high, 1),
        )
    kind = shape.type_name
    if kind == "string":
        return _XML_TEXT if output else _valid_string(shape)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return _TIMES
    if kind == "blob":
        low, high = (0, 32) if output else _bounds(shape, 32)
        return st.binary(min_size=low, max_size=high)
    return _number(shape)


def input_values(shape: Shape) -> st.SearchStrategy[dict[str, Any]]:
    return _strategy(shape, False)


def output_values(shape: Shape) -> st.SearchStrategy[dict[str, Any]]:
    return _strategy(shape, True)


def wire_form(value: Any, shape: Shape) -> Any:
    """``value`` as it survives the query wire, or GONE when it sends no parameter at all.

    An empty map, and a structure with no members set, put nothing on the wire;
    an empty list is sent (``Name=``) and comes back as ``[]``.
    """
    if isinstance(shape, StructureShape):
        out = {}
        for name, item in value.items():
            kept = wire_form(item, shape.members[name])
            if kept is not GONE:
                out[name] = kept
        return out if out else GONE
    if isinstance(shape, ListShape):
        if not value:
            return []
        items = [wire_form(item, shape.member) for item in value]
        kept = [item for item in items if item is not GONE]
        return kept if kept else GONE
    if isinstance(shape, MapShape):
        out = {}
        for key, item in value.items():
            kept = wire_form(item, shape.value)
            if kept is not GONE:
                out[key] = kept
        return out if out else GONE
    return value


def parsed_form(value: Any, shape: Shape, url_encoded: frozenset[str] = frozenset()) -> Any:
    """A result as botocore's parser gives it back: whole-second UTC times, policies decoded."""
    if value is None:
        return None
    if isinstance(shape, StructureShape):
        return {
            name: parsed_form(item, shape.members[name], url_encoded)
            for name, item in value.items()
            if item is not None
        }
    if isinstance(shape, ListShape):
        return [parsed_form(item, shape.member, url_encoded) for item in value if item is not None]
    if isinstance(shape, MapShape):
        return {
            key: parsed_form(item, shape.value, url_encoded)
            for key, item in value.items()
            if item is not None
        }
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    if shape.type_name == "string" and shape.name in url_encoded:
        return unquote(value)
    return value


def times_to_utc(value: Any) -> Any:
    """``value`` with every datetime made naive UTC, so botocore's parsed (zone-aware)
    timestamps compare equal to the results they were encoded from."""
    if isinstance(value, dict):
        return {k: times_to_utc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [times_to_utc(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return value
