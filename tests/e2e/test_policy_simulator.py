"""The policy simulator end to end: boto3 and the AWS CLI against a live
server, and the simulator's answers checked against what the same user is
actually allowed to do with its own credentials."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import ACCOUNT_ID, Server, client_error

Unique = Callable[[str], str]

CLI_EXAMPLE = (
    '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
    '"Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
)


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=4)


@pytest.fixture()
def reader(iam: Any, unique: Unique) -> dict[str, str]:
    """A user who may read itself and simulate its own policies, and may not
    list users; in a group that may tag users on the condition of a request tag."""
    name, group = unique("reader"), unique("readers")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    iam.put_user_policy(
        UserName=name,
        PolicyName="self",
        PolicyDocument=_doc(
            {
                "Sid": "Self",
                "Effect": "Allow",
                "Action": ["iam:GetUser", "iam:SimulatePrincipalPolicy"],
                "Resource": arn,
            },
            {"Sid": "NoKeys", "Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": "*"},
        ),
    )
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=name)
    iam.put_group_policy(
        GroupName=group,
        PolicyName="tagging",
        PolicyDocument=_doc(
            {
                "Effect": "Allow",
                "Action": "iam:TagUser",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestTag/team": "red"}},
            }
        ),
    )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {
        "name": name,
        "group": group,
        "arn": arn,
        "key": key["AccessKeyId"],
        "secret": key["SecretAccessKey"],
    }


def _decisions(iam: Any, arn: str, actions: list[str], **extra: Any) -> dict[str, Any]:
    results = iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=actions, **extra)
    return {r["EvalActionName"]: r for r in results["EvaluationResults"]}


def test_simulation_agrees_with_the_users_own_calls(
    server: Server, iam: Any, reader: dict[str, str]
) -> None:
    arn = reader["arn"]
    simulated = _decisions(
        iam,
        arn,
        ["iam:GetUser", "iam:ListUsers", "iam:CreateAccessKey"],
        ResourceArns=[arn],
    )
    assert {a: r["EvalDecision"] for a, r in simulated.items()} == {
        "iam:GetUser": "allowed",
        "iam:ListUsers": "implicitDeny",
        "iam:CreateAccessKey": "explicitDeny",
    }
    # The statements, where they are in the pretty-printed source (4-space indent).
    allowed = simulated["iam:GetUser"]["MatchedStatements"]
    assert allowed == [
        {
            "SourcePolicyId": f"user_{reader['name']}_self",
            "SourcePolicyType": "user",
            "StartPosition": {"Line": 4, "Column": 10},
            "EndPosition": {"Line": 12, "Column": 10},
        }
    ]
    denied = simulated["iam:CreateAccessKey"]["MatchedStatements"]
    assert [(m["StartPosition"]["Line"], m["EndPosition"]["Line"]) for m in denied] == [(13, 18)]
    specific = simulated["iam:GetUser"]["ResourceSpecificResults"]
    assert specific[0]["EvalResourceName"] == arn
    assert specific[0]["EvalResourceDecision"] == "allowed"

    own = server.client("iam", reader["key"], reader["secret"])
    assert own.get_user(UserName=reader["name"])["User"]["Arn"] == arn
    assert client_error(own.list_users)["Code"] == "AccessDenied"
    assert (
        client_error(lambda: own.create_access_key(UserName=reader["name"]))["Code"]
        == "AccessDenied"
    )
    # The user may simulate its own policies (and nobody else's).
    mine = own.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["iam:GetUser"])
    assert mine["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"  # resource "*"


def test_group_policy_and_context_entries(iam: Any, reader: dict[str, str]) -> None:
    arn = reader["arn"]
    missing = _decisions(iam, arn, ["iam:TagUser"])["iam:TagUser"]
    assert missing["EvalDecision"] == "implicitDeny"
    assert missing["MissingContextValues"] == ["aws:RequestTag/team"]
    entry = {
        "ContextKeyName": "aws:RequestTag/team",
        "ContextKeyValues": ["red"],
        "ContextKeyType": "string",
    }
    given = _decisions(iam, arn, ["iam:TagUser"], ContextEntries=[entry])["iam:TagUser"]
    assert given["EvalDecision"] == "allowed"
    assert given["MissingContextValues"] == []
    (statement,) = given["MatchedStatements"]
    assert statement["SourcePolicyId"] == f"group_{reader['group']}_tagging"
    assert statement["SourcePolicyType"] == "group"
    keys = iam.get_context_keys_for_principal_policy(PolicySourceArn=arn)["ContextKeyNames"]
    assert keys == ["aws:RequestTag/team"]


def test_paginator_and_errors(iam: Any, reader: dict[str, str]) -> None:
    paginator = iam.get_paginator("simulate_principal_policy")
    pages = list(
        paginator.paginate(
            PolicySourceArn=reader["arn"],
            ActionNames=["iam:GetUser", "iam:ListUsers", "iam:TagUser"],
            PaginationConfig={"PageSize": 2},
        )
    )
    assert [len(p["EvaluationResults"]) for p in pages] == [2, 1]
    missing = client_error(
        lambda: iam.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{ACCOUNT_ID}:user/no-such-user",
            ActionNames=["s3:GetObject"],
        )
    )
    assert (missing["Code"], missing["Status"]) == ("NoSuchEntity", 404)
    malformed = client_error(
        lambda: iam.simulate_custom_policy(PolicyInputList=["{"], ActionNames=["s3:GetObject"])
    )
    assert (malformed["Code"], malformed["Status"]) == ("InvalidInput", 400)


def test_assume_role_simulation_reads_the_trust_policy(
    iam: Any, unique: Unique, reader: dict[str, str]
) -> None:
    iam.put_user_policy(
        UserName=reader["name"],
        PolicyName="assume",
        PolicyDocument=_doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
    )
    trusting = iam.create_role(
        RoleName=unique("trusting"),
        AssumeRolePolicyDocument=_doc(
            {"Effect": "Allow", "Principal": {"AWS": reader["arn"]}, "Action": "sts:AssumeRole"}
        ),
    )["Role"]["Arn"]
    other = iam.create_role(
        RoleName=unique("other"),
        AssumeRolePolicyDocument=_doc(
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
    )["Role"]["Arn"]
    results = iam.simulate_principal_policy(
        PolicySourceArn=reader["arn"],
        ActionNames=["sts:AssumeRole"],
        ResourceArns=[trusting, other],
    )["EvaluationResults"]
    assert [(r["EvalResourceName"], r["EvalDecision"]) for r in results] == [
        (trusting, "allowed"),
        (other, "implicitDeny"),
    ]


def _cli(server: Server, *args: str) -> Any:
    done = server.cli("iam", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_aws_cli(server: Server, reader: dict[str, str]) -> None:
    """The AWS CLI's documented examples, against the live server."""
    custom = _cli(
        server,
        "simulate-custom-policy",
        "--policy-input-list", CLI_EXAMPLE,
        "--action-names", "dynamodb:CreateBackup",
        "--context-entries",
        "ContextKeyName='aws:CurrentTime',ContextKeyValues='2019-04-25T11:00:00Z',ContextKeyType=date",
    )  # fmt: skip
    (result,) = custom["EvaluationResults"]
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"] == [
        {
            "SourcePolicyId": "PolicyInputList.1",
            "SourcePolicyType": "none",
            "StartPosition": {"Line": 1, "Column": 38},
            "EndPosition": {"Line": 1, "Column": 167},
        }
    ]
    principal = _cli(
        server,
        "simulate-principal-policy",
        "--policy-source-arn", reader["arn"],
        "--action-names", "iam:GetUser", "iam:ListUsers",
        "--resource-arns", reader["arn"],
    )  # fmt: skip
    assert [r["EvalDecision"] for r in principal["EvaluationResults"]] == [
        "allowed",
        "implicitDeny",
    ]
    keys = _cli(
        server,
        "get-context-keys-for-custom-policy",
        "--policy-input-list",
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
        '"Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}",'
        '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}}',
    )
    assert keys == {"ContextKeyNames": ["aws:username", "aws:CurrentTime"]}
    failed = server.cli(
        "iam", "simulate-principal-policy",
        "--policy-source-arn", f"arn:aws:iam::{ACCOUNT_ID}:role/no-such-role",
        "--action-names", "s3:GetObject",
    )  # fmt: skip
    assert failed.returncode != 0
    assert "NoSuchEntity" in failed.stderr
