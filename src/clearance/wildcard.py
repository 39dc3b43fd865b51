"""The one IAM wildcard matcher: ``*`` is any run of characters, ``?`` is one.

Patterns are compiled once and cached; every caller (actions, resources,
principals, StringLike, ArnLike) goes through this module. Literal patterns
compile to a plain string comparison, because most policy values contain no
wildcard at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

__all__ = ["Matcher", "Pieces", "compile_pieces", "compile_wildcard", "has_wildcard"]

Matcher = Callable[[str], bool]
# Text assembled from a policy value and substituted variables: (text, is_pattern).
Pieces = tuple[tuple[str, bool], ...]


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def compile_wildcard(pattern: str, ignore_case: bool = False) -> Matcher:
    """A predicate telling whether a whole value matches ``pattern``."""
    return compile_pieces(((pattern, True),), ignore_case)


@lru_cache(maxsize=65536)
def compile_pieces(pieces: Pieces, ignore_case: bool = False) -> Matcher:
    """Compile text whose ``is_pattern`` pieces may hold wildcards.

    Pieces that came from a policy variable (or ``${*}``) are literal: their
    ``*`` and ``?`` match only themselves. Newlines are ordinary characters.
    """
    if not any(is_pattern and has_wildcard(text) for text, is_pattern in pieces):
        return _equals("".join(text for text, _ in pieces), ignore_case)
    if pieces == (("*", True),):
        return _always
    regex = "".join(_piece_regex(text, is_pattern) for text, is_pattern in pieces)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    fullmatch = re.compile(regex, flags).fullmatch
    return lambda value: fullmatch(value) is not None


def _piece_regex(text: str, is_pattern: bool) -> str:
    if not is_pattern:
        return re.escape(text)
    return "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)


def _equals(literal: str, ignore_case: bool) -> Matcher:
    if ignore_case:
        folded = literal.casefold()
        return lambda value: value.casefold() == folded
    return lambda value: value == literal


def _always(_value: str) -> bool:
    return True
