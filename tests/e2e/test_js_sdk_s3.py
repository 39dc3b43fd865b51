"""The S3 subset answers the AWS SDK for JavaScript v3 S3 client
(tests/e2e/js/s3.mjs): path style with ``forcePathStyle`` and virtual-hosted
style. Installs and skips exactly as tests/e2e/test_js_sdk.py does."""

from __future__ import annotations

import hashlib
import time

from tests.e2e.conftest import Server
from tests.e2e.test_js_sdk import run_js_script


def test_js_sdk_v3_s3_client(server: Server) -> None:
    report = run_js_script(server, "s3.mjs")

    results = report["results"]
    etag = '"' + hashlib.md5(b"hello from js").hexdigest() + '"'
    assert results["put"]["etag"] == etag
    assert results["get"] == {
        "body": "hello from js",
        "contentType": "text/plain",
        "metadata": {"sdk": "js-v3"},
        "etag": etag,
    }
    assert results["range"] == {"body": "hello", "contentRange": "bytes 0-4/13"}
    assert results["head"] == {"contentLength": 13}
    assert results["virtual"] == {"body": "vhost"}
    assert results["list"] == {"keys": ["hello.txt", "virtual.txt"], "keyCount": 2}
    assert results["missing"] == {
        "thrown": True,
        "name": "NoSuchKey",
        "instanceOfNoSuchKey": True,
        "status": 404,
    }
    assert results["deleted"] is True


def test_js_sdk_v3_s3_client_virtual_hosted_only(server: Server) -> None:
    """tests/e2e/js/s3_virtual.mjs: every request to BUCKET.localhost (resolved to
    the loopback address by the script's own lookup), an owner and a reader."""
    iam = server.client("iam")
    name = f"js-vhost-reader-{time.monotonic_ns()}"
    reader_arn = iam.create_user(UserName=name)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    readers = {
        "READER_ACCESS_KEY_ID": key["AccessKeyId"],
        "READER_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        "READER_ARN": reader_arn,
    }
    report = run_js_script(server, "s3_virtual.mjs", readers)

    results = report["results"]
    bucket = results["bucket"]
    assert results["hosts"] == [f"{bucket}.localhost"]  # never path style
    etag = '"' + hashlib.md5(b"virtual hosted").hexdigest() + '"'
    assert results["put"]["etag"] == etag
    assert results["get"] == {
        "body": "virtual hosted",
        "contentType": "text/plain",
        "metadata": {"style": "virtual"},
    }
    assert results["range"] == {"body": "hosted", "contentRange": "bytes 8-13/14"}
    assert results["head"] == {"contentLength": 14}
    assert results["list"] == {"keys": ["docs/copy.txt", "docs/readme.txt"], "keyCount": 2}
    assert results["missing"] == {
        **results["missing"],
        "thrown": True,
        "name": "NoSuchKey",
        "instanceOfNoSuchKey": True,
        "status": 404,
    }
    denied = results["readerDenied"]
    assert (denied["thrown"], denied["name"], denied["status"]) == (True, "AccessDenied", 403)
    assert denied["message"] == (
        f"User: {reader_arn} is not authorized to perform: s3:GetObject on resource: "
        f"arn:aws:s3:::{bucket}/docs/readme.txt because no identity-based policy allows the "
        "s3:GetObject action"
    )
    assert results["readerGranted"] == {"body": "virtual hosted"}
    assert results["deleted"] is True
