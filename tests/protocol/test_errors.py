"""Error documents against botocore's parser and boto3's exception classes."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.parsers import create_parser

from clearance.errors import ClearanceError, InvalidInput, PolicySizeExceeded
from clearance.protocol import (
    InvalidAction,
    MalformedInput,
    MissingAction,
    ValidationError,
    encode_error,
    service_spec,
)
from clearance.protocol.errors import AWS_FAULT_NAMESPACE

MODELED = [
    (service, spec.code, spec.shape_name, spec.http_status, spec.sender_fault)
    for service in ("iam", "sts")
    for spec in service_spec(service).errors.values()
]


def _error(code: str, status: int = 400) -> ClearanceError:
    cls = type("E", (ClearanceError,), {"code": code, "http_status": status})
    error: ClearanceError = cls(f"message for {code} <&>")
    return error


def _parse(status: int, headers: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
    parsed: dict[str, Any] = create_parser("query").parse(
        {"status_code": status, "headers": dict(headers), "body": body}, None
    )
    return parsed


@pytest.mark.parametrize(
    ("service", "code", "shape_name", "status", "sender"),
    MODELED,
    ids=[f"{m[0]}:{m[1]}" for m in MODELED],
)
def test_modeled_error(service: str, code: str, shape_name: str, status: int, sender: bool) -> None:
    client = boto3.client(
        service,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )
    # The status comes from the model even when the raising class says otherwise.
    got_status, headers, body = encode_error(service, _error(code, status=599), "rid-1")
    assert got_status == status
    parsed = _parse(got_status, headers, body)
    assert parsed["Error"]["Code"] == code
    assert parsed["Error"]["Message"] == f"message for {code} <&>"
    assert parsed["Error"]["Type"] == ("Sender" if sender else "Receiver")
    assert parsed["ResponseMetadata"]["RequestId"] == "rid-1"
    assert client.exceptions.from_code(code).__name__ == shape_name
    namespace = service_spec(service).xml_namespace
    assert body.startswith(f'<ErrorResponse xmlns="{namespace}">'.encode())


def test_modeled_codes_cover_the_notes() -> None:
    iam = service_spec("iam").errors
    assert iam["NoSuchEntity"].http_status == 404
    assert iam["EntityAlreadyExists"].http_status == 409
    assert iam["LimitExceeded"].http_status == 409
    assert iam["DeleteConflict"].http_status == 409
    assert iam["MalformedPolicyDocument"].http_status == 400
    assert iam["ServiceFailure"].http_status == 500
    assert not iam["ServiceFailure"].sender_fault
    sts = service_spec("sts").errors
    assert sts["PackedPolicyTooLarge"].http_status == 400
    assert sts["IDPRejectedClaim"].http_status == 403
    assert sts["ExpiredTokenException"].http_status == 400


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (ValidationError("1 validation error detected: x"), 400, "Sender"),
        (InvalidInput("bad"), 400, "Sender"),
        (PolicySizeExceeded("Cannot exceed quota for PolicySize: 6144"), 409, "Sender"),
        (_error("AccessDenied", 403), 403, "Sender"),
        (_error("Throttling", 400), 400, "Sender"),
        (ClearanceError("boom"), 500, "Receiver"),
    ],
)
def test_unmodeled_errors_keep_their_own_status(
    error: ClearanceError, status: int, kind: str
) -> None:
    got_status, headers, body = encode_error("iam", error, "r")
    assert got_status == status
    parsed = _parse(got_status, headers, body)
    assert parsed["Error"] == {"Type": kind, "Code": error.code, "Message": error.message}


def test_boto3_client_raises_the_modeled_exception_class() -> None:
    client = boto3.client(
        "iam",
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )
    status, headers, body = encode_error("iam", _error("NoSuchEntity", 404), "r")
    parsed = _parse(status, headers, body)
    exc = client.exceptions.from_code(parsed["Error"]["Code"])
    assert exc is client.exceptions.NoSuchEntityException


def test_protocol_faults_use_the_aws_fault_namespace() -> None:
    status, _, body = encode_error("sts", InvalidAction("Nope", "2011-06-15"), "r")
    assert status == 400
    assert body.startswith(f'<ErrorResponse xmlns="{AWS_FAULT_NAMESPACE}">'.encode())
    assert b"<Message>Could not find operation Nope for version 2011-06-15</Message>" in body


def test_empty_message_is_left_out_as_aws_does_for_malformed_input() -> None:
    status, headers, body = encode_error("sts", MalformedInput(""), "r")
    assert status == 400
    assert b"<Message>" not in body
    assert _parse(status, headers, body)["Error"]["Code"] == "MalformedInput"


def test_missing_action_is_a_redirect() -> None:
    status, headers, body = encode_error("iam", MissingAction("Version=2010-05-08"), "r")
    assert status == 302
    assert ("Location", "https://aws.amazon.com/iam?Version=2010-05-08") in headers
    assert body == b""
