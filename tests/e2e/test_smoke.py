"""The server answers real AWS clients: boto3 and the AWS CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import ACCOUNT_ID, Server


def test_caller_identity_of_root(server: Server) -> None:
    identity = server.client("sts").get_caller_identity()
    assert identity["Account"] == ACCOUNT_ID
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:root"


def test_user_lifecycle_with_boto3(iam: Any, unique: Any) -> None:
    name = unique("alice")
    created = iam.create_user(UserName=name, Path="/team/", Tags=[{"Key": "team", "Value": "red"}])
    assert created["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/team/{name}"
    fetched = iam.get_user(UserName=name)["User"]
    assert fetched["UserId"].startswith("AIDA")
    assert fetched["Tags"] == [{"Key": "team", "Value": "red"}]
    names = [u["UserName"] for u in iam.list_users(PathPrefix="/team/")["Users"]]
    assert name in names
    with pytest.raises(ClientError) as duplicate:
        iam.create_user(UserName=name.upper())
    assert duplicate.value.response["Error"]["Code"] == "EntityAlreadyExists"
    iam.delete_user(UserName=name)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName=name)


def test_bad_signature_is_rejected(server: Server) -> None:
    sts = server.client("sts", secret="x" * 40)
    with pytest.raises(ClientError) as error:
        sts.get_caller_identity()
    assert error.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_key_is_rejected(server: Server) -> None:
    with pytest.raises(ClientError) as error:
        server.client("sts", key="AKIAUNKNOWNUNKNOWN00").get_caller_identity()
    assert error.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_validation_error_wording(iam: Any) -> None:
    with pytest.raises(ClientError) as error:
        iam.create_user(UserName="bad name!")
    assert error.value.response["Error"]["Code"] == "ValidationError"
    assert "userName" in error.value.response["Error"]["Message"]


def test_aws_cli_round_trip(server: Server, unique: Any) -> None:
    name = unique("cli")
    created = server.cli("iam", "create-user", "--user-name", name)
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["User"]["UserName"] == name
    missing = server.cli("iam", "get-user", "--user-name", name + "-nope")
    assert missing.returncode == 255  # awscli v1: a service error exits 255
    assert "NoSuchEntity" in missing.stderr
    assert server.cli("iam", "delete-user", "--user-name", name).returncode == 0
