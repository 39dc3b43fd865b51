"""S3's authentication: payload hashes (plain, spooled, UNSIGNED-PAYLOAD), the
streaming chunked signature (AWS's published example as the oracle), and S3's
SigV2 header and presigned URLs (botocore's HmacV1 signers as the oracle)."""

from __future__ import annotations

import hashlib
import io
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from botocore.auth import HmacV1Auth, HmacV1QueryAuth, S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.authn import (
    IncompleteBody,
    KeyRecord,
    SignatureDoesNotMatch,
    XAmzContentSHA256Mismatch,
    authenticate,
    decode_chunked,
)
from clearance.authn.errors import PresignedRequestExpired
from clearance.wire import SpooledBody, WireRequest
from tests.authn.test_botocore_oracle import to_wire

KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
RECORD = KeyRecord(KEY, SECRET)


def lookup(key: str) -> KeyRecord | None:
    return RECORD if key == KEY else None


# -- AWS's chunked upload example ---------------------------------------------------------
# https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html ("Example: PUT Object")

SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
CHUNKS = (
    (65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"),
    (1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"),
    (0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"),
)
EXAMPLE_TIME = datetime(2013, 5, 24, tzinfo=UTC)


def _example_body(corrupt: bool = False) -> bytes:
    out = b""
    for size, signature in CHUNKS:
        data = bytearray(b"a" * size)
        if corrupt and size == 1024:
            data[10] = ord("b")
        out += f"{size:x};chunk-signature={signature}\r\n".encode() + bytes(data) + b"\r\n"
    return out


def _example_request(body: bytes) -> WireRequest:
    signed = (
        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-decoded-content-length;x-amz-storage-class"
    )
    headers = [
        ("Host", "s3.amazonaws.com"),
        ("x-amz-date", "20130524T000000Z"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ("Authorization", f"AWS4-HMAC-SHA256 Credential={KEY}/20130524/us-east-1/s3/aws4_request,"
                          f"SignedHeaders={signed},Signature={SEED}"),
        ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        ("Content-Encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"),
        ("Content-Length", "66824"),
    ]  # fmt: skip
    return WireRequest.build("PUT", "/examplebucket/chunkObject.txt", "", headers, body)


def test_the_published_chunked_example_verifies_and_decodes() -> None:
    body = _example_body()
    assert len(body) == 66824
    auth = authenticate(_example_request(body), lookup, EXAMPLE_TIME, s3=True)
    assert auth.payload_hash == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    assert auth.chunk_signing is not None
    assert auth.chunk_signing.seed_signature == SEED
    out = io.BytesIO()
    assert decode_chunked(io.BytesIO(body), out.write, auth.chunk_signing) == 66560
    assert out.getvalue() == b"a" * 66560


def test_a_corrupted_chunk_fails_its_signature() -> None:
    auth = authenticate(_example_request(_example_body()), lookup, EXAMPLE_TIME, s3=True)
    written: list[bytes] = []
    with pytest.raises(SignatureDoesNotMatch) as raised:
        decode_chunked(io.BytesIO(_example_body(corrupt=True)), written.append, auth.chunk_signing)
    assert raised.value.string_to_sign is not None
    assert raised.value.string_to_sign.startswith("AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n")
    assert sum(map(len, written)) == 65536  # the first chunk was good; nothing after it


@pytest.mark.parametrize("cut", [10, 65600, 66824 - 90, 66824 - 2])
def test_a_truncated_body_is_incomplete(cut: int) -> None:
    body = _example_body()
    auth = authenticate(_example_request(body), lookup, EXAMPLE_TIME, s3=True)
    with pytest.raises((IncompleteBody, SignatureDoesNotMatch)):
        decode_chunked(io.BytesIO(body[:cut]), lambda _: None, auth.chunk_signing)


def test_a_body_without_its_final_chunk_is_incomplete() -> None:
    body = _example_body()
    last = body.rfind(b"0;chunk-signature=")
    auth = authenticate(_example_request(body), lookup, EXAMPLE_TIME, s3=True)
    with pytest.raises(IncompleteBody):
        decode_chunked(io.BytesIO(body[:last]), lambda _: None, auth.chunk_signing)


def test_unsigned_chunks_with_a_trailer() -> None:
    body = b"5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"
    out = io.BytesIO()
    assert decode_chunked(io.BytesIO(body), out.write, None, trailer=True) == 11
    assert out.getvalue() == b"hello world"


# -- payload hashes -----------------------------------------------------------------------


def _signed_put(body: bytes, *, sign_payload: bool = True) -> tuple[WireRequest, datetime]:
    request = AWSRequest("PUT", "http://localhost:9000/bucket/key%20one", data=body)
    config = Config(s3={"payload_signing_enabled": sign_payload})
    request.context["client_config"] = config
    S3SigV4Auth(Credentials(KEY, SECRET), "s3", "us-east-1").add_auth(request)
    now = datetime.strptime(request.context["timestamp"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return to_wire(request.prepare()), now


def _spooled(wire: WireRequest, content: bytes, directory: Path) -> WireRequest:
    path = directory / "upload"
    path.write_bytes(content)
    spooled = SpooledBody(
        str(path),
        len(content),
        hashlib.sha256(content).hexdigest(),
        hashlib.md5(content).hexdigest(),
    )
    return WireRequest(wire.method, wire.path, wire.query, wire.headers, b"", spooled=spooled)


def test_a_spooled_body_is_checked_by_its_hash(tmp_path: Path) -> None:
    body = b"x" * 3000
    wire, now = _signed_put(body)
    spooled = _spooled(wire, body, tmp_path)
    assert (
        authenticate(spooled, lookup, now, s3=True).payload_hash == hashlib.sha256(body).hexdigest()
    )
    tampered = _spooled(wire, body + b"!", tmp_path)
    with pytest.raises(XAmzContentSHA256Mismatch) as raised:
        authenticate(tampered, lookup, now, s3=True)
    assert raised.value.server_computed == hashlib.sha256(body + b"!").hexdigest()


def test_unsigned_payload_accepts_any_body() -> None:
    wire, now = _signed_put(b"original", sign_payload=False)
    assert ("x-amz-content-sha256", "UNSIGNED-PAYLOAD") in wire.headers
    changed = WireRequest(wire.method, wire.path, wire.query, wire.headers, b"anything else")
    assert authenticate(changed, lookup, now, s3=True).payload_hash == "UNSIGNED-PAYLOAD"


def test_s3_does_not_normalize_or_double_encode_the_path() -> None:
    request = AWSRequest("GET", "http://localhost/bucket/a/../b//c%20d")
    S3SigV4Auth(Credentials(KEY, SECRET), "s3", "us-east-1").add_auth(request)
    now = datetime.strptime(request.context["timestamp"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    wire = to_wire(request.prepare())
    assert wire.path == "/bucket/a/../b//c%20d"
    assert authenticate(wire, lookup, now, s3=True).method == "sigv4-header"


# -- S3's SigV2 ---------------------------------------------------------------------------

SUBRESOURCES = st.sampled_from(["", "acl", "tagging", "uploads", "policy", "location"])
KEYS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00\r\n", max_codepoint=0x2FFF),
    min_size=1,
    max_size=12,
)
AMZ = st.dictionaries(
    st.from_regex(r"x-amz-meta-[a-z]{1,6}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9 ]{0,10}", fullmatch=True),
    max_size=3,
)


def _v2_request(method: str, key: str, sub: str, amz: dict[str, str], virtual: bool) -> AWSRequest:
    path = "/" + quote(key, safe="/~")
    query = f"?{sub}" if sub else ""
    if virtual:
        request = AWSRequest(method, f"http://bucket.s3.localhost:9000{path}{query}")
        request.auth_path = f"/bucket{path}"
    else:
        request = AWSRequest(method, f"http://localhost:9000/bucket{path}{query}")
    for name, value in amz.items():
        request.headers[name] = value
    request.headers["Content-Type"] = "text/plain"
    return request


@settings(max_examples=60, deadline=None)
@given(
    method=st.sampled_from(["GET", "PUT", "DELETE", "HEAD"]),
    key=KEYS,
    sub=SUBRESOURCES,
    amz=AMZ,
    virtual=st.booleans(),
)
def test_botocore_sigv2_header_verifies(
    method: str, key: str, sub: str, amz: dict[str, str], virtual: bool
) -> None:
    request = _v2_request(method, key, sub, amz, virtual)
    HmacV1Auth(Credentials(KEY, SECRET)).add_auth(request)
    wire = to_wire(request.prepare())
    now = datetime.now(UTC)
    bucket = "bucket" if virtual else None
    auth = authenticate(wire, lookup, now, s3=True, bucket=bucket)
    assert (auth.method, auth.access_key_id) == ("sigv2", KEY)
    with pytest.raises(SignatureDoesNotMatch) as raised:
        authenticate(wire, lookup, now, s3=True, bucket="other")
    assert raised.value.string_to_sign is not None and "/other/" in raised.value.string_to_sign


@settings(max_examples=30, deadline=None)
@given(key=KEYS, sub=SUBRESOURCES, virtual=st.booleans())
def test_botocore_sigv2_presigned_verifies(key: str, sub: str, virtual: bool) -> None:
    request = _v2_request("GET", key, sub, {}, virtual)
    del request.headers["Content-Type"]
    HmacV1QueryAuth(Credentials(KEY, SECRET), expires=300).add_auth(request)
    wire = to_wire(request.prepare())
    now = datetime.now(UTC)
    auth = authenticate(wire, lookup, now, s3=True, bucket="bucket" if virtual else None)
    assert auth.method == "sigv2-query"
    with pytest.raises(PresignedRequestExpired):
        authenticate(
            wire,
            lookup,
            now + timedelta(seconds=400),
            s3=True,
            bucket="bucket" if virtual else None,
        )
    tampered = WireRequest(wire.method, wire.path + "x", wire.query, wire.headers, b"")
    with pytest.raises(SignatureDoesNotMatch):
        authenticate(tampered, lookup, now, s3=True, bucket="bucket" if virtual else None)


def test_sigv2_with_a_session_token() -> None:
    record = KeyRecord("ASIAEXAMPLE0000001", SECRET, session_token="token-value")
    request = AWSRequest("GET", "http://localhost/bucket/key")
    HmacV1Auth(Credentials("ASIAEXAMPLE0000001", SECRET, "token-value")).add_auth(request)
    wire = to_wire(request.prepare())
    auth = authenticate(wire, lambda k: record, datetime.now(UTC), s3=True)
    assert auth.session_token == "token-value"


def test_spooled_bodies_live_in_files() -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "body"
        path.write_bytes(b"abc")
        spooled = SpooledBody(str(path), 3, hashlib.sha256(b"abc").hexdigest(), "")
        wire = WireRequest("PUT", "/b/k", "", (), spooled=spooled)
        assert wire.body_size == 3
        with wire.open_body() as body:
            assert body.read() == b"abc"
        spooled.discard()
        assert not path.exists()
        spooled.discard()  # twice is fine
