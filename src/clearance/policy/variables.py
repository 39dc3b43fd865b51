"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team, 'none'}``.

A value containing variables is parsed once into a :class:`Template`; at
request time each variable is replaced by the request's value for that key.
Text that comes from a variable (and ``${*}``, ``${?}``, ``${$}``) is literal:
it never acts as a wildcard.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["VARIABLE_PATTERN", "Segment", "Template", "has_variables", "parse_template"]

VARIABLE_PATTERN = re.compile(r"\$\{([^}]*)\}")
_DEFAULTED = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}

Lookup = Callable[[str], "str | tuple[str, ...] | None"]


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a template: policy text, literal text, or a variable."""

    text: str
    is_variable: bool = False
    is_literal: bool = False
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    segments: tuple[Segment, ...]

    def resolve(self, lookup: Lookup) -> tuple[tuple[str, bool], ...] | None:
        """``(text, is_pattern)`` pieces, or None when a variable has no value.

        ``lookup`` receives the lower-cased key and returns its value or None.
        A variable naming a multi-valued key does not resolve.
        """
        pieces: list[tuple[str, bool]] = []
        for seg in self.segments:
            if not seg.is_variable:
                pieces.append((seg.text, not seg.is_literal))
                continue
            value = lookup(seg.text)
            if isinstance(value, str):
                pieces.append((value, False))
            elif seg.default is not None:
                pieces.append((seg.default, False))
            else:
                return None
        return tuple(pieces)

    def variable_keys(self) -> tuple[str, ...]:
        return tuple(seg.text for seg in self.segments if seg.is_variable)


def has_variables(value: str) -> bool:
    return "${" in value and VARIABLE_PATTERN.search(value) is not None


def parse_template(value: str) -> Template:
    segments: list[Segment] = []
    position = 0
    for found in VARIABLE_PATTERN.finditer(value):
        if found.start() > position:
            segments.append(Segment(value[position : found.start()]))
        segments.append(_variable_segment(found.group(1)))
        position = found.end()
    if position < len(value):
        segments.append(Segment(value[position:]))
    return Template(value, tuple(segments))


def _variable_segment(body: str) -> Segment:
    stripped = body.strip()
    if stripped in _SPECIAL:
        return Segment(_SPECIAL[stripped], is_literal=True)
    defaulted = _DEFAULTED.match(body)
    if defaulted is not None:
        return Segment(defaulted.group(1).lower(), is_variable=True, default=defaulted.group(2))
    return Segment(stripped.lower(), is_variable=True)
