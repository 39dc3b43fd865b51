"""AssumeRole through the real gateway (boto3 in process, injected clock): who
may assume a role (trust policy and identity policies, evaluated by the
engine), durations, session policies and their packed size, session tags,
source identity, MFA, and what the resulting credentials may do."""

from __future__ import annotations

import json
import random
import string
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.sts.conftest import ACCOUNT, OTHER, START, Harness, Keys, allow, trust

USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"
ACCOUNT_ROOT = f"arn:aws:iam::{ACCOUNT}:root"
LIST_USERS = allow("iam:ListUsers")


def error(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = raised.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def assume(h: Harness, keys: Keys, role_arn: str, **params: Any) -> dict[str, Any]:
    params.setdefault("RoleSessionName", "sess")
    result: dict[str, Any] = h.sts(keys).assume_role(RoleArn=role_arn, **params)
    return result


def denied(h: Harness, keys: Keys, role_arn: str, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        assume(h, keys, role_arn, **params)
    return error(raised)


def bare(caller: str, resource: str, action: str = "sts:AssumeRole") -> tuple[str, str, int]:
    return (
        "AccessDenied",
        f"User: {caller} is not authorized to perform: {action} on resource: {resource}",
        403,
    )


# -- who may assume a role -------------------------------------------------------------


def test_trust_naming_the_user_needs_no_identity_policy(h: Harness) -> None:
    alice = h.user("alice")
    role = h.role("reader", trust({"AWS": USER_ARN}), LIST_USERS, path="/app/")
    result = assume(h, alice, role, RoleSessionName="alice-session")
    credentials = result["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA") and len(credentials["AccessKeyId"]) == 20
    assert len(credentials["SecretAccessKey"]) == 40 and credentials["SessionToken"]
    assert credentials["Expiration"] == START + timedelta(hours=1)
    role_id = h.store.get_role(ACCOUNT, "reader").id
    assert result["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role_id}:alice-session",
        "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/alice-session",
    }
    assert "PackedPolicySize" not in result and "SourceIdentity" not in result

    session = Keys.of(credentials)
    identity = h.sts(session).get_caller_identity()
    assert identity["Arn"] == result["AssumedRoleUser"]["Arn"]
    assert identity["UserId"] == f"{role_id}:alice-session"
    assert identity["Account"] == ACCOUNT
    h.iam(session).list_users()  # the role's permissions apply
    used = h.iam().get_role(RoleName="reader")["Role"]["RoleLastUsed"]
    assert used["LastUsedDate"] == START and used["Region"] == "us-east-1"


def test_trust_naming_the_account_needs_an_identity_policy(h: Harness) -> None:
    alice = h.user("alice")
    role = h.role("r", trust({"AWS": ACCOUNT_ROOT}))
    assert denied(h, alice, role) == (
        "AccessDenied",
        f"User: {USER_ARN} is not authorized to perform: sts:AssumeRole on resource: {role} "
        "because no identity-based policy allows the sts:AssumeRole action",
        403,
    )
    h.store.put_user_policy(ACCOUNT, "alice", "assume", allow("sts:AssumeRole", role))
    assert assume(h, alice, role)["AssumedRoleUser"]["Arn"].endswith(":assumed-role/r/sess")


def test_an_identity_policy_alone_is_not_enough(h: Harness) -> None:
    alice = h.user("alice", allow("sts:AssumeRole"))
    role = h.role("r", trust({"Service": "ec2.amazonaws.com"}))
    assert denied(h, alice, role) == bare(USER_ARN, role)


def test_explicit_deny_in_identity_policy(h: Harness) -> None:
    deny = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}],
        }
    )
    alice = h.user("alice", deny)
    role = h.role("r", trust({"AWS": USER_ARN}))
    code, message, _ = denied(h, alice, role)
    assert code == "AccessDenied"
    assert message.endswith("with an explicit deny in an identity-based policy")


def test_missing_roles_and_bad_arns(h: Harness) -> None:
    alice = h.user("alice", allow("sts:AssumeRole"))
    h.role("r", trust({"AWS": USER_ARN}), path="/team/")
    for arn in (
        f"arn:aws:iam::{ACCOUNT}:role/nope",
        f"arn:aws:iam::{ACCOUNT}:role/r",  # the role's path is /team/
        f"arn:aws:iam::{ACCOUNT}:role/other/r",
        "arn:aws:iam::999999999999:role/team/r",
        USER_ARN,
    ):
        assert denied(h, alice, arn) == bare(USER_ARN, arn)
    assert assume(h, alice, f"arn:aws:iam::{ACCOUNT}:role/team/R")  # names: case-insensitive
    code, message, status = denied(h, alice, "not-an-arn-at-all-0000")
    assert (code, message, status) == ("ValidationError", "not-an-arn-at-all-0000 is invalid", 400)


def test_root_cannot_assume_roles(h: Harness) -> None:
    role = h.role("r", trust({"AWS": ACCOUNT_ROOT}))
    assert denied(h, h.root, role) == (
        "AccessDenied",
        "Roles may not be assumed by root accounts.",
        403,
    )
    token = Keys.of(h.sts().get_session_token()["Credentials"])
    assert denied(h, token, role)[1] == "Roles may not be assumed by root accounts."


def test_cross_account_with_external_id(h: Harness) -> None:
    alice = h.user("alice")
    role = h.role(
        "partner",
        trust({"AWS": ACCOUNT}, StringEquals={"sts:ExternalId": "ext-1234"}),
        LIST_USERS,
        account=OTHER,
    )
    # Both sides must allow: the trust policy trusts the account, alice's
    # identity policies must allow too.
    assert denied(h, alice, role, ExternalId="ext-1234") == bare(USER_ARN, role)
    h.store.put_user_policy(ACCOUNT, "alice", "assume", allow("sts:AssumeRole", role))
    assert denied(h, alice, role) == bare(USER_ARN, role)
    assert denied(h, alice, role, ExternalId="ext-9999") == bare(USER_ARN, role)
    result = assume(h, alice, role, ExternalId="ext-1234")
    assert result["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{OTHER}:assumed-role/partner/sess"
    session = Keys.of(result["Credentials"])
    assert h.sts(session).get_caller_identity()["Account"] == OTHER
    listed = h.iam(session).list_users()["Users"]  # the other account's users
    assert all(user["Arn"].startswith(f"arn:aws:iam::{OTHER}:") for user in listed)


def test_role_session_name_condition(h: Harness) -> None:
    alice = h.user("alice")
    role = h.role(
        "r", trust({"AWS": USER_ARN}, StringLike={"sts:RoleSessionName": "${aws:username}"})
    )
    assert denied(h, alice, role, RoleSessionName="bob")[0] == "AccessDenied"
    assert assume(h, alice, role, RoleSessionName="alice")


# -- durations -------------------------------------------------------------------------


def test_durations(h: Harness) -> None:
    alice = h.user("alice")
    role = h.role("r", trust({"AWS": USER_ARN}), max_session_duration=7200)
    result = assume(h, alice, role, DurationSeconds=7200)
    assert result["Credentials"]["Expiration"] == START + timedelta(hours=2)
    assert denied(h, alice, role, DurationSeconds=7201) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        400,
    )
    with pytest.raises(ClientError) as raised:
        h.sts(alice, validate=False).assume_role(
            RoleArn=role, RoleSessionName="sess", DurationSeconds=899
        )
    code, message, _ = error(raised)
    assert code == "ValidationError"
    assert "Member must have value greater than or equal to 900" in message
    assert "durationSeconds" in message


def test_role_chaining_is_limited_to_an_hour(h: Harness) -> None:
    alice = h.user("alice")
    first = h.role(
        "first", trust({"AWS": USER_ARN}), allow("sts:AssumeRole"), max_session_duration=43200
    )
    second = h.role(
        "second", trust({"AWS": f"arn:aws:iam::{ACCOUNT}:role/first"}), max_session_duration=43200
    )
    session = Keys.of(assume(h, alice, first, DurationSeconds=43200)["Credentials"])
    assert denied(h, session, second, DurationSeconds=3601) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
        "role chaining.",
        400,
    )
    chained = assume(h, session, second)
    assert chained["Credentials"]["Expiration"] == START + timedelta(hours=1)
    identity = h.sts(Keys.of(chained["Credentials"])).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/second/sess"


# -- session policies ------------------------------------------------------------------


def test_session_policy_intersects_with_the_role(h: Harness) -> None:
    alice = h.user("alice")
    both = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["iam:ListUsers", "iam:ListRoles"], "Resource": "*"}
            ],
        }
    )
    role = h.role("r", trust({"AWS": USER_ARN}), both)
    result = assume(h, alice, role, Policy=allow("iam:ListUsers"))
    assert 0 < result["PackedPolicySize"] <= 100
    session = h.iam(Keys.of(result["Credentials"]))
    session.list_users()
    with pytest.raises(ClientError) as raised:
        session.list_roles()
    code, message, _ = error(raised)
    assert code == "AccessDenied"
    assert message.endswith("because no session policy allows the iam:ListRoles action")
    # A session policy never grants more than the role has.
    wide = Keys.of(assume(h, alice, role, Policy=allow("iam:*"))["Credentials"])
    with pytest.raises(ClientError) as raised:
        h.iam(wide).list_groups()
    assert "no identity-based policy allows" in error(raised)[1]


def test_managed_session_policies(h: Harness) -> None:
    alice = h.user("alice")
    role = h.role("r", trust({"AWS": USER_ARN}), allow("iam:*"))
    readonly = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    result = assume(h, alice, role, PolicyArns=[{"arn": readonly}])
    session = h.iam(Keys.of(result["Credentials"]))
    session.list_users()
    with pytest.raises(ClientError) as raised:
        session.create_user(UserName="mallory")
    assert error(raised)[0] == "AccessDenied"

    eleven = [{"arn": readonly}] * 11
    code, message, status = denied(h, alice, role, PolicyArns=eleven)
    assert (code, status) == ("ValidationError", 400)
    assert "'policyArns'" in message and "less than or equal to 10" in message
    missing = f"arn:aws:iam::{ACCOUNT}:policy/nope"
    code, message, _ = denied(h, alice, role, PolicyArns=[{"arn": missing}])
    assert code == "MalformedPolicyDocument" and missing in message


def test_malformed_session_policy(h: Harness) -> None:
    alice = h.user("alice")
    role = h.role("r", trust({"AWS": USER_ARN}))
    code, _, status = denied(h, alice, role, Policy='{"Version": "2012-10-17", "Statement": ')
    assert (code, status) == ("MalformedPolicyDocument", 400)
    principal = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
        }
    )
    assert denied(h, alice, role, Policy=principal)[0] == "MalformedPolicyDocument"


def _noise(length: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


def test_packed_policy_too_large(h: Harness) -> None:
    alice = h.user("alice")
    role = h.role("r", trust({"AWS": USER_ARN}, "sts:AssumeRole", "sts:TagSession"))
    resources = [f"arn:aws:s3:::{_noise(60, i)}" for i in range(25)]
    big = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": resources}],
        }
    )
    code, message, status = denied(h, alice, role, Policy=big)
    assert (code, status) == ("PackedPolicyTooLarge", 400)
    assert message.startswith("Packed policy consumes ") and "% of allotted space" in message
    tags = [{"Key": f"k{i}", "Value": _noise(200, i)} for i in range(10)]
    code, message, _ = denied(h, alice, role, Tags=tags)
    assert code == "PackedPolicyTooLarge"
    assert message.startswith("Packed size of session tags consumes ")


# -- session tags ----------------------------------------------------------------------


def test_session_tags_need_tag_session(h: Harness) -> None:
    alice = h.user("alice")
    tags = [{"Key": "team", "Value": "red"}]
    plain = h.role("plain", trust({"AWS": USER_ARN}))
    assert denied(h, alice, plain, Tags=tags) == bare(USER_ARN, plain, action="sts:TagSession")
    red_only = allow("iam:ListUsers", StringEquals={"aws:PrincipalTag/team": "red"})
    role = h.role(
        "tagged",
        trust(
            {"AWS": USER_ARN},
            "sts:AssumeRole",
            "sts:TagSession",
            StringEquals={"aws:RequestTag/team": "red"},
        ),
        red_only,
    )
    assert denied(h, alice, role, Tags=[{"Key": "team", "Value": "blue"}])[0] == "AccessDenied"
    result = assume(h, alice, role, Tags=tags)
    assert result["PackedPolicySize"] > 0
    h.iam(Keys.of(result["Credentials"])).list_users()  # aws:PrincipalTag from the session


def test_transitive_tags_in_a_role_chain(h: Harness) -> None:
    alice = h.user("alice")
    tagging = ("sts:AssumeRole", "sts:TagSession")
    first = h.role("first", trust({"AWS": USER_ARN}, *tagging), allow("sts:AssumeRole"))
    first_arn = f"arn:aws:iam::{ACCOUNT}:role/first"
    second = h.role(
        "second",
        trust({"AWS": first_arn}, *tagging),
        allow("iam:ListUsers", StringEquals={"aws:PrincipalTag/project": "apollo"}),
    )
    no_tagging = h.role("strict", trust({"AWS": first_arn}))
    tags = [{"Key": "project", "Value": "apollo"}, {"Key": "cost", "Value": "1"}]

    with pytest.raises(ClientError) as raised:
        assume(h, alice, first, Tags=tags, TransitiveTagKeys=["nope"])
    assert error(raised) == (
        "InvalidParameterValue",
        "The specified transitive tag key must be included in the requested tags.",
        400,
    )
    duplicate = [{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}]
    assert denied(h, alice, first, Tags=duplicate)[0:2] == (
        "InvalidParameterValue",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    )

    session = Keys.of(
        assume(h, alice, first, Tags=tags, TransitiveTagKeys=["project"])["Credentials"]
    )
    # The inherited transitive tag needs sts:TagSession on the next role too.
    assert denied(h, session, no_tagging) == bare(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/first/sess", no_tagging, action="sts:TagSession"
    )
    code, message, _ = denied(h, session, second, Tags=[{"Key": "PROJECT", "Value": "x"}])
    assert code == "InvalidParameterValue" and "conflicts with a transitive tag key" in message
    chained = Keys.of(assume(h, session, second)["Credentials"])
    h.iam(chained).list_users()  # project=apollo was carried over


# -- source identity -------------------------------------------------------------------


def test_source_identity(h: Harness) -> None:
    alice = h.user("alice")
    plain = h.role("plain", trust({"AWS": USER_ARN}))
    assert denied(h, alice, plain, SourceIdentity="alice@example.com") == bare(
        USER_ARN, plain, action="sts:SetSourceIdentity"
    )
    source = ("sts:AssumeRole", "sts:SetSourceIdentity")
    first = h.role(
        "first",
        trust({"AWS": USER_ARN}, *source, StringLike={"sts:SourceIdentity": "*@example.com"}),
        allow("sts:AssumeRole"),
    )
    first_arn = f"arn:aws:iam::{ACCOUNT}:role/first"
    second = h.role(
        "second",
        trust({"AWS": first_arn}, *source),
        allow("iam:ListUsers", StringEquals={"aws:SourceIdentity": "alice@example.com"}),
    )
    strict = h.role("strict", trust({"AWS": first_arn}))
    assert denied(h, alice, first, SourceIdentity="alice@evil.com")[0] == "AccessDenied"
    code, message, status = denied(h, alice, first, SourceIdentity="aws:alice")
    assert (code, status) == ("ValidationError", 400)  # ':' is outside the model's pattern
    assert "'sourceIdentity'" in message
    result = assume(h, alice, first, SourceIdentity="alice@example.com")
    assert result["SourceIdentity"] == "alice@example.com"
    session = Keys.of(result["Credentials"])
    # Sticky: carried into the chained session, which needs sts:SetSourceIdentity.
    assert denied(h, session, strict) == bare(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/first/sess", strict, action="sts:SetSourceIdentity"
    )
    code, message, _ = denied(h, session, second, SourceIdentity="bob@example.com")
    assert code == "InvalidParameterValue" and "cannot be changed" in message
    chained = assume(h, session, second)
    assert chained["SourceIdentity"] == "alice@example.com"
    h.iam(Keys.of(chained["Credentials"])).list_users()  # aws:SourceIdentity in the context


# -- MFA -------------------------------------------------------------------------------


def test_mfa_protected_role(h: Harness) -> None:
    alice = h.user("alice")
    h.user("bob")
    serial, totp = h.mfa_device("alice")
    bob_serial, bob_totp = h.mfa_device("bob")
    role = h.role(
        "admin",
        trust(
            {"AWS": USER_ARN},
            Bool={"aws:MultiFactorAuthPresent": "true"},
            NumericLessThan={"aws:MultiFactorAuthAge": "3600"},
        ),
    )
    assert denied(h, alice, role) == bare(USER_ARN, role)
    assert denied(h, alice, role, SerialNumber=serial) == (
        "AccessDenied",
        "MultiFactorAuthentication failed, must provide both MFA serial number and one time "
        "pass code.",
        403,
    )
    wrong = f"{(int(h.code(totp)) + 1) % 1000000:06d}"
    assert denied(h, alice, role, SerialNumber=serial, TokenCode=wrong) == (
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        403,
    )
    not_hers = denied(h, alice, role, SerialNumber=bob_serial, TokenCode=h.code(bob_totp))
    assert not_hers[1].startswith("MultiFactorAuthentication failed, unable to validate MFA code.")
    code = h.code(totp)
    result = assume(h, alice, role, SerialNumber=serial, TokenCode=code)
    assert result["AssumedRoleUser"]["Arn"].endswith("assumed-role/admin/sess")
    # The same code is never accepted twice, even within its 30 seconds.
    assert denied(h, alice, role, SerialNumber=serial, TokenCode=code)[1] == (
        "MultiFactorAuthentication failed with invalid MFA one time pass code. "
    )
    h.clock.advance(seconds=30)
    assert assume(h, alice, role, SerialNumber=serial, TokenCode=h.code(totp))


def test_mfa_window_is_one_step(h: Harness) -> None:
    alice = h.user("alice")
    serial, totp = h.mfa_device("alice")
    role = h.role("r", trust({"AWS": USER_ARN}))
    now = h.clock.now().timestamp()
    late = str(totp.at(now - 60))  # two steps old
    assert denied(h, alice, role, SerialNumber=serial, TokenCode=late)[0] == "AccessDenied"
    early = str(totp.at(now + 30))  # one step ahead: a device clock a little fast
    assert assume(h, alice, role, SerialNumber=serial, TokenCode=early)
    # The current step is now older than the newest accepted: refused.
    current = h.code(totp)
    assert denied(h, alice, role, SerialNumber=serial, TokenCode=current)[0] == "AccessDenied"


def test_mfa_from_get_session_token_carries_into_assume_role(h: Harness) -> None:
    alice = h.user("alice")
    serial, totp = h.mfa_device("alice")
    role = h.role("r", trust({"AWS": USER_ARN}, Bool={"aws:MultiFactorAuthPresent": "true"}))
    plain = Keys.of(h.sts(alice).get_session_token()["Credentials"])
    assert denied(h, plain, role)[0] == "AccessDenied"
    with_mfa = h.sts(alice).get_session_token(SerialNumber=serial, TokenCode=h.code(totp))
    session = Keys.of(with_mfa["Credentials"])
    assert assume(h, session, role)["AssumedRoleUser"]["Arn"].endswith("/r/sess")


# -- the session's life ----------------------------------------------------------------


def test_permissions_are_evaluated_live(h: Harness) -> None:
    alice = h.user("alice")
    role = h.role("r", trust({"AWS": USER_ARN}))
    session = h.iam(Keys.of(assume(h, alice, role)["Credentials"]))
    with pytest.raises(ClientError):
        session.list_users()
    h.store.put_role_policy(ACCOUNT, "r", "late", LIST_USERS)
    session.list_users()
    # Changing the trust policy does not end existing sessions.
    h.store.update_assume_role_policy(ACCOUNT, "r", trust({"Service": "ec2.amazonaws.com"}))
    session.list_users()
    h.store.delete_role_policy(ACCOUNT, "r", "late")
    h.store.delete_role(ACCOUNT, "r")
    with pytest.raises(ClientError) as raised:
        session.list_users()
    assert error(raised)[0] == "InvalidClientTokenId"


def test_sessions_expire(h: Harness) -> None:
    alice = h.user("alice")
    role = h.role("r", trust({"AWS": USER_ARN}), LIST_USERS)
    result = assume(h, alice, role, DurationSeconds=900)
    session = h.iam(Keys.of(result["Credentials"]))
    h.clock.advance(seconds=899)
    session.list_users()
    h.clock.advance(seconds=1)
    with pytest.raises(ClientError) as raised:
        session.list_users()
    assert error(raised) == (
        "ExpiredToken",
        "The security token included in the request is expired",
        403,
    )


def test_revoking_older_sessions(h: Harness) -> None:
    """The console's "Revoke active sessions": a deny on aws:TokenIssueTime."""
    alice = h.user("alice")
    role = h.role("r", trust({"AWS": USER_ARN}), LIST_USERS)
    old = h.iam(Keys.of(assume(h, alice, role)["Credentials"]))
    h.clock.advance(minutes=5)
    cutoff = h.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    revoke = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime": cutoff}},
                }
            ],
        }
    )
    h.store.put_role_policy(ACCOUNT, "r", "AWSRevokeOlderSessions", revoke)
    with pytest.raises(ClientError) as raised:
        old.list_users()
    assert "explicit deny in an identity-based policy" in error(raised)[1]
    h.clock.advance(seconds=1)
    h.iam(Keys.of(assume(h, alice, role)["Credentials"])).list_users()
