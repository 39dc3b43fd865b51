"""parse → print → parse is the identity; printing is canonical and idempotent."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.policy import (
    Condition,
    Effect,
    Policy,
    PolicyKind,
    PrincipalBlock,
    Statement,
    check_policy,
    parse_policy,
)
from clearance.policy.conditions import BASE_OPERATORS
from clearance.policy.parser import read_policy
from clearance.policy.printer import format_policy, print_policy

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- a strategy for policies as the parser builds them --------------------------------

texts = st.text(max_size=12)
optional_texts = st.none() | texts

AWS_PRINCIPALS = [
    "*",
    "111122223333",
    "arn:aws:iam::111122223333:root",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:role/path/deployer",
    "arn:aws:sts::111122223333:assumed-role/deployer/session",
]


@st.composite
def principals(draw: st.DrawFn) -> PrincipalBlock:
    if draw(st.booleans()):
        return PrincipalBlock(wildcard=True)
    types = draw(st.lists(st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser"]),
                          unique=True, min_size=1, max_size=4))  # fmt: skip
    entries = []
    for principal_type in types:
        values = st.sampled_from(AWS_PRINCIPALS) if principal_type == "AWS" else texts
        entries.append((principal_type, tuple(draw(st.lists(values, max_size=3)))))
    return PrincipalBlock(wildcard=False, entries=tuple(entries))


vendors = st.text("abcdefghijklmnopqrstuvwxyz0123456789-.", min_size=1, max_size=8)
names = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*?", max_size=10)
actions = st.just("*") | st.builds(lambda v, n: f"{v}:{n}", vendors, names)
operators = st.builds(
    lambda qualifier, base, if_exists: (
        qualifier + base + ("IfExists" if if_exists and base != "Null" else "")
    ),
    st.sampled_from(["", "ForAllValues:", "ForAnyValue:"]),
    st.sampled_from(sorted(BASE_OPERATORS)),
    st.booleans(),
)


@st.composite
def conditions(draw: st.DrawFn) -> tuple[Condition, ...]:
    """Grouped by operator, keys unique within an operator: the shape JSON gives."""
    out = []
    for operator in draw(st.lists(operators, unique=True, max_size=3)):
        for key in draw(st.lists(texts, min_size=1, unique=True, max_size=3)):
            out.append(Condition(operator, key, tuple(draw(st.lists(texts, max_size=3)))))
    return tuple(out)


def _one_of_pair(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> tuple[Any, Any]:
    """At most one of an element and its Not- twin."""
    choice = draw(st.sampled_from(["none", "plain", "not"]))
    value = draw(values)
    return (value if choice == "plain" else None, value if choice == "not" else None)


@st.composite
def statements(draw: st.DrawFn) -> Statement:
    principal, not_principal = _one_of_pair(draw, principals())
    action, not_action = _one_of_pair(draw, st.lists(actions, max_size=3).map(tuple))
    resource, not_resource = _one_of_pair(draw, st.lists(texts, max_size=3).map(tuple))
    return Statement(
        effect=draw(st.sampled_from(Effect)),
        sid=draw(optional_texts),
        principal=principal,
        not_principal=not_principal,
        action=action,
        not_action=not_action,
        resource=resource,
        not_resource=not_resource,
        conditions=draw(conditions()),
    )


policies = st.builds(
    Policy,
    st.lists(statements(), max_size=4).map(tuple),
    st.sampled_from([None, "2012-10-17", "2008-10-17"]),
    optional_texts,
)


# -- the properties -------------------------------------------------------------------


@SETTINGS
@given(policies)
def test_parse_print_parse_is_the_identity(policy: Policy) -> None:
    printed = print_policy(policy)
    assert read_policy(printed) == policy
    assert read_policy(json.dumps(printed)) == policy
    assert read_policy(format_policy(policy)) == policy
    for kind in PolicyKind:  # the kind's rules add diagnostics, never change the model
        assert check_policy(printed, kind).policy == policy


@SETTINGS
@given(policies)
def test_printing_is_idempotent(policy: Policy) -> None:
    printed = print_policy(policy)
    assert print_policy(read_policy(printed)) == printed
    assert json.loads(json.dumps(printed)) == printed


@SETTINGS
@given(policies)
def test_canonical_shape(policy: Policy) -> None:
    printed = print_policy(policy)
    assert list(printed)[-1] == "Statement" and isinstance(printed["Statement"], list)
    for statement in printed["Statement"]:
        keys = list(statement)
        assert keys == sorted(keys, key=ORDER.index)
        for name in ("Action", "NotAction", "Resource", "NotResource"):
            assert isinstance(statement.get(name, []), list)
        for values in statement.get("Condition", {}).values():
            assert all(isinstance(v, list) for v in values.values())


ORDER = ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction"]
ORDER += ["Resource", "NotResource", "Condition"]


def test_print_an_aws_document_in_canonical_form() -> None:
    document = {
        "Statement": {
            "Condition": {"Bool": {"aws:SecureTransport": False}},
            "Resource": "arn:aws:s3:::bucket/*",
            "Action": "s3:GetObject",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Effect": "Allow",
            "Sid": "Read",
        },
        "Id": "BucketPolicy",
        "Version": "2012-10-17",
    }
    policy = parse_policy(document, PolicyKind.RESOURCE)
    assert print_policy(policy) == {
        "Version": "2012-10-17",
        "Id": "BucketPolicy",
        "Statement": [
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::111122223333:root"]},
                "Action": ["s3:GetObject"],
                "Resource": ["arn:aws:s3:::bucket/*"],
                "Condition": {"Bool": {"aws:SecureTransport": ["false"]}},
            }
        ],
    }
    assert list(print_policy(policy)) == ["Version", "Id", "Statement"]
    first = print_policy(policy)["Statement"][0]
    assert list(first) == ["Sid", "Effect", "Principal", "Action", "Resource", "Condition"]
    assert parse_policy(print_policy(policy), PolicyKind.RESOURCE) == policy
