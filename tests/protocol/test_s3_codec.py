"""S3's REST-XML codec with botocore as the oracle: what botocore's serializer
writes decodes to the same parameters (routing included), and what the encoder
writes botocore's parser reads back as the same result."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.awsrequest import HeadersDict
from botocore.model import ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from botocore.session import Session
from botocore.utils import percent_encode_sequence

from clearance.errors import ClearanceError
from clearance.protocol.rest_xml import (
    MalformedXML,
    decode_s3,
    encode_s3_error,
    encode_s3_result,
)
from clearance.protocol.s3_routes import operation_of, target_of, virtual_bucket
from clearance.wire import FileStream, WireRequest

MODEL: ServiceModel = Session().get_service_model("s3")


def _wire(operation: str, params: dict[str, Any]) -> WireRequest:
    serialized = create_serializer("rest-xml", include_validation=False).serialize_to_request(
        params, MODEL.operation_model(operation)
    )
    query = percent_encode_sequence(serialized["query_string"])
    path, _, inline = serialized["url_path"].partition("?")
    query = "&".join(q for q in (inline, query) if q)
    body = serialized["body"]
    if isinstance(body, str):
        body = body.encode()
    headers = [("host", "localhost"), *((k.lower(), v) for k, v in serialized["headers"].items())]
    return WireRequest.build(serialized["method"], path, query, headers, body or b"")


def _decoded(operation: str, params: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    wire = _wire(operation, params)
    target = target_of(wire.path, wire.header("host"))
    query = dict(p.split("=", 1) if "=" in p else (p, "") for p in wire.query.split("&") if p)
    from urllib.parse import unquote

    query = {unquote(k): unquote(v) for k, v in query.items()}
    name = operation_of(
        wire.method, target, set(query), wire.header("x-amz-copy-source") is not None
    )
    decoded = decode_s3(name, wire, target, query) if name else {}
    decoded.pop("Body", None)
    return name, decoded


CASES: list[tuple[str, dict[str, Any]]] = [
    ("ListBuckets", {}),
    ("CreateBucket", {"Bucket": "b1"}),
    (
        "CreateBucket",
        {"Bucket": "b1", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}},
    ),
    ("HeadBucket", {"Bucket": "b1"}),
    ("DeleteBucket", {"Bucket": "b1"}),
    ("GetBucketLocation", {"Bucket": "b1"}),
    (
        "ListObjectsV2",
        {
            "Bucket": "b1",
            "Prefix": "a/b c",
            "Delimiter": "/",
            "MaxKeys": 7,
            "ContinuationToken": "tok",
            "StartAfter": "a/0",
            "FetchOwner": True,
        },
    ),
    ("ListObjects", {"Bucket": "b1", "Marker": "m", "Prefix": "p"}),
    (
        "PutObject",
        {
            "Bucket": "b1",
            "Key": "dir/ünï code key+x",
            "ContentType": "text/plain",
            "Metadata": {"color": "blue", "n": "1"},
            "Tagging": "a=b&c=d",
        },
    ),
    ("GetObject", {"Bucket": "b1", "Key": "k", "Range": "bytes=0-9", "ResponseContentType": "x/y"}),
    ("HeadObject", {"Bucket": "b1", "Key": "k", "IfNoneMatch": '"abc"'}),
    ("DeleteObject", {"Bucket": "b1", "Key": "k"}),
    (
        "DeleteObjects",
        {"Bucket": "b1", "Delete": {"Objects": [{"Key": "x"}, {"Key": "y"}], "Quiet": True}},
    ),
    (
        "CopyObject",
        {"Bucket": "b1", "Key": "dst", "CopySource": "b0/src", "MetadataDirective": "REPLACE"},
    ),
    ("CreateMultipartUpload", {"Bucket": "b1", "Key": "k", "ContentType": "a/b"}),
    ("UploadPart", {"Bucket": "b1", "Key": "k", "UploadId": "u1", "PartNumber": 3}),
    (
        "CompleteMultipartUpload",
        {
            "Bucket": "b1",
            "Key": "k",
            "UploadId": "u1",
            "MultipartUpload": {
                "Parts": [{"PartNumber": 1, "ETag": '"e1"'}, {"PartNumber": 2, "ETag": '"e2"'}]
            },
        },
    ),
    ("AbortMultipartUpload", {"Bucket": "b1", "Key": "k", "UploadId": "u1"}),
    ("ListParts", {"Bucket": "b1", "Key": "k", "UploadId": "u1", "MaxParts": 5}),
    (
        "PutObjectTagging",
        {"Bucket": "b1", "Key": "k", "Tagging": {"TagSet": [{"Key": "a", "Value": "1"}]}},
    ),
    ("GetObjectTagging", {"Bucket": "b1", "Key": "k"}),
    ("DeleteObjectTagging", {"Bucket": "b1", "Key": "k"}),
    ("PutBucketPolicy", {"Bucket": "b1", "Policy": '{"Version":"2012-10-17"}'}),
    ("GetBucketPolicy", {"Bucket": "b1"}),
    ("DeleteBucketPolicy", {"Bucket": "b1"}),
    (
        "PutPublicAccessBlock",
        {
            "Bucket": "b1",
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": False},
        },
    ),
    ("GetPublicAccessBlock", {"Bucket": "b1"}),
    ("DeletePublicAccessBlock", {"Bucket": "b1"}),
    ("GetBucketOwnershipControls", {"Bucket": "b1"}),
    (
        "PutBucketOwnershipControls",
        {"Bucket": "b1", "OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}},
    ),
]


@pytest.mark.parametrize(
    ("operation", "params"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_botocore_requests_route_and_decode(operation: str, params: dict[str, Any]) -> None:
    name, decoded = _decoded(operation, params)
    assert name == operation
    assert decoded == params


def test_if_modified_since_decodes_as_a_datetime() -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    _, decoded = _decoded("GetObject", {"Bucket": "b", "Key": "k", "IfModifiedSince": moment})
    assert decoded["IfModifiedSince"] == moment


def test_malformed_xml() -> None:
    wire = WireRequest.build("PUT", "/b?tagging", "tagging", [("host", "h")], b"<Tagging><oops>")
    target = target_of("/b/k", None)
    with pytest.raises(MalformedXML):
        decode_s3("PutObjectTagging", wire, target, {"tagging": ""})


@pytest.mark.parametrize(
    ("host", "bucket"),
    [
        ("my.bucket.localhost:9000", "my.bucket"),
        ("bucket.s3.amazonaws.com", "bucket"),
        ("bucket.s3.eu-west-1.amazonaws.com", "bucket"),
        ("bucket.s3-eu-west-1.amazonaws.com", "bucket"),
        ("bucket.s3.example.internal:8080", "bucket"),
        ("localhost:9000", None),
        ("127.0.0.1:9000", None),
        ("s3.amazonaws.com", None),
        ("iam.amazonaws.com", None),
    ],
)
def test_virtual_hosted_buckets(host: str, bucket: str | None) -> None:
    assert virtual_bucket(host) == bucket


# -- responses -----------------------------------------------------------------------------


def _parsed(operation: str, result: dict[str, Any]) -> dict[str, Any]:
    status, headers, body, stream = encode_s3_result(operation, result, "req-1")
    if stream is not None:
        body = b"".join(stream.chunks())
    response = {"status_code": status, "headers": HeadersDict(headers), "body": body}
    parsed: dict[str, Any] = create_parser("rest-xml").parse(
        response, MODEL.operation_model(operation).output_shape
    )
    parsed.pop("ResponseMetadata", None)
    return parsed


NOW = datetime(2025, 6, 7, 8, 9, 10, tzinfo=UTC)
RESULTS: list[tuple[str, dict[str, Any]]] = [
    (
        "ListBuckets",
        {
            "Buckets": [{"Name": "b1", "CreationDate": NOW, "BucketRegion": "us-east-1"}],
            "Owner": {"ID": "abc", "DisplayName": "123456789012"},
        },
    ),
    ("CreateBucket", {"Location": "/b1"}),
    ("PutObject", {"ETag": '"e"'}),
    (
        "HeadObject",
        {
            "ETag": '"e"',
            "ContentLength": 10,
            "ContentType": "text/plain",
            "LastModified": NOW,
            "Metadata": {"color": "blue"},
            "TagCount": 2,
            "AcceptRanges": "bytes",
        },
    ),
    (
        "ListObjectsV2",
        {
            "Name": "b1",
            "Prefix": "",
            "MaxKeys": 2,
            "KeyCount": 2,
            "IsTruncated": True,
            "NextContinuationToken": "t",
            "Contents": [
                {
                    "Key": "a",
                    "LastModified": NOW,
                    "ETag": '"e"',
                    "Size": 3,
                    "StorageClass": "STANDARD",
                }
            ],
            "CommonPrefixes": [{"Prefix": "d/"}],
            "Delimiter": "/",
        },
    ),
    (
        "CompleteMultipartUpload",
        {"Location": "/b/k", "Bucket": "b", "Key": "k", "ETag": '"abc-2"'},
    ),
    ("CreateMultipartUpload", {"Bucket": "b", "Key": "k", "UploadId": "u"}),
    ("CopyObject", {"CopyObjectResult": {"ETag": '"e"', "LastModified": NOW}}),
    ("GetObjectTagging", {"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}]}),
    ("GetBucketPolicy", {"Policy": '{"Version":"2012-10-17","Statement":[]}'}),
    (
        "GetPublicAccessBlock",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "IgnorePublicAcls": False,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": False,
            }
        },
    ),
    (
        "GetBucketOwnershipControls",
        {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
    ),
    (
        "DeleteObjects",
        {
            "Deleted": [{"Key": "x"}],
            "Errors": [{"Key": "y", "Code": "AccessDenied", "Message": "Access Denied"}],
        },
    ),
    (
        "ListParts",
        {
            "Bucket": "b",
            "Key": "k",
            "UploadId": "u",
            "IsTruncated": False,
            "Parts": [{"PartNumber": 1, "LastModified": NOW, "ETag": '"e"', "Size": 5}],
        },
    ),
]


@pytest.mark.parametrize(("operation", "result"), RESULTS, ids=[r[0] for r in RESULTS])
def test_botocore_parses_what_we_encode(operation: str, result: dict[str, Any]) -> None:
    assert _parsed(operation, result) == result


def test_get_bucket_location_as_botocore_reads_it() -> None:
    from types import SimpleNamespace

    from botocore.handlers import parse_get_bucket_location

    for region in ("eu-west-1", None):
        status, _, body, _ = encode_s3_result(
            "GetBucketLocation", {"LocationConstraint": region}, "r"
        )
        parsed: dict[str, Any] = {}
        parse_get_bucket_location(parsed, SimpleNamespace(content=body, raw=object()))
        assert status == 200
        assert parsed["LocationConstraint"] == region


def test_get_object_streams_a_range(tmp_path: Any) -> None:
    path = tmp_path / "object"
    path.write_bytes(b"0123456789")
    stream = FileStream(path.open("rb"), 2, 4)
    status, headers, body, out = encode_s3_result(
        "GetObject",
        {"Body": stream, "ContentLength": 4, "ContentRange": "bytes 2-5/10", "__status": 206},
        "r",
    )
    assert (status, body) == (206, b"")
    assert out is stream
    assert b"".join(stream.chunks(size=3)) == b"2345"
    assert ("content-length", "4") in headers
    assert stream.file.closed


def test_deletes_answer_204() -> None:
    assert encode_s3_result("DeleteObject", {}, "r")[0] == 204
    assert encode_s3_result("DeleteBucketPolicy", None, "r")[0] == 204


class _Mismatch(ClearanceError):
    code = "SignatureDoesNotMatch"
    http_status = 403
    access_key_id = "AKIDEXAMPLE"
    string_to_sign = "AWS4-HMAC-SHA256\n..."
    canonical_request = "GET\n/\n"
    signature_provided = "abc"


def test_errors_are_s3_error_documents() -> None:
    status, headers, body, _ = encode_s3_error(_Mismatch("no & match"), "req-9")
    assert status == 403
    assert ("x-amz-request-id", "req-9") in headers
    parsed = create_parser("rest-xml").parse(
        {"status_code": status, "headers": dict(headers), "body": body},
        MODEL.operation_model("GetObject").output_shape,
    )
    error = parsed["Error"]
    assert error["Code"] == "SignatureDoesNotMatch"
    assert error["Message"] == "no & match"
    assert error["StringToSign"] == "AWS4-HMAC-SHA256\n..."
    assert error["CanonicalRequest"] == "GET\n/\n"
    assert error["AWSAccessKeyId"] == "AKIDEXAMPLE"
    assert error["SignatureProvided"] == "abc"
    assert parsed["ResponseMetadata"]["RequestId"] == "req-9"


def test_head_errors_have_no_body() -> None:
    status, headers, body, _ = encode_s3_error(_Mismatch("x"), "r", head=True)
    assert (status, body) == (403, b"")
    assert ("x-amz-request-id", "r") in headers
