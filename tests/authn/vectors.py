"""The shared SigV4/SigV2 conformance cases as the authn tests use them.

Each SigV4 case becomes a :class:`~clearance.wire.WireRequest` (its
``signed_request``), a lookup holding its credentials, the moment it was
signed, and the canonicalization rules its options ask for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clearance.authn import KeyRecord, authenticate
from clearance.authn.canonical import parse_query
from clearance.authn.model import Authenticated
from clearance.authn.sigv4 import DEFAULT_RULES, SigV4Rules, verify_header, verify_query
from clearance.wire import WireRequest
from tests.conftest import shared_dir

SIGV4_FILES = (
    "aws_c_auth_v4.json",
    "botocore_aws4_testsuite_2011_legacy.json",
    "botocore_aws4_testsuite_2015.json",
    "smithy_rs_extra.json",
)
# SigV4a (ECDSA, aws_c_auth_v4a.json) is optional and not implemented: Clearance
# rejects AWS4-ECDSA-P256-SHA256 as an unsupported algorithm.

# Deviations from a case, each with its reason. AWS's SigV4 documentation
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html,
# "CanonicalHeaders") joins the values of a repeated header with commas in the
# order they appear, which is what the 2015 suite (get-header-value-order,
# get-header-key-duplicate) and aws-c-auth expect. The 2011 suite's expectation
# sorts the values instead; it is superseded, and a server following it would
# reject what current SDKs sign.
SUPERSEDED = {
    "legacy-2011/get-header-key-duplicate": "2011 suite sorts repeated header values",
    "legacy-2011/get-header-value-order": "2011 suite sorts repeated header values",
}


def load(name: str) -> list[dict[str, Any]]:
    path = shared_dir() / "conformance" / "sigv4" / name
    if not path.exists():
        return []
    cases: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["cases"]
    return cases


def sigv4_cases() -> list[dict[str, Any]]:
    return [case for name in SIGV4_FILES for case in load(name)]


def sigv2_cases() -> list[dict[str, Any]]:
    path = shared_dir() / "conformance" / "sigv2" / "sigv2_vectors.json"
    if not path.exists():
        return []
    cases: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["cases"]
    return cases


def params(
    cases: list[dict[str, Any]], *, signed_only: bool = False, strict: bool = True
) -> list[Any]:
    """pytest params with the case name as id; superseded cases xfail (strict)."""
    return list(_params(cases, signed_only=signed_only, strict=strict))


def _params(cases: list[dict[str, Any]], *, signed_only: bool, strict: bool) -> Iterator[Any]:
    if not cases:
        yield pytest.param(None, marks=pytest.mark.skip(reason="shared conformance data absent"))
        return
    for case in cases:
        if signed_only and "signed_request" not in case["expected"]:
            continue
        marks = []
        if strict and case["name"] in SUPERSEDED:
            marks.append(pytest.mark.xfail(reason=SUPERSEDED[case["name"]], strict=True))
        yield pytest.param(case, id=case["name"], marks=marks)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _split_target(shape: dict[str, Any], quirk: str) -> tuple[str, str]:
    if "first space" in quirk:
        # The upstream request line holds raw spaces; its expectation (and any
        # HTTP server) ends the target at the first one.
        target = shape["target"].split(" ", 1)[0]
        path, _, query = target.partition("?")
        return path, query
    return shape["path"], shape["query"] or ""


def wire(case: dict[str, Any], shape: dict[str, Any] | None = None) -> WireRequest:
    """The case's signed request (or ``shape``) as the server would receive it."""
    shape = shape if shape is not None else case["expected"]["signed_request"]
    path, query = _split_target(shape, case.get("quirk", ""))
    return WireRequest.build(
        shape["method"],
        path,
        query,
        [(name, value) for name, value in shape["headers"]],
        (shape["body"] or "").encode("utf-8"),
    )


def session_token(case: dict[str, Any]) -> str | None:
    """The credentials' token; botocore's post-sts-header-after case leaves it out of
    ``credentials`` and only adds it to the request (after signing)."""
    token: str | None = case["credentials"]["session_token"]
    if token is None and "signed_request" in case["expected"]:
        for name, value in case["expected"]["signed_request"]["headers"]:
            if name.lower() == "x-amz-security-token":
                token = value
    return token


def lookup_for(case: dict[str, Any]) -> Callable[[str], KeyRecord | None]:
    creds = case["credentials"]
    record = KeyRecord(
        creds["access_key_id"], creds["secret_access_key"], session_token=session_token(case)
    )
    return {record.access_key_id: record}.get


def rules_for(case: dict[str, Any]) -> SigV4Rules:
    options = case["options"]
    return SigV4Rules(
        normalize_path=options["normalize_path"], double_encode=options["double_uri_encode"]
    )


def verify(
    request: WireRequest,
    lookup: Callable[[str], KeyRecord | None],
    now: datetime,
    rules: SigV4Rules,
) -> Authenticated:
    """``authenticate`` for the default rules; the SigV4 verifier with the case's
    rules otherwise (a few cases turn path normalization or double encoding off)."""
    if rules == DEFAULT_RULES:
        return authenticate(request, lookup, now)
    header = request.header("authorization")
    if header is not None:
        return verify_header(request, header, lookup, now, rules)
    return verify_query(request, parse_query(request.query), lookup, now, rules)


def shared_path() -> Path:
    return shared_dir() / "conformance"
