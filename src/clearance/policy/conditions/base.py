"""Condition operators: one base operator per family module, modifiers here.

A base operator knows how to read a policy value once (``prepare``) and how
to compare one prepared policy value with one request value (``match``).
Everything that AWS layers on top — negation, ``...IfExists``,
``ForAllValues:`` / ``ForAnyValue:`` and the rules for missing or empty keys —
is applied in :meth:`Operator.evaluate`, and only there.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from clearance.wildcard import Pieces

__all__ = ["BaseOperator", "Operator", "SetQualifier", "join_pieces"]


def join_pieces(pieces: Pieces) -> str:
    return "".join(text for text, _ in pieces)


@dataclass(frozen=True, slots=True)
class BaseOperator:
    """An operator family member, e.g. ``StringLike`` or ``NumericLessThan``.

    ``negated`` operators are written as their positive twin plus the flag, so
    the "not" is applied once, in :class:`Operator`.
    """

    name: str
    prepare: Callable[[Pieces], object | None]
    match: Callable[[object, str], bool]
    negated: bool = False
    is_null_check: bool = False


class SetQualifier(Enum):
    FOR_ALL_VALUES = "ForAllValues"
    FOR_ANY_VALUE = "ForAnyValue"


@dataclass(frozen=True, slots=True)
class Operator:
    """A complete operator as written: ``ForAnyValue:StringLikeIfExists``."""

    text: str
    base: BaseOperator
    qualifier: SetQualifier | None = None
    if_exists: bool = False

    def evaluate(self, prepared: Sequence[object], request: tuple[str, ...] | None) -> bool:
        """Apply the operator to the prepared policy values and the request's values.

        ``request`` is None when the key is absent from the request context; a
        multi-valued key present with no values is an empty tuple.
        """
        if self.base.is_null_check:
            return self._null(prepared, request)
        if request is None or (not request and self.qualifier is None):
            if self.if_exists or self.qualifier is SetQualifier.FOR_ALL_VALUES:
                return True
            if self.qualifier is SetQualifier.FOR_ANY_VALUE:
                return False
            # A negated operator on an absent key: nothing equals, so "not equal" holds.
            return self.base.negated
        single = self._single
        if self.qualifier is SetQualifier.FOR_ALL_VALUES:
            return all(single(prepared, value) for value in request)
        if self.qualifier is SetQualifier.FOR_ANY_VALUE:
            return any(single(prepared, value) for value in request)
        hit = any(self._positive(prepared, value) for value in request)
        return hit != self.base.negated

    def _positive(self, prepared: Sequence[object], value: str) -> bool:
        match = self.base.match
        return any(p is not None and match(p, value) for p in prepared)

    def _single(self, prepared: Sequence[object], value: str) -> bool:
        return self._positive(prepared, value) != self.base.negated

    def _null(self, prepared: Sequence[object], request: tuple[str, ...] | None) -> bool:
        """``Null: {key: "true"}`` holds when the key is absent (or has no values)."""
        absent = request is None or not request
        if self.qualifier is SetQualifier.FOR_ALL_VALUES and absent:
            return True
        if self.qualifier is SetQualifier.FOR_ANY_VALUE and absent:
            return False
        return any(p is absent for p in prepared)
