"""botocore's signers as the oracle: whatever they sign must verify, and tampering must not.

Random regions, services, paths (spaces, unicode, dot segments, reserved characters),
query parameters, headers, bodies and session tokens, signed with ``SigV4Auth``,
``SigV4QueryAuth``, ``S3SigV4Auth``, ``S3SigV4QueryAuth`` and ``SigV2Auth`` on a
``botocore.awsrequest.AWSRequest``, prepared, then handed to ``authenticate`` as the
``http`` layer would (the client's Host header added from the URL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import (
    S3SigV4Auth,
    S3SigV4QueryAuth,
    SigV2Auth,
    SigV4Auth,
    SigV4QueryAuth,
)
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.authn import Authenticated, AuthError, KeyRecord, authenticate, scope_of
from clearance.wire import WireRequest

SIGNERS = ("sigv4", "sigv4-query", "s3", "s3-query", "sigv2")

REGIONS = st.sampled_from(
    ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1", "local"]
) | st.from_regex(r"[a-z]{2}-[a-z]{4,9}-[1-9]", fullmatch=True)
SERVICES = st.sampled_from(["iam", "sts", "ec2", "execute-api", "lambda", "sqs"]) | st.from_regex(
    r"[a-z][a-z0-9-]{1,15}", fullmatch=True
)
RESERVED = {"AWSAccessKeyId", "Signature", "SignatureVersion", "SignatureMethod", "Timestamp"}
RESERVED |= {"Expires", "SecurityToken"}
# Text for names, values and path segments: ASCII specials, spaces, unicode (no surrogates).
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00", max_codepoint=0x2FFFF),
    max_size=12,
)
SEGMENTS = st.one_of(
    st.sampled_from([".", "..", "", "a b", "ሴ", "%", "+", "~user", "x;y=z", "!$&'()*,:@"]),
    TEXT.filter(lambda s: "/" not in s),
)
# Parameter names: anything but the signers' own (X-Amz-*, SigV2's), which they append.
NAME = TEXT.filter(lambda n: bool(n) and not n.startswith("X-Amz-") and n not in RESERVED)
HEADER_VALUE = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=20,
)
HEADER_NAME = st.from_regex(r"x-[a-z0-9-]{1,12}", fullmatch=True).filter(
    lambda n: not n.startswith("x-amz")
)
ACCESS_KEY = st.from_regex(r"(AKIA|ASIA)[A-Z0-9]{12,16}", fullmatch=True)
SECRET = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40
)


@dataclass
class Signed:
    signer: str
    request: WireRequest
    record: KeyRecord
    region: str
    service: str
    now: datetime

    @property
    def s3(self) -> bool:
        return self.signer.startswith("s3")

    def lookup(self, key: str) -> KeyRecord | None:
        return self.record if key == self.record.access_key_id else None

    def verify(self, request: WireRequest | None = None) -> Authenticated:
        return authenticate(request or self.request, self.lookup, self.now, s3=self.s3)


def host_of(url: str) -> str:
    """The Host header an HTTP client sends for ``url`` (botocore's own rule)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{host}:{parts.port}" if parts.port is not None and parts.port != default else host


def to_wire(prepared: Any) -> WireRequest:
    parts = urlsplit(prepared.url)
    headers = [(name, value) for name, value in prepared.headers.items()]
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", host_of(prepared.url)))
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return WireRequest.build(prepared.method, parts.path, parts.query, headers, body)


@st.composite
def signed_requests(draw: st.DrawFn, signers: tuple[str, ...] = SIGNERS) -> Signed:
    signer = draw(st.sampled_from(signers))
    region, service = draw(REGIONS), draw(SERVICES)
    if signer.startswith("s3"):
        service = "s3"
    scheme = draw(st.sampled_from(["http", "https"]))
    port = draw(st.sampled_from(["", ":4566", ":443", ":80", ":8443"]))
    host = draw(st.sampled_from(["iam.amazonaws.com", "localhost", "127.0.0.1", "Bucket.Example"]))
    if signer == "sigv2":
        # botocore's SigV2 signs the URL's netloc as written, where HTTP clients send a
        # lower-case Host without a default port (and AWS signs the Host header).
        host = host.lower()
        port = "" if port in (":80", ":443") else port
    segments = draw(st.lists(SEGMENTS, max_size=5))
    logical = "/" + "/".join(segments)
    if signer != "sigv2" and not signer.startswith("s3") and draw(st.booleans()):
        # Sent unencoded (spaces, unicode), as some of AWS's own vectors are.
        path = logical.replace("%", "%25").replace("?", "%3F").replace("#", "%23")
    else:
        path = percent_encode(logical, safe="/~")  # as botocore's REST serializers do
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD"]))
    params = draw(st.lists(st.tuples(NAME, TEXT), max_size=4))
    headers = dict(draw(st.lists(st.tuples(HEADER_NAME, HEADER_VALUE), max_size=3)))
    body: Any = b""
    if signer == "sigv2" or (signer == "sigv4-query" and draw(st.booleans())):
        method = draw(st.sampled_from(["GET", "POST"]))
        form = dict(draw(st.lists(st.tuples(NAME, TEXT), max_size=4)))
        form.setdefault("Action", "GetUser")
        if method == "POST":
            body = form
        else:
            params = [*params, *form.items()]
        path = "/" if signer == "sigv2" and draw(st.booleans()) else path
    elif method in ("POST", "PUT") and signer in ("sigv4", "s3") and draw(st.booleans()):
        body = draw(st.binary(max_size=64))
    if signer in ("sigv2", "sigv4-query"):
        params = list(dict(params).items())  # these signers keep one value per name
    key_id, secret = draw(ACCESS_KEY), draw(SECRET)
    token = draw(st.none() | st.text(alphabet="ABCDEFabcdef0123456789+/=", min_size=1, max_size=60))
    if key_id.startswith("ASIA") and token is None:
        token = "FwoGZXIvYXdzEXAMPLE"
    request = AWSRequest(
        method=method,
        url=f"{scheme}://{host}{port}{path}",
        headers=headers,
        data=body,
        params=dict(params) if signer in ("sigv2", "sigv4-query") else params,
    )
    if body and isinstance(body, dict):
        request.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    credentials = Credentials(key_id, secret, token)
    now = datetime.now(UTC)
    if signer == "sigv4":
        SigV4Auth(credentials, service, region).add_auth(request)
    elif signer == "sigv4-query":
        expires = draw(st.integers(1, 604800))
        SigV4QueryAuth(credentials, service, region, expires=expires).add_auth(request)
    elif signer == "s3":
        S3SigV4Auth(credentials, service, region).add_auth(request)
    elif signer == "s3-query":
        expires = draw(st.integers(1, 604800))
        S3SigV4QueryAuth(credentials, service, region, expires=expires).add_auth(request)
    else:
        SigV2Auth(credentials).add_auth(request)
    record = KeyRecord(key_id, secret, session_token=token)
    return Signed(signer, to_wire(request.prepare()), record, region, service, now)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(signed_requests())
def test_whatever_botocore_signs_verifies(signed: Signed) -> None:
    result = signed.verify()
    assert result.access_key_id == signed.record.access_key_id
    assert result.session_token == signed.record.session_token
    if signed.signer == "sigv2":
        assert result.method == "sigv2"
        assert scope_of(signed.request) is None
    else:
        assert (result.region, result.service) == (signed.region, signed.service)
        assert scope_of(signed.request) == (signed.region, signed.service)
        assert result.method == (
            "sigv4-query" if signed.signer.endswith("query") else "sigv4-header"
        )
        assert "host" in result.signed_headers
    assert abs(result.signature_age_seconds) < 60


def _replace_header(request: WireRequest, name: str, value: str) -> WireRequest:
    headers = tuple((n, value if n == name else v) for n, v in request.headers)
    return WireRequest(request.method, request.path, request.query, headers, request.body)


@st.composite
def tampered(draw: st.DrawFn) -> tuple[Signed, WireRequest]:
    signed = draw(signed_requests())
    r = signed.request
    kinds = ["path", "method", "query-add", "secret", "host"]
    if r.body and signed.signer != "s3-query":
        kinds.append("body")
    signed_names = _signed_names(signed)
    extra = [n for n in signed_names if n not in ("host",) and r.header(n)]
    if extra:
        kinds.append("header")
    kind = draw(st.sampled_from(kinds))
    if kind == "path":
        changed = WireRequest(r.method, r.path.rstrip("/") + "/x", r.query, r.headers, r.body)
    elif kind == "method":
        other = draw(st.sampled_from([m for m in ("GET", "POST", "PUT", "PATCH") if m != r.method]))
        changed = WireRequest(other, r.path, r.query, r.headers, r.body)
    elif kind == "query-add":
        query = f"{r.query}&extra=1" if r.query else "extra=1"
        if signed.signer == "sigv2" and r.method == "POST":  # the form body carries SigV2
            changed = WireRequest(r.method, r.path, r.query, r.headers, r.body + b"&extra=1")
        else:
            changed = WireRequest(r.method, r.path, query, r.headers, r.body)
    elif kind == "secret":
        record = KeyRecord(
            signed.record.access_key_id,
            signed.record.secret_access_key + "x",
            session_token=signed.record.session_token,
        )
        return Signed(signed.signer, r, record, signed.region, signed.service, signed.now), r
    elif kind == "host":
        changed = _replace_header(r, "host", "evil.example")
    elif kind == "body":
        changed = WireRequest(r.method, r.path, r.query, r.headers, r.body + b"!")
    else:
        name = draw(st.sampled_from(extra))
        changed = _replace_header(r, name, (r.header(name) or "") + "z")
    return signed, changed


def _signed_names(signed: Signed) -> list[str]:
    header = signed.request.header("authorization")
    if header and "SignedHeaders=" in header:
        return header.split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
    return []


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tampered())
def test_tampering_is_rejected(case: tuple[Signed, WireRequest]) -> None:
    signed, changed = case
    with pytest.raises(AuthError):
        signed.verify(changed)


@pytest.mark.parametrize("signer", SIGNERS)
def test_each_signer_at_least_once(signer: str) -> None:
    @settings(max_examples=25, deadline=None)
    @given(signed_requests((signer,)))
    def check(signed: Signed) -> None:
        signed.verify()

    check()
