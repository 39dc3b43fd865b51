"""STS and MFA against a live server: AssumeRole (same account, cross-account
with ExternalId, an AWS CLI profile with role_arn + source_profile + mfa_serial,
boto3's AssumeRoleProvider), GetSessionToken with and without MFA,
GetFederationToken, GetAccessKeyInfo, what temporary credentials may call, and
expiry (the server and the CLI under libfaketime)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pyotp
import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import ACCOUNT_ID, Server, start_server

Unique = Callable[[str], str]

LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
MFA_INVALID = "MultiFactorAuthentication failed with invalid MFA one time pass code. "


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: str | list[str], resource: str = "*", **condition: Any) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return _doc(statement)


def _trust(principal: Any, *actions: str, **condition: Any) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": list(actions) or "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return _doc(statement)


def _error(call: Callable[[], Any]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


@dataclass(frozen=True)
class User:
    name: str
    arn: str
    key: str
    secret: str

    def client(self, server: Server, service: str) -> Any:
        return server.client(service, self.key, self.secret)


def _user(iam: Any, name: str, *documents: str) -> User:
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    for index, document in enumerate(documents):
        iam.put_user_policy(UserName=name, PolicyName=f"p{index}", PolicyDocument=document)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return User(name, arn, key["AccessKeyId"], key["SecretAccessKey"])


def _role(iam: Any, name: str, trust: str, *documents: str, **extra: Any) -> str:
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust, **extra)["Role"][
        "Arn"
    ]
    for index, document in enumerate(documents):
        iam.put_role_policy(RoleName=name, PolicyName=f"p{index}", PolicyDocument=document)
    return arn


def _session(server: Server, service: str, credentials: dict[str, Any]) -> Any:
    return server.client(
        service,
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )


def _mfa(iam: Any, user: str, name: str) -> tuple[str, pyotp.TOTP]:
    """A virtual MFA device enabled for ``user``; the codes of the two steps
    before the current one enable it, so the current code is still fresh."""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    assert device["QRCodePNG"].startswith(b"\x89PNG")
    totp = pyotp.TOTP(device["Base32StringSeed"].decode())
    now = int(time.time()) // 30 * 30
    iam.enable_mfa_device(
        UserName=user,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=totp.at(now - 60),
        AuthenticationCode2=totp.at(now - 30),
    )
    return device["SerialNumber"], totp


# -- AssumeRole ------------------------------------------------------------------------


def test_assume_role_in_the_same_account(server: Server, iam: Any, unique: Unique) -> None:
    alice = _user(iam, unique("alice"))
    direct = _role(iam, unique("direct"), _trust({"AWS": alice.arn}), _allow("iam:ListUsers"))
    sts = alice.client(server, "sts")
    # A trust policy naming the user: no identity policy needed.
    result = sts.assume_role(RoleArn=direct, RoleSessionName="alice")
    role_name = direct.rsplit("/", 1)[1]
    assert result["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/alice"
    )
    assert result["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert result["AssumedRoleUser"]["AssumedRoleId"].endswith(":alice")
    assert result["Credentials"]["AccessKeyId"].startswith("ASIA")
    identity = _session(server, "sts", result["Credentials"]).get_caller_identity()
    assert identity["Arn"] == result["AssumedRoleUser"]["Arn"]
    assert identity["UserId"] == result["AssumedRoleUser"]["AssumedRoleId"]
    _session(server, "iam", result["Credentials"]).list_users()
    last_used = iam.get_role(RoleName=role_name)["Role"]["RoleLastUsed"]
    assert "LastUsedDate" in last_used

    # A trust policy naming the account: the identity policy must allow too.
    delegated = _role(iam, unique("delegated"), _trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}))
    assert _error(lambda: sts.assume_role(RoleArn=delegated, RoleSessionName="alice")) == (
        "AccessDenied",
        f"User: {alice.arn} is not authorized to perform: sts:AssumeRole on resource: "
        f"{delegated} because no identity-based policy allows the sts:AssumeRole action",
        403,
    )
    iam.put_user_policy(
        UserName=alice.name, PolicyName="assume", PolicyDocument=_allow("sts:AssumeRole", delegated)
    )
    assert sts.assume_role(RoleArn=delegated, RoleSessionName="alice")["Credentials"]


def test_role_permissions_and_session_policy(server: Server, iam: Any, unique: Unique) -> None:
    alice = _user(iam, unique("alice"))
    role = _role(
        iam,
        unique("lister"),
        _trust({"AWS": alice.arn}),
        _allow(["iam:ListUsers", "iam:ListRoles"]),
    )
    sts = alice.client(server, "sts")
    full = sts.assume_role(RoleArn=role, RoleSessionName="full")["Credentials"]
    _session(server, "iam", full).list_roles()
    with pytest.raises(ClientError):
        _session(server, "iam", full).list_groups()  # not in the role's policy
    narrowed = sts.assume_role(
        RoleArn=role, RoleSessionName="narrow", Policy=_allow("iam:ListUsers")
    )
    assert 0 < narrowed["PackedPolicySize"] <= 100
    session = _session(server, "iam", narrowed["Credentials"])
    session.list_users()
    code, message, _ = _error(session.list_roles)
    assert code == "AccessDenied"
    assert message.endswith("because no session policy allows the iam:ListRoles action")


def test_cross_account_with_external_id(server: Server, iam: Any, unique: Unique) -> None:
    other_id = str(100000000000 + int.from_bytes(os.urandom(4), "big") % 899999999999)
    other = server.create_account(other_id)
    assert other["AccountId"] == other_id
    other_iam = server.client("iam", other["AccessKeyId"], other["SecretAccessKey"])
    role = _role(
        other_iam,
        "partner-access",
        _trust({"AWS": ACCOUNT_ID}, StringEquals={"sts:ExternalId": "x-4471-partner"}),
        _allow("iam:ListRoles"),
    )
    alice = _user(iam, unique("alice"))
    sts = alice.client(server, "sts")
    bare = (
        "AccessDenied",
        f"User: {alice.arn} is not authorized to perform: sts:AssumeRole on resource: {role}",
        403,
    )
    # Across accounts both sides must allow: first the identity side is missing.
    assert (
        _error(
            lambda: sts.assume_role(RoleArn=role, RoleSessionName="s1", ExternalId="x-4471-partner")
        )
        == bare
    )
    iam.put_user_policy(
        UserName=alice.name, PolicyName="assume", PolicyDocument=_allow("sts:AssumeRole", role)
    )
    assert _error(lambda: sts.assume_role(RoleArn=role, RoleSessionName="s1")) == bare
    assert (
        _error(lambda: sts.assume_role(RoleArn=role, RoleSessionName="s1", ExternalId="wrong-id"))
        == bare
    )
    result = sts.assume_role(RoleArn=role, RoleSessionName="s1", ExternalId="x-4471-partner")
    assert result["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{other_id}:assumed-role/partner-access/s1"
    )
    session = _session(server, "iam", result["Credentials"])
    roles = [r["Arn"] for r in session.list_roles()["Roles"]]
    assert role in roles  # the other account's roles
    assert _session(server, "sts", result["Credentials"]).get_caller_identity()["Account"] == (
        other_id
    )


def _aws_config(tmp_path: Path, server: Server, profiles: dict[str, dict[str, str]]) -> Path:
    lines = []
    for name, values in profiles.items():
        lines.append(f"[profile {name}]")
        lines.extend(f"{key} = {value}" for key, value in values.items())
        lines.append(f"endpoint_url = {server.endpoint}")
        lines.append("region = us-east-1")
        lines.append("")
    path = tmp_path / "config"
    path.write_text("\n".join(lines))
    return path


def _cli_with_profile(
    server: Server, config: Path, home: Path, profile: str, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and key not in ("LD_PRELOAD",)
    }
    env.update(
        {
            "AWS_CONFIG_FILE": str(config),
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "HOME": str(home),  # the CLI caches assumed-role credentials under ~/.aws/cli
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "awscli", "--profile", profile, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        start_new_session=True,  # no controlling terminal: getpass reads the code from stdin
    )


def test_cli_profile_with_role_and_mfa(
    server: Server, iam: Any, unique: Unique, tmp_path: Path
) -> None:
    bob = _user(iam, unique("bob"))
    serial, totp = _mfa(iam, bob.name, unique("bob-phone"))
    role = _role(
        iam,
        unique("mfa-admin"),
        _trust({"AWS": bob.arn}, Bool={"aws:MultiFactorAuthPresent": "true"}),
        _allow("iam:ListRoles"),
    )
    config = _aws_config(
        tmp_path,
        server,
        {
            "base": {"aws_access_key_id": bob.key, "aws_secret_access_key": bob.secret},
            "admin": {"role_arn": role, "source_profile": "base", "mfa_serial": serial},
            "no-mfa": {"role_arn": role, "source_profile": "base"},
        },
    )
    home = tmp_path / "home"
    home.mkdir()
    denied = _cli_with_profile(server, config, home, "no-mfa", "sts", "get-caller-identity")
    assert denied.returncode != 0
    assert "AccessDenied" in denied.stderr and "sts:AssumeRole" in denied.stderr

    code = totp.now()
    wrong = f"{(int(code) + 500000) % 1000000:06d}"
    refused = _cli_with_profile(
        server, config, home, "admin", "sts", "get-caller-identity", stdin=wrong + "\n"
    )
    assert refused.returncode != 0
    assert MFA_INVALID.strip() in refused.stderr

    answered = _cli_with_profile(
        server, config, home, "admin", "sts", "get-caller-identity", stdin=totp.now() + "\n"
    )
    assert answered.returncode == 0, answered.stderr
    assert "Enter MFA code for " + serial in answered.stderr + answered.stdout
    identity = json.loads(answered.stdout)
    role_name = role.rsplit("/", 1)[1]
    assert identity["Arn"].startswith(f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/")
    listed = _cli_with_profile(server, config, home, "admin", "iam", "list-roles")
    assert listed.returncode == 0, listed.stderr  # cached role credentials, no new prompt
    assert role in listed.stdout


def test_boto3_assume_role_provider(
    server: Server, iam: Any, unique: Unique, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    carol = _user(iam, unique("carol"))
    role = _role(iam, unique("provider"), _trust({"AWS": carol.arn}), _allow("iam:ListUsers"))
    config = _aws_config(
        tmp_path,
        server,
        {
            "base": {"aws_access_key_id": carol.key, "aws_secret_access_key": carol.secret},
            "app": {
                "role_arn": role,
                "source_profile": "base",
                "role_session_name": "app-session",
                "duration_seconds": "900",
            },
        },
    )
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    session = boto3.Session(profile_name="app")
    identity = session.client("sts").get_caller_identity()
    assert identity["Arn"].endswith(f":assumed-role/{role.rsplit('/', 1)[1]}/app-session")
    session.client("iam").list_users()
    credentials = session.get_credentials()
    assert credentials is not None and credentials.method == "assume-role"


# -- GetSessionToken, GetFederationToken, GetAccessKeyInfo -----------------------------


def test_get_session_token_with_and_without_mfa(server: Server, iam: Any, unique: Unique) -> None:
    dave = _user(iam, unique("dave"), _allow("iam:ListUsers"))
    serial, totp = _mfa(iam, dave.name, unique("dave-phone"))
    sts = dave.client(server, "sts")

    plain = sts.get_session_token(DurationSeconds=900)["Credentials"]
    assert _session(server, "sts", plain).get_caller_identity()["Arn"] == dave.arn
    code, message, status = _error(_session(server, "iam", plain).list_users)
    assert (code, status) == ("InvalidClientTokenId", 403)
    assert message.startswith("The security token included in the request is invalid")
    assert "GetSessionToken" in message and "MFA" in message

    code = totp.now()
    with_mfa = sts.get_session_token(SerialNumber=serial, TokenCode=code)["Credentials"]
    _session(server, "iam", with_mfa).list_users()
    assert _error(lambda: sts.get_session_token(SerialNumber=serial, TokenCode=code)) == (
        "AccessDenied",
        MFA_INVALID,
        403,
    )
    role_session = _role(iam, unique("r"), _trust({"AWS": dave.arn}))
    assumed = sts.assume_role(RoleArn=role_session, RoleSessionName="dave")["Credentials"]
    assert _error(_session(server, "sts", assumed).get_session_token) == (
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials",
        403,
    )


def test_get_federation_token(server: Server, iam: Any, unique: Unique) -> None:
    erin = _user(iam, unique("erin"), _allow(["sts:GetFederationToken", "s3:GetObject"]))
    sts = erin.client(server, "sts")
    result = sts.get_federation_token(Name="contractor", Policy=_allow("s3:GetObject"))
    assert result["FederatedUser"] == {
        "FederatedUserId": f"{ACCOUNT_ID}:contractor",
        "Arn": f"arn:aws:sts::{ACCOUNT_ID}:federated-user/contractor",
    }
    assert 0 < result["PackedPolicySize"] <= 100
    federated = result["Credentials"]
    identity = _session(server, "sts", federated).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:federated-user/contractor"
    assert identity["UserId"] == f"{ACCOUNT_ID}:contractor"
    code, message, _ = _error(_session(server, "iam", federated).list_users)
    assert code == "InvalidClientTokenId" and "GetFederationToken" in message
    code, _, _ = _error(_session(server, "sts", federated).get_session_token)
    assert code == "InvalidClientTokenId"

    nobody = _user(iam, unique("nobody"))
    code, message, _ = _error(lambda: nobody.client(server, "sts").get_federation_token(Name="x1"))
    assert code == "AccessDenied" and "sts:GetFederationToken" in message


def test_get_access_key_info(server: Server, iam: Any, unique: Unique) -> None:
    frank = _user(iam, unique("frank"))
    sts = server.client("sts")
    assert sts.get_access_key_info(AccessKeyId=frank.key)["Account"] == ACCOUNT_ID
    temporary = frank.client(server, "sts").get_session_token()["Credentials"]
    assert sts.get_access_key_info(AccessKeyId=temporary["AccessKeyId"])["Account"] == ACCOUNT_ID


# -- rejections ------------------------------------------------------------------------


def test_rejections(server: Server, iam: Any, unique: Unique) -> None:
    grace = _user(iam, unique("grace"), _allow("sts:AssumeRole"))
    role = _role(iam, unique("target"), _trust({"AWS": grace.arn}), _allow("sts:AssumeRole"))
    sts = grace.client(server, "sts")
    root_sts = server.client("sts")
    assert _error(lambda: root_sts.assume_role(RoleArn=role, RoleSessionName="root")) == (
        "AccessDenied",
        "Roles may not be assumed by root accounts.",
        403,
    )
    assert _error(
        lambda: sts.assume_role(RoleArn=role, RoleSessionName="grace", DurationSeconds=7200)
    ) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        400,
    )
    missing = f"arn:aws:iam::{ACCOUNT_ID}:role/{unique('missing')}"
    assert _error(lambda: sts.assume_role(RoleArn=missing, RoleSessionName="grace")) == (
        "AccessDenied",
        f"User: {grace.arn} is not authorized to perform: sts:AssumeRole on resource: {missing}",
        403,
    )
    tags = [{"Key": "team", "Value": "blue"}]
    code, message, _ = _error(
        lambda: sts.assume_role(RoleArn=role, RoleSessionName="grace", Tags=tags)
    )
    assert code == "AccessDenied" and "sts:TagSession" in message
    code, message, _ = _error(
        lambda: sts.assume_role(RoleArn=role, RoleSessionName="grace", SourceIdentity="grace")
    )
    assert code == "AccessDenied" and "sts:SetSourceIdentity" in message
    noise = os.urandom(1200).hex()
    big = _allow("s3:GetObject", [f"arn:aws:s3:::{noise[i : i + 60]}" for i in range(0, 2400, 60)])
    code, message, status = _error(
        lambda: sts.assume_role(RoleArn=role, RoleSessionName="grace", Policy=big)
    )
    assert (code, status) == ("PackedPolicyTooLarge", 400) and "allotted space" in message

    # Role chaining: at most an hour.
    chained_role = _role(
        iam,
        unique("chained"),
        _trust({"AWS": role}),
        MaxSessionDuration=7200,
    )
    first = sts.assume_role(RoleArn=role, RoleSessionName="grace")["Credentials"]
    assert _error(
        lambda: _session(server, "sts", first).assume_role(
            RoleArn=chained_role, RoleSessionName="chain", DurationSeconds=7200
        )
    ) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
        "role chaining.",
        400,
    )
    chained = _session(server, "sts", first).assume_role(
        RoleArn=chained_role, RoleSessionName="chain"
    )
    assert chained["AssumedRoleUser"]["Arn"].endswith("/chain")

    # A deleted role's sessions end.
    iam.delete_role(RoleName=chained_role.rsplit("/", 1)[1])
    code, _, status = _error(_session(server, "sts", chained["Credentials"]).get_caller_identity)
    assert (code, status) == ("InvalidClientTokenId", 403)


# -- expiry under libfaketime ----------------------------------------------------------


@pytest.fixture(scope="module")
def shifted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """A server whose clock reads a file (libfaketime): write ``+20m`` to shift it."""
    if not Path(LIBFAKETIME).exists() or shutil.which("faketime") is None:
        pytest.skip("libfaketime is not installed (apt-get install faketime)")
    base = tmp_path_factory.mktemp("faketime")
    offset = base / "offset"
    offset.write_text("+0\n")
    env = {
        "LD_PRELOAD": LIBFAKETIME,
        "FAKETIME_TIMESTAMP_FILE": str(offset),
        "FAKETIME_NO_CACHE": "1",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",  # timers and timeouts keep real time
    }
    for server in start_server(base / "data", env):
        yield server, offset


def _shifted_cli(
    server: Server, offset: Path, credentials: dict[str, Any], *args: str
) -> subprocess.CompletedProcess[str]:
    """The AWS CLI with the same fake clock as the server (so signatures stay current)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"],
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "LD_PRELOAD": LIBFAKETIME,
            "FAKETIME_TIMESTAMP_FILE": str(offset),
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "awscli", "--endpoint-url", server.endpoint, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_sessions_expire_when_the_clock_moves(shifted: tuple[Server, Path]) -> None:
    server, offset = shifted
    iam = server.client("iam")
    henry = _user(iam, "henry")
    role = _role(iam, "short", _trust({"AWS": henry.arn}), _allow("iam:ListUsers"))
    credentials = henry.client(server, "sts").assume_role(
        RoleArn=role, RoleSessionName="henry", DurationSeconds=900
    )["Credentials"]
    fresh = _shifted_cli(server, offset, credentials, "iam", "list-users")
    assert fresh.returncode == 0, fresh.stderr
    offset.write_text("+14m\n")
    still = _shifted_cli(server, offset, credentials, "sts", "get-caller-identity")
    assert still.returncode == 0, still.stderr
    offset.write_text("+16m\n")
    expired = _shifted_cli(server, offset, credentials, "iam", "list-users")
    assert expired.returncode != 0
    assert "(ExpiredToken)" in expired.stderr
    assert "The security token included in the request is expired" in expired.stderr
