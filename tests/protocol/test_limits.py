"""Hostile input: sizes, counts, encodings and random bytes all end in an AWS-style 4xx."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.errors import ClearanceError
from clearance.protocol import (
    Limits,
    MalformedQueryString,
    MissingAction,
    RequestEntityTooLarge,
    decode_query,
    decode_request,
    encode_error,
)
from clearance.wire import WireRequest

FORM = ("content-type", "application/x-www-form-urlencoded; charset=utf-8")
GET_USER = b"Action=GetUser&Version=2010-05-08&UserName=alice"


def _post(
    body: bytes, headers: tuple[tuple[str, str], ...] = (FORM,), query: str = ""
) -> WireRequest:
    return WireRequest.build("POST", "/", query, headers, body)


def test_body_over_the_limit() -> None:
    body = GET_USER + b"&Pad=" + b"x" * (1 << 20)
    with pytest.raises(RequestEntityTooLarge) as caught:
        decode_request("iam", _post(body))
    status, _, _ = encode_error("iam", caught.value, "r")
    assert status == 413
    assert decode_request("iam", _post(body), limits=Limits(max_body_bytes=2 << 20)).params == {
        "UserName": "alice"
    }
    with pytest.raises(RequestEntityTooLarge):
        decode_query("iam", body)


def test_too_many_parameters() -> None:
    body = GET_USER + b"".join(b"&P%d=1" % i for i in range(10_000))
    with pytest.raises(MalformedQueryString):
        decode_request("iam", _post(body))
    with pytest.raises(MalformedQueryString):
        decode_query("iam", {f"P{i}": "1" for i in range(10_001)})
    small = Limits(max_params=5)
    with pytest.raises(MalformedQueryString):
        decode_request("iam", _post(GET_USER + b"&a=1&b=2", query="c=3"), limits=small)


@pytest.mark.parametrize(
    "body",
    [
        GET_USER + b"&Path=%",
        GET_USER + b"&Path=%zz",
        GET_USER + b"&Path=%C3",  # truncated UTF-8 sequence
        GET_USER + b"&Path=%ED%A0%80",  # an encoded surrogate
        GET_USER + b"&Path=\xff",  # raw invalid UTF-8
    ],
)
def test_bad_encodings(body: bytes) -> None:
    with pytest.raises(MalformedQueryString) as caught:
        decode_request("iam", _post(body))
    assert encode_error("iam", caught.value, "r")[0] == 400


def test_huge_list_indices_and_deep_keys_are_harmless() -> None:
    body = GET_USER.replace(b"GetUser", b"TagUser") + b"&Tags.member.99999999999999.Key=a"
    body += b"&Tags.member.1.Key=k&Tags.member.1.Value=v&" + b".".join([b"x"] * 50_000) + b"=1"
    params = decode_request("iam", _post(body)).params
    assert params["Tags"] == [{"Key": "k", "Value": "v"}]


def test_get_query_parameters_and_post_bodies() -> None:
    query = "Action=GetUser&Version=2010-05-08&UserName=bob"
    assert decode_request("iam", WireRequest.build("GET", "/", query)).params == {"UserName": "bob"}
    # Query-string parameters come first; the body adds to them.
    request = _post(b"UserName=carol&Version=2010-05-08", query="Action=GetUser")
    assert decode_request("iam", request).params == {"UserName": "carol"}


def test_post_without_form_content_type_has_no_action() -> None:
    for headers in ((), (("content-type", "application/json"),)):
        with pytest.raises(MissingAction) as caught:
            decode_request("sts", _post(b"Action=GetCallerIdentity&Version=2011-06-15", headers))
        assert caught.value.location == "https://aws.amazon.com/iam"
    with pytest.raises(MissingAction) as caught:
        decode_request("sts", WireRequest.build("GET", "/", "Version=2011-06-15"))
    assert caught.value.location == "https://aws.amazon.com/iam?Version=2011-06-15"


_KEYS = st.sampled_from(
    [
        "Action",
        "Version",
        "UserName",
        "Tags",
        "Tags.member",
        "Tags.member.1",
        "Tags.member.1.Key",
        "Tags.member.x.Value",
        "Tags.entry.1.key",
        "PolicyArns.member.1.arn",
        "DurationSeconds",
        "MaxItems",
        "RequireSymbols",
        "Path",
        "Marker",
        "",
        ".",
        "Tags..member",
        "%",
        "+",
    ]
)
_VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "GetUser",
            "TagUser",
            "AssumeRole",
            "UpdateAccountPasswordPolicy",
            "2010-05-08",
            "2011-06-15",
            "1",
            "-1",
            "true",
            "%",
            "%zz",
            "a+b",
            "/",
        ]
    ),
    st.text(max_size=8),
)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    service=st.sampled_from(["iam", "sts"]),
    pairs=st.lists(st.tuples(_KEYS, _VALUES), max_size=12),
    raw=st.binary(max_size=64),
)
def test_arbitrary_input_never_escapes_as_anything_but_a_clearance_error(
    service: str, pairs: list[tuple[str, str]], raw: bytes
) -> None:
    body = "&".join(f"{k}={v}" for k, v in pairs).encode("utf-8", "surrogatepass") + raw
    for data in (body, _post(body)):
        try:
            if isinstance(data, bytes):
                decode_query(service, data)
            else:
                decode_request(service, data)
        except ClearanceError as error:
            status, _, _ = encode_error(service, error, "r")
            assert status in (302, 400, 413)
