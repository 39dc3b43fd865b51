"""The generated statement code (``Operator.inline``, compiled by the engine)
decides exactly as ``Operator.bind`` and ``Operator.evaluate`` for every
operator, value and request value, including condition keys with quotes,
backslashes and newlines (they reach the generated source only through
``repr``)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.engine.compiled import _test_factory
from clearance.policy.conditions import parse_operator
from tests.conditions.test_bind import OPERATORS, REQUEST, VALUES


class _Request:
    def __init__(self, context: dict[str, Any]) -> None:
        self.context = context


KEYS = st.sampled_from(["k", "aws:sourceip", 'it\'s "quoted"\\n', "a\nb", "x'); import os; ('"])


@settings(max_examples=2000, deadline=None)
@given(OPERATORS, st.lists(VALUES, max_size=3), REQUEST, KEYS)
def test_generated_code_agrees_with_bind_and_evaluate(
    name: str, policy_values: list[Any], request: Any, key: str
) -> None:
    operator = parse_operator(name)
    if operator is None:
        return
    prepare = operator.base.prepare
    prepared = [p for p in (prepare(((v, True),)) for v in policy_values) if p is not None]
    inline = operator.inline(prepared, key, "c0")
    if inline is None:  # this operator keeps its bind closure
        return
    lines, names = inline
    body = "\n".join(["    context = request.context", *lines, "    return True"])
    generated = _test_factory(tuple(names), body)(*names.values())
    context = {key: request} if request is not None else {}
    expected = operator.bind(prepared, key)(context)
    assert generated(_Request(context)) == expected == operator.evaluate(prepared, request)
