"""Encoded authorization messages against a live server started with
``CLEARANCE_ENCODED_MESSAGES=1``: a denied call's response carries
``x-clearance-encoded-authorization-message``, and both the AWS CLI and boto3
decode it with ``sts decode-authorization-message`` (for a caller allowed
``sts:DecodeAuthorizationMessage``); other callers and other accounts cannot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import ACCOUNT_ID, Server, start_server

HEADER = "x-clearance-encoded-authorization-message"
OTHER_ACCOUNT = "246813579024"
LIMITED_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "NoCreate", "Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"},
            {
                "Sid": "ListWithMfa",
                "Effect": "Allow",
                "Action": "iam:ListUsers",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            },
        ],
    }
)
DECODE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:DecodeAuthorizationMessage", "Resource": "*"}
        ],
    }
)


@dataclass(frozen=True)
class User:
    arn: str
    key: str
    secret: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("encoded-messages") / "data"
    yield from start_server(data_dir, {"CLEARANCE_ENCODED_MESSAGES": "1"})


def _user(iam: Any, name: str, policy: str | None = None) -> User:
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return User(arn, key["AccessKeyId"], key["SecretAccessKey"])


@pytest.fixture(scope="module")
def users(server: Server) -> dict[str, User]:
    iam = server.client("iam")
    return {
        "limited": _user(iam, "limited", LIMITED_POLICY),
        "reader": _user(iam, "reader", DECODE_POLICY),
        "stranger": _user(iam, "stranger"),
    }


def _denial(call: Any) -> tuple[ClientError, str]:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value
    assert error.response["Error"]["Code"] == "AccessDenied"
    token = error.response["ResponseMetadata"]["HTTPHeaders"].get(HEADER)
    assert token, "the AccessDenied response carries no encoded message"
    return error, token


def _decode_with_boto3(server: Server, user: User, token: str) -> dict[str, Any]:
    sts = server.client("sts", user.key, user.secret)
    decoded: dict[str, Any] = json.loads(
        sts.decode_authorization_message(EncodedMessage=token)["DecodedMessage"]
    )
    return decoded


def _decode_with_cli(server: Server, user: User, token: str) -> dict[str, Any]:
    completed = server.cli(
        "sts", "decode-authorization-message", "--encoded-message", token,
        key=user.key, secret=user.secret,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    decoded: dict[str, Any] = json.loads(json.loads(completed.stdout)["DecodedMessage"])
    return decoded


def test_explicit_deny_decodes_with_the_cli_and_boto3(
    server: Server, users: dict[str, User]
) -> None:
    limited = users["limited"]
    iam = server.client("iam", limited.key, limited.secret)
    _, token = _denial(lambda: iam.create_user(UserName="not-allowed"))
    from_cli = _decode_with_cli(server, users["reader"], token)
    from_boto3 = _decode_with_boto3(server, users["reader"], token)
    assert from_cli == from_boto3
    assert from_cli["allowed"] is False
    assert from_cli["explicitDeny"] is True
    context = from_cli["context"]
    assert context["action"] == "iam:CreateUser"
    assert context["resource"] == f"arn:aws:iam::{ACCOUNT_ID}:user/not-allowed"
    assert context["principal"]["arn"] == limited.arn
    assert context["principal"]["name"] == "limited"
    keys = {item["key"] for item in context["conditions"]["items"]}
    assert {"aws:principalarn", "aws:username", "aws:sourceip"} <= keys
    [statement] = from_cli["matchedStatements"]["items"]
    assert statement["statementId"] == "NoCreate"
    assert statement["effect"] == "DENY"
    assert statement["actions"] == {"items": [{"value": "iam:CreateUser"}]}
    assert from_cli["clearance"]["deniedBy"] == "identity-based policy"
    # Nothing secret travels in the message.
    assert limited.secret not in json.dumps(from_cli)
    assert limited.key not in json.dumps(from_cli)


def test_failed_mfa_condition_shows_policy_and_request_values(
    server: Server, users: dict[str, User]
) -> None:
    limited = users["limited"]
    _, token = _denial(server.client("iam", limited.key, limited.secret).list_users)
    decoded = _decode_with_cli(server, users["reader"], token)
    assert decoded["allowed"] is False
    assert decoded["explicitDeny"] is False
    assert decoded["context"]["action"] == "iam:ListUsers"
    extension = decoded["clearance"]
    assert extension["outcome"] == "implicitDeny"
    assert extension["failedConditions"] == [
        {
            "operator": "Bool",
            "key": "aws:MultiFactorAuthPresent",
            "policyValues": ["true"],
            "requestValues": None,  # a long-term key: the key is absent
        }
    ]
    assert "ListWithMfa" in extension["fix"]


def test_decoding_needs_the_permission(server: Server, users: dict[str, User]) -> None:
    limited = users["limited"]
    _, token = _denial(server.client("iam", limited.key, limited.secret).list_users)
    stranger = users["stranger"]
    with pytest.raises(ClientError) as raised:
        _decode_with_boto3(server, stranger, token)
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    completed = server.cli(
        "sts", "decode-authorization-message", "--encoded-message", token,
        key=stranger.key, secret=stranger.secret,
    )  # fmt: skip
    assert completed.returncode != 0
    assert "AccessDenied" in completed.stderr


def _create_account(server: Server, account_id: str) -> User:
    created = server.create_account(account_id)
    return User(
        f"arn:aws:iam::{account_id}:root", created["AccessKeyId"], created["SecretAccessKey"]
    )


def test_messages_of_another_account_are_rejected(server: Server, users: dict[str, User]) -> None:
    limited = users["limited"]
    _, ours = _denial(server.client("iam", limited.key, limited.secret).list_users)
    other_root = _create_account(server, OTHER_ACCOUNT)
    # The other account's root may call anything, yet cannot read our message.
    with pytest.raises(ClientError) as raised:
        _decode_with_boto3(server, other_root, ours)
    error = raised.value.response
    assert error["Error"]["Code"] == "InvalidAuthorizationMessageException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    # Nor can our reader read a message issued to the other account.
    other_iam = server.client("iam", other_root.key, other_root.secret)
    outsider = _user(other_iam, "outsider")
    _, theirs = _denial(server.client("iam", outsider.key, outsider.secret).list_users)
    assert _decode_with_boto3(server, other_root, theirs)["context"]["principal"]["arn"] == (
        outsider.arn
    )
    completed = server.cli(
        "sts", "decode-authorization-message", "--encoded-message", theirs,
        key=users["reader"].key, secret=users["reader"].secret,
    )  # fmt: skip
    assert completed.returncode != 0
    assert "InvalidAuthorizationMessageException" in completed.stderr
