"""The troubleshooting cases of the seed article, produced with real boto3 against a
live server, then explained by ``clearance explain`` from the audit trail
(``--request-id``) and against the live store (``--principal``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.auth
import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import ACCOUNT_ID, ROOT_KEY, Server, start_server
from tests.e2e.explain_helpers import (
    denied_error,
    explain,
    explain_request_id,
    report_layer,
)

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
ADMIN = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("explained") / "data", {"CLEARANCE_AUDIT": "1"})


def _by_request_id(server: Server, error: ClientError) -> dict[str, Any]:
    request_id = error.response["ResponseMetadata"]["RequestId"]
    return explain_request_id(server, request_id)


def _user(server: Server, name: str, policy: str | None = None) -> tuple[str, Any]:
    iam = server.client("iam")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return arn, (key["AccessKeyId"], key["SecretAccessKey"])


def test_missing_permission(server: Server, unique: Any) -> None:
    arn, (key, secret) = _user(server, unique("nobody"))
    error = denied_error(server.client("iam", key, secret).list_users)
    message = error.response["Error"]["Message"]
    assert error.response["Error"]["Code"] == "AccessDenied"
    assert message == (
        f"User: {arn} is not authorized to perform: iam:ListUsers on resource: "
        f"arn:aws:iam::{ACCOUNT_ID}:user/ because no identity-based policy allows the "
        "iam:ListUsers action"
    )
    for report in (
        _by_request_id(server, error),
        explain(
            server,
            "--principal",
            arn,
            "--action",
            "iam:ListUsers",
            "--resource",
            f"arn:aws:iam::{ACCOUNT_ID}:user/",
        )[1],
    ):
        assert report["decision"] == "implicit_deny"
        assert report["message"] == message
        assert report["diagnosis"]["case"] == "missing-permission"
        assert report_layer(report, "identity") == {
            **report_layer(report, "identity"),
            "said": "absent",
            "decided": True,
        }
        assert report["explanation"]["layer"] == "identity-based policy"
        assert '"Action": "iam:ListUsers"' in report["explanation"]["fix"]
        assert "IAM administrator" in report["explanation"]["who_can_change"]


MFA_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyWithMfa",
                "Effect": "Allow",
                "Action": "iam:ListUsers",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
)


def test_mfa_condition(server: Server, unique: Any) -> None:
    name = unique("mfa")
    arn, (key, secret) = _user(server, name, MFA_POLICY)
    error = denied_error(server.client("iam", key, secret).list_users)
    assert "because no identity-based policy allows the iam:ListUsers action" in str(error)
    args = ("--principal", arn, "--action", "iam:ListUsers", "--resource", "*")
    for report in (_by_request_id(server, error), explain(server, *args)[1]):
        assert report["diagnosis"]["case"] == "mfa-required"
        [condition] = report["failed_conditions"]
        assert condition["key"] == "aws:MultiFactorAuthPresent"
        assert condition["operator"] == "Bool"
        assert condition["policy_values"] == ["true"]
        assert condition["absent"] is True and condition["request_value"] is None
        assert condition["statement"]["sid"] == "OnlyWithMfa"
        [closest] = report["statements"]
        assert closest["role"] == "closest"
        assert closest["policy"] == f"user/{name}/p"
        assert '"aws:MultiFactorAuthPresent": ["true"]' in closest["source"]
        assert "OnlyWithMfa" in report["explanation"]["fix"]
    code, allowed = explain(server, *args, "--context", "aws:MultiFactorAuthPresent=True")
    assert code == 0 and allowed["decision"] == "allowed"
    assert allowed["request"]["context"]["aws:multifactorauthpresent"] == "true"


def test_trust_policy_of_another_account_does_not_name_you(server: Server, unique: Any) -> None:
    other = server.create_account()
    other_iam = server.client("iam", other["AccessKeyId"], other["SecretAccessKey"])
    role_name = unique("trusting")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{other['AccountId']}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role_arn = other_iam.create_role(
        RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    arn, (key, secret) = _user(server, unique("outsider"), ADMIN)
    sts = server.client("sts", key, secret)
    error = denied_error(sts.assume_role, RoleArn=role_arn, RoleSessionName="explained")
    assert error.response["Error"]["Message"] == (
        f"User: {arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    )
    args = ("--principal", arn, "--action", "sts:AssumeRole", "--resource", role_arn)
    for report in (_by_request_id(server, error), explain(server, *args)[1]):
        assert report["message"] == error.response["Error"]["Message"]
        assert report["decision"] == "implicit_deny"
        assert report["denied_by"] == "resource-based policy"
        assert report["diagnosis"]["case"] == "trust-policy-without-principal"
        assert report["request"]["resource_policy_kind"] == "trust"
        assert report["request"]["resource_account"] == other["AccountId"]
        resource = report_layer(report, "resource")
        assert resource["said"] == "no allow" and resource["decided"] is True
        assert resource["policies"] == [role_arn]
        assert report_layer(report, "identity")["said"] == "allow"
        [closest] = report["statements"]
        assert closest["principal_matched"] is False
        assert f"arn:aws:iam::{other['AccountId']}:root" in closest["source"]
        assert f"does not name {arn}" in report["explanation"]["fix"]
        assert "iam:UpdateAssumeRolePolicy" in report["explanation"]["who_can_change"]


def _signer_log(caplog: pytest.LogCaptureFixture) -> tuple[str, str]:
    """The canonical request and string to sign botocore logged (debug)."""
    texts = [r.getMessage() for r in caplog.records if r.name == "botocore.auth"]
    canonical = next(t for t in texts if t.startswith("CanonicalRequest:"))
    to_sign = next(t for t in texts if t.startswith("StringToSign:"))
    return canonical.split("\n", 1)[1], to_sign.split("\n", 1)[1]


def test_signature_mismatch(server: Server, unique: Any, caplog: pytest.LogCaptureFixture) -> None:
    _, (key, secret) = _user(server, unique("signer"), ADMIN)
    issued = server.client("sts", key, secret).get_session_token()["Credentials"]
    wrong = server.client("sts", issued["AccessKeyId"], "x" * 40, issued["SessionToken"])
    caplog.set_level(logging.DEBUG, logger="botocore.auth")
    error = denied_error(wrong.get_caller_identity)
    assert error.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert error.response["Error"]["Message"].startswith(
        "The request signature we calculated does not match the signature you provided."
    )
    client_canonical, client_to_sign = _signer_log(caplog)
    report = _by_request_id(server, error)
    assert report["decision"] == "authentication_failed"
    assert report["diagnosis"]["case"] == "signature-mismatch"
    assert "--debug" in report["explanation"]["fix"]
    details = report["authentication"]
    assert details["access_key_id"] == issued["AccessKeyId"]
    # The same request, signed with another secret: the server computed what the
    # client did, except for the session token, which the trail never keeps.
    token_line = f"x-amz-security-token:{issued['SessionToken']}"
    assert token_line in client_canonical
    assert details["canonical_request"] == client_canonical.replace(
        token_line, "x-amz-security-token:<redacted>"
    )
    assert details["string_to_sign"] == client_to_sign
    assert issued["SessionToken"] not in json.dumps(report)
    assert issued["SecretAccessKey"] not in json.dumps(report)


def test_credentials_of_a_kind_iam_does_not_accept(server: Server, unique: Any) -> None:
    _, (key, secret) = _user(server, unique("tokenuser"), ADMIN)
    issued = server.client("sts", key, secret).get_session_token()["Credentials"]
    iam = server.client(
        "iam", issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"]
    )
    error = denied_error(iam.list_users)
    assert error.response["Error"]["Code"] == "InvalidClientTokenId"
    assert error.response["Error"]["Message"].startswith(
        "The security token included in the request is invalid."
    )
    report = _by_request_id(server, error)
    assert report["decision"] == "authentication_failed"
    assert report["diagnosis"]["case"] == "credentials-not-accepted"
    details = report["authentication"]
    assert details["session_kind"] == "SessionToken"
    assert details["mfa_present"] is False
    assert "GetSessionToken cannot call IAM unless MFA" in details["rule"]
    assert "SerialNumber and TokenCode" in report["explanation"]["fix"]


@pytest.mark.skipif(not LIBFAKETIME.exists(), reason="libfaketime is not installed")
def test_expired_temporary_credentials(
    tmp_path: Path, unique: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server whose clock libfaketime moves forward an hour (and a client signing
    in that future, so that the signature's time is current)."""
    shift = tmp_path / "faketime"
    shift.write_text("+0\n")
    env = {
        "CLEARANCE_AUDIT": "1",
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME_TIMESTAMP_FILE": str(shift),
        "FAKETIME_NO_CACHE": "1",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }
    for server in start_server(tmp_path / "data", env):
        _, (key, secret) = _user(server, unique("expiring"), ADMIN)
        issued = server.client("sts", key, secret).get_session_token(DurationSeconds=900)
        creds = issued["Credentials"]
        shift.write_text("+1h\n")
        later = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda moment=later: moment)
        sts = server.client(
            "sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
        )
        error = denied_error(sts.get_caller_identity)
        assert error.response["Error"]["Code"] == "ExpiredToken"
        assert error.response["Error"]["Message"] == (
            "The security token included in the request is expired"
        )
        report = _by_request_id(server, error)
        assert report["decision"] == "authentication_failed"
        assert report["diagnosis"]["case"] == "expired-credentials"
        assert report["authentication"]["access_key_id"] == creds["AccessKeyId"]
        assert "new temporary credentials" in report["explanation"]["fix"].lower()
        assert ROOT_KEY not in json.dumps(report)
