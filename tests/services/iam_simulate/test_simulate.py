"""The policy simulator's handlers, table-driven against the outputs AWS
documents (decisions, matched statements with their source positions, missing
context values, per-type details), plus errors, pagination and authorization.
Every result is also checked against botocore's output shape by the harness."""

from __future__ import annotations

import json
from typing import Any

import pytest

from clearance.errors import InvalidInput
from clearance.services.errors import AccessDenied
from clearance.services.iam.simulate_sources import PolicyEvaluation
from clearance.store import NoSuchEntity
from tests.services.iam_simulate.conftest import ACCOUNT, Harness

OTHER = "210987654321"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/bob"
# The AWS CLI's own example (simulate-custom-policy): a one-line policy whose
# statement AWS reports at columns 38..167.
CLI_EXAMPLE = (
    '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
    '"Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
)
# Pretty-printed: statement 1 spans lines 4..8, statement 2 lines 9..14
# (8-space indent, so AWS reports column 10 for both braces).
PRETTY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {
                "Sid": "NoDelete",
                "Effect": "Deny",
                "Action": "s3:DeleteObject",
                "Resource": "*",
            },
        ],
    },
    indent=4,
)


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _date(key: str, value: str) -> dict[str, Any]:
    return {"ContextKeyName": key, "ContextKeyValues": [value], "ContextKeyType": "date"}


def _at(source: str, kind: str, start: tuple[int, int], end: tuple[int, int]) -> dict[str, Any]:
    return {
        "SourcePolicyId": source,
        "SourcePolicyType": kind,
        "StartPosition": {"Line": start[0], "Column": start[1]},
        "EndPosition": {"Line": end[0], "Column": end[1]},
    }


CUSTOM_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "aws cli example: allowed, statement at 1:38..1:167",
        {
            "PolicyInputList": [CLI_EXAMPLE],
            "ActionNames": ["dynamodb:CreateBackup"],
            "ContextEntries": [_date("aws:CurrentTime", "2019-04-25T11:00:00Z")],
        },
        {
            "EvalDecision": "allowed",
            "MatchedStatements": [_at("PolicyInputList.1", "none", (1, 38), (1, 167))],
            "MissingContextValues": [],
        },
    ),
    (
        "aws cli example: a date before the condition's",
        {
            "PolicyInputList": [CLI_EXAMPLE],
            "ActionNames": ["dynamodb:CreateBackup"],
            "ContextEntries": [_date("aws:CurrentTime", "2014-04-25T11:00:00Z")],
        },
        {"EvalDecision": "implicitDeny", "MatchedStatements": [], "MissingContextValues": []},
    ),
    (
        "a condition key that is not supplied is missing",
        {"PolicyInputList": [CLI_EXAMPLE], "ActionNames": ["dynamodb:CreateBackup"]},
        {
            "EvalDecision": "implicitDeny",
            "MatchedStatements": [],
            "MissingContextValues": ["aws:CurrentTime"],
        },
    ),
    (
        "a statement for another action does not make its keys missing",
        {"PolicyInputList": [CLI_EXAMPLE], "ActionNames": ["s3:GetObject"]},
        {"EvalDecision": "implicitDeny", "MatchedStatements": [], "MissingContextValues": []},
    ),
    (
        "an explicit deny is the only matched statement (pretty-printed positions)",
        {"PolicyInputList": [PRETTY], "ActionNames": ["s3:DeleteObject"]},
        {
            "EvalDecision": "explicitDeny",
            "MatchedStatements": [_at("PolicyInputList.1", "none", (9, 10), (14, 10))],
        },
    ),
    (
        "the allow of the same policy when the deny does not apply",
        {"PolicyInputList": [PRETTY], "ActionNames": ["s3:GetObject"]},
        {
            "EvalDecision": "allowed",
            "MatchedStatements": [_at("PolicyInputList.1", "none", (4, 10), (8, 10))],
        },
    ),
    (
        "every allowing statement of every input policy is matched",
        {
            "PolicyInputList": [_doc(_allow("s3:Get*")), _doc(_allow("s3:GetObject"))],
            "ActionNames": ["s3:GetObject"],
        },
        {
            "EvalDecision": "allowed",
            "MatchedStatements": [
                _at("PolicyInputList.1", "none", (1, 42), (1, 98)),
                _at("PolicyInputList.2", "none", (1, 42), (1, 103)),
            ],
        },
    ),
    (
        "a permissions boundary that does not allow",
        {
            "PolicyInputList": [_doc(_allow("s3:*"))],
            "PermissionsBoundaryPolicyInputList": [_doc(_allow("ec2:*"))],
            "ActionNames": ["s3:GetObject"],
        },
        {
            "EvalDecision": "implicitDeny",
            "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": False},
            "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
        },
    ),
    (
        "a permissions boundary that allows",
        {
            "PolicyInputList": [_doc(_allow("s3:*"))],
            "PermissionsBoundaryPolicyInputList": [_doc(_allow("s3:Get*"))],
            "ActionNames": ["s3:GetObject"],
        },
        {
            "EvalDecision": "allowed",
            "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": True},
        },
    ),
    (
        "an SCP level that denies",
        {
            "PolicyInputList": [_doc(_allow("s3:*"))],
            "OrderedOrganizationPolicyInputList": [
                {"ServiceControlPolicyInputList": [_doc(_allow("*"))]},
                {
                    "ServiceControlPolicyInputList": [
                        _doc({"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"})
                    ]
                },
            ],
            "ActionNames": ["s3:DeleteObject"],
        },
        {
            "EvalDecision": "explicitDeny",
            "OrganizationsDecisionDetail": {"AllowedByOrganizations": False},
        },
    ),
    (
        "typed context: numeric, ip, boolean and a string list",
        {
            "PolicyInputList": [
                _doc(
                    _allow(
                        "ec2:*",
                        Condition={
                            "NumericLessThan": {"ec2:VolumeSize": "100"},
                            "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                            "Bool": {"aws:SecureTransport": "true"},
                            "ForAnyValue:StringEquals": {"aws:TagKeys": "team"},
                        },
                    )
                )
            ],
            "ActionNames": ["ec2:CreateVolume"],
            "ContextEntries": [
                {
                    "ContextKeyName": "ec2:VolumeSize",
                    "ContextKeyValues": ["20"],
                    "ContextKeyType": "numeric",
                },
                {
                    "ContextKeyName": "aws:SourceIp",
                    "ContextKeyValues": ["10.1.2.3"],
                    "ContextKeyType": "ip",
                },
                {
                    "ContextKeyName": "aws:TagKeys",
                    "ContextKeyValues": ["env", "team"],
                    "ContextKeyType": "stringList",
                },
                {
                    "ContextKeyName": "aws:SecureTransport",
                    "ContextKeyValues": ["TRUE"],
                    "ContextKeyType": "boolean",
                },
            ],
        },
        {"EvalDecision": "allowed", "MissingContextValues": []},
    ),
    (
        "a policy variable in Resource is a context key",
        {
            "PolicyInputList": [_doc(_allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"))],
            "ActionNames": ["s3:GetObject"],
        },
        {"EvalDecision": "implicitDeny", "MissingContextValues": ["aws:username"]},
    ),
    (
        "a resource policy grants a caller of the same account",
        {
            "PolicyInputList": [_doc(_allow("ec2:*"))],
            "ActionNames": ["s3:GetObject"],
            "ResourceArns": ["arn:aws:s3:::b/k"],
            "ResourcePolicy": _doc(
                _allow("s3:GetObject", "arn:aws:s3:::b/*", Principal={"AWS": USER_ARN})
            ),
            "CallerArn": USER_ARN,
            "ResourceOwner": f"arn:aws:iam::{ACCOUNT}:root",
        },
        {
            "EvalDecision": "allowed",
            "MatchedStatements": [_at("ResourcePolicy", "resource", (1, 42), (1, 178))],
        },
    ),
    (
        "across accounts both sides must allow: per-type details",
        {
            "PolicyInputList": [_doc(_allow("s3:*"))],
            "ActionNames": ["s3:GetObject"],
            "ResourceArns": ["arn:aws:s3:::theirs/k"],
            "ResourcePolicy": _doc(
                _allow("s3:PutObject", "arn:aws:s3:::theirs/*", Principal={"AWS": USER_ARN})
            ),
            "CallerArn": USER_ARN,
            "ResourceOwner": f"arn:aws:iam::{OTHER}:root",
        },
        {
            "EvalDecision": "implicitDeny",
            "EvalDecisionDetails": {"IAM Policy": "allowed", "Resource Policy": "implicitDeny"},
        },
    ),
]


@pytest.mark.parametrize(
    ("params", "expected"), [c[1:] for c in CUSTOM_CASES], ids=[c[0] for c in CUSTOM_CASES]
)
def test_simulate_custom_policy(
    harness: Harness, params: dict[str, Any], expected: dict[str, Any]
) -> None:
    result = harness.call("SimulateCustomPolicy", **params)
    assert result["IsTruncated"] is False
    (first, *_) = result["EvaluationResults"]
    assert first["EvalActionName"] == params["ActionNames"][0]
    assert {k: first.get(k) for k in expected} == expected


def test_resource_arns_give_resource_specific_results(harness: Harness) -> None:
    result = harness.call(
        "SimulateCustomPolicy",
        PolicyInputList=[CLI_EXAMPLE],
        ActionNames=["dynamodb:CreateBackup", "dynamodb:GetItem"],
        ResourceArns=["arn:aws:dynamodb:us-east-1:123456789012:table/a", "*"],
    )
    results = result["EvaluationResults"]
    assert [(r["EvalActionName"], r["EvalResourceName"]) for r in results] == [
        ("dynamodb:CreateBackup", "arn:aws:dynamodb:us-east-1:123456789012:table/a"),
        ("dynamodb:CreateBackup", "*"),
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/a"),
        ("dynamodb:GetItem", "*"),
    ]
    first = results[0]
    assert first["MissingContextValues"] == []
    assert first["EvalDecisionDetails"] == {}
    assert first["ResourceSpecificResults"] == [
        {
            "EvalResourceName": "arn:aws:dynamodb:us-east-1:123456789012:table/a",
            "EvalResourceDecision": "implicitDeny",
            "MatchedStatements": [],
            "MissingContextValues": ["aws:CurrentTime"],
            "EvalDecisionDetails": {},
        }
    ]


def test_pagination_with_max_items_and_marker(harness: Harness) -> None:
    actions = ["s3:GetObject", "s3:PutObject", "ec2:RunInstances"]
    seen: list[tuple[str, str]] = []
    marker: dict[str, Any] = {}
    while True:
        page = harness.call(
            "SimulateCustomPolicy",
            PolicyInputList=[_doc(_allow("s3:*"))],
            ActionNames=actions,
            MaxItems=2,
            **marker,
        )
        seen += [(r["EvalActionName"], r["EvalDecision"]) for r in page["EvaluationResults"]]
        if not page["IsTruncated"]:
            break
        marker = {"Marker": page["Marker"]}
    assert seen == [
        ("s3:GetObject", "allowed"),
        ("s3:PutObject", "allowed"),
        ("ec2:RunInstances", "implicitDeny"),
    ]
    with pytest.raises(InvalidInput):
        harness.call(
            "SimulateCustomPolicy",
            PolicyInputList=[_doc(_allow("s3:*"))],
            ActionNames=actions,
            Marker="not-a-marker",
        )


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("malformed policy", {"PolicyInputList": ["{not json"]}, "PolicyInputList.1"),
    (
        "an identity policy with a Principal",
        {"PolicyInputList": [_doc(_allow("s3:*", Principal="*"))]},
        "PolicyInputList.1",
    ),
    (
        "two boundaries",
        {"PermissionsBoundaryPolicyInputList": [_doc(_allow("*")), _doc(_allow("*"))]},
        "only one",
    ),
    ("an action without a service", {"ActionNames": ["GetObject"]}, "prefaced by a vendor"),
    ("a resource that is not an ARN", {"ResourceArns": ["bucket"]}, "valid ARN format"),
    ("a resource owner that is not an ARN", {"ResourceOwner": "123456789012"}, "Resource Owner"),
    (
        "a caller that is a role",
        {"CallerArn": f"arn:aws:iam::{ACCOUNT}:role/r"},
        "not the ARN of an IAM user",
    ),
    (
        "a resource policy without a caller",
        {"ResourcePolicy": _doc(_allow("s3:*", Principal="*"))},
        "CallerArn is required",
    ),
    (
        "a numeric context value that is not a number",
        {
            "ContextEntries": [
                {
                    "ContextKeyName": "s3:max-keys",
                    "ContextKeyValues": ["x"],
                    "ContextKeyType": "numeric",
                }
            ]
        },
        "Invalid value x",
    ),
    (
        "a single-valued type with two values",
        {
            "ContextEntries": [
                {
                    "ContextKeyName": "aws:SourceIp",
                    "ContextKeyValues": ["1.1.1.1", "2.2.2.2"],
                    "ContextKeyType": "ip",
                }
            ]
        },
        "exactly one value",
    ),
    (
        "an unknown resource handling option",
        {"ResourceHandlingOption": "EC2-Nothing"},
        "ResourceHandlingOption",
    ),
]


@pytest.mark.parametrize(
    ("params", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_input(harness: Harness, params: dict[str, Any], message: str) -> None:
    request = {"PolicyInputList": [_doc(_allow("s3:*"))], "ActionNames": ["s3:GetObject"], **params}
    with pytest.raises(InvalidInput) as raised:
        harness.call("SimulateCustomPolicy", **request)
    assert message in raised.value.message


# -- SimulatePrincipalPolicy -------------------------------------------------------------


def _bob(h: Harness) -> None:
    """bob: an inline policy, an AWS managed policy, a customer managed policy,
    a group with an inline policy, and a permissions boundary."""
    h.user("bob", _doc(_allow("s3:GetObject")))
    h.call("AttachUserPolicy", UserName="bob", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    mine = h.call("CreatePolicy", PolicyName="sqs", PolicyDocument=_doc(_allow("sqs:SendMessage")))
    h.call("AttachUserPolicy", UserName="bob", PolicyArn=mine["Policy"]["Arn"])
    h.call("CreateGroup", GroupName="devs")
    h.call("AddUserToGroup", GroupName="devs", UserName="bob")
    h.call(
        "PutGroupPolicy",
        GroupName="devs",
        PolicyName="deploy",
        PolicyDocument=_doc(
            _allow(
                "lambda:UpdateFunctionCode",
                Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
            )
        ),
    )
    fence = h.call(
        "CreatePolicy",
        PolicyName="fence",
        PolicyDocument=_doc(
            _allow("s3:*"), _allow("sqs:*"), _allow("lambda:*"), _allow("ec2:Describe*")
        ),
    )
    h.call("PutUserPermissionsBoundary", UserName="bob", PermissionsBoundary=fence["Policy"]["Arn"])


PRINCIPAL_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("s3:GetObject", "user", {"SourcePolicyId": "user_bob_p0", "SourcePolicyType": "user"}),
    (
        "sqs:SendMessage",
        "user-managed",
        {"SourcePolicyId": "sqs", "SourcePolicyType": "user-managed"},
    ),
    (
        "ec2:DescribeInstances",
        "aws-managed",
        {"SourcePolicyId": "ReadOnlyAccess", "SourcePolicyType": "aws-managed"},
    ),
    (
        "lambda:UpdateFunctionCode",
        "group",
        {"SourcePolicyId": "group_devs_deploy", "SourcePolicyType": "group"},
    ),
]


@pytest.mark.parametrize(
    ("action", "kind", "source"), PRINCIPAL_CASES, ids=[c[1] for c in PRINCIPAL_CASES]
)
def test_principal_policy_sources(
    harness: Harness, action: str, kind: str, source: dict[str, Any]
) -> None:
    _bob(harness)
    result = harness.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=USER_ARN,
        ActionNames=[action],
        ContextEntries=[
            {
                "ContextKeyName": "aws:RequestedRegion",
                "ContextKeyValues": ["eu-west-1"],
                "ContextKeyType": "string",
            }
        ],
    )["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert {k: result["MatchedStatements"][0][k] for k in source} == source
    assert result["MatchedStatements"][0]["StartPosition"]["Line"] >= 1
    assert result["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}


def test_principal_policy_boundary_input_and_exclusions(harness: Harness) -> None:
    _bob(harness)
    outside = harness.call(
        "SimulatePrincipalPolicy", PolicySourceArn=USER_ARN, ActionNames=["iam:ListUsers"]
    )["EvaluationResults"][0]
    assert outside["EvalDecision"] == "implicitDeny"  # ReadOnlyAccess allows; the boundary does not
    assert outside["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    replaced = harness.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=USER_ARN,
        ActionNames=["iam:ListUsers"],
        PermissionsBoundaryPolicyInputList=[_doc(_allow("iam:List*"))],
    )["EvaluationResults"][0]
    assert replaced["EvalDecision"] == "allowed"
    without = harness.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=USER_ARN,
        ActionNames=["iam:ListUsers", "s3:GetObject"],
        PolicyExclusionList=[{"PolicyType": "permission-boundary"}, {"PolicyType": "aws-managed"}],
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in without] == ["implicitDeny", "allowed"]
    assert "PermissionsBoundaryDecisionDetail" not in without[0]


def test_principal_policy_fills_principal_keys_and_adds_inputs(harness: Harness) -> None:
    harness.user("bob")
    result = harness.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=USER_ARN,
        PolicyInputList=[_doc(_allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"))],
        ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::home/bob/x", "arn:aws:s3:::home/eve/x"],
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in result] == ["allowed", "implicitDeny"]
    assert result[0]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    assert result[0]["ResourceSpecificResults"][0]["MissingContextValues"] == []


def test_group_source(harness: Harness) -> None:
    harness.call("CreateGroup", GroupName="ops", Path="/teams/")
    harness.call(
        "PutGroupPolicy", GroupName="ops", PolicyName="p", PolicyDocument=_doc(_allow("ec2:*"))
    )
    arn = f"arn:aws:iam::{ACCOUNT}:group/teams/ops"
    result = harness.call(
        "SimulatePrincipalPolicy", PolicySourceArn=arn, ActionNames=["ec2:RunInstances"]
    )
    assert result["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyId"] == "group_ops_p"
    with pytest.raises(NoSuchEntity):  # the path is part of the ARN
        harness.call(
            "SimulatePrincipalPolicy",
            PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:group/ops",
            ActionNames=["ec2:RunInstances"],
        )


def _trusting(h: Harness, principal: str) -> str:
    trust = _doc({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"})
    return str(
        h.call("CreateRole", RoleName="target", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    )


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        (f"arn:aws:iam::{ACCOUNT}:user/bob", "allowed"),
        (f"arn:aws:iam::{OTHER}:root", "implicitDeny"),
    ],
)
def test_assume_role_is_judged_by_the_trust_policy(
    harness: Harness, trusted: str, expected: str
) -> None:
    """AWS's simulator ignores trust policies; Clearance's evaluates them as
    AssumeRole itself does."""
    harness.user("bob", _doc(_allow("sts:AssumeRole")))
    target = _trusting(harness, trusted)
    result = harness.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=USER_ARN,
        ActionNames=["sts:AssumeRole"],
        ResourceArns=[target],
    )["EvaluationResults"][0]
    assert result["EvalDecision"] == expected
    if expected == "allowed":
        assert {m["SourcePolicyType"] for m in result["MatchedStatements"]} == {"resource"}


def test_unknown_source_and_foreign_account(harness: Harness) -> None:
    for arn in (USER_ARN, f"arn:aws:iam::{ACCOUNT}:role/none"):
        with pytest.raises(NoSuchEntity):
            harness.call(
                "SimulatePrincipalPolicy", PolicySourceArn=arn, ActionNames=["s3:GetObject"]
            )
    with pytest.raises(AccessDenied):  # another account's principals are not the caller's
        harness.call(
            "SimulatePrincipalPolicy",
            PolicySourceArn=f"arn:aws:iam::{OTHER}:user/bob",
            ActionNames=["s3:GetObject"],
        )
    with pytest.raises(InvalidInput):
        harness.call(
            "SimulatePrincipalPolicy",
            PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:policy/p",
            ActionNames=["s3:GetObject"],
        )


def test_authorization(harness: Harness) -> None:
    harness.user("bob")
    alice = harness.user("alice", _doc(_allow("iam:SimulatePrincipalPolicy", USER_ARN)))
    carol = harness.user("carol")
    harness.call(
        "SimulatePrincipalPolicy", alice, PolicySourceArn=USER_ARN, ActionNames=["s3:GetObject"]
    )
    with pytest.raises(AccessDenied):
        harness.call(
            "SimulatePrincipalPolicy",
            alice,
            PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/carol",
            ActionNames=["s3:GetObject"],
        )
    for operation, params in (
        (
            "SimulateCustomPolicy",
            {"PolicyInputList": [_doc(_allow("*"))], "ActionNames": ["s3:GetObject"]},
        ),
        ("GetContextKeysForCustomPolicy", {"PolicyInputList": [_doc(_allow("*"))]}),
        ("GetContextKeysForPrincipalPolicy", {"PolicySourceArn": USER_ARN}),
    ):
        with pytest.raises(AccessDenied):
            harness.call(operation, carol, **params)


# -- GetContextKeysFor* ------------------------------------------------------------------


def test_context_keys_for_custom_policy(harness: Harness) -> None:
    """The AWS CLI's example: a variable in Resource, then a condition key."""
    document = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
        '"Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}",'
        '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}}'
    )
    result = harness.call("GetContextKeysForCustomPolicy", PolicyInputList=[document, CLI_EXAMPLE])
    assert result == {"ContextKeyNames": ["aws:username", "aws:CurrentTime"]}
    with pytest.raises(InvalidInput):
        harness.call("GetContextKeysForCustomPolicy", PolicyInputList=["[]"])


def test_context_keys_for_principal_policy(harness: Harness) -> None:
    _bob(harness)
    harness.call(
        "PutUserPolicy",
        UserName="bob",
        PolicyName="tagged",
        PolicyDocument=_doc(
            _allow(
                "ec2:*",
                Condition={
                    "StringEquals": {
                        "aws:PrincipalTag/team": "${aws:username}",
                        "ec2:Region": ["a", "b"],
                    }
                },
            )
        ),
    )
    result = harness.call(
        "GetContextKeysForPrincipalPolicy",
        PolicySourceArn=USER_ARN,
        PolicyInputList=[_doc(_allow("s3:*", Condition={"Null": {"s3:prefix": "false"}}))],
    )
    assert result["ContextKeyNames"] == [
        "aws:PrincipalTag/team",
        "aws:username",
        "ec2:Region",
        "aws:RequestedRegion",
        "s3:prefix",
    ]


def test_another_accounts_trust_policy_is_not_read(harness: Harness) -> None:
    """Only the simulating account's roles are judged by their trust policy:
    another account's trust policy (its statements, its condition keys) is not
    the caller's to read. Without a resource side, a cross-account request is
    an implicit deny, and nothing of the foreign policy is reported."""
    harness.store.create_account(OTHER)
    trust = _doc({"Effect": "Deny", "Principal": {"AWS": USER_ARN}, "Action": "sts:AssumeRole"})
    role = harness.store.create_role(OTHER, "theirs", trust)
    harness.user("bob", _doc(_allow("sts:AssumeRole")))
    result = harness.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=USER_ARN,
        ActionNames=["sts:AssumeRole"],
        ResourceArns=[role.arn],
    )["EvaluationResults"][0]
    assert result["EvalDecision"] == "implicitDeny"  # not the trust policy's explicit deny
    assert result["MatchedStatements"] == []
    assert result["EvalDecisionDetails"] == {"IAM Policy": "allowed"}


def test_a_stored_policy_that_cannot_be_read_is_a_policy_evaluation_error(
    harness: Harness,
) -> None:
    harness.user("bob")
    harness.store.put_user_policy(ACCOUNT, "bob", "broken", '{"Statement": [')
    with pytest.raises(PolicyEvaluation) as raised:
        harness.call("SimulatePrincipalPolicy", PolicySourceArn=USER_ARN, ActionNames=["s3:Get"])
    assert (raised.value.code, raised.value.http_status) == ("PolicyEvaluation", 500)
    assert "user_bob_broken" in raised.value.message
