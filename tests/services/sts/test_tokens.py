"""GetSessionToken, GetFederationToken, GetAccessKeyInfo and what their
credentials may call (the credential-type restrictions)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from clearance.engine import NamedPolicy, Request, evaluate, parse_principal
from clearance.policy import read_policy
from clearance.services.authorize import Authorizer, root_federation_policies
from clearance.services.context import CallContext, Caller
from clearance.services.errors import AccessDenied, InvalidClientTokenId
from clearance.services.sts.restrictions import (
    FEDERATION_IAM,
    FEDERATION_STS,
    INVALID_TOKEN,
    SESSION_TOKEN_IAM,
    SESSION_TOKEN_STS,
    check_credential_type,
    credential_type_violation,
)
from tests.services.sts.conftest import ACCOUNT, OTHER, START, Harness, Keys, allow, trust
from tests.services.sts.test_assume_role import error

USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"


def restricted(rule: str) -> tuple[str, str, int]:
    return ("InvalidClientTokenId", f"{INVALID_TOKEN} {rule}", 403)


def raises(call: Any, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    return error(raised)


# -- GetSessionToken -------------------------------------------------------------------


def test_session_token_without_mfa(h: Harness) -> None:
    alice = h.user("alice", allow("iam:ListUsers"), allow("sts:GetFederationToken"))
    result = h.sts(alice).get_session_token()
    credentials = result["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert credentials["Expiration"] == START + timedelta(hours=12)
    session = Keys.of(credentials)
    identity = h.sts(session).get_caller_identity()
    user_id = h.store.get_user(ACCOUNT, "alice").id
    assert identity == {**identity, "Arn": USER_ARN, "UserId": user_id, "Account": ACCOUNT}
    assert raises(h.iam(session).list_users) == restricted(SESSION_TOKEN_IAM)
    assert raises(h.sts(session).get_federation_token, Name="bob") == restricted(SESSION_TOKEN_STS)
    assert raises(h.sts(session).get_session_token) == restricted(SESSION_TOKEN_STS)


def test_session_token_with_mfa_may_call_iam(h: Harness) -> None:
    alice = h.user("alice", allow("iam:ListUsers"))
    serial, totp = h.mfa_device("alice")
    result = h.sts(alice).get_session_token(
        SerialNumber=serial, TokenCode=h.code(totp), DurationSeconds=129600
    )
    assert result["Credentials"]["Expiration"] == h.clock.now() + timedelta(seconds=129600)
    session = Keys.of(result["Credentials"])
    h.iam(session).list_users()  # the user's own permissions, MFA present
    with pytest.raises(ClientError) as raised:
        h.iam(session).list_roles()
    assert error(raised)[0] == "AccessDenied"
    # STS beyond AssumeRole and GetCallerIdentity stays closed, MFA or not.
    code, _, _ = raises(h.sts(session).get_access_key_info, AccessKeyId=alice.key)
    assert code == "InvalidClientTokenId"


def test_session_token_mfa_failures(h: Harness) -> None:
    alice = h.user("alice")
    serial, totp = h.mfa_device("alice")
    sts = h.sts(alice)
    assert raises(sts.get_session_token, TokenCode=h.code(totp))[1].startswith(
        "MultiFactorAuthentication failed, must provide both"
    )
    code = h.code(totp)
    sts.get_session_token(SerialNumber=serial, TokenCode=code)
    assert raises(sts.get_session_token, SerialNumber=serial, TokenCode=code) == (
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        403,
    )
    unknown = f"arn:aws:iam::{ACCOUNT}:mfa/nobody"
    message = raises(sts.get_session_token, SerialNumber=unknown, TokenCode="123456")[1]
    assert message == (
        "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA "
        "serial number is valid and associated with this user."
    )
    # The root user has no MFA device here.
    assert raises(h.sts().get_session_token, SerialNumber=serial, TokenCode="123456")[0] == (
        "AccessDenied"
    )


def test_session_token_durations(h: Harness) -> None:
    root = h.sts().get_session_token(DurationSeconds=7200)["Credentials"]
    assert root["Expiration"] == START + timedelta(hours=1)  # the root user: at most an hour
    identity = h.sts(Keys.of(root)).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    code, message, status = raises(h.sts(validate=False).get_session_token, DurationSeconds=129601)
    assert (code, status) == ("ValidationError", 400)
    assert "Member must have value less than or equal to 129600" in message


def test_session_credentials_cannot_get_session_tokens(h: Harness) -> None:
    alice = h.user("alice")
    role = h.role("r", trust({"AWS": USER_ARN}))
    session = Keys.of(h.sts(alice).assume_role(RoleArn=role, RoleSessionName="sess")["Credentials"])
    assert raises(h.sts(session).get_session_token) == (
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials",
        403,
    )
    assert raises(h.sts(session).get_federation_token, Name="bob") == (
        "AccessDenied",
        "Cannot call GetFederationToken with session credentials",
        403,
    )


def test_session_token_credentials_may_assume_roles(h: Harness) -> None:
    alice = h.user("alice")
    role = h.role("r", trust({"AWS": USER_ARN}))
    session = Keys.of(h.sts(alice).get_session_token()["Credentials"])
    result = h.sts(session).assume_role(RoleArn=role, RoleSessionName="sess")
    assert result["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/r/sess"


def test_expired_session_token(h: Harness) -> None:
    alice = h.user("alice")
    session = Keys.of(h.sts(alice).get_session_token(DurationSeconds=900)["Credentials"])
    h.clock.advance(seconds=900)
    assert raises(h.sts(session).get_caller_identity) == (
        "ExpiredToken",
        "The security token included in the request is expired",
        403,
    )


# -- GetFederationToken ----------------------------------------------------------------


def _federated_caller(h: Harness, keys: Keys) -> CallContext:
    record = h.store.key_record(keys.key)
    assert record is not None and record.session is not None
    session = record.session
    caller = Caller(
        ACCOUNT,
        session.principal_arn,
        "federated_user",
        session.principal_id,
        keys.key,
        entity_id=session.user_id,
        user_name=record.user_name,
        session=session,
    )
    return CallContext(
        caller=caller,
        service="s3",
        operation="GetObject",
        request_id="test",
        region="us-east-1",
        now=h.clock.now(),
        store=h.store,
        authorizer=Authorizer(h.store),
    )


def test_federation_token(h: Harness) -> None:
    s3_and_fed = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["sts:GetFederationToken", "s3:GetObject", "s3:PutObject"],
                    "Resource": "*",
                }
            ],
        }
    )
    alice = h.user("alice", s3_and_fed)
    session_policy = allow("s3:GetObject")
    result = h.sts(alice).get_federation_token(Name="bob", Policy=session_policy)
    assert result["FederatedUser"] == {
        "FederatedUserId": f"{ACCOUNT}:bob",
        "Arn": f"arn:aws:sts::{ACCOUNT}:federated-user/bob",
    }
    assert 0 < result["PackedPolicySize"] <= 100
    assert result["Credentials"]["Expiration"] == START + timedelta(hours=12)
    keys = Keys.of(result["Credentials"])
    identity = h.sts(keys).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:federated-user/bob"
    assert identity["UserId"] == f"{ACCOUNT}:bob"
    assert raises(h.iam(keys).list_users) == restricted(FEDERATION_IAM)
    assert raises(h.sts(keys).get_session_token) == restricted(FEDERATION_STS)
    assert raises(h.sts(keys).assume_role, RoleArn=USER_ARN, RoleSessionName="xx") == (
        restricted(FEDERATION_STS)
    )

    # The federated user's permissions: the user's AND the session policy's.
    ctx = _federated_caller(h, keys)
    ctx.require("s3:GetObject", "arn:aws:s3:::bucket/key")
    with pytest.raises(AccessDenied, match="no session policy allows the s3:PutObject"):
        ctx.require("s3:PutObject", "arn:aws:s3:::bucket/key")
    with pytest.raises(AccessDenied, match="no identity-based policy"):
        ctx.require("s3:DeleteObject", "arn:aws:s3:::bucket/key")


def test_federation_without_policies_has_no_permissions(h: Harness) -> None:
    alice = h.user("alice", allow("*"))
    result = h.sts(alice).get_federation_token(Name="bob", DurationSeconds=900)
    assert result["PackedPolicySize"] == 0
    assert result["Credentials"]["Expiration"] == START + timedelta(minutes=15)
    ctx = _federated_caller(h, Keys.of(result["Credentials"]))
    with pytest.raises(AccessDenied, match="because no session policy allows"):
        ctx.require("s3:GetObject", "arn:aws:s3:::bucket/key")


def test_federation_needs_permission(h: Harness) -> None:
    alice = h.user("alice")
    assert raises(h.sts(alice).get_federation_token, Name="bob") == (
        "AccessDenied",
        f"User: {USER_ARN} is not authorized to perform: sts:GetFederationToken on resource: "
        f"arn:aws:sts::{ACCOUNT}:federated-user/bob because no identity-based policy allows "
        "the sts:GetFederationToken action",
        403,
    )
    h.store.put_user_policy(ACCOUNT, "alice", "fed", allow("sts:GetFederationToken"))
    tags = [{"Key": "team", "Value": "red"}]
    code, message, _ = raises(h.sts(alice).get_federation_token, Name="bob", Tags=tags)
    assert code == "AccessDenied" and "sts:TagSession" in message
    h.store.put_user_policy(ACCOUNT, "alice", "tag", allow("sts:TagSession"))
    result = h.sts(alice).get_federation_token(Name="bob", Tags=tags)
    assert result["PackedPolicySize"] > 0
    code, message, _ = raises(
        h.sts(validate=False).get_federation_token, Name="b", Policy=allow("s3:*")
    )
    assert code == "ValidationError" and "'name'" in message


def test_root_federation_is_capped_at_an_hour(h: Harness) -> None:
    result = h.sts().get_federation_token(Name="ops", Policy=allow("s3:*"))
    assert result["Credentials"]["Expiration"] == START + timedelta(hours=1)


# -- GetAccessKeyInfo ------------------------------------------------------------------


def test_access_key_info(h: Harness) -> None:
    sts = h.sts()
    assert sts.get_access_key_info(AccessKeyId=h.other_root.key)["Account"] == OTHER
    alice = h.user("alice")
    assert sts.get_access_key_info(AccessKeyId=alice.key)["Account"] == ACCOUNT
    session = Keys.of(h.sts(alice).get_session_token()["Credentials"])
    assert sts.get_access_key_info(AccessKeyId=session.key)["Account"] == ACCOUNT
    assert raises(sts.get_access_key_info, AccessKeyId="AKIAUNKNOWNUNKNOWN00")[0:1] == (
        "InvalidParameterValue",
    )
    code, message, _ = raises(h.sts(alice).get_access_key_info, AccessKeyId=alice.key)
    assert code == "AccessDenied" and "sts:GetAccessKeyInfo" in message


# -- the restriction rules -------------------------------------------------------------


def test_restriction_rules(h: Harness) -> None:
    alice = h.user("alice", allow("sts:GetFederationToken"))
    plain = h.store.key_record(Keys.of(h.sts(alice).get_session_token()["Credentials"]).key)
    federated = h.store.key_record(
        Keys.of(h.sts(alice).get_federation_token(Name="bob")["Credentials"]).key
    )
    assert plain is not None and federated is not None
    token = Caller(ACCOUNT, USER_ARN, "user", "x", plain.access_key_id, session=plain.session)
    fed = Caller(ACCOUNT, "f", "federated_user", "x", "k", session=federated.session)
    long_term = Caller(ACCOUNT, USER_ARN, "user", "x", alice.key)
    cases = [
        (token, "iam", "ListUsers", SESSION_TOKEN_IAM),
        (token, "sts", "AssumeRole", None),
        (token, "sts", "GetCallerIdentity", None),
        (token, "sts", "DecodeAuthorizationMessage", SESSION_TOKEN_STS),
        (token, "s3", "GetObject", None),
        (fed, "iam", "GetUser", FEDERATION_IAM),
        (fed, "sts", "GetCallerIdentity", None),
        (fed, "sts", "AssumeRole", FEDERATION_STS),
        (fed, "ec2", "DescribeInstances", None),
        (long_term, "iam", "ListUsers", None),
    ]
    for caller, service, operation, rule in cases:
        assert credential_type_violation(caller, service, operation) == rule
    with pytest.raises(InvalidClientTokenId) as raised:
        check_credential_type(fed, "iam", "GetUser")
    assert raised.value.http_status == 403
    assert raised.value.message == f"{INVALID_TOKEN} {FEDERATION_IAM}"


def test_root_federation_policies() -> None:
    """For the authorizer: a root-issued federated user has the session's permissions."""
    principal = parse_principal(f"arn:aws:sts::{ACCOUNT}:federated-user/ops")

    def decide(policies: Any, action: str) -> bool:
        request = Request(principal, action, "arn:aws:s3:::b/k", resource_account=ACCOUNT)
        return evaluate(request, policies).allowed

    session = [NamedPolicy("session-policy", read_policy(allow("s3:GetObject")))]
    assert decide(root_federation_policies(session), "s3:GetObject")
    assert not decide(root_federation_policies(session), "s3:PutObject")
    assert not decide(root_federation_policies([]), "s3:GetObject")
