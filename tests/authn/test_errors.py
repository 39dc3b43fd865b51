"""Each failure with AWS's code, HTTP status and exact message (protocol-notes §2)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.credentials import Credentials

from clearance.authn import (
    AuthError,
    AuthorizationQueryParametersError,
    ExpiredToken,
    IncompleteSignature,
    InvalidAccessKeyId,
    InvalidClientTokenId,
    InvalidContentSha256,
    KeyRecord,
    MissingAuthenticationToken,
    PresignedRequestExpired,
    RequestExpired,
    RequestTimeTooSkewed,
    SecretLookup,
    SignatureDoesNotMatch,
    XAmzContentSHA256Mismatch,
    authenticate,
    scope_of,
)
from clearance.authn import canonical as c
from clearance.errors import ClearanceError
from clearance.wire import WireRequest
from tests.authn.signing import (
    AKID,
    ASIA,
    IAM_BODY,
    SECRET,
    T0,
    TOKEN,
    aws_request,
    keys,
    lookup,
    sign,
)

MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
DATE = "20261127T173956Z"


def with_header(request: WireRequest, name: str, value: str | None) -> WireRequest:
    headers = [(n, v) for n, v in request.headers if n != name]
    if value is not None:
        headers.append((name, value))
    return WireRequest(request.method, request.path, request.query, tuple(headers), request.body)


def fails(
    request: WireRequest,
    error: type[AuthError],
    message: str | None = None,
    *,
    now: datetime = T0,
    lookup_fn: SecretLookup | None = None,
    s3: bool = False,
    expected_service: str | None = None,
) -> AuthError:
    """Authenticating ``request`` fails with ``error`` (and exactly ``message``, if given)."""
    with pytest.raises(error) as caught:
        authenticate(request, lookup_fn or keys(), now, s3=s3, expected_service=expected_service)
    if message is not None:
        assert caught.value.message == message
    return caught.value


# --- the error classes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code", "status", "message"),
    [
        (
            MissingAuthenticationToken,
            "MissingAuthenticationToken",
            403,
            "Request is missing Authentication Token",
        ),
        (IncompleteSignature, "IncompleteSignature", 400, None),
        (
            InvalidClientTokenId,
            "InvalidClientTokenId",
            403,
            "The security token included in the request is invalid.",
        ),
        (
            InvalidAccessKeyId,
            "InvalidAccessKeyId",
            403,
            "The AWS Access Key Id you provided does not exist in our records.",
        ),
        (SignatureDoesNotMatch, "SignatureDoesNotMatch", 403, MISMATCH),
        (
            ExpiredToken,
            "ExpiredToken",
            403,
            "The security token included in the request is expired",
        ),
        (
            AuthorizationQueryParametersError,
            "AuthorizationQueryParametersError",
            400,
            "X-Amz-Expires must be less than a week (in seconds); that is, the given "
            "X-Amz-Expires must be less than 604800 seconds",
        ),
        (PresignedRequestExpired, "AccessDenied", 403, "Request has expired"),
        (RequestExpired, "RequestExpired", 400, None),
        (
            RequestTimeTooSkewed,
            "RequestTimeTooSkewed",
            403,
            "The difference between the request time and the current time is too large.",
        ),
        (
            XAmzContentSHA256Mismatch,
            "XAmzContentSHA256Mismatch",
            400,
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        ),
        (InvalidContentSha256, "InvalidArgument", 400, None),
    ],
)
def test_codes_statuses_and_default_messages(
    error: type[AuthError], code: str, status: int, message: str | None
) -> None:
    instance = error()
    assert isinstance(instance, ClearanceError)
    assert (instance.code, instance.http_status) == (code, status)
    if message is not None:
        assert instance.message == message == str(instance)


# --- no signature ---------------------------------------------------------------------------


def test_missing_authentication_token() -> None:
    request = WireRequest.build("POST", "/", "", [("Host", "iam.amazonaws.com")], IAM_BODY)
    fails(request, MissingAuthenticationToken, "Request is missing Authentication Token")
    fails(with_header(request, "authorization", "   "), MissingAuthenticationToken)


def test_anonymous_when_allowed() -> None:
    request = WireRequest.build("GET", "/bucket/key", "", [("Host", "s3.local")])
    result = authenticate(request, keys(), T0, s3=True, allow_anonymous=True)
    assert result.anonymous and result.method == "anonymous"
    assert (result.access_key_id, result.region, result.service) == ("", None, None)
    assert result.signed_at == T0 and result.signature_age_seconds == 0.0


# --- IncompleteSignature --------------------------------------------------------------------


def test_incomplete_authorization_header_lists_every_missing_part() -> None:
    signed = sign()
    header = f"AWS4-HMAC-SHA256 Credential={AKID}/20261127/us-east-1/iam/aws4_request"
    fails(
        with_header(signed, "authorization", header),
        IncompleteSignature,
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        f"Authorization={header}",
    )
    # AWS's answer to S3's old "AWS key:signature" scheme, and to a bare JWT without a date.
    legacy = "AWS AKIAI2HBJEUM7LRSTWOQ:qaNdqGsI6bq4Hi+9Gzovwyjbh0E="
    fails(
        with_header(signed, "authorization", legacy),
        IncompleteSignature,
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        f"Authorization={legacy}",
    )
    jwt = "eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo"
    fails(
        with_header(with_header(signed, "x-amz-date", None), "authorization", jwt),
        IncompleteSignature,
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={jwt}",
    )
    fails(
        with_header(signed, "authorization", "Bearer abc"),
        IncompleteSignature,
        "'abc' not a valid key=value pair (missing equal-sign) in Authorization header: "
        "'Bearer abc'",
    )


def test_incomplete_signature_wording() -> None:
    signed = sign()
    header = signed.header("authorization") or ""
    fails(
        with_header(signed, "authorization", "AWS4-HMAC-SHA256 FooBar, BazBurp"),
        IncompleteSignature,
        "'FooBar' not a valid key=value pair (missing equal-sign) in Authorization header: "
        "'AWS4-HMAC-SHA256 FooBar, BazBurp'",
    )
    fails(
        with_header(
            signed, "authorization", header.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256")
        ),
        IncompleteSignature,
        "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'.",
    )
    fails(
        with_header(signed, "x-amz-date", "2026-11-27T17:39:56Z"),
        IncompleteSignature,
        "Date must be in ISO-8601 'basic format'. Got '2026-11-27T17:39:56Z'. "
        "See http://en.wikipedia.org/wiki/ISO_8601",
    )
    short = header.replace(f"{AKID}/20261127/us-east-1/iam/aws4_request", AKID)
    fails(
        with_header(signed, "authorization", short),
        IncompleteSignature,
        "Credential must have exactly 5 slash-delimited elements, "
        f"e.g. keyid/date/region/service/term, got '{AKID}'",
    )


def test_incomplete_presigned_query() -> None:
    request = WireRequest.build(
        "GET",
        "/",
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&Action=GetUser",
        [("Host", "iam.amazonaws.com")],
    )
    fails(
        request,
        IncompleteSignature,
        "AWS query-string parameters must include 'X-Amz-Credential'. "
        "AWS query-string parameters must include 'X-Amz-Signature'. "
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
        "AWS query-string parameters must include 'X-Amz-Date'. "
        "Re-examine the query-string parameters.",
    )
    fails(
        request,
        AuthorizationQueryParametersError,
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
        "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
        s3=True,
    )
    signed = sign(
        aws_request("GET", "https://iam.amazonaws.com/?Action=GetUser", b""), signer="sigv4-query"
    )
    doubled = WireRequest(
        signed.method,
        signed.path,
        signed.query + "&X-Amz-Date=" + DATE,
        signed.headers,
        signed.body,
    )
    fails(
        doubled,
        IncompleteSignature,
        "AWS query-string parameter 'X-Amz-Date' must appear only once. "
        "Re-examine the query-string parameters.",
    )


def test_both_header_and_query_signature() -> None:
    presigned = sign(aws_request("GET", "https://iam.amazonaws.com/", b""), signer="sigv4-query")
    header = sign().header("authorization")
    fails(
        with_header(presigned, "authorization", header),
        SignatureDoesNotMatch,
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    )


def test_absurd_inputs_are_rejected_early() -> None:
    signed = sign()
    header = signed.header("authorization") or ""
    long = header + ", Padding=" + "x" * 9000
    error = fails(with_header(signed, "authorization", long), IncompleteSignature)
    assert "at most 8192" in error.message and "xxxx" not in error.message
    many = ";".join(f"x-h{i}" for i in range(101))
    fails(
        with_header(
            signed, "authorization", header.replace("SignedHeaders=", f"SignedHeaders={many};")
        ),
        IncompleteSignature,
        "SignedHeaders lists 104 headers; at most 100 are allowed.",
    )
    fails(
        with_header(signed, "authorization", header.replace("SignedHeaders=", "SignedHeaders=;")),
        IncompleteSignature,
    )
    huge = header.replace("/iam/", "/" + "s" * 600 + "/")
    fails(
        with_header(signed, "authorization", huge),
        IncompleteSignature,
        f"Credential is {len(AKID + '/20261127/us-east-1//aws4_request') + 600} characters long;"
        " at most 512 are allowed.",
    )
    called: list[str] = []

    def spy(key: str) -> KeyRecord | None:
        called.append(key)
        return None

    too_long = header.replace(AKID, "A" * 129)
    fails(with_header(signed, "authorization", too_long), InvalidClientTokenId, lookup_fn=spy)
    odd = header.replace(AKID, "AKID\u00e9X")
    fails(with_header(signed, "authorization", odd), InvalidClientTokenId, lookup_fn=spy)
    assert called == []
    fails(with_header(signed, "x-amz-security-token", "t" * 9000), InvalidClientTokenId)


# --- keys and tokens ------------------------------------------------------------------------


def test_unknown_and_inactive_keys() -> None:
    signed = sign()
    fails(
        signed,
        InvalidClientTokenId,
        "The security token included in the request is invalid.",
        lookup_fn=lookup(),
    )
    fails(signed, InvalidClientTokenId, lookup_fn=keys(active=False))
    s3 = sign(aws_request("GET", "https://s3.amazonaws.com/bucket/key", b""), signer="s3")
    fails(
        s3,
        InvalidAccessKeyId,
        "The AWS Access Key Id you provided does not exist in our records.",
        lookup_fn=lookup(),
        s3=True,
    )


def test_session_tokens() -> None:
    good = sign(key=ASIA, token=TOKEN)
    assert authenticate(good, keys(), T0).session_token == TOKEN
    fails(
        sign(key=ASIA),
        InvalidClientTokenId,
        "The security token included in the request is invalid.",
    )  # no token at all
    fails(sign(key=ASIA, token=TOKEN + "x"), InvalidClientTokenId)  # a wrong one
    fails(sign(key=AKID, token=TOKEN), InvalidClientTokenId)  # a long-term key with a token
    hashed = KeyRecord(
        ASIA, SECRET, session_token_sha256=hashlib.sha256(TOKEN.encode()).hexdigest()
    )
    assert authenticate(good, lookup(hashed), T0).access_key_id == ASIA
    fails(sign(key=ASIA, token="other"), InvalidClientTokenId, lookup_fn=lookup(hashed))
    presigned = sign(
        aws_request("GET", "https://sts.amazonaws.com/?Action=GetCallerIdentity", b""),
        signer="sigv4-query",
        service="sts",
        key=ASIA,
        token=TOKEN,
    )
    assert authenticate(presigned, keys(), T0).session_token == TOKEN


def test_expired_token() -> None:
    good = sign(key=ASIA, token=TOKEN)
    expiring = keys(expires_at=T0 + timedelta(minutes=5))
    assert authenticate(good, expiring, T0).access_key_id == ASIA
    fails(
        good,
        ExpiredToken,
        "The security token included in the request is expired",
        lookup_fn=expiring,
        now=T0 + timedelta(minutes=5),
    )
    # A wrong token is invalid, whether or not the session has expired.
    fails(
        sign(key=ASIA, token="nope"),
        InvalidClientTokenId,
        lookup_fn=expiring,
        now=T0 + timedelta(minutes=6),
    )


# --- signature, scope, time -----------------------------------------------------------------


def test_signature_does_not_match_carries_what_the_server_computed() -> None:
    request = aws_request()
    signed = sign(request)
    error = fails(
        signed, SignatureDoesNotMatch, MISMATCH, lookup_fn=lookup(KeyRecord(AKID, "another secret"))
    )
    assert isinstance(error, SignatureDoesNotMatch)
    oracle = SigV4Auth(Credentials(AKID, SECRET), "iam", "us-east-1")
    fresh = aws_request(headers={"X-Amz-Date": DATE})  # as botocore saw it before signing
    fresh.context["timestamp"] = DATE
    assert error.canonical_request == oracle.canonical_request(fresh)
    assert error.string_to_sign == oracle.string_to_sign(fresh, error.canonical_request)
    assert error.access_key_id == AKID
    assert error.signature_provided == (signed.header("authorization") or "").rsplit("=", 1)[1]
    assert "another secret" not in repr(error.__dict__) and SECRET not in repr(error.__dict__)
    s3 = sign(aws_request("GET", "https://s3.amazonaws.com/b/k", b""), signer="s3")
    error = fails(
        s3,
        SignatureDoesNotMatch,
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        lookup_fn=lookup(KeyRecord(AKID, "x")),
        s3=True,
    )


def test_scope_errors() -> None:
    fails(
        sign(service="iam"),
        SignatureDoesNotMatch,
        "Credential should be scoped to correct service: 'sts'. ",
        expected_service="sts",
    )
    fails(
        sign(region="bad_region!"),
        SignatureDoesNotMatch,
        "Credential should be scoped to a valid region. ",
    )
    fails(
        sign(region="us#east"),
        SignatureDoesNotMatch,
        "Credential should be scoped to a valid region. "
        "Credential should be scoped to correct service: 'sts'. ",
        expected_service="sts",
    )
    signed = sign()
    header = signed.header("authorization") or ""
    fails(
        with_header(signed, "authorization", header.replace("aws4_request", "aws5_request")),
        SignatureDoesNotMatch,
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
    )
    fails(
        with_header(signed, "authorization", header.replace("/20261127/", "/20261126/")),
        SignatureDoesNotMatch,
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        f"HTTP: '20261126' != '20261127', from '{DATE}'. ",
    )
    fails(
        with_header(
            signed,
            "authorization",
            header.replace("SignedHeaders=content-type;host;", "SignedHeaders=content-type;"),
        ),
        SignatureDoesNotMatch,
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    )
    assert authenticate(sign(region="local"), keys(), T0, expected_service="iam").region == "local"


def test_clock_skew_both_ways() -> None:
    signed = sign()
    fails(
        signed,
        SignatureDoesNotMatch,
        "Signature expired: 20261127T173956Z is now earlier than 20261127T174056Z "
        "(20261127T175556Z - 15 min.)",
        now=T0 + timedelta(minutes=16),
    )
    fails(
        signed,
        SignatureDoesNotMatch,
        "Signature not yet current: 20261127T173956Z is still later than 20261127T172356Z "
        "(20261127T170856Z + 15 min.)",
        now=T0 - timedelta(minutes=31),
    )
    for edge in (timedelta(minutes=15), -timedelta(minutes=15)):
        result = authenticate(signed, keys(), T0 + edge)
        assert result.signature_age_seconds == edge.total_seconds()
    s3 = sign(aws_request("GET", "https://s3.amazonaws.com/b/k", b""), signer="s3")
    error = fails(s3, RequestTimeTooSkewed, s3=True, now=T0 + timedelta(minutes=20))
    assert isinstance(error, RequestTimeTooSkewed)
    assert (error.request_time, error.server_time) == (DATE, "20261127T175956Z")
    assert error.max_allowed_skew_ms == 900000


def test_date_header_instead_of_x_amz_date() -> None:
    request = aws_request(headers={"Date": "Fri, 27 Nov 2026 17:39:56 GMT"})
    signed = sign(request)
    assert signed.header("x-amz-date") is None
    assert authenticate(signed, keys(), T0).signed_at == T0


# --- presigned ------------------------------------------------------------------------------


def _presigned(expires: int = 3600, signer: str = "sigv4-query") -> WireRequest:
    url = (
        "https://s3.amazonaws.com/bucket/key"
        if signer == "s3-query"
        else ("https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15")
    )
    return sign(aws_request("GET", url, b""), signer=signer, service="sts", expires=expires)


def test_presigned_expiry() -> None:
    s3 = _presigned(3600 * 24, "s3-query")
    assert authenticate(s3, keys(), T0 + timedelta(hours=23), s3=True).method == "sigv4-query"
    fails(
        s3,
        PresignedRequestExpired,
        "Request has expired",
        s3=True,
        now=T0 + timedelta(hours=24, seconds=1),
    )
    short = _presigned(60)
    fails(short, PresignedRequestExpired, "Request has expired", now=T0 + timedelta(seconds=61))
    # Other services also hold presigned requests to the 15-minute window.
    fails(_presigned(3600), SignatureDoesNotMatch, now=T0 + timedelta(minutes=16))
    fails(
        _presigned(3600, "s3-query"), RequestTimeTooSkewed, s3=True, now=T0 - timedelta(minutes=16)
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "604801",
            "X-Amz-Expires must be less than a week (in seconds); that is, the given "
            "X-Amz-Expires must be less than 604800 seconds",
        ),
        (
            "99999999999999999999",
            "X-Amz-Expires must be less than a week (in seconds); that is, "
            "the given X-Amz-Expires must be less than 604800 seconds",
        ),
        ("-5", "X-Amz-Expires must be non-negative"),
        ("soon", "X-Amz-Expires should be a number"),
    ],
)
def test_presigned_expires_parameter(value: str, message: str) -> None:
    signed = _presigned()
    query = signed.query.replace("X-Amz-Expires=3600", f"X-Amz-Expires={value}")
    changed = WireRequest(signed.method, signed.path, query, signed.headers, signed.body)
    fails(changed, AuthorizationQueryParametersError, message)


def test_presigned_week_is_the_limit() -> None:
    signed = _presigned(604800, "s3-query")
    assert authenticate(signed, keys(), T0 + timedelta(days=6), s3=True).access_key_id == AKID


# --- payload hash ---------------------------------------------------------------------------


def test_content_sha256_must_match_the_body() -> None:
    body_hash = hashlib.sha256(IAM_BODY).hexdigest()
    signed = sign(aws_request(headers={"X-Amz-Content-SHA256": body_hash}))
    assert authenticate(signed, keys(), T0).payload_hash == body_hash
    tampered = replace(signed, body=IAM_BODY + b"&x=1", _index={})
    error = fails(
        tampered,
        XAmzContentSHA256Mismatch,
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
    )
    assert isinstance(error, XAmzContentSHA256Mismatch)
    assert error.client_computed == body_hash
    assert error.server_computed == hashlib.sha256(IAM_BODY + b"&x=1").hexdigest()
    # Outside S3 the body is always signed: UNSIGNED-PAYLOAD does not match it.
    unsigned = sign(aws_request(headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}))
    fails(unsigned, XAmzContentSHA256Mismatch)


def test_s3_payload_literals() -> None:
    put = aws_request(
        "PUT",
        "https://s3.amazonaws.com/bucket/key",
        b"hello",
        {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"},
    )
    signed = sign(put, signer="s3")
    signed = with_header(signed, "x-amz-content-sha256", "UNSIGNED-PAYLOAD")
    fails(signed, SignatureDoesNotMatch, s3=True)  # botocore signed the body's hash instead
    stream = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    raw = c.canonical_request(
        "PUT",
        "/bucket/key",
        "",
        f"host:s3.local\nx-amz-content-sha256:{stream}\nx-amz-date:{DATE}\n",
        "host;x-amz-content-sha256;x-amz-date",
        stream,
    )
    scope = c.credential_scope(DATE[:8], "us-east-1", "s3")
    key = c.signing_key(SECRET, DATE[:8], "us-east-1", "s3")
    seed = c.signature(key, c.string_to_sign(DATE, scope, raw))
    request = WireRequest.build(
        "PUT",
        "/bucket/key",
        "",
        [
            ("Host", "s3.local"),
            ("x-amz-content-sha256", stream),
            ("x-amz-date", DATE),
            (
                "Authorization",
                f"AWS4-HMAC-SHA256 Credential={AKID}/{scope}, "
                f"SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={seed}",
            ),
        ],
        b"5;chunk-signature=...\r\nhello\r\n0;chunk-signature=...\r\n\r\n",
    )
    result = authenticate(request, keys(), T0, s3=True)
    assert result.payload_hash == stream and result.chunk_signing is not None
    assert result.chunk_signing.seed_signature == seed
    assert result.chunk_signing.signing_key == key
    assert result.chunk_signing.credential_scope == scope and result.chunk_signing.amz_date == DATE
    assert "signing_key" not in repr(result.chunk_signing)
    fails(request, XAmzContentSHA256Mismatch)  # not a literal outside S3
    bogus = with_header(request, "x-amz-content-sha256", "sha256-please")
    fails(bogus, InvalidContentSha256, s3=True)


# --- SigV2 ----------------------------------------------------------------------------------


def _v2(method: str = "POST") -> WireRequest:
    url = "https://iam.amazonaws.com/"
    if method == "POST":
        return sign(
            aws_request("POST", url, {"Action": "GetUser", "Version": "2010-05-08"}), signer="sigv2"
        )
    request = aws_request("GET", url, b"")
    request.params = {"Action": "GetUser", "Version": "2010-05-08"}
    return sign(request, signer="sigv2")


def test_sigv2_errors() -> None:
    for method in ("GET", "POST"):
        assert authenticate(_v2(method), keys(), T0).method == "sigv2"
    fails(_v2(), SignatureDoesNotMatch, MISMATCH, lookup_fn=lookup(KeyRecord(AKID, "x")))
    fails(_v2(), SignatureDoesNotMatch, now=T0 + timedelta(minutes=16))
    request = _v2("GET")
    for old, new, message in [
        (
            "SignatureVersion=2",
            "SignatureVersion=1",
            "Value (1) for parameter SignatureVersion is invalid. "
            "Valid values are 2 or AWS Signature Version 4.",
        ),
        (
            "SignatureMethod=HmacSHA256",
            "SignatureMethod=HmacMD5",
            "Value (HmacMD5) for parameter SignatureMethod is invalid. Unknown signature method.",
        ),
        ("AWSAccessKeyId=", "Key=", "The request must contain the parameter AWSAccessKeyId."),
        ("Timestamp=", "Stamp=", "The request must contain the parameter Timestamp or Expires."),
    ]:
        changed = WireRequest(
            request.method, request.path, request.query.replace(old, new), request.headers
        )
        fails(changed, IncompleteSignature, message)


def test_sigv2_sha1_and_expires() -> None:
    from clearance.authn import sigv2

    params = [
        ("Action", "GetUser"),
        ("AWSAccessKeyId", AKID),
        ("SignatureVersion", "2"),
        ("SignatureMethod", "HmacSHA1"),
        ("Expires", "2026-11-27T18:00:00Z"),
    ]
    to_sign = sigv2.string_to_sign("GET", "iam.amazonaws.com", "/", params)
    params.append(("Signature", sigv2.signature(SECRET, to_sign, "HmacSHA1")))
    query = "&".join(f"{c.uri_encode(n)}={c.uri_encode(v)}" for n, v in params)
    request = WireRequest.build("GET", "/", query, [("Host", "iam.amazonaws.com")])
    assert authenticate(request, keys(), T0).signed_at == T0  # no Timestamp: signed "now"
    fails(request, RequestExpired, "Request has expired.", now=T0 + timedelta(hours=1))


# --- scope_of -------------------------------------------------------------------------------


def test_scope_of() -> None:
    assert scope_of(sign(region="eu-west-1", service="sts")) == ("eu-west-1", "sts")
    assert scope_of(_presigned()) == ("us-east-1", "sts")
    assert scope_of(_v2()) is None
    assert scope_of(WireRequest.build("GET", "/", "", [("Authorization", "Bearer x")])) is None
    assert (
        scope_of(
            WireRequest.build(
                "GET", "/", "", [("Authorization", "AWS4-HMAC-SHA256 Credential=a/b")]
            )
        )
        is None
    )
    assert scope_of(WireRequest.build("GET", "/", "X-Amz-Credential=a%2Fb%2Fr%2Fs%2Fterm")) == (
        "r",
        "s",
    )


def test_signing_keys_are_cached() -> None:
    c.signing_key.cache_clear()
    for _ in range(3):
        authenticate(sign(), keys(), T0)
    info = c.signing_key.cache_info()
    assert (info.misses, info.hits, info.maxsize) == (1, 2, c.SIGNING_KEY_CACHE_SIZE)
