"""S3's "public" bucket policies: AWS's examples and the rules' corner cases,
then properties over generated policies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.policy import read_policy
from clearance.services.s3_authz import is_public_policy, public_grants

OBJECTS = "arn:aws:s3:::reports/*"


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(
    principal: Any = "*", condition: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": OBJECTS,
        **extra,
    }
    if condition:
        statement["Condition"] = condition
    return statement


def _cond(operator: str, key: str, value: Any) -> dict[str, Any]:
    return {operator: {key: value}}


PUBLIC: list[tuple[str, dict[str, Any]]] = [
    ("anyone", _allow()),
    ("AWS star", _allow({"AWS": "*"})),
    ("star among accounts", _allow({"AWS": ["arn:aws:iam::111122223333:root", "*"]})),
    (
        "AWS doc: put by anyone",
        {"Principal": "*", "Resource": "*", "Action": "s3:PutObject", "Effect": "Allow"},
    ),
    ("AWS doc: wildcard VPC", _allow(condition=_cond("StringLike", "aws:SourceVpc", "vpc-*"))),
    (
        "one wildcard VPC among fixed",
        _allow(condition=_cond("StringEquals", "aws:SourceVpc", ["vpc-1", "vpc-*"])),
    ),
    ("whole IPv4 internet", _allow(condition=_cond("IpAddress", "aws:SourceIp", "0.0.0.0/0"))),
    ("AWS doc: 0.0.0.0/1", _allow(condition=_cond("IpAddress", "aws:SourceIp", "0.0.0.0/1"))),
    ("broader than /8", _allow(condition=_cond("IpAddress", "aws:SourceIp", "12.0.0.0/7"))),
    (
        "one broad range among narrow",
        _allow(condition=_cond("IpAddress", "aws:SourceIp", ["192.0.2.0/24", "0.0.0.0/0"])),
    ),
    (
        "IPv6 broader than /32",
        _allow(condition=_cond("IpAddress", "aws:SourceIp", "2001:db8::/16")),
    ),
    ("not an address", _allow(condition=_cond("IpAddress", "aws:SourceIp", "nowhere"))),
    ("NotIpAddress", _allow(condition=_cond("NotIpAddress", "aws:SourceIp", "192.0.2.1/32"))),
    ("StringNotEquals", _allow(condition=_cond("StringNotEquals", "aws:SourceVpce", "vpce-1"))),
    ("IfExists", _allow(condition=_cond("StringEqualsIfExists", "aws:SourceVpce", "vpce-1"))),
    (
        "ForAllValues",
        _allow(condition=_cond("ForAllValues:StringEquals", "aws:SourceAccount", "111122223333")),
    ),
    (
        "SecureTransport is not a restriction",
        _allow(condition=_cond("Bool", "aws:SecureTransport", "true")),
    ),
    ("Null is not a restriction", _allow(condition=_cond("Null", "aws:SourceVpce", "false"))),
    ("a key S3 does not count", _allow(condition=_cond("StringEquals", "s3:x-amz-acl", "private"))),
    ("prefix key", _allow(condition=_cond("StringEquals", "s3:prefix", "home/"))),
    (
        "policy variable",
        _allow(condition=_cond("StringEquals", "aws:PrincipalOrgID", "${aws:PrincipalTag/org}")),
    ),
    ("AROLEID:* pattern", _allow(condition=_cond("StringLike", "aws:userid", "AROAEXAMPLEID:*"))),
    (
        "access point of any account",
        _allow(
            condition=_cond(
                "ArnLike", "s3:DataAccessPointArn", "arn:aws:s3:us-west-2:*:accesspoint/*"
            )
        ),
    ),
    (
        "access point ARN that is not one",
        _allow(
            condition=_cond(
                "ArnLike", "s3:DataAccessPointArn", "arn:aws:s3:us-west-2:123456789012:bucket/*"
            )
        ),
    ),
    (
        "NotPrincipal allow",
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "s3:GetObject",
            "Resource": OBJECTS,
        },
    ),
    (
        "numeric on a listed key",
        _allow(condition=_cond("NumericEquals", "aws:SourceAccount", "111122223333")),
    ),
]

NOT_PUBLIC: list[tuple[str, dict[str, Any]]] = [
    (
        "AWS doc: fixed VPC",
        _allow(condition=_cond("StringEquals", "aws:SourceVpc", "vpc-91237329")),
    ),
    ("account root", _allow({"AWS": "arn:aws:iam::111122223333:root"})),
    ("account id", _allow({"AWS": "111122223333"})),
    (
        "user and role",
        _allow({"AWS": ["arn:aws:iam::111122223333:user/a", "arn:aws:iam::444455556666:role/r"]}),
    ),
    ("service principal", _allow({"Service": "cloudtrail.amazonaws.com"})),
    ("federated", _allow({"Federated": "cognito-identity.amazonaws.com"})),
    (
        "canonical user",
        _allow(
            {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}
        ),
    ),
    ("a /24", _allow(condition=_cond("IpAddress", "aws:SourceIp", "192.0.2.0/24"))),
    ("exactly /8", _allow(condition=_cond("IpAddress", "aws:SourceIp", "10.0.0.0/8"))),
    ("private /12", _allow(condition=_cond("IpAddress", "aws:SourceIp", "172.16.0.0/12"))),
    ("a single address", _allow(condition=_cond("IpAddress", "aws:SourceIp", "203.0.113.7"))),
    ("IPv6 /32", _allow(condition=_cond("IpAddress", "aws:SourceIp", "2001:db8::/32"))),
    ("IPv6 /64", _allow(condition=_cond("IpAddress", "aws:SourceIp", "2001:db8:1:2::/64"))),
    ("organization", _allow(condition=_cond("StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5"))),
    (
        "organization, any case",
        _allow(condition=_cond("StringEqualsIgnoreCase", "aws:PrincipalOrgID", "o-a1b2c3d4e5")),
    ),
    (
        "principal ARN",
        _allow(
            condition=_cond("ArnEquals", "aws:PrincipalArn", "arn:aws:iam::111122223333:role/r")
        ),
    ),
    (
        "principal account",
        _allow(condition=_cond("StringEquals", "aws:PrincipalAccount", "111122223333")),
    ),
    (
        "source ARN",
        _allow(
            condition=_cond(
                "ArnEquals", "aws:SourceArn", "arn:aws:cloudtrail:us-east-1:111122223333:trail/t"
            )
        ),
    ),
    (
        "source ARN with ArnLike, no wildcard",
        _allow(
            condition=_cond("ArnLike", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic")
        ),
    ),
    (
        "source account",
        _allow(condition=_cond("StringEquals", "aws:SourceAccount", "111122223333")),
    ),
    ("source owner", _allow(condition=_cond("StringEquals", "aws:SourceOwner", "111122223333"))),
    (
        "source VPC endpoint",
        _allow(condition=_cond("StringEquals", "aws:SourceVpce", ["vpce-1a2b3c4d", "vpce-5e6f"])),
    ),
    ("user id", _allow(condition=_cond("StringEquals", "aws:userid", "AIDAEXAMPLEUSERID"))),
    (
        "role session user id",
        _allow(condition=_cond("StringEquals", "aws:userid", "AROAEXAMPLEID:alice")),
    ),
    (
        "KMS key",
        _allow(
            condition=_cond(
                "StringEquals",
                "s3:x-amz-server-side-encryption-aws-kms-key-id",
                "arn:aws:kms:us-east-1:111122223333:key/k",
            )
        ),
    ),
    (
        "access points of one account",
        _allow(
            condition=_cond(
                "ArnLike",
                "s3:DataAccessPointArn",
                "arn:aws:s3:us-west-2:123456789012:accesspoint/*",
            )
        ),
    ),
    (
        "access point account",
        _allow(condition=_cond("StringEquals", "s3:DataAccessPointAccount", "123456789012")),
    ),
    (
        "ForAnyValue with a fixed value",
        _allow(condition=_cond("ForAnyValue:StringEquals", "aws:SourceVpce", "vpce-1")),
    ),
    (
        "restricting plus other conditions",
        _allow(
            condition={
                "StringEquals": {"aws:SourceVpc": "vpc-1"},
                "Bool": {"aws:SecureTransport": "true"},
            }
        ),
    ),
    (
        "key names are case-insensitive",
        _allow(condition=_cond("StringEquals", "AWS:SOURCEVPC", "vpc-1")),
    ),
]


@pytest.mark.parametrize(("name", "statement"), PUBLIC, ids=[n for n, _ in PUBLIC])
def test_public(name: str, statement: dict[str, Any]) -> None:
    policy = read_policy(_doc(statement))
    assert is_public_policy(policy)
    (grant,) = public_grants(policy)
    assert grant.statement == 0
    assert grant.reason


@pytest.mark.parametrize(("name", "statement"), NOT_PUBLIC, ids=[n for n, _ in NOT_PUBLIC])
def test_not_public(name: str, statement: dict[str, Any]) -> None:
    assert not is_public_policy(read_policy(_doc(statement)))


def test_aws_mixed_example_is_public_because_of_one_statement() -> None:
    """AWS's RestrictPublicBuckets example: CloudTrail, Account-2, and the public."""
    policy = read_policy(
        _doc(
            _allow({"Service": "cloudtrail.amazonaws.com"}, Sid="CloudTrail"),
            _allow({"AWS": "arn:aws:iam::444455556666:root"}, Sid="Account2"),
            _allow("*", Sid="Everyone"),
        )
    )
    assert [(g.statement, g.sid) for g in public_grants(policy)] == [(2, "Everyone")]


def test_deny_statements_never_count() -> None:
    lockout = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": OBJECTS}
    assert not is_public_policy(read_policy(_doc(lockout)))
    https_only = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": OBJECTS,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert is_public_policy(read_policy(_doc(_allow(), https_only)))
    assert not is_public_policy(read_policy(_doc(_allow({"AWS": "111122223333"}), https_only)))


# -- properties -----------------------------------------------------------------------------

_PRINCIPALS = st.sampled_from(
    ["*", {"AWS": "*"}, {"AWS": "111122223333"}, {"Service": "logs.amazonaws.com"}]
)
_CONDITIONS = st.sampled_from(
    [
        ("StringEquals", "aws:SourceVpc", "vpc-1"),
        ("StringLike", "aws:SourceVpc", "vpc-*"),
        ("IpAddress", "aws:SourceIp", "192.0.2.0/24"),
        ("IpAddress", "aws:SourceIp", "0.0.0.0/0"),
        ("NotIpAddress", "aws:SourceIp", "192.0.2.0/24"),
        ("StringEquals", "aws:PrincipalOrgID", "o-abc"),
        ("StringEqualsIfExists", "aws:SourceAccount", "111122223333"),
        ("Bool", "aws:SecureTransport", "true"),
        ("StringEquals", "s3:prefix", "home/"),
    ]
)
_RESTRICTING = st.sampled_from(
    [
        ("StringEquals", "aws:SourceVpc", "vpc-1"),
        ("IpAddress", "aws:SourceIp", "198.51.100.0/24"),
        ("StringEquals", "aws:PrincipalOrgID", "o-xyz"),
        ("ArnEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:t"),
        ("StringEquals", "aws:SourceAccount", "111122223333"),
    ]
)


@st.composite
def _statements(draw: st.DrawFn) -> dict[str, Any]:
    effect = draw(st.sampled_from(["Allow", "Allow", "Deny"]))
    conditions: dict[str, dict[str, str]] = {}
    for operator, key, value in draw(st.lists(_CONDITIONS, max_size=3)):
        conditions.setdefault(operator, {})[key] = value
    statement: dict[str, Any] = {
        "Effect": effect,
        "Principal": draw(_PRINCIPALS),
        "Action": "s3:GetObject",
        "Resource": OBJECTS,
    }
    if conditions:
        statement["Condition"] = conditions
    return statement


_POLICIES = st.lists(_statements(), min_size=1, max_size=4)


def _public(statements: list[dict[str, Any]]) -> bool:
    return is_public_policy(read_policy(_doc(*statements)))


@settings(max_examples=150, deadline=None)
@given(_POLICIES, st.data())
def test_a_restricting_condition_never_makes_a_policy_public(
    statements: list[dict[str, Any]], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(statements) - 1))
    operator, key, value = data.draw(_RESTRICTING)
    changed = json.loads(json.dumps(statements))
    block = changed[index].setdefault("Condition", {}).setdefault(operator, {})
    block[key] = value
    if not _public(statements):
        assert not _public(changed)
    if changed[index]["Effect"] == "Allow":
        # and the statement it narrows is no longer a public grant
        grants = public_grants(read_policy(_doc(*changed)))
        assert index not in {g.statement for g in grants}


@settings(max_examples=150, deadline=None)
@given(_POLICIES, _statements())
def test_another_statement_never_makes_a_public_policy_private(
    statements: list[dict[str, Any]], extra: dict[str, Any]
) -> None:
    if _public(statements):
        assert _public([*statements, extra])
    if extra["Effect"] == "Deny":
        assert _public([*statements, extra]) == _public(statements)


@settings(max_examples=150, deadline=None)
@given(_POLICIES)
def test_public_exactly_when_some_allow_is_a_public_grant(statements: list[dict[str, Any]]) -> None:
    policy = read_policy(_doc(*statements))
    grants = public_grants(policy)
    assert is_public_policy(policy) == bool(grants)
    assert all(policy.statements[g.statement].effect.value == "Allow" for g in grants)
