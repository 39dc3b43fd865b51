"""The parser's contract: any input, only PolicyError; every problem, each with a pointer.

Also the size limits of :mod:`clearance.policy.limits`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.errors import MalformedPolicyDocument, PolicySizeExceeded
from clearance.policy import Diagnostic, Effect, PolicyKind, Severity, check_policy, parse_policy
from clearance.policy.limits import (
    MANAGED_POLICY,
    ROLE_INLINE_POLICIES,
    USER_INLINE_POLICIES,
    check_inline_size,
    check_size,
    policy_size,
)
from clearance.policy.parser import ParseResult, PolicyError, check_grammar, read_policy

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Check = Callable[[Any], ParseResult]
CHECKS: list[Check] = [check_grammar, *(lambda s, k=k: check_policy(s, k) for k in PolicyKind)]


def _parse_everything(source: Any) -> None:
    """Run every entry point; anything but PolicyError escapes and fails the test."""
    for check in CHECKS:
        result = check(source)
        assert all(isinstance(d, Diagnostic) for d in result.diagnostics)
        if result.policy is None:
            assert result.errors, "an unreadable document must say why"
    for parse in (read_policy, *(lambda s, k=k: parse_policy(s, k) for k in PolicyKind)):
        try:
            parse(source)
        except PolicyError as error:
            assert isinstance(error, MalformedPolicyDocument)
            assert error.diagnostics and error.message == error.diagnostics[0].message


# -- any input, only PolicyError ------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)

ELEMENTS = ["Version", "Id", "Statement", "Sid", "Effect", "Principal", "NotPrincipal"]
ELEMENTS += ["Action", "NotAction", "Resource", "NotResource", "Condition", "AWS", "Service"]
ELEMENTS += ["StringEquals", "DateLessThan", "ForAnyValue:StringLike", "NullIfExists", "aws:x"]
SCALARS = ["2012-10-17", "2008-10-17", "Allow", "Deny", "allow", "*", "s3:GetObject", "s3"]
SCALARS += ["arn:aws:s3:::b/*", "arn:aws:iam::111122223333:root", "a:b:c", "2020-01-01T00:00:00Z"]
SCALARS += ["${aws:username}", "true", "", "sts:AssumeRole", "arn:aws::x", "123456789012"]

# Documents shaped like policies, so that every rule gets its turn with odd values.
policy_like = st.recursive(
    st.sampled_from(SCALARS) | st.none() | st.booleans() | st.integers(-3, 3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(ELEMENTS), inner, max_size=5)
    ),
    max_leaves=40,
)


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    _parse_everything(data)


@SETTINGS
@given(json_values)
def test_random_json_as_text_and_object(value: Any) -> None:
    _parse_everything(json.dumps(value))
    _parse_everything(value)


@SETTINGS
@given(policy_like)
def test_policy_like_documents(document: Any) -> None:
    _parse_everything(json.dumps(document))
    _parse_everything({"Version": "2012-10-17", "Statement": document})
    _parse_everything({"Statement": [{"Effect": "Allow", "Condition": document}]})


@SETTINGS
@given(policy_like)
def test_every_pointer_resolves(document: Any) -> None:
    """A problem's pointer names a place that exists (the parent, for something missing)."""
    for source in (document, {"Statement": document}, {"Statement": [{"Condition": document}]}):
        decoded = json.loads(json.dumps(source))
        for check in CHECKS:
            for diagnostic in check(source).diagnostics:
                _resolve(decoded, diagnostic.pointer)


def _resolve(document: Any, where: str) -> Any:
    node = document
    if not where:
        return node
    assert where.startswith("/")
    for raw in where[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


@pytest.mark.parametrize("depth", [50, 1000, 100_000])
def test_deeply_nested_text(depth: int) -> None:
    _parse_everything("[" * depth + "]" * depth)
    _parse_everything('{"a":' * depth + "1" + "}" * depth)
    _parse_everything('{"Statement": ' + "[" * depth + "]" * depth + "}")


@pytest.mark.parametrize("depth", [50, 5000])
def test_deeply_nested_objects(depth: int) -> None:
    nested: Any = "s3:GetObject"
    for _ in range(depth):
        nested = {"k": [nested]}
    _parse_everything(nested)
    _parse_everything({"Statement": {"Effect": "Allow", "Action": nested, "Condition": nested}})


class _Odd:
    pass


@pytest.mark.parametrize(
    "source",
    [None, 7, 1.5, ["Statement"], _Odd(), {"a": _Odd()}, {"a": float("nan")}, {1: 2}, b"\xff\xfe",
     "", "{", '{"Version": NaN}', '{"a": 1, "a": 2}', "\ufeff{}", bytearray(b"{}")],
)  # fmt: skip
def test_odd_inputs(source: Any) -> None:
    _parse_everything(source)


def test_cyclic_object() -> None:
    cyclic: dict[str, Any] = {"Version": "2012-10-17"}
    cyclic["Statement"] = cyclic
    _parse_everything(cyclic)


# -- every problem, in AWS's order ----------------------------------------------------


def test_every_problem_is_collected() -> None:
    document = {
        "Version": "2012-10-17",
        "Extra": 1,
        "Statement": [
            {"Effect": "Allow", "Action": "s3:List:Bucket", "Resource": "adf"},
            {"Effect": "allow", "Action": "iam", "Resource": "arn:aws:s3:::b"},
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*"},
        ],
    }
    result = check_policy(json.dumps(document), PolicyKind.IDENTITY)
    assert [(d.message, d.pointer) for d in result.diagnostics] == [
        ("Syntax errors in policy.", "/Extra"),
        ("The policy failed legacy parsing", "/Statement/1/Effect"),
        ('Resource adf must be in ARN format or "*".', "/Statement/0/Resource"),
        ("Actions/Condition can contain only one colon.", "/Statement/0/Action"),
        ("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
         "/Statement/1/Action"),
        ("Policy statement must contain resources.", "/Statement/2"),
        ("Policy document should not specify a principal.", "/Statement/2/Principal"),
    ]  # fmt: skip
    with pytest.raises(PolicyError) as raised:
        parse_policy(document)
    assert raised.value.message == "Syntax errors in policy."
    assert raised.value.diagnostics == result.diagnostics


def test_aws_names_the_last_resource_it_checks() -> None:
    """Statements in order, Resource before NotResource, list values in descending order."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Action": "s3:*", "NotResource": "zzz"},
            {"Effect": "Allow", "Action": "s3:*", "Resource": ["bbb", "ccc", "aaa"]},
        ],
    }
    result = check_policy(json.dumps(document))
    assert result.diagnostics[0].message == 'Resource zzz must be in ARN format or "*".'
    assert sorted(d.pointer for d in result.diagnostics) == [
        "/Statement/0/NotResource",
        "/Statement/1/Resource/0",
        "/Statement/1/Resource/1",
        "/Statement/1/Resource/2",
    ]


def test_legacy_resource_after_a_format_error_comes_later() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "adf"},
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws::x"},
        ],
    }
    messages = [d.message for d in check_policy(json.dumps(document)).diagnostics]
    assert messages == [
        'Resource adf must be in ARN format or "*".',
        "The policy failed legacy parsing",
    ]


# -- the result ------------------------------------------------------------------------


def test_parse_builds_the_model() -> None:
    document = {
        "Version": "2012-10-17",
        "Id": "p1",
        "Statement": {
            "Sid": "One",
            "Effect": "Deny",
            "Action": "s3:*",
            "NotResource": ["arn:aws:s3:::b", None],
            "Condition": {
                "Bool": {"aws:SecureTransport": False},
                "NumericLessThan": {"k": [1, 2.5]},
            },
        },
    }
    policy = parse_policy(json.dumps(document).encode())
    assert (policy.version, policy.id, policy.supports_variables) == ("2012-10-17", "p1", True)
    (statement,) = policy.statements
    assert statement.effect is Effect.DENY and statement.sid == "One"
    assert statement.action == ("s3:*",) and statement.resource is None
    assert statement.not_resource == ("arn:aws:s3:::b",)
    assert [(c.operator, c.key, c.values) for c in statement.conditions] == [
        ("Bool", "aws:SecureTransport", ("false",)),
        ("NumericLessThan", "k", ("1", "2.5")),
    ]
    assert parse_policy(document) == policy  # an object works as well as text


def test_warnings_do_not_fail_parsing() -> None:
    document = {
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::${aws:username}",
        }
    }
    result = check_policy(json.dumps(document), PolicyKind.SESSION)
    assert [(d.severity, d.code, d.pointer) for d in result.diagnostics] == [
        (Severity.WARNING, "PolicyVariableIgnored", "/Statement/Resource")
    ]
    assert result.ok
    assert parse_policy(document, PolicyKind.SESSION).statements[0].resource == (
        "arn:aws:s3:::${aws:username}",
    )


def test_read_policy_is_lenient_about_the_kind() -> None:
    stored = {"Version": "2008-10-17", "Statement": []}
    assert read_policy(stored).statements == ()
    with pytest.raises(PolicyError):
        parse_policy(stored)
    with pytest.raises(PolicyError, match=r"Syntax errors in policy\."):
        read_policy({"Statement": {"Effect": "Perhaps"}})


def test_unreadable_text() -> None:
    result = check_policy("{not json")
    assert result.policy is None
    assert [d.to_json() for d in result.diagnostics] == [
        {"code": "MalformedPolicyDocument", "message": "Syntax errors in policy.", "pointer": "",
         "severity": "ERROR"}
    ]  # fmt: skip


# -- size limits ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ('{"a": "b c"}', 11),
        ('{\n  "a" :\t[ "x" , "y" ]\r\n}', 15),
        ('{"a": "q\\" \\\\ z"}', 16),
        ("", 0),
        ('"unterminated  ', 15),
    ],
)
def test_policy_size_counts_as_iam_does(text: str, size: int) -> None:
    assert policy_size(text) == size
    assert policy_size(text.encode()) == size


def _document_of_size(size: int, padding: str = "") -> str:
    """A policy of exactly ``size`` characters as IAM counts them, ``padding`` between tokens."""
    head = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*",'
    head += '"Resource":"arn:aws:s3:::'
    tail = '"}}'
    text = head + "b" * (size - len(head) - len(tail)) + tail
    return text.replace(",", "," + padding)


def test_managed_policy_limit() -> None:
    exact = _document_of_size(6144, padding="\n    ")
    assert check_size(exact, PolicyKind.IDENTITY) == 6144
    assert check_size(exact, PolicyKind.PERMISSIONS_BOUNDARY) == 6144
    with pytest.raises(PolicySizeExceeded) as raised:
        check_size(_document_of_size(6145), PolicyKind.IDENTITY)
    assert raised.value.message == "Cannot exceed quota for PolicySize: 6144"
    assert (raised.value.code, raised.value.http_status) == ("LimitExceeded", 409)


def test_trust_policy_limit_and_a_raised_quota() -> None:
    text = _document_of_size(2049)
    with pytest.raises(PolicySizeExceeded, match="Cannot exceed quota for ACLSizePerRole: 2048"):
        check_size(text, PolicyKind.TRUST)
    assert check_size(text, PolicyKind.TRUST, limit=4096) == 2049


@pytest.mark.parametrize(
    ("kind", "limit"),
    [(PolicyKind.SCP, 5120), (PolicyKind.RCP, 5120), (PolicyKind.VPC_ENDPOINT, 20480),
     (PolicyKind.SESSION, 2048)],
)  # fmt: skip
def test_limits_that_count_white_space(kind: PolicyKind, limit: int) -> None:
    compact = _document_of_size(limit - 100)
    padded = compact.replace(",", "," + " " * 40)
    assert len(padded) > limit and policy_size(padded) < limit
    assert check_size(compact, kind) == len(compact)
    with pytest.raises(PolicySizeExceeded, match=str(limit)):
        check_size(padded, kind)


def test_resource_policies_only_with_a_limit() -> None:
    text = _document_of_size(50_000)
    assert check_size(text, PolicyKind.RESOURCE) == 50_000
    with pytest.raises(PolicySizeExceeded):
        check_size(text, PolicyKind.RESOURCE, limit=20_480)


def test_inline_policies_are_limited_together() -> None:
    texts = [_document_of_size(1000), _document_of_size(1049)]
    assert check_inline_size(texts, ROLE_INLINE_POLICIES, "deployer") == 2049
    with pytest.raises(PolicySizeExceeded) as raised:
        check_inline_size(texts, USER_INLINE_POLICIES, "alice")
    assert raised.value.message == "Maximum policy size of 2048 bytes exceeded for user alice"
    with pytest.raises(PolicySizeExceeded):
        check_size(_document_of_size(6145), PolicyKind.IDENTITY, limit=MANAGED_POLICY)
