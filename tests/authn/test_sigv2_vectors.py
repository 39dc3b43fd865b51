"""SigV2 vectors (AWS General Reference example, aws-sdk-go, botocore): the string to sign
and signature are reproduced, signed requests verify over GET and POST, and any change
to the signature, a parameter, the host or the path is rejected."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.authn import AuthError, KeyRecord, authenticate, sigv2
from clearance.authn.canonical import uri_encode
from clearance.authn.timestamps import parse_iso8601
from clearance.wire import WireRequest
from tests.authn import vectors as v

CASES = v.sigv2_cases()
VERIFIABLE = [case for case in CASES if any(n == "AWSAccessKeyId" for n, _ in case["params"])]


def _pairs(case: dict[str, Any]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in case["params"]]


def build(case: dict[str, Any], *, method: str | None = None) -> WireRequest:
    """The case's request with its signature, as a client would send it."""
    method = method or case["method"]
    pairs = [*_pairs(case), ("Signature", case["expected"]["signature"])]
    encoded = "&".join(f"{uri_encode(n)}={uri_encode(val)}" for n, val in pairs)
    headers = [("Host", case["host"])]
    if method == "POST":
        headers.append(("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"))
        return WireRequest.build(method, case["path"], "", headers, encoded.encode())
    return WireRequest.build(method, case["path"], encoded, headers)


def lookup_for(case: dict[str, Any]) -> Any:
    creds = case["credentials"]
    record = KeyRecord(
        creds["access_key_id"], creds["secret_access_key"], session_token=creds["session_token"]
    )
    return {record.access_key_id: record}.get


def signed_at(case: dict[str, Any]) -> Any:
    stamp = dict(_pairs(case))["Timestamp"]
    moment = parse_iso8601(stamp)
    assert moment is not None
    return moment


@pytest.mark.parametrize("case", v.params(CASES))
def test_string_to_sign_and_signature(case: dict[str, Any]) -> None:
    to_sign = sigv2.string_to_sign(case["method"], case["host"], case["path"], _pairs(case))
    expected = case["expected"]
    if "string_to_sign" in expected:
        assert to_sign == expected["string_to_sign"]
    if "canonical_query" in expected:
        assert sigv2.canonical_params(_pairs(case)) == expected["canonical_query"]
    creds = case["credentials"]
    assert (
        sigv2.signature(creds["secret_access_key"], to_sign, case["signature_method"])
        == (expected["signature"])
    )


@pytest.mark.parametrize("case", v.params(VERIFIABLE))
def test_verifier_accepts(case: dict[str, Any]) -> None:
    result = authenticate(build(case), lookup_for(case), signed_at(case))
    assert result.method == "sigv2"
    assert result.access_key_id == case["credentials"]["access_key_id"]
    assert result.session_token == case["credentials"]["session_token"]
    assert result.signature_age_seconds == 0.0


ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_verifier_rejects_changes(data: st.DataObject) -> None:
    if not VERIFIABLE:
        pytest.skip("shared conformance data absent")
    case = data.draw(st.sampled_from(VERIFIABLE))
    case = {**case, "params": [list(p) for p in case["params"]], "expected": dict(case["expected"])}
    target = data.draw(st.sampled_from(["signature", "param", "host", "path"]))
    if target == "signature":
        text = case["expected"]["signature"]
        index = data.draw(st.integers(0, len(text) - 2))  # the last '=' is padding
        new = data.draw(st.sampled_from([ch for ch in ALNUM if ch != text[index]]))
        case["expected"]["signature"] = text[:index] + new + text[index + 1 :]
    elif target == "param":
        pair = data.draw(st.sampled_from(case["params"]))
        text = pair[1]
        index = data.draw(st.integers(0, len(text)))
        pair[1] = text[:index] + data.draw(st.sampled_from(ALNUM)) + text[index + 1 :]
        if pair[1] == text:
            return
    elif target == "host":
        case["host"] = case["host"] + data.draw(st.sampled_from(["x", ":8080", "."]))
    else:
        case["path"] = case["path"] + data.draw(st.sampled_from(["x", "a/", "%20"]))
    method = data.draw(st.sampled_from(["GET", "POST"]))
    try:
        now = signed_at(case)
    except AssertionError:  # the timestamp itself no longer parses
        now = signed_at(next(c for c in VERIFIABLE if c["name"] == case["name"]))
    with pytest.raises(AuthError):
        authenticate(build(case, method=method), lookup_for(case), now)


@pytest.mark.parametrize("case", v.params(VERIFIABLE))
def test_signature_binds_the_method(case: dict[str, Any]) -> None:
    # The signature covers the method: only the one it was computed for verifies.
    for method in ("GET", "POST"):
        request = build(case, method=method)
        if method == case["method"]:
            authenticate(request, lookup_for(case), signed_at(case))
        else:
            with pytest.raises(AuthError):
                authenticate(request, lookup_for(case), signed_at(case))
