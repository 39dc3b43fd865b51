"""Bad input of any size or encoding: an AuthError or a result, never another exception."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.authn import AuthError, KeyRecord, authenticate, scope_of
from clearance.wire import WireRequest
from tests.authn.signing import SECRET, T0, TOKEN, aws_request, sign

ANY_TEXT = st.text(max_size=300)  # includes lone surrogates, NULs, controls
HEADER_NAMES = st.sampled_from(
    [
        "authorization",
        "x-amz-date",
        "date",
        "host",
        "x-amz-security-token",
        "x-amz-content-sha256",
        "content-type",
        "x-custom",
    ]
)
AUTH_WORDS = st.sampled_from(
    [
        "AWS4-HMAC-SHA256 ",
        "Credential=",
        "SignedHeaders=",
        "Signature=",
        "/",
        ",",
        ";",
        "=",
        " ",
        "aws4_request",
        "host",
        "20261127",
        "20261127T173956Z",
        "AKIDEXAMPLE",
        "%",
        "X-Amz-Algorithm=",
        "X-Amz-Credential=",
        "X-Amz-Expires=",
        "&",
        "SignatureVersion=2",
        "AWSAccessKeyId=",
        "Timestamp=",
        "\udcff",
        "ሴ",
    ]
)
STRUCTURED = st.lists(AUTH_WORDS | ANY_TEXT, max_size=12).map("".join)


def anyone(key: str) -> KeyRecord | None:
    """A lookup that knows every key, so that fuzzing reaches the signature check."""
    if key.startswith("ASIA"):
        return KeyRecord(key, SECRET, session_token=TOKEN)
    return KeyRecord(key, SECRET)


@st.composite
def requests(draw: st.DrawFn) -> WireRequest:
    headers = draw(st.lists(st.tuples(HEADER_NAMES, STRUCTURED), max_size=6))
    return WireRequest.build(
        draw(st.sampled_from(["GET", "POST", "PUT", "", "get", "ǅ"])),
        draw(STRUCTURED),
        draw(STRUCTURED),
        headers,
        draw(st.binary(max_size=200)),
    )


@st.composite
def damaged(draw: st.DrawFn) -> WireRequest:
    """A botocore-signed request with part of one field replaced by junk."""
    signer = draw(st.sampled_from(["sigv4", "sigv4-query", "s3", "s3-query", "sigv2"]))
    if signer == "sigv2":
        base = sign(
            aws_request("POST", "https://iam.amazonaws.com/", {"Action": "GetUser"}), signer=signer
        )
    elif signer.endswith("query"):
        base = sign(aws_request("GET", "https://iam.amazonaws.com/x/y?a=b", b""), signer=signer)
    else:
        base = sign(signer=signer)
    headers = list(base.headers)
    query, body = base.query, base.body
    junk = draw(STRUCTURED)
    where = draw(st.sampled_from(["header", "query", "body"]))
    if where == "header":
        index = draw(st.integers(0, len(headers) - 1))
        name, value = headers[index]
        start = draw(st.integers(0, len(value)))
        end = draw(st.integers(start, len(value)))
        headers[index] = (name, value[:start] + junk + value[end:])
    elif where == "query":
        start = draw(st.integers(0, len(query)))
        query = query[:start] + junk + query[draw(st.integers(start, len(query))) :]
    else:
        body = body + junk.encode("utf-8", "surrogatepass")
    return WireRequest(base.method, base.path, query, tuple(headers), body)


def _run(request: WireRequest, s3: bool, anonymous: bool, service: str | None, skew: int) -> None:
    try:
        authenticate(
            request,
            anyone,
            T0 + timedelta(minutes=skew),
            s3=s3,
            allow_anonymous=anonymous,
            expected_service=service,
        )
    except AuthError as error:
        assert error.code and 400 <= error.http_status < 500
        assert SECRET not in error.message
        error.message.encode("utf-8")  # no lone surrogates
        assert not any(ord(ch) < 0x20 and ch not in "\t\n\r" for ch in error.message)
    scope = scope_of(request)
    assert scope is None or (isinstance(scope[0], str) and isinstance(scope[1], str))


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    requests() | damaged(),
    st.booleans(),
    st.booleans(),
    st.none() | st.sampled_from(["iam", "s3"]),
    st.integers(-30, 30),
)
def test_never_a_traceback(
    request: WireRequest, s3: bool, anonymous: bool, service: str | None, skew: int
) -> None:
    _run(request, s3, anonymous, service, skew)


def test_huge_inputs() -> None:
    base = sign()
    header = base.header("authorization") or ""
    for name, value in [
        ("authorization", header + "," * 100_000),
        ("authorization", "AWS4-HMAC-SHA256 " + "Credential=" + "a/" * 50_000),
        ("x-amz-date", "2" * 100_000),
        ("date", "Mon, " * 20_000),
        ("x-amz-security-token", "t" * 1_000_000),
        ("host", "h" * 1_000_000),
    ]:
        headers = tuple((n, value if n == name else v) for n, v in base.headers)
        if name not in dict(base.headers):
            headers = (*headers, (name, value))
        _run(
            WireRequest(base.method, base.path, base.query, headers, base.body),
            False,
            False,
            None,
            0,
        )
    query = "&".join(f"p{i}=v" for i in range(50_000)) + "&X-Amz-Expires=" + "9" * 10_000
    _run(
        WireRequest.build("GET", "/" + "a/" * 50_000, query + "&X-Amz-Algorithm=x"),
        True,
        False,
        None,
        0,
    )
