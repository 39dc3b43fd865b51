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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from clearance.wildcard import Pieces

__all__ = [
    "UNRESOLVED",
    "BaseOperator",
    "Context",
    "Operator",
    "RequestValue",
    "SetQualifier",
    "join_pieces",
]

# A policy value whose variable has no value in the request: it is null, so it
# equals nothing and the negated operators hold against it.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value
UNRESOLVED = object()

# A context value: absent, single-valued, or multi-valued.
RequestValue = str | tuple[str, ...] | None
# A request context: lower-cased condition keys to their values.
Context = Mapping[str, str | tuple[str, ...]]


def join_pieces(pieces: Pieces) -> str:
    return "".join(text for text, _ in pieces)


@dataclass(frozen=True, slots=True)
class BaseOperator:
    """An operator family member, e.g. ``StringLike`` or ``NumericLessThan``.

    ``prepare`` reads a policy value once, ``coerce`` reads a request value
    (None when it is not of the operator's type, e.g. ``"abc"`` for a number),
    ``compare`` tests one prepared policy value against one coerced request value.
    ``negated`` operators are written as their positive twin plus the flag, so
    the "not" is applied once, in :class:`Operator`.
    """

    name: str
    prepare: Callable[[Pieces], object | None]
    coerce: Callable[[str], object | None]
    compare: Callable[[object, object], bool]
    negated: bool = False
    is_null_check: bool = False
    # ``compare`` is plain equality of hashable values: matching can be a set lookup.
    by_equality: bool = False
    # ``coerce`` returns the request value unchanged (and never None).
    coerce_is_identity: bool = False
    # A prepared value is itself the predicate: ``compare(p, v)`` is ``p(v)``.
    prepared_is_matcher: bool = False


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

    def evaluate(self, prepared: Sequence[object], request: RequestValue) -> bool:
        """Apply the operator to the prepared policy values and the request's value.

        ``request`` is None when the key is absent, a string for a single-valued
        key, a tuple (possibly empty) for a multi-valued key.
        """
        if self.base.is_null_check:
            return self._null(prepared, request)
        qualifier = self.qualifier
        if request is None:
            if self.if_exists or qualifier is SetQualifier.FOR_ALL_VALUES:
                return True
            if qualifier is SetQualifier.FOR_ANY_VALUE:
                return False
            # A negated operator on an absent key: nothing equals, so "not equal" holds.
            return self.base.negated
        if qualifier is None:
            if isinstance(request, tuple):
                # A single-valued operator cannot compare a multi-valued key.
                return False
            return self._single(prepared, request)
        values = (request,) if isinstance(request, str) else request
        if qualifier is SetQualifier.FOR_ALL_VALUES:
            return all(self._single(prepared, value) for value in values)
        return any(self._single(prepared, value) for value in values)

    def bind(self, prepared: Sequence[object], key: str) -> Callable[[Context], bool]:
        """A predicate over a request context (lower-cased keys), equivalent to
        ``evaluate(prepared, context.get(key))``, with the modifiers resolved once.

        Used on the decision path, where every call saved counts; the
        equivalence is pinned by a property test.
        """
        if self.base.is_null_check or self.qualifier is not None:
            evaluate, values = self.evaluate, tuple(prepared)
            return lambda context: evaluate(values, context.get(key))
        absent = self.if_exists or self.base.negated
        negated = self.base.negated
        coerce = self.base.coerce
        if not prepared:
            return lambda context: absent if context.get(key) is None else False
        if self.base.by_equality:
            members = frozenset(prepared)

            def member(context: Context) -> bool:
                value = context.get(key)
                if value is None:
                    return absent
                if value.__class__ is tuple:
                    return False
                coerced = coerce(value)  # type: ignore[arg-type]
                return coerced is not None and (coerced in members) != negated

            return member
        compare, policy_values = self.base.compare, tuple(prepared)

        def compares(context: Context) -> bool:
            value = context.get(key)
            if value is None:
                return absent
            if value.__class__ is tuple:
                return False
            coerced = coerce(value)  # type: ignore[arg-type]
            if coerced is None:
                return False
            for policy_value in policy_values:
                if compare(policy_value, coerced):
                    return not negated
            return negated

        return compares

    def inline(
        self, prepared: Sequence[object], key: str, slot: str
    ) -> tuple[list[str], dict[str, object]] | None:
        """Python source equivalent to :meth:`bind`, for a statement's generated test.

        The lines (indented by four spaces) read ``context`` and ``return False``
        when the condition does not hold, else fall through. The dict holds the
        objects they name, each prefixed by ``slot``. None when the operator has
        no inline form (``Null`` and set qualifiers): call :meth:`bind`'s predicate.
        """
        if self.base.is_null_check or self.qualifier is not None:
            return None
        base = self.base
        absent = self.if_exists or base.negated
        negated = base.negated
        get = f"context.get({key!r})"
        if not prepared:
            return (
                [f"    if {get} is not None:", "        return False"]
                if absent
                else ["    return False"]
            ), {}
        names: dict[str, object] = {}
        if absent:
            lines, indent = [f"    value = {get}", "    if value is not None:"], "        "
        else:
            lines = [f"    value = {get}", "    if value is None:", "        return False"]
            indent = "    "
        body = ["if value.__class__ is tuple:", "    return False"]
        if base.coerce_is_identity:
            body.append("coerced = value")
        else:
            names[f"{slot}_coerce"] = base.coerce
            body += [f"coerced = {slot}_coerce(value)", "if coerced is None:", "    return False"]
        if base.by_equality:
            names[f"{slot}_members"] = frozenset(prepared)
            test = "in" if negated else "not in"
            body += [f"if coerced {test} {slot}_members:", "    return False"]
        else:
            if base.prepared_is_matcher:
                call = "{}(coerced)"
            else:
                names[f"{slot}_compare"] = base.compare
                call = f"{slot}_compare({{}}, coerced)"
            if len(prepared) == 1:
                names[f"{slot}_value"] = prepared[0]
                hit = call.format(f"{slot}_value")
                body += [f"if {hit}:" if negated else f"if not {hit}:", "    return False"]
            else:
                names[f"{slot}_values"] = tuple(prepared)
                hit = call.format("policy_value")
                body += [f"for policy_value in {slot}_values:", f"    if {hit}:"]
                if negated:
                    body.append("        return False")
                else:
                    body += ["        break", "else:", "    return False"]
        lines += [indent + line for line in body]
        return lines, names

    def _single(self, prepared: Sequence[object], value: str) -> bool:
        """One request value against the policy's values (any of them, OR).

        ``prepared`` holds only valid policy values (and :data:`UNRESOLVED`).
        A request value of the wrong type, or a policy without one valid value,
        never satisfies the operator, negated or not.
        """
        if not prepared:
            return False
        coerced = self.base.coerce(value)
        if coerced is None:
            return False
        compare = self.base.compare
        hit = False
        for policy_value in prepared:
            if policy_value is not UNRESOLVED and compare(policy_value, coerced):
                hit = True
                break
        return hit != self.base.negated

    def _null(self, prepared: Sequence[object], request: RequestValue) -> bool:
        """``Null: {key: "true"}`` holds when the key is absent (or has no values)."""
        absent = request is None or request == ()
        if self.qualifier is SetQualifier.FOR_ALL_VALUES and absent:
            return True
        if self.qualifier is SetQualifier.FOR_ANY_VALUE and absent:
            return False
        return any(p is absent for p in prepared if p is not UNRESOLVED)
