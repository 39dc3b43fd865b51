"""AssumeRoleWithWebIdentity and AssumeRoleWithSAML against a live server, with
boto3, the AWS CLI and the SDKs' web-identity credential file flow.

The identity providers are local: an RSA key pair whose JWKS is a file (the
``clearance:jwks-uri`` provider tag) or served over HTTPS with a self-signed
certificate (discovery, accepted by its thumbprint), and a SAML IdP whose
metadata carries a self-signed certificate and whose assertions signxml signs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.e2e.conftest import ACCOUNT_ID, Server
from tests.services.sts_federation import idp

WEB = "sts:AssumeRoleWithWebIdentity"
SAML = "sts:AssumeRoleWithSAML"
CLIENT_ID = "sts.amazonaws.com"


def _trust(federated: str, action: str, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": federated},
        "Action": action,
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _get_own_role(role_name: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "iam:GetRole",
                    "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/{role_name}",
                }
            ],
        }
    )


@pytest.fixture
def anonymous_sts(server: Server) -> Any:
    """STS without credentials: AssumeRoleWith* are unsigned."""
    return boto3.client(
        "sts",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )


@dataclass
class WebSetup:
    issuer: str
    provider_arn: str
    role_name: str
    role_arn: str
    signer: idp.Signer
    host: str

    def token(self, signer: idp.Signer | None = None, **claims: Any) -> str:
        return idp.id_token(signer or self.signer, claims.pop("issuer", self.issuer), **claims)


@pytest.fixture(scope="module")
def signer() -> idp.Signer:
    return idp.rsa_signer("e2e-key")


@pytest.fixture
def web(
    iam: Any, unique: Callable[[str], str], tmp_path: Path, signer: idp.Signer
) -> Iterator[WebSetup]:
    host = f"{unique('oidc')}.example.test/id/cluster"
    issuer = f"https://{host}"
    jwks_uri = idp.write_jwks(tmp_path / "jwks.json", signer)
    provider_arn = iam.create_open_id_connect_provider(
        Url=issuer,
        ClientIDList=[CLIENT_ID],
        Tags=[{"Key": "clearance:jwks-uri", "Value": jwks_uri}],
    )["OpenIDConnectProviderArn"]
    role_name = unique("web-role")
    condition = {"StringEquals": {f"{host}:aud": CLIENT_ID}}
    role_arn = iam.create_role(
        RoleName=role_name, AssumeRolePolicyDocument=_trust(provider_arn, WEB, condition)
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role_name, PolicyName="read-self", PolicyDocument=_get_own_role(role_name)
    )
    try:
        yield WebSetup(issuer, provider_arn, role_name, role_arn, signer, host)
    finally:
        iam.delete_role_policy(RoleName=role_name, PolicyName="read-self")
        iam.delete_role(RoleName=role_name)
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)


def _error(call: Callable[[], Any]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


# -- web identity ---------------------------------------------------------------------------


def test_web_identity_credentials_work(server: Server, anonymous_sts: Any, web: WebSetup) -> None:
    result = anonymous_sts.assume_role_with_web_identity(
        RoleArn=web.role_arn,
        RoleSessionName="deployer",
        WebIdentityToken=web.token(),
        DurationSeconds=900,
    )
    credentials = result["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert result["Provider"] == web.provider_arn
    assert result["Audience"] == CLIENT_ID
    assert result["SubjectFromWebIdentityToken"] == "system:serviceaccount:default:app"
    lifetime = credentials["Expiration"] - datetime.now(UTC)
    assert timedelta(minutes=13) < lifetime <= timedelta(minutes=15)

    session = {
        "key": credentials["AccessKeyId"],
        "secret": credentials["SecretAccessKey"],
        "token": credentials["SessionToken"],
    }
    identity = server.client("sts", **session).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{web.role_name}/deployer"
    assert identity["UserId"] == f"{result['AssumedRoleUser']['AssumedRoleId']}"
    assert identity["Account"] == ACCOUNT_ID

    iam = server.client("iam", **session)
    assert iam.get_role(RoleName=web.role_name)["Role"]["Arn"] == web.role_arn
    code, _, status = _error(lambda: iam.create_user(UserName="not-allowed"))
    assert (code, status) == ("AccessDenied", 403)


def test_web_identity_with_a_session_policy(
    server: Server, anonymous_sts: Any, web: WebSetup
) -> None:
    deny_all = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    )
    result = anonymous_sts.assume_role_with_web_identity(
        RoleArn=web.role_arn,
        RoleSessionName="limited",
        WebIdentityToken=web.token(),
        Policy=deny_all,
    )
    assert 0 < result["PackedPolicySize"] <= 100
    c = result["Credentials"]
    iam = server.client("iam", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    assert _error(lambda: iam.get_role(RoleName=web.role_name))[0] == "AccessDenied"


def test_web_identity_rejections(anonymous_sts: Any, web: WebSetup) -> None:
    def assume(token: str, **extra: Any) -> tuple[str, str, int]:
        return _error(
            lambda: anonymous_sts.assume_role_with_web_identity(
                RoleArn=extra.pop("RoleArn", web.role_arn),
                RoleSessionName="s1",
                WebIdentityToken=token,
                **extra,
            )
        )

    forger = idp.rsa_signer(web.signer.kid)
    code, message, status = assume(web.token(forger))
    assert (code, status) == ("InvalidIdentityToken", 400)
    assert "signature" in message

    assert assume(web.token(audience="someone-else")) == (
        "InvalidIdentityToken",
        "Incorrect token audience",
        400,
    )

    code, message, status = assume(web.token(lifetime=timedelta(minutes=-1)))
    assert (code, status) == ("ExpiredTokenException", 400)
    assert message.startswith("Token expired: current date/time ")

    assert assume(web.token(issuer="https://unknown.example.test")) == (
        "InvalidIdentityToken",
        "No OpenIDConnect provider found in your account for https://unknown.example.test",
        400,
    )

    code, message, status = assume(web.token(idp.rsa_signer("other-kid")))
    assert (code, status) == ("InvalidIdentityToken", 400)
    assert message.startswith("Couldn't retrieve verification key")

    missing = f"arn:aws:iam::{ACCOUNT_ID}:role/does-not-exist"
    assert assume(web.token(), RoleArn=missing) == (
        "AccessDenied",
        f"Not authorized to perform {WEB}",
        403,
    )


def test_trust_condition_on_sub(iam: Any, anonymous_sts: Any, web: WebSetup) -> None:
    allowed = "system:serviceaccount:prod:deployer"
    iam.update_assume_role_policy(
        RoleName=web.role_name,
        PolicyDocument=_trust(
            web.provider_arn, WEB, {"StringEquals": {f"{web.host}:sub": allowed}}
        ),
    )
    denied = _error(
        lambda: anonymous_sts.assume_role_with_web_identity(
            RoleArn=web.role_arn, RoleSessionName="s1", WebIdentityToken=web.token()
        )
    )
    assert denied == ("AccessDenied", f"Not authorized to perform {WEB}", 403)
    result = anonymous_sts.assume_role_with_web_identity(
        RoleArn=web.role_arn, RoleSessionName="s1", WebIdentityToken=web.token(subject=allowed)
    )
    assert result["SubjectFromWebIdentityToken"] == allowed


def _credential_file_env(server: Server, web: WebSetup, tmp_path: Path) -> dict[str, str]:
    token_file = tmp_path / "token"
    token_file.write_text(web.token())
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and not k.startswith("CLEARANCE_")
    }
    env.update(
        AWS_ROLE_ARN=web.role_arn,
        AWS_WEB_IDENTITY_TOKEN_FILE=str(token_file),
        AWS_ROLE_SESSION_NAME="from-file",
        AWS_ENDPOINT_URL=server.endpoint,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def test_web_identity_token_file_with_boto3(server: Server, web: WebSetup, tmp_path: Path) -> None:
    """AssumeRoleWithWebIdentityProvider: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE."""
    script = (
        "import boto3\n"
        "session = boto3.Session()\n"
        "print(session.get_credentials().method)\n"
        "print(session.client('sts').get_caller_identity()['Arn'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=_credential_file_env(server, web, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    method, arn = done.stdout.split()
    assert method == "assume-role-with-web-identity"
    assert arn == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{web.role_name}/from-file"


def test_web_identity_token_file_with_the_cli(
    server: Server, web: WebSetup, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--output", "json"],
        env=_credential_file_env(server, web, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    identity = json.loads(done.stdout)
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{web.role_name}/from-file"


def test_discovery_over_https_with_a_thumbprint(
    server: Server,
    iam: Any,
    anonymous_sts: Any,
    unique: Callable[[str], str],
    tmp_path: Path,
) -> None:
    """No jwks-uri tag: the server discovers the keys from the issuer over HTTPS and
    accepts its self-signed certificate by the provider's thumbprint."""
    signer = idp.rsa_signer("discovered")
    with idp.https_issuer(tmp_path) as issuer:
        issuer.publish(signer)
        provider_arn = iam.create_open_id_connect_provider(
            Url=issuer.url,
            ClientIDList=[CLIENT_ID],
            ThumbprintList=[idp.thumbprint(issuer.certificate)],
        )["OpenIDConnectProviderArn"]
        role_name = unique("discovered")
        role_arn = iam.create_role(
            RoleName=role_name, AssumeRolePolicyDocument=_trust(provider_arn, WEB)
        )["Role"]["Arn"]
        try:
            result = anonymous_sts.assume_role_with_web_identity(
                RoleArn=role_arn,
                RoleSessionName="tls",
                WebIdentityToken=idp.id_token(signer, issuer.url),
            )
            assert result["Provider"] == provider_arn
            # A certificate that is not in the thumbprint list is not trusted.
            iam.update_open_id_connect_provider_thumbprint(
                OpenIDConnectProviderArn=provider_arn, ThumbprintList=["0" * 40]
            )
            code, _, _ = _error(
                lambda: anonymous_sts.assume_role_with_web_identity(
                    RoleArn=role_arn,
                    RoleSessionName="tls",
                    WebIdentityToken=idp.id_token(idp.rsa_signer("new-kid"), issuer.url),
                )
            )
            assert code == "InvalidIdentityToken"
        finally:
            iam.delete_role(RoleName=role_name)
            iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)


# -- SAML ------------------------------------------------------------------------------------


@dataclass
class SamlSetup:
    idp: idp.SamlIdp
    provider_arn: str
    role_name: str
    role_arn: str

    def assertion(self, **options: Any) -> str:
        return idp.signed_response(self.idp, self.role_arn, self.provider_arn, **options)


@pytest.fixture(scope="module")
def saml_idp() -> idp.SamlIdp:
    return idp.SamlIdp.create()


@pytest.fixture
def saml(iam: Any, unique: Callable[[str], str], saml_idp: idp.SamlIdp) -> Iterator[SamlSetup]:
    provider_arn = iam.create_saml_provider(
        Name=unique("corp"), SAMLMetadataDocument=saml_idp.metadata()
    )["SAMLProviderArn"]
    role_name = unique("sso-role")
    condition = {"StringEquals": {"SAML:aud": idp.AWS_SAML}}
    role_arn = iam.create_role(
        RoleName=role_name, AssumeRolePolicyDocument=_trust(provider_arn, SAML, condition)
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role_name, PolicyName="read-self", PolicyDocument=_get_own_role(role_name)
    )
    try:
        yield SamlSetup(saml_idp, provider_arn, role_name, role_arn)
    finally:
        iam.delete_role_policy(RoleName=role_name, PolicyName="read-self")
        iam.delete_role(RoleName=role_name)
        iam.delete_saml_provider(SAMLProviderArn=provider_arn)


def test_saml_credentials_work(server: Server, anonymous_sts: Any, saml: SamlSetup) -> None:
    result = anonymous_sts.assume_role_with_saml(
        RoleArn=saml.role_arn, PrincipalArn=saml.provider_arn, SAMLAssertion=saml.assertion()
    )
    assert result["Subject"] == "alice"
    assert result["SubjectType"] == "persistent"
    assert result["Issuer"] == saml.idp.entity_id
    assert result["Audience"] == idp.AWS_SAML
    assert result["NameQualifier"]
    c = result["Credentials"]
    identity = server.client(
        "sts", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]
    ).get_caller_identity()
    assert identity["Arn"] == (
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{saml.role_name}/alice@example.com"
    )
    iam = server.client("iam", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    assert iam.get_role(RoleName=saml.role_name)["Role"]["RoleName"] == saml.role_name


def test_saml_rejections(anonymous_sts: Any, saml: SamlSetup) -> None:
    def assume(assertion: str) -> tuple[str, str, int]:
        return _error(
            lambda: anonymous_sts.assume_role_with_saml(
                RoleArn=saml.role_arn, PrincipalArn=saml.provider_arn, SAMLAssertion=assertion
            )
        )

    role, provider = saml.role_arn, saml.provider_arn
    signed = idp.sign(
        idp.saml_assertion(saml.idp, role, provider), saml.idp.key, saml.idp.certificate
    )
    signed.find(f".//{{{idp.SAML}}}NameID").text = "mallory"
    tampered = idp.encode(idp.response(signed))
    assert assume(tampered) == ("InvalidIdentityToken", "Response signature invalid", 400)

    unsigned = idp.encode(idp.response(idp.saml_assertion(saml.idp, role, provider)))
    assert assume(unsigned) == ("InvalidIdentityToken", "Response signature invalid", 400)

    stranger = idp.SamlIdp.create()
    forged = idp.signed_response(stranger, role, provider)
    assert assume(forged) == ("InvalidIdentityToken", "Response signature invalid", 400)

    expired = saml.assertion(
        now=datetime.now(UTC) - timedelta(minutes=4), lifetime=timedelta(minutes=2)
    )
    code, _, status = assume(expired)
    assert (code, status) == ("ExpiredTokenException", 400)

    code, message, status = assume(saml.assertion(audience="https://sp.example.com"))
    assert (code, status) == ("InvalidIdentityToken", 400)
    assert "audience" in message

    other_role = f"arn:aws:iam::{ACCOUNT_ID}:role/someone-else,{provider}"
    assert assume(saml.assertion(role_value=other_role)) == (
        "AccessDenied",
        f"Not authorized to perform {SAML}",
        403,
    )
