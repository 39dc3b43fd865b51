"""The instance metadata service through the real gateway: IMDSv2 tokens,
IMDSv1, HttpTokens=required, the credentials (a real role session carrying
the instance's ARN), the trust policy check, rotation, and 404s."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from clearance.wire import WireRequest, WireResponse
from tests.services.sts.conftest import ACCOUNT, Harness, Keys, allow, trust

EC2_TRUST = trust({"Service": "ec2.amazonaws.com"})


def _get(h: Harness, instance: str, path: str, token: str | None = None) -> WireResponse:
    headers = [("x-aws-ec2-metadata-token", token)] if token else []
    return h.gateway.handle(WireRequest.build("GET", f"/imds/{instance}/{path}", "", headers))


def _token(h: Harness, instance: str, ttl: str = "21600", **extra: str) -> WireResponse:
    headers = [("x-aws-ec2-metadata-token-ttl-seconds", ttl), *extra.items()]
    return h.gateway.handle(
        WireRequest.build("PUT", f"/imds/{instance}/latest/api/token", "", headers)
    )


def _launch(h: Harness, profile: str | None = "web", **extra: Any) -> str:
    params: dict[str, Any] = {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1, **extra}
    if profile:
        params["IamInstanceProfile"] = {"Name": profile}
    return str(h.client("ec2").run_instances(**params)["Instances"][0]["InstanceId"])


def _web_profile(h: Harness, trust_policy: str = EC2_TRUST, *documents: str) -> None:
    h.role("web-role", trust_policy, *(documents or (allow("iam:ListUsers"),)))
    h.store.create_instance_profile(ACCOUNT, "web")
    h.store.add_role_to_instance_profile(ACCOUNT, "web", "web-role")


def _credentials(h: Harness, instance: str) -> dict[str, Any]:
    token = _token(h, instance).body.decode()
    listed = _get(h, instance, "latest/meta-data/iam/security-credentials/", token)
    assert listed.status == 200 and listed.body == b"web-role"
    answer = _get(h, instance, "latest/meta-data/iam/security-credentials/web-role", token)
    assert answer.status == 200
    return dict(json.loads(answer.body))


def test_credentials_are_a_role_session_of_the_instance(h: Harness) -> None:
    _web_profile(h)
    instance = _launch(h)
    document = _credentials(h, instance)
    assert document["Code"] == "Success" and document["Type"] == "AWS-HMAC"
    keys = Keys(document["AccessKeyId"], document["SecretAccessKey"], document["Token"])
    identity = h.sts(keys).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/web-role/{instance}"
    assert h.iam(keys).list_users()["Users"] == []


def test_session_carries_the_source_instance_arn(h: Harness) -> None:
    arn_of = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/"
    _web_profile(
        h, EC2_TRUST, allow("iam:ListUsers", "*", ArnLike={"ec2:SourceInstanceARN": arn_of + "*"})
    )
    instance = _launch(h)
    document = _credentials(h, instance)
    keys = Keys(document["AccessKeyId"], document["SecretAccessKey"], document["Token"])
    assert h.iam(keys).list_users()["Users"] == []
    h.store.put_role_policy(
        ACCOUNT,
        "web-role",
        "p0",
        allow("iam:ListUsers", "*", StringEquals={"aws:SourceInstanceARN": arn_of + "i-0"}),
    )
    with pytest.raises(ClientError) as error:
        h.iam(keys).list_users()
    assert error.value.response["Error"]["Code"] == "AccessDenied"


def test_trust_policy_must_allow_ec2(h: Harness) -> None:
    _web_profile(h, trust({"Service": "lambda.amazonaws.com"}))
    instance = _launch(h)
    answer = _get(h, instance, "latest/meta-data/iam/security-credentials/web-role")
    document = json.loads(answer.body)
    assert document["Code"] == "AssumeRoleUnauthorizedAccess"
    assert "AccessKeyId" not in document


def test_tokens_and_imdsv1(h: Harness) -> None:
    _web_profile(h)
    instance = _launch(h)
    assert _get(h, instance, "latest/meta-data/instance-id").body.decode() == instance  # v1
    token = _token(h, instance, "60")
    assert token.status == 200
    assert ("x-aws-ec2-metadata-token-ttl-seconds", "60") in token.headers
    assert _get(h, instance, "latest/meta-data/instance-id", token.body.decode()).status == 200
    assert _get(h, instance, "latest/meta-data/instance-id", "forged").status == 401
    h.clock.advance(seconds=61)
    assert _get(h, instance, "latest/meta-data/instance-id", token.body.decode()).status == 401
    assert _token(h, instance, "0").status == 400
    assert _token(h, instance, "21601").status == 400
    assert _token(h, instance, "60", **{"x-forwarded-for": "1.2.3.4"}).status == 403
    other = _launch(h)
    assert _get(h, other, "latest/meta-data/instance-id", token.body.decode()).status == 401


def test_http_tokens_required(h: Harness) -> None:
    instance = _launch(h, None, MetadataOptions={"HttpTokens": "required"})
    assert _get(h, instance, "latest/meta-data/instance-id").status == 401
    token = _token(h, instance).body.decode()
    assert _get(h, instance, "latest/meta-data/instance-id", token).status == 200


def test_identity_document_and_region(h: Harness) -> None:
    instance = _launch(h, None)
    assert _get(h, instance, "latest/meta-data/placement/region").body == b"us-east-1"
    document = json.loads(_get(h, instance, "latest/dynamic/instance-identity/document").body)
    assert document["region"] == "us-east-1"
    assert document["instanceId"] == instance
    assert document["accountId"] == ACCOUNT


def test_not_found(h: Harness) -> None:
    instance = _launch(h, None)
    assert _get(h, instance, "latest/meta-data/iam/security-credentials/").status == 404
    assert _get(h, instance, "latest/meta-data/iam/info").status == 404
    assert _get(h, instance, "latest/meta-data/nothing-here").status == 404
    assert _get(h, "i-0123456789abcdef0", "latest/meta-data/instance-id").status == 404
    h.client("ec2").terminate_instances(InstanceIds=[instance])
    assert _get(h, instance, "latest/meta-data/instance-id").status == 404


def test_credentials_cached_then_rotated(h: Harness) -> None:
    _web_profile(h)
    instance = _launch(h)
    first = _credentials(h, instance)
    h.clock.advance(seconds=600)
    assert _credentials(h, instance)["AccessKeyId"] == first["AccessKeyId"]
    h.clock.advance(seconds=3600)
    second = _credentials(h, instance)
    assert second["AccessKeyId"] != first["AccessKeyId"]
    assert second["Expiration"] > first["Expiration"]
    # The previous credentials stay valid until they expire, as on AWS.
    keys = Keys(first["AccessKeyId"], first["SecretAccessKey"], first["Token"])
    assert h.sts(keys).get_caller_identity()["Arn"].endswith(f"/{instance}")


def test_iam_info(h: Harness) -> None:
    _web_profile(h)
    instance = _launch(h)
    info = json.loads(_get(h, instance, "latest/meta-data/iam/info").body)
    assert info["Code"] == "Success"
    assert info["InstanceProfileArn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/web"


def test_signed_requests_are_not_metadata_requests(h: Harness) -> None:
    """A signed request to ``/imds/...`` (an S3 bucket named ``imds``) goes to the services."""
    instance = _launch(h, None)
    headers = [("Authorization", "AWS4-HMAC-SHA256 Credential=x")]
    path = f"/imds/{instance}/latest/meta-data/instance-id"
    answer = h.gateway.handle(WireRequest.build("GET", path, "", headers))
    assert answer.body != instance.encode()
    assert b"<Error>" in answer.body or b"<Errors>" in answer.body
