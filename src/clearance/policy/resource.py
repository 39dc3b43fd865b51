"""Matching ARNs against ARN patterns (the Resource element and ``Arn*`` operators).

An ARN has six colon-separated parts; a wildcard in one of the first five parts
stays inside that part, a wildcard in the resource part spans the rest
(``arn:aws:s3:::bucket/*`` covers every key, ``arn:aws:iam::*:role/x`` never
crosses into the resource part). A pattern with fewer than six parts (``*``,
``arn:aws:s3:*``) is matched against the whole value. Matching is
case-sensitive.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
"""

from __future__ import annotations

import re
from functools import lru_cache

from clearance.wildcard import Matcher, Pieces, compile_pieces, has_wildcard

__all__ = ["compile_arn_pattern", "compile_resource"]


@lru_cache(maxsize=65536)
def compile_resource(pattern: str) -> Matcher:
    return compile_arn_pattern(((pattern, True),), require_arn=False)


@lru_cache(maxsize=65536)
def compile_arn_pattern(pieces: Pieces, require_arn: bool) -> Matcher:
    """Compile a pattern; with ``require_arn`` a value that is no ARN never matches."""
    parts = _split_parts(pieces)
    if len(parts) < 6:
        return compile_pieces(pieces)
    if not any(is_pattern and has_wildcard(text) for text, is_pattern in pieces):
        literal = "".join(text for text, _ in pieces)
        return lambda value: value == literal
    regex = ":".join(
        _part_regex(part, spans_colons=index == 5) for index, part in enumerate(parts)
    )
    fullmatch = re.compile(regex, re.DOTALL).fullmatch
    return lambda value: fullmatch(value) is not None


def _split_parts(pieces: Pieces) -> list[list[tuple[str, bool]]]:
    """Split on the first five colons, keeping each piece's literal/pattern nature."""
    parts: list[list[tuple[str, bool]]] = [[]]
    for text, is_pattern in pieces:
        chunks = text.split(":", 6 - len(parts)) if len(parts) < 6 else [text]
        for number, chunk in enumerate(chunks):
            if number:
                parts.append([])
            if chunk:
                parts[-1].append((chunk, is_pattern))
    return parts


def _part_regex(part: list[tuple[str, bool]], spans_colons: bool) -> str:
    star = ".*" if spans_colons else "[^:]*"
    one = "." if spans_colons else "[^:]"
    out = []
    for text, is_pattern in part:
        if not is_pattern:
            out.append(re.escape(text))
            continue
        out.extend(star if ch == "*" else one if ch == "?" else re.escape(ch) for ch in text)
    return "".join(out)
