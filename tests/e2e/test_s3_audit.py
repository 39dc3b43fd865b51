"""S3 calls reach the audit trail as CloudTrail records with eventSource
``s3.amazonaws.com`` (kept simple: the bucket and key as request parameters)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import ACCOUNT_ID, Server, start_server
from tests.e2e.test_audit_trail import _eventually


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("s3-audit") / "data", {"CLEARANCE_AUDIT": "1"})


def test_s3_calls_are_recorded(server: Server) -> None:
    s3 = server.client("s3")
    s3.create_bucket(Bucket="audited-bucket")
    s3.put_object(Bucket="audited-bucket", Key="a/b.txt", Body=b"data")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{server.endpoint}/audited-bucket/a/b.txt", timeout=10)

    put: list[dict[str, Any]] = _eventually(
        server, EventSource="s3.amazonaws.com", EventName="PutObject"
    )
    assert len(put) == 1
    record = put[0]
    assert record["eventSource"] == "s3.amazonaws.com"
    assert record["userIdentity"]["type"] == "Root"
    assert record["recipientAccountId"] == ACCOUNT_ID
    assert record["requestParameters"]["bucketName"] == "audited-bucket"
    assert record["requestParameters"]["key"] == "a/b.txt"

    denied = _eventually(server, EventSource="s3.amazonaws.com", EventName="GetObject")
    assert len(denied) == 1
    assert denied[0]["errorCode"] == "AccessDenied"
    assert denied[0]["userIdentity"]["type"] == "AWSAccount"


def test_failed_authentication_is_recorded_with_the_operation(server: Server) -> None:
    import boto3
    from botocore.exceptions import ClientError

    wrong = boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIACLEARANCETEST001",
        aws_secret_access_key="w" * 40,
    )
    with pytest.raises(ClientError):
        wrong.list_objects_v2(Bucket="audited-bucket-2")
    found = _eventually(server, EventSource="s3.amazonaws.com", EventName="ListObjectsV2")
    assert len(found) == 1
    assert found[0]["errorCode"] == "SignatureDoesNotMatch"
    assert found[0]["userIdentity"]["accessKeyId"] == "AKIACLEARANCETEST001"
