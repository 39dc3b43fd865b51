"""Where each statement of a policy document sits in its source text, as the
policy simulator reports it (``StartPosition`` / ``EndPosition``).

AWS reports the position just *after* the statement's opening ``{`` and just
after its closing ``}``: lines count from 1, columns count characters from 1.
In the AWS CLI's own example a one-line policy whose statement object spans
characters 37..166 (1-based) is reported as columns 38..167.
https://docs.aws.amazon.com/cli/latest/reference/iam/simulate-custom-policy.html
"""

from __future__ import annotations

import json
from bisect import bisect_right
from typing import NamedTuple

__all__ = ["Position", "StatementSpan", "statement_spans"]

_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


class Position(NamedTuple):
    line: int
    column: int

    def to_shape(self) -> dict[str, int]:
        return {"Line": self.line, "Column": self.column}


class StatementSpan(NamedTuple):
    start: Position
    end: Position


def statement_spans(text: str) -> list[StatementSpan]:
    """The span of each statement object, in document order (one for a
    ``Statement`` given as a single object). Empty when the text is not a JSON
    object: the parser has already reported that."""
    try:
        offsets = _statement_offsets(text)
    except (ValueError, IndexError):
        return []
    lines = _LineIndex(text)
    return [StatementSpan(lines.after(start), lines.after(end - 1)) for start, end in offsets]


def _statement_offsets(text: str) -> list[tuple[int, int]]:
    """``(index of '{', index after '}')`` of each statement object."""
    i = _skip(text, 0)
    if text[i] != "{":
        return []
    i = _skip(text, i + 1)
    found: list[tuple[int, int]] = []
    while text[i] != "}":
        key, i = _DECODER.raw_decode(text, i)
        i = _skip(text, i)
        if text[i] != ":":
            raise ValueError("expected ':'")
        start = _skip(text, i + 1)
        _, end = _DECODER.raw_decode(text, start)
        if key == "Statement":
            found = _objects_in(text, start, end)
        i = _skip(text, end)
        if text[i] == ",":
            i = _skip(text, i + 1)
    return found


def _objects_in(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if text[start] == "{":
        return [(start, end)]
    if text[start] != "[":
        return []
    spans: list[tuple[int, int]] = []
    i = _skip(text, start + 1)
    while text[i] != "]":
        _, after = _DECODER.raw_decode(text, i)
        if text[i] == "{":
            spans.append((i, after))
        i = _skip(text, after)
        if text[i] == ",":
            i = _skip(text, i + 1)
    return spans


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _SPACE:
        i += 1
    return i


class _LineIndex:
    """Line starts of a text (``\\n``, ``\\r\\n`` and a lone ``\\r`` end a line)."""

    def __init__(self, text: str) -> None:
        starts = [0]
        i = 0
        while i < len(text):
            char = text[i]
            if char == "\r" and i + 1 < len(text) and text[i + 1] == "\n":
                i += 1
            if char in "\r\n":
                starts.append(i + 1)
            i += 1
        self._starts = starts

    def after(self, index: int) -> Position:
        """The position just after the character at ``index``."""
        line = bisect_right(self._starts, index) - 1
        return Position(line + 1, index - self._starts[line] + 2)
