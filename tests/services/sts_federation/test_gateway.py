"""The wire path in process: boto3 (unsigned AssumeRoleWithWebIdentity / WithSAML)
→ Gateway → the issued credentials signing later calls.

The gateway must build the anonymous caller for unsigned operations (see the
integration notes in :mod:`clearance.services.sts.federation_common`); the
``anonymous_gateway`` fixture applies exactly that change until it is merged,
and is a no-op afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError

from clearance.clock import FixedClock
from clearance.services import gateway as gateway_module
from clearance.services.gateway import Gateway
from clearance.services.sts.federation_common import anonymous_caller
from clearance.store import Store
from clearance.wire import WireRequest
from tests.services.sts_federation import idp
from tests.services.sts_federation.conftest import (
    ACCOUNT,
    CLIENT,
    ISSUER,
    PROVIDER_ARN,
    Harness,
    trust,
)

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/web"
LIST_USERS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}],
    }
)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


@pytest.fixture
def anonymous_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    original = gateway_module._caller

    def caller(auth: Any, record: Any) -> Any:
        if auth.anonymous:
            return anonymous_caller()
        return original(auth, record)

    monkeypatch.setattr(gateway_module, "_caller", caller)


class Live(Harness):
    gateway: Gateway


@pytest.fixture
def live(harness: Harness, store: Store, anonymous_gateway: None) -> Live:
    # Signatures carry the real time: the gateway's clock must be near it.
    harness.clock.moment = datetime.now(UTC).replace(microsecond=0)
    harness.__class__ = Live
    live = harness
    assert isinstance(live, Live)
    live.gateway = Gateway(store, FixedClock(harness.clock.moment))
    return live


def _client(harness: Live, service: str, credentials: dict[str, str] | None = None) -> Any:
    creds = credentials or {
        "AccessKeyId": "AKIAUNUSED",
        "SecretAccessKey": "x",
        "SessionToken": None,
    }
    client = boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url="http://clearance.test",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds.get("SessionToken"),
        config=Config(retries={"max_attempts": 1}),
    )
    gateway = harness.gateway

    def answer(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        parts = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        headers = [
            (k, v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()
        ]
        if not any(k.lower() == "host" for k, _ in headers):
            headers.append(("host", parts.netloc))
        wire = WireRequest.build(
            request.method, parts.path, parts.query, headers, body, source_ip="127.0.0.1"
        )
        response = gateway.handle(wire)
        return AWSResponse(
            request.url, response.status, dict(response.headers), _Raw(response.body)
        )

    client.meta.events.register(f"before-send.{service}", answer)
    return client


def test_web_identity_credentials_work_through_the_gateway(live: Live, signer: idp.Signer) -> None:
    live.oidc_provider(signer)
    live.role(
        "web",
        trust({"Federated": PROVIDER_ARN}, "sts:AssumeRoleWithWebIdentity"),
        policy=LIST_USERS,
    )
    sts = _client(live, "sts")
    token = idp.id_token(signer, ISSUER, now=live.clock.now())
    result = sts.assume_role_with_web_identity(
        RoleArn=ROLE_ARN, RoleSessionName="gw", WebIdentityToken=token
    )
    assert result["Provider"] == PROVIDER_ARN
    assert result["Audience"] == CLIENT
    credentials = result["Credentials"]
    identity = _client(live, "sts", credentials).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/web/gw"
    assert identity["UserId"].endswith(":gw")
    iam = _client(live, "iam", credentials)
    iam.list_users()
    with pytest.raises(ClientError) as denied:
        iam.create_user(UserName="nope")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_web_identity_errors_on_the_wire(live: Live, signer: idp.Signer) -> None:
    live.oidc_provider(signer)
    live.role("web", trust({"Federated": PROVIDER_ARN}, "sts:AssumeRoleWithWebIdentity"))
    sts = _client(live, "sts")
    cases = [
        (
            idp.id_token(signer, ISSUER, now=live.clock.now(), audience="x"),
            "InvalidIdentityToken",
            400,
        ),
        (
            idp.id_token(signer, ISSUER, now=live.clock.now(), lifetime=timedelta(seconds=-60)),
            "ExpiredTokenException",
            400,
        ),
    ]
    for token, code, status in cases:
        with pytest.raises(ClientError) as raised:
            sts.assume_role_with_web_identity(
                RoleArn=ROLE_ARN, RoleSessionName="gw", WebIdentityToken=token
            )
        assert raised.value.response["Error"]["Code"] == code
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    with pytest.raises(sts.exceptions.InvalidIdentityTokenException):
        sts.assume_role_with_web_identity(
            RoleArn=ROLE_ARN, RoleSessionName="gw", WebIdentityToken="abcd"
        )


def test_saml_credentials_work_through_the_gateway(
    live: Live, saml_idp: idp.SamlIdp, tmp_path: Path
) -> None:
    provider_arn = f"arn:aws:iam::{ACCOUNT}:saml-provider/Corp"
    live.store.create_saml_provider(ACCOUNT, "Corp", saml_idp.metadata())
    live.role(
        "sso", trust({"Federated": provider_arn}, "sts:AssumeRoleWithSAML"), policy=LIST_USERS
    )
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/sso"
    sts = _client(live, "sts")
    assertion = idp.signed_response(saml_idp, role_arn, provider_arn, now=live.clock.now())
    result = sts.assume_role_with_saml(
        RoleArn=role_arn, PrincipalArn=provider_arn, SAMLAssertion=assertion
    )
    assert result["SubjectType"] == "persistent"
    identity = _client(live, "sts", result["Credentials"]).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/sso/alice@example.com"
    _client(live, "iam", result["Credentials"]).list_users()


def test_signed_only_operations_still_need_a_signature(live: Live) -> None:
    """Anonymous callers reach only the operations registered unsigned."""
    from botocore import UNSIGNED

    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url="http://clearance.test",
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )
    gateway = live.gateway

    def answer(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        parts = urlsplit(request.url)
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        wire = WireRequest.build(
            request.method,
            parts.path,
            parts.query,
            [(k, str(v)) for k, v in request.headers.items()],
            body,
        )
        response = gateway.handle(wire)
        return AWSResponse(
            request.url, response.status, dict(response.headers), _Raw(response.body)
        )

    sts.meta.events.register("before-send.sts", answer)
    with pytest.raises(ClientError) as raised:
        sts.get_caller_identity()
    assert raised.value.response["Error"]["Code"] == "MissingAuthenticationToken"


def test_provider_keys_reach_the_sessions_permission_policies(
    live: Live, signer: idp.Signer
) -> None:
    """``${<provider>:sub}`` in the role's permissions resolves for the session."""
    variable = "${oidc.example.com/id/CLUSTER1:sub}"
    live.oidc_provider(signer)
    own_user = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "iam:GetUser",
                    "Resource": f"arn:aws:iam::{ACCOUNT}:user/{variable}",
                }
            ],
        }
    )
    live.role(
        "web", trust({"Federated": PROVIDER_ARN}, "sts:AssumeRoleWithWebIdentity"), policy=own_user
    )
    live.store.create_user(ACCOUNT, "carol")
    live.store.create_user(ACCOUNT, "dave")
    token = idp.id_token(signer, ISSUER, now=live.clock.now(), subject="carol")
    result = _client(live, "sts").assume_role_with_web_identity(
        RoleArn=ROLE_ARN, RoleSessionName="carol", WebIdentityToken=token
    )
    iam = _client(live, "iam", result["Credentials"])
    iam.get_user(UserName="carol")
    with pytest.raises(ClientError):
        iam.get_user(UserName="dave")
