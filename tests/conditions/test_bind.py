"""``Operator.bind`` (the decision path's form) agrees with ``Operator.evaluate``
(the obvious form) for every operator, modifier and kind of request value."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.policy.conditions import BASE_OPERATORS, parse_operator

VALUES = st.sampled_from(
    [
        "a",
        "A",
        "ab",
        "a*",
        "true",
        "True",
        "false",
        "10",
        "10.0",
        "-3",
        "x",
        "2024-01-01T00:00:00Z",
        "1700000000",
        "10.0.0.1",
        "10.0.0.0/8",
        "::1",
        "2001:db8::/32",
        "arn:aws:s3:::b/k",
        "arn:aws:s3:::b/*",
        "aGVsbG8=",
        " true ",
        "",
    ]
)
REQUEST = st.one_of(st.none(), VALUES, st.lists(VALUES, max_size=3).map(tuple))
OPERATORS = st.builds(
    lambda base, qualifier, if_exists: f"{qualifier}{base}{'IfExists' if if_exists else ''}",
    st.sampled_from(sorted(BASE_OPERATORS)),
    st.sampled_from(["", "ForAllValues:", "ForAnyValue:"]),
    st.booleans(),
)


@settings(max_examples=3000, deadline=None)
@given(OPERATORS, st.lists(VALUES, max_size=3), REQUEST)
def test_bind_agrees_with_evaluate(name: str, policy_values: list[str], request: object) -> None:
    operator = parse_operator(name)
    if operator is None:  # e.g. NullIfExists
        return
    prepare = operator.base.prepare
    prepared = [p for p in (prepare(((v, True),)) for v in policy_values) if p is not None]
    assert operator.bind(prepared, "k")(
        {"k": request} if request is not None else {}
    ) == operator.evaluate(prepared, request)  # type: ignore[arg-type]
