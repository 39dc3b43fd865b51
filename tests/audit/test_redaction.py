"""Secrets never reach the trail, at any depth (and session tokens neither)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.audit import HIDDEN, CallRecord, Identity, build_record, redact

SECRET_MEMBERS = [
    "SecretAccessKey",
    "SessionToken",
    "Password",
    "OldPassword",
    "NewPassword",
    "AuthenticationCode1",
    "AuthenticationCode2",
    "TokenCode",
    "SAMLAssertion",
    "WebIdentityToken",
    "Base32StringSeed",
    "QRCodePNG",
    "PrivateKey",
]
IDENTITY = Identity("Root", "123456789012", "arn:aws:iam::123456789012:root", "123456789012", "AK")


@pytest.mark.parametrize("member", SECRET_MEMBERS)
def test_each_secret_member_is_hidden(member: str) -> None:
    assert redact({member: "x", "Other": "y"}) == {member: HIDDEN, "Other": "y"}
    assert redact({member[0].lower() + member[1:]: "x"}) == {member[0].lower() + member[1:]: HIDDEN}


def test_nested_in_lists_and_maps() -> None:
    value = {"A": [{"B": {"Password": "p"}}, {"TokenCode": "123456"}], "C": ("k", {"x": 1})}
    assert redact(value) == {
        "A": [{"B": {"Password": HIDDEN}}, {"TokenCode": HIDDEN}],
        "C": ["k", {"x": 1}],
    }


def test_secret_containers_are_hidden_whole() -> None:
    assert redact({"QRCodePNG": b"\x89PNG", "Base32StringSeed": b"ABC"}) == {
        "QRCodePNG": HIDDEN,
        "Base32StringSeed": HIDDEN,
    }


_names = st.sampled_from(["UserName", "Tags", "Key", "Value", "Policy", "Credentials", "Foo"])
# The marker keeps a drawn secret from being a substring of a member name
# (a secret "authenticati" would "appear" in "authenticationCode1").
_secret_values = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789+/=", min_size=12).map(
    lambda text: "~secret~" + text
)


@st.composite
def _params(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    """Random nested params with secret members planted at random depths."""
    secrets: list[str] = []

    def node(depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for _ in range(draw(st.integers(0, 3))):
            name = draw(_names)
            kind = draw(st.integers(0, 3)) if depth < 3 else 0
            if kind == 0:
                out[name] = draw(st.text(alphabet="ABCDEFG ", max_size=5))
            elif kind == 1:
                out[name] = node(depth + 1)
            elif kind == 2:
                out[name] = [node(depth + 1) for _ in range(draw(st.integers(0, 2)))]
            else:
                out[name] = draw(st.integers())
        for _ in range(draw(st.integers(0, 2))):
            secret = draw(_secret_values)
            secrets.append(secret)
            out[draw(st.sampled_from(SECRET_MEMBERS))] = (
                secret.encode() if draw(st.booleans()) else secret
            )
        return out

    return node(0), secrets


@settings(max_examples=200, deadline=None)
@given(_params(), _params(), st.sampled_from(["CreateUser", "GetUser", "AssumeRole"]))
def test_no_secret_value_is_ever_serialized(
    params: tuple[dict[str, Any], list[str]],
    result: tuple[dict[str, Any], list[str]],
    operation: str,
) -> None:
    call = CallRecord(
        identity=IDENTITY,
        event_time=datetime(2026, 1, 1, tzinfo=UTC),
        service="iam",
        operation=operation,
        region="us-east-1",
        request_id="r",
        params=params[0],
        result=result[0],
    )
    text = json.dumps(build_record(call))
    for secret in params[1] + result[1]:
        assert secret not in text
        assert base64.b64encode(secret.encode()).decode() not in text
