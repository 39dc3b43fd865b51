"""Matching ARNs against ARN patterns (the Resource element and ``Arn*`` operators).

An ARN has six colon-separated parts; a wildcard in one of the first five
parts stays inside that part, a wildcard in the resource part spans the rest
(``arn:aws:s3:::bucket/*`` covers every key). Matching is case-sensitive.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html

Two rules that AWS applies to the Resource element and that the conformance
corpus pins (cloud-copilot/iam-simulate's tests, observed against AWS):

* The resource type in front of ``/`` or ``:`` in the resource part
  (``instance`` in ``instance/i-1``) is never matched by a wildcard: the pattern
  ``...:*/i-1`` does not cover ``...:instance/i-1``. S3 ARNs have no type.
* A *short* ARN (fewer than six parts, e.g. ``arn:aws:sqs:us-east-1``) is read
  differently per policy type — see :class:`ShortArnRule`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum, IntEnum
from functools import lru_cache

from clearance.wildcard import Matcher, Pieces, compile_pieces, has_wildcard

__all__ = [
    "ResourceMatch",
    "ShortArnRule",
    "compile_arn_pattern",
    "compile_resource",
    "compile_resource_pieces",
]


class ResourceMatch(IntEnum):
    """A pattern's verdict on a resource. ``INVALID`` patterns match nothing,
    and a NotResource statement holding one does not apply at all."""

    MISS = 0
    MATCH = 1
    INVALID = 2


class ShortArnRule(Enum):
    """How a policy type reads an ARN pattern with fewer than six parts."""

    # Identity, session, boundary and VPC endpoint policies: missing parts are
    # wildcards; a pattern that does not then match is invalid for the request.
    EXPAND = "expand"
    # Resource-based policies: expanded only when the pattern has a wildcard;
    # otherwise compared as it is.
    EXPAND_IF_WILDCARD = "expand_if_wildcard"
    # SCPs: accepted only when the pattern ends with a wildcard.
    TRAILING_WILDCARD = "trailing_wildcard"
    # RCPs: never accepted.
    REJECT = "reject"


ResourceTest = Callable[[str], ResourceMatch]


def compile_resource(pattern: str, rule: ShortArnRule = ShortArnRule.EXPAND) -> ResourceTest:
    return compile_resource_pieces(((pattern, True),), rule)


@lru_cache(maxsize=65536)
def compile_resource_pieces(pieces: Pieces, rule: ShortArnRule) -> ResourceTest:
    text = "".join(t for t, _ in pieces)
    if not text.startswith("arn:"):
        whole = compile_pieces(pieces)
        return lambda value: ResourceMatch.MATCH if whole(value) else ResourceMatch.MISS
    parts = _split_parts(pieces)
    if len(parts) >= 6:
        full = _compile_parts(parts, typed=True)
        return lambda value: ResourceMatch.MATCH if full(value) else ResourceMatch.MISS
    wildcard = any(is_pattern and has_wildcard(t) for t, is_pattern in pieces)
    if rule is ShortArnRule.REJECT or (
        rule is ShortArnRule.TRAILING_WILDCARD and not text.endswith("*")
    ):
        return lambda _value: ResourceMatch.INVALID
    if rule is ShortArnRule.EXPAND_IF_WILDCARD and not wildcard:
        return lambda value: ResourceMatch.MATCH if value == text else ResourceMatch.MISS
    expanded = _compile_parts(parts + [[("*", True)] for _ in range(6 - len(parts))], typed=False)
    miss = ResourceMatch.INVALID if rule is ShortArnRule.EXPAND else ResourceMatch.MISS
    return lambda value: ResourceMatch.MATCH if expanded(value) else miss


@lru_cache(maxsize=65536)
def compile_arn_pattern(pieces: Pieces) -> Matcher:
    """An ``ArnLike`` matcher: each part on its own, wildcards everywhere.

    A pattern with fewer than six parts is matched against the whole value.
    (Request values that are not ARNs never reach it: the Arn operators'
    ``coerce`` rejects them.)
    """
    parts = _split_parts(pieces)
    if len(parts) < 6:
        return compile_pieces(pieces)
    return _compile_parts(parts, typed=False)


def _compile_parts(parts: list[list[tuple[str, bool]]], typed: bool) -> Matcher:
    flat = [piece for part in parts for piece in part]
    if not any(is_pattern and has_wildcard(t) for t, is_pattern in flat):
        literal = ":".join("".join(t for t, _ in part) for part in parts)
        return lambda value: value == literal
    service = "".join(t for t, _ in parts[2])
    resource_regex = _part_regex(parts[5], spans_colons=True)
    if typed and service != "s3":
        resource_regex = _typed_resource_regex(parts[5]) or resource_regex
    regex = ":".join([*(_part_regex(p, spans_colons=False) for p in parts[:5]), resource_regex])
    fullmatch = re.compile(regex, re.DOTALL).fullmatch
    return lambda value: fullmatch(value) is not None


def _typed_resource_regex(part: list[tuple[str, bool]]) -> str | None:
    """The resource part with its type prefix taken literally, if it has one."""
    text = "".join(t for t, _ in part)
    cut = min((i for i in (text.find("/"), text.find(":")) if i >= 0), default=-1)
    if cut <= 0:
        return None
    prefix, rest = text[:cut], text[cut:]
    if not has_wildcard(prefix):
        return None
    return re.escape(prefix) + _part_regex([(rest, True)], spans_colons=True)


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
