"""S3 end to end with real boto3 and the AWS CLI: buckets, objects (path and
virtual-hosted style), ranges, listing, tags, copy, multipart, presigned URLs
(SigV4 and SigV2), anonymous access, bucket policies and the root lockout."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.e2e.conftest import ACCOUNT_ID, ROOT_KEY, ROOT_SECRET, Server

MiB = 1024 * 1024


def _code(raised: pytest.ExceptionInfo[ClientError]) -> str:
    return str(raised.value.response["Error"]["Code"])


def _status(raised: pytest.ExceptionInfo[ClientError]) -> int:
    return int(raised.value.response["ResponseMetadata"]["HTTPStatusCode"])


@pytest.fixture()
def s3(server: Server) -> Any:
    return server.client("s3")


@pytest.fixture()
def bucket(s3: Any, unique: Callable[[str], str]) -> Iterator[str]:
    name = unique("bucket").lower().replace("_", "-")
    s3.create_bucket(Bucket=name)
    yield name


def _client(server: Server, **config: Any) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=config.pop("endpoint", server.endpoint),
        region_name="us-east-1",
        aws_access_key_id=config.pop("key", ROOT_KEY),
        aws_secret_access_key=config.pop("secret", ROOT_SECRET),
        config=Config(retries={"max_attempts": 1}, **config),
    )


def _user(server: Server, name: str) -> tuple[str, str, str]:
    iam = server.client("iam")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return arn, key["AccessKeyId"], key["SecretAccessKey"]


def _fetch(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, bytes]:
    # No Content-Type: a SigV2 presigned URL signs it (urllib would add a form type).
    headers = {"Content-Type": ""} if data is not None else {}
    request = urllib.request.Request(url, method=method, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# -- buckets ---------------------------------------------------------------------------------


def test_bucket_lifecycle(server: Server, s3: Any, unique: Callable[[str], str]) -> None:
    name = unique("life").lower().replace("_", "-")
    s3.create_bucket(Bucket=name)
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    with pytest.raises(ClientError) as raised:
        s3.create_bucket(Bucket=name)
    assert _code(raised) == "BucketAlreadyOwnedByYou"
    assert _status(raised) == 409
    with pytest.raises(ClientError) as raised:
        s3.create_bucket(Bucket="Not_A_Valid_Name")
    assert _code(raised) == "InvalidBucketName"
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    with pytest.raises(ClientError) as raised:
        s3.delete_bucket(Bucket=name)
    assert _code(raised) == "BucketNotEmpty"
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as raised:
        s3.head_bucket(Bucket=name)
    assert _status(raised) == 404


def test_bucket_names_are_global_across_accounts(
    server: Server, bucket: str, unique: Callable[[str], str]
) -> None:
    other = _other_account(server)
    with pytest.raises(ClientError) as raised:
        _client(server, key=other[0], secret=other[1]).create_bucket(Bucket=bucket)
    assert _code(raised) == "BucketAlreadyExists"


def test_location_constraint(server: Server, unique: Callable[[str], str]) -> None:
    name = unique("west").lower().replace("_", "-")
    west = boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="eu-west-1",
        aws_access_key_id=ROOT_KEY,
        aws_secret_access_key=ROOT_SECRET,
    )
    west.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert west.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"


# -- objects ---------------------------------------------------------------------------------


def test_put_get_head_delete(s3: Any, bucket: str) -> None:
    put = s3.put_object(
        Bucket=bucket,
        Key="dir/hello world.txt",
        Body=b"hello world",
        ContentType="text/plain",
        Metadata={"color": "blue"},
    )
    assert put["ETag"] == '"' + hashlib.md5(b"hello world").hexdigest() + '"'
    got = s3.get_object(Bucket=bucket, Key="dir/hello world.txt")
    assert got["Body"].read() == b"hello world"
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"color": "blue"}
    assert got["ETag"] == put["ETag"]
    head = s3.head_object(Bucket=bucket, Key="dir/hello world.txt")
    assert head["ContentLength"] == 11
    s3.delete_object(Bucket=bucket, Key="dir/hello world.txt")
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=bucket, Key="dir/hello world.txt")
    assert _code(raised) == "NoSuchKey"
    with pytest.raises(ClientError) as raised:
        s3.head_object(Bucket=bucket, Key="dir/hello world.txt")
    assert _status(raised) == 404


def test_virtual_hosted_style(server: Server, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    port = server.endpoint.rsplit(":", 1)[1]
    resolve = socket.getaddrinfo

    def localhost_names(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", localhost_names)
    for signature in ("s3v4", "s3"):
        virtual = _client(
            server,
            endpoint=f"http://localhost:{port}",
            s3={"addressing_style": "virtual"},
            signature_version=signature,
        )
        virtual.put_object(Bucket=bucket, Key=f"v/{signature}", Body=b"virtual")
        assert virtual.get_object(Bucket=bucket, Key=f"v/{signature}")["Body"].read() == b"virtual"
        keys = [o["Key"] for o in virtual.list_objects_v2(Bucket=bucket, Prefix="v/")["Contents"]]
        assert f"v/{signature}" in keys


def test_ranges(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    part = s3.get_object(Bucket=bucket, Key="digits", Range="bytes=2-5")
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert part["Body"].read() == b"2345"
    assert part["ContentRange"] == "bytes 2-5/10"
    assert s3.get_object(Bucket=bucket, Key="digits", Range="bytes=-3")["Body"].read() == b"789"
    assert s3.get_object(Bucket=bucket, Key="digits", Range="bytes=7-")["Body"].read() == b"789"
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=bucket, Key="digits", Range="bytes=10-20")
    assert _status(raised) == 416
    assert _code(raised) == "InvalidRange"


def test_list_objects_v2_paginator_and_delimiter(s3: Any, bucket: str) -> None:
    keys = [f"logs/{i:03d}.txt" for i in range(23)] + ["a/1", "a/2", "b/1", "top"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    pages = list(
        s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix="logs/", PaginationConfig={"PageSize": 10}
        )
    )
    assert [page["KeyCount"] for page in pages] == [10, 10, 3]
    listed = [o["Key"] for page in pages for o in page["Contents"]]
    assert listed == sorted(k for k in keys if k.startswith("logs/"))
    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["a/", "b/", "logs/"]
    assert [o["Key"] for o in top["Contents"]] == ["top"]
    paged = list(
        s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 2}
        )
    )
    prefixes = [p["Prefix"] for page in paged for p in page.get("CommonPrefixes", [])]
    assert prefixes == ["a/", "b/", "logs/"]
    after = s3.list_objects_v2(Bucket=bucket, StartAfter="logs/020.txt", Prefix="logs/")
    assert [o["Key"] for o in after["Contents"]] == ["logs/021.txt", "logs/022.txt"]
    v1 = s3.list_objects(Bucket=bucket, Prefix="a/")
    assert [o["Key"] for o in v1["Contents"]] == ["a/1", "a/2"]
    odd = "odd keys/ü+%&=?.txt"
    s3.put_object(Bucket=bucket, Key=odd, Body=b"odd")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="odd ")["Contents"]] == [odd]
    assert s3.get_object(Bucket=bucket, Key=odd)["Body"].read() == b"odd"


def test_object_tags(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="tagged", Body=b"t", Tagging="team=blue&tier=1")
    tags = s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("team", "blue"), ("tier", "1")]
    assert s3.get_object(Bucket=bucket, Key="tagged")["TagCount"] == 2
    s3.put_object_tagging(
        Bucket=bucket, Key="tagged", Tagging={"TagSet": [{"Key": "only", "Value": "one"}]}
    )
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"] == [
        {"Key": "only", "Value": "one"}
    ]
    s3.delete_object_tagging(Bucket=bucket, Key="tagged")
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"] == []


def test_copy_object(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"copy me", Metadata={"m": "1"}, Tagging="a=b")
    copied = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert copied["CopyObjectResult"]["ETag"] == '"' + hashlib.md5(b"copy me").hexdigest() + '"'
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Body"].read() == b"copy me"
    assert got["Metadata"] == {"m": "1"}
    replaced = s3.copy_object(
        Bucket=bucket,
        Key="dst",
        CopySource=f"{bucket}/src",
        MetadataDirective="REPLACE",
        Metadata={"m": "2"},
    )
    assert replaced["CopyObjectResult"]["ETag"]
    assert s3.head_object(Bucket=bucket, Key="dst")["Metadata"] == {"m": "2"}
    with pytest.raises(ClientError) as raised:
        s3.copy_object(Bucket=bucket, Key="src", CopySource=f"{bucket}/src")
    assert _code(raised) == "InvalidRequest"


def test_delete_objects(s3: Any, bucket: str) -> None:
    for key in ("d1", "d2", "d3"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d1"}, {"Key": "d2"}]})
    assert sorted(d["Key"] for d in deleted["Deleted"]) == ["d1", "d2"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["d3"]


def test_multipart_upload_file_and_download(s3: Any, bucket: str, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    data = os.urandom(12 * MiB + 123)
    source.write_bytes(data)
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    s3.upload_file(str(source), bucket, "big.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"')
    md5s = b"".join(
        hashlib.md5(data[i : i + 5 * MiB]).digest() for i in range(0, len(data), 5 * MiB)
    )
    assert head["ETag"] == f'"{hashlib.md5(md5s).hexdigest()}-3"'
    target = tmp_path / "back.bin"
    s3.download_file(bucket, "big.bin", str(target), Config=config)
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(data).digest()


def test_multipart_errors(s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    first = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"small")
    second = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=2, Body=b"last")
    parts = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)["Parts"]
    assert [p["PartNumber"] for p in parts] == [1, 2]
    with pytest.raises(ClientError) as raised:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="mp",
            UploadId=upload,
            MultipartUpload={
                "Parts": [
                    {"PartNumber": 1, "ETag": first["ETag"]},
                    {"PartNumber": 2, "ETag": second["ETag"]},
                ]
            },
        )
    assert _code(raised) == "EntityTooSmall"
    s3.abort_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload)
    with pytest.raises(ClientError) as raised:
        s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)
    assert _code(raised) == "NoSuchUpload"


# -- authentication --------------------------------------------------------------------------


def test_presigned_sigv4_get_and_put(server: Server, bucket: str) -> None:
    s3 = _client(server, signature_version="s3v4")
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "presigned"}, ExpiresIn=300
    )
    status, body = _fetch(put_url, "PUT", b"via presigned put")
    assert status == 200, body
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "presigned"}, ExpiresIn=300
    )
    assert _fetch(get_url) == (200, b"via presigned put")
    status, body = _fetch(get_url.replace("X-Amz-Signature=", "X-Amz-Signature=0"))
    assert status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in body
    assert b"<CanonicalRequest>" in body and b"<StringToSign>" in body


def test_sigv2_header_and_presigned(server: Server, bucket: str) -> None:
    v2 = _client(server, signature_version="s3")
    v2.put_object(Bucket=bucket, Key="v2 key", Body=b"signed with v2", Metadata={"a": "b"})
    assert v2.get_object(Bucket=bucket, Key="v2 key")["Body"].read() == b"signed with v2"
    url = v2.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "v2 key"}, ExpiresIn=300
    )
    assert "AWSAccessKeyId=" in url
    assert _fetch(url) == (200, b"signed with v2")
    wrong = _client(server, signature_version="s3", secret="x" * 40)
    with pytest.raises(ClientError) as raised:
        wrong.get_object(Bucket=bucket, Key="v2 key")
    assert _code(raised) == "SignatureDoesNotMatch"
    assert raised.value.response["Error"]["StringToSign"].startswith("GET\n")


def test_signature_mismatch_reports_canonical_request(server: Server, bucket: str) -> None:
    wrong = _client(server, secret="y" * 40)
    with pytest.raises(ClientError) as raised:
        wrong.list_objects_v2(Bucket=bucket)
    error = raised.value.response["Error"]
    assert error["Code"] == "SignatureDoesNotMatch"
    assert error["AWSAccessKeyId"] == ROOT_KEY
    assert error["CanonicalRequest"].startswith(f"GET\n/{bucket}\n")
    assert error["StringToSign"].startswith("AWS4-HMAC-SHA256\n")
    assert raised.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-request-id"]


def test_unknown_access_key(server: Server, bucket: str) -> None:
    with pytest.raises(ClientError) as raised:
        _client(server, key="AKIANOSUCHKEY0000000").list_objects_v2(Bucket=bucket)
    assert _code(raised) == "InvalidAccessKeyId"


# -- authorization ---------------------------------------------------------------------------


def _public_read(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                }
            ],
        }
    )


def test_anonymous_access_needs_a_public_policy(server: Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="public.txt", Body=b"for everyone")
    url = f"{server.endpoint}/{bucket}/public.txt"
    status, body = _fetch(url)
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body
    s3.put_bucket_policy(Bucket=bucket, Policy=_public_read(bucket))
    assert _fetch(url) == (200, b"for everyone")
    assert (
        json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"][0]["Principal"]
        == "*"
    )
    s3.delete_bucket_policy(Bucket=bucket)
    assert _fetch(url)[0] == 403


def test_block_public_access_refuses_public_policies(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as raised:
        s3.get_public_access_block(Bucket=bucket)
    assert _code(raised) == "NoSuchPublicAccessBlockConfiguration"
    settings = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=settings)
    got = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert got == settings
    with pytest.raises(ClientError) as raised:
        s3.put_bucket_policy(Bucket=bucket, Policy=_public_read(bucket))
    assert _code(raised) == "AccessDenied"
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=_public_read(bucket))


def test_malformed_bucket_policies(s3: Any, bucket: str) -> None:
    for policy, message in (
        ("not json", "Policies must be valid JSON"),
        (
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Resource": "arn:aws:s3:::x/*",
                        }
                    ],
                }
            ),
            "Principal",
        ),
        (
            json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "s3:GetObject",
                            "Resource": "arn:aws:s3:::some-other-bucket/*",
                        }
                    ],
                }
            ),
            "Policy has invalid resource",
        ),
    ):
        with pytest.raises(ClientError) as raised:
            s3.put_bucket_policy(Bucket=bucket, Policy=policy)
        assert _code(raised) == "MalformedPolicy"
        assert message in raised.value.response["Error"]["Message"]


def test_bucket_policy_grants_a_user_without_identity_policies(
    server: Server, s3: Any, bucket: str, unique: Callable[[str], str]
) -> None:
    arn, key, secret = _user(server, unique("reader"))
    s3.put_object(Bucket=bucket, Key="doc", Body=b"shared")
    reader = _client(server, key=key, secret=secret)
    with pytest.raises(ClientError) as raised:
        reader.get_object(Bucket=bucket, Key="doc")
    assert _code(raised) == "AccessDenied"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": arn},
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert reader.get_object(Bucket=bucket, Key="doc")["Body"].read() == b"shared"
    with pytest.raises(ClientError) as raised:
        reader.put_object(Bucket=bucket, Key="doc", Body=b"overwrite")
    assert _code(raised) == "AccessDenied"
    with pytest.raises(ClientError) as raised:
        reader.get_object(Bucket=bucket, Key="missing")
    assert _code(raised) == "NoSuchKey"  # may list the bucket: told the key is missing


def test_root_locked_out_by_its_bucket_policy_can_recover(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="locked", Body=b"secret")
    deny_all = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(deny_all))
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=bucket, Key="locked")
    assert _code(raised) == "AccessDenied"
    assert "delete-bucket-policy" in raised.value.response["Error"]["Message"]
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == deny_all
    s3.delete_bucket_policy(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="locked")["Body"].read() == b"secret"


def test_acls_are_disabled_by_default(s3: Any, bucket: str) -> None:
    controls = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
    assert controls["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket=bucket, Key="acl", Body=b"", ACL="public-read")
    assert _code(raised) == "AccessControlListNotSupported"
    s3.put_object(Bucket=bucket, Key="acl", Body=b"", ACL="bucket-owner-full-control")


# -- the AWS CLI -----------------------------------------------------------------------------


def test_cli_cp_100_mb_up_and_down(server: Server, bucket: str, tmp_path: Path) -> None:
    source = tmp_path / "hundred.bin"
    with source.open("wb") as out:
        for _ in range(100):
            out.write(os.urandom(MiB))
    expected = hashlib.sha256(source.read_bytes()).hexdigest()
    up = server.cli("s3", "cp", str(source), f"s3://{bucket}/hundred.bin")
    assert up.returncode == 0, up.stderr
    listed = server.cli("s3", "ls", f"s3://{bucket}/")
    assert listed.returncode == 0, listed.stderr
    assert "hundred.bin" in listed.stdout and str(100 * MiB) in listed.stdout
    back = tmp_path / "back.bin"
    down = server.cli("s3", "cp", f"s3://{bucket}/hundred.bin", str(back))
    assert down.returncode == 0, down.stderr
    assert hashlib.sha256(back.read_bytes()).hexdigest() == expected


def test_cli_presign_and_put_bucket_policy(server: Server, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="cli.txt", Body=b"from the cli")
    presigned = server.cli("s3", "presign", f"s3://{bucket}/cli.txt", "--expires-in", "300")
    assert presigned.returncode == 0, presigned.stderr
    assert _fetch(presigned.stdout.strip()) == (200, b"from the cli")
    put = server.cli(
        "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", _public_read(bucket)
    )
    assert put.returncode == 0, put.stderr
    got = server.cli("s3api", "get-bucket-policy", "--bucket", bucket)
    assert json.loads(json.loads(got.stdout)["Policy"]) == json.loads(_public_read(bucket))


# -- helpers ---------------------------------------------------------------------------------

_OTHER: list[tuple[str, str]] = []


def _other_account(server: Server) -> tuple[str, str]:
    if not _OTHER:
        created = server.create_account("210987654321")
        _OTHER.append((created["AccessKeyId"], created["SecretAccessKey"]))
    assert ACCOUNT_ID != "210987654321"
    return _OTHER[0]


# -- aws-chunked uploads -----------------------------------------------------------------------


class _Streaming(S3SigV4Auth):
    """botocore's S3 signer with a streaming payload literal (botocore signs the
    seed request; the chunks are signed below by the documented chain)."""

    literal = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"

    def payload(self, request: Any) -> str:
        return self.literal


class _UnsignedTrailer(_Streaming):
    literal = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"


def _send(server: Server, prepared: Any) -> tuple[int, bytes]:
    request = urllib.request.Request(
        prepared.url, data=prepared.body, method=prepared.method, headers=dict(prepared.headers)
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _chunked_put(server: Server, bucket: str, key: str, pieces: list[bytes], corrupt: bool) -> Any:
    data = b"".join(pieces)
    framing = sum(len(f"{len(p):x};chunk-signature=") + 64 + 4 + len(p) for p in [*pieces, b""])
    request = AWSRequest("PUT", f"{server.endpoint}/{bucket}/{key}", data=b"")
    request.headers["Content-Encoding"] = "aws-chunked"
    request.headers["x-amz-decoded-content-length"] = str(len(data))
    request.headers["Content-Length"] = str(framing)
    signer = _Streaming(Credentials(ROOT_KEY, ROOT_SECRET), "s3", "us-east-1")
    signer.add_auth(request)
    previous = request.headers["Authorization"].rsplit("Signature=", 1)[1]
    amz_date = request.context["timestamp"]
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    body = b""
    for piece in [*pieces, b""]:
        to_sign = "\n".join(
            [
                "AWS4-HMAC-SHA256-PAYLOAD",
                amz_date,
                scope,
                previous,
                hashlib.sha256(b"").hexdigest(),
                hashlib.sha256(piece).hexdigest(),
            ]
        )
        previous = signer.signature(to_sign, request)
        # Flip a bit of the last byte (overwriting it could leave it unchanged).
        sent = piece[:-1] + bytes([piece[-1] ^ 1]) if corrupt and piece is pieces[-1] else piece
        body += f"{len(piece):x};chunk-signature={previous}\r\n".encode() + sent + b"\r\n"
    assert len(body) == framing
    request.data = body
    return request.prepare()


def test_streaming_signed_chunks(server: Server, s3: Any, bucket: str) -> None:
    pieces = [os.urandom(65536), os.urandom(65536), os.urandom(1000)]
    status, body = _send(server, _chunked_put(server, bucket, "chunked", pieces, False))
    assert status == 200, body
    got = s3.get_object(Bucket=bucket, Key="chunked")
    assert got["Body"].read() == b"".join(pieces)
    assert got["ETag"] == '"' + hashlib.md5(b"".join(pieces)).hexdigest() + '"'
    status, body = _send(server, _chunked_put(server, bucket, "tampered", pieces, True))
    assert status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in body
    with pytest.raises(ClientError) as raised:
        s3.head_object(Bucket=bucket, Key="tampered")
    assert _status(raised) == 404


def test_streaming_unsigned_payload_with_a_trailer(server: Server, s3: Any, bucket: str) -> None:
    data = b"hello, trailer"
    body = f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"
    request = AWSRequest("PUT", f"{server.endpoint}/{bucket}/trailer", data=body)
    request.headers["Content-Encoding"] = "aws-chunked"
    request.headers["x-amz-decoded-content-length"] = str(len(data))
    request.headers["x-amz-trailer"] = "x-amz-checksum-crc32"
    _UnsignedTrailer(Credentials(ROOT_KEY, ROOT_SECRET), "s3", "us-east-1").add_auth(request)
    status, answer = _send(server, request.prepare())
    assert status == 200, answer
    assert s3.get_object(Bucket=bucket, Key="trailer")["Body"].read() == data


def test_s3_condition_keys_in_a_bucket_policy(
    server: Server, s3: Any, bucket: str, unique: Callable[[str], str]
) -> None:
    arn, key, secret = _user(server, unique("conditioned"))
    s3.put_object(Bucket=bucket, Key="public/a", Body=b"a", Tagging="team=blue")
    s3.put_object(Bucket=bucket, Key="public/b", Body=b"b", Tagging="team=red")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": arn},
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringEquals": {"s3:prefix": "public/"}},
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": arn},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringEquals": {"s3:ExistingObjectTag/team": "blue"}},
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringEquals": {"s3:signatureversion": "AWS"}},
            },
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    reader = _client(server, key=key, secret=secret)
    listed = reader.list_objects_v2(Bucket=bucket, Prefix="public/")
    assert [o["Key"] for o in listed["Contents"]] == ["public/a", "public/b"]
    with pytest.raises(ClientError) as raised:
        reader.list_objects_v2(Bucket=bucket, Prefix="private/")
    assert _code(raised) == "AccessDenied"
    assert reader.get_object(Bucket=bucket, Key="public/a")["Body"].read() == b"a"
    with pytest.raises(ClientError) as raised:
        reader.get_object(Bucket=bucket, Key="public/b")
    assert _code(raised) == "AccessDenied"
    v2_reader = _client(server, key=key, secret=secret, signature_version="s3")
    with pytest.raises(ClientError) as raised:
        v2_reader.get_object(Bucket=bucket, Key="public/a")
    assert _code(raised) == "AccessDenied"


def test_cross_account_access_through_the_bucket_policy(
    server: Server, s3: Any, bucket: str
) -> None:
    other_key, other_secret = _other_account(server)
    other = _client(server, key=other_key, secret=other_secret)
    s3.put_object(Bucket=bucket, Key="shared", Body=b"across accounts")
    with pytest.raises(ClientError) as raised:
        other.get_object(Bucket=bucket, Key="shared")
    assert _code(raised) == "AccessDenied"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": ["s3:GetObject", "s3:PutBucketPolicy"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert other.get_object(Bucket=bucket, Key="shared")["Body"].read() == b"across accounts"
    with pytest.raises(ClientError) as raised:
        other.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert _code(raised) == "MethodNotAllowed"
    assert _status(raised) == 405
    assert bucket not in [b["Name"] for b in other.list_buckets()["Buckets"]]


def test_account_level_block_public_access(
    server: Server, s3: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = server.endpoint.rsplit(":", 1)[1]
    resolve = socket.getaddrinfo

    def localhost_names(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", localhost_names)
    control = boto3.client(
        "s3control",
        endpoint_url=f"http://localhost:{port}",  # botocore prefixes the account id
        region_name="us-east-1",
        aws_access_key_id=ROOT_KEY,
        aws_secret_access_key=ROOT_SECRET,
    )
    with pytest.raises(ClientError) as raised:
        control.get_public_access_block(AccountId=ACCOUNT_ID)
    assert _code(raised) == "NoSuchPublicAccessBlockConfiguration"
    settings = {
        "BlockPublicAcls": False,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": False,
    }
    control.put_public_access_block(AccountId=ACCOUNT_ID, PublicAccessBlockConfiguration=settings)
    try:
        got = control.get_public_access_block(AccountId=ACCOUNT_ID)
        assert got["PublicAccessBlockConfiguration"] == settings
        with pytest.raises(ClientError) as raised:  # the account's setting binds every bucket
            s3.put_bucket_policy(Bucket=bucket, Policy=_public_read(bucket))
        assert _code(raised) == "AccessDenied"
        with pytest.raises(ClientError) as raised:
            control.get_public_access_block(AccountId="210987654321")
        assert _code(raised) == "AccessDenied"
    finally:
        control.delete_public_access_block(AccountId=ACCOUNT_ID)
    s3.put_bucket_policy(Bucket=bucket, Policy=_public_read(bucket))


def test_role_session_credentials(
    server: Server, s3: Any, bucket: str, unique: Callable[[str], str]
) -> None:
    iam = server.client("iam")
    role = unique("s3reader")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    read = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
        ],
    }
    iam.put_role_policy(RoleName=role, PolicyName="read", PolicyDocument=json.dumps(read))
    s3.put_object(Bucket=bucket, Key="for-role", Body=b"role data")
    user = unique("assumer")
    _, key, secret = _user(server, user)
    may_assume = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}],
    }
    iam.put_user_policy(UserName=user, PolicyName="assume", PolicyDocument=json.dumps(may_assume))
    sts = server.client("sts", key, secret)
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="s3-test")["Credentials"]
    for signature in ("s3v4", "s3"):
        session = boto3.client(
            "s3",
            endpoint_url=server.endpoint,
            region_name="us-east-1",
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            config=Config(signature_version=signature),
        )
        assert session.get_object(Bucket=bucket, Key="for-role")["Body"].read() == b"role data"
        with pytest.raises(ClientError) as raised:
            session.put_object(Bucket=bucket, Key="for-role", Body=b"no")
        assert _code(raised) == "AccessDenied"
    iam.delete_role_policy(RoleName=role, PolicyName="read")
    with pytest.raises(ClientError) as raised:
        session.get_object(Bucket=bucket, Key="for-role")
    assert _code(raised) == "AccessDenied"


def test_cli_sync_and_recursive_rm(server: Server, s3: Any, bucket: str, tmp_path: Path) -> None:
    folder = tmp_path / "tree"
    (folder / "sub").mkdir(parents=True)
    (folder / "one.txt").write_text("1")
    (folder / "sub" / "two.txt").write_text("2")
    synced = server.cli("s3", "sync", str(folder), f"s3://{bucket}/tree")
    assert synced.returncode == 0, synced.stderr
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="tree/")["Contents"])
    assert keys == ["tree/one.txt", "tree/sub/two.txt"]
    removed = server.cli("s3", "rm", "--recursive", f"s3://{bucket}/tree")
    assert removed.returncode == 0, removed.stderr
    assert s3.list_objects_v2(Bucket=bucket, Prefix="tree/")["KeyCount"] == 0


def test_limits_on_keys_and_metadata(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b"")
    assert _code(raised) == "KeyTooLongError"
    s3.put_object(Bucket=bucket, Key="é" * 512, Body=b"")  # 1024 bytes: the most S3 takes
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket=bucket, Key="big-meta", Body=b"", Metadata={"m": "v" * 2100})
    assert _code(raised) == "MetadataTooLarge"
