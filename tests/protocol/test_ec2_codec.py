"""The ec2 codec against botocore's own EC2 serializer and parser (the oracle).

Requests: hypothesis draws parameters from each operation's input shape,
botocore's ``EC2Serializer`` writes them as boto3 sends them, and our decoder
must give them back. Responses: our encoder writes a drawn result and
botocore's ``EC2QueryParser`` must read back the same result and request id;
errors must parse to the same code, message and request id.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.errors import ClearanceError
from clearance.protocol import decode_request, encode_error, encode_result, service_spec
from clearance.protocol.errors import InvalidAction, ValidationError
from clearance.protocol.models import ListShape, MapShape, Shape, StructureShape
from clearance.wire import WireRequest

from .shapes import GONE, input_values, output_values, parsed_form, times_to_utc

OPERATIONS = [
    "RunInstances",
    "DescribeInstances",
    "TerminateInstances",
    "DescribeIamInstanceProfileAssociations",
    "AssociateIamInstanceProfile",
    "ReplaceIamInstanceProfileAssociation",
    "DisassociateIamInstanceProfile",
    "CreateTags",
    "DescribeImages",
]
_SERIALIZER = create_serializer("ec2", include_validation=False)


def _wire(operation: str, params: dict[str, Any]) -> WireRequest:
    model = service_spec("ec2").operations[operation]
    request = _SERIALIZER.serialize_to_request(params, model)
    body = urlencode(list(request["body"].items()), doseq=True).encode()
    headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
    return WireRequest.build("POST", "/", "", headers, body)


def _ec2_wire_form(value: Any, shape: Shape) -> Any:
    """``value`` as it survives the ec2 wire: an empty list sends nothing."""
    if isinstance(shape, StructureShape):
        out = {}
        for name, item in value.items():
            kept = _ec2_wire_form(item, shape.members[name])
            if kept is not GONE:
                out[name] = kept
        return out if out else GONE
    if isinstance(shape, ListShape):
        items = [_ec2_wire_form(item, shape.member) for item in value]
        kept = [item for item in items if item is not GONE]
        return kept if kept else GONE
    assert not isinstance(shape, MapShape)
    return value


@pytest.mark.parametrize("operation", OPERATIONS)
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_decode_matches_botocore_ec2_serializer(operation: str, data: st.DataObject) -> None:
    shape = service_spec("ec2").operations[operation].input_shape
    params = data.draw(input_values(shape))
    expected = _ec2_wire_form(params, shape)
    kept = {} if expected is GONE else expected
    if any(name not in kept for name in shape.required_members):
        # An empty required list sends nothing: the member is missing, as on AWS.
        with pytest.raises(ValidationError, match="Member must not be null"):
            decode_request("ec2", _wire(operation, params))
        return
    decoded = decode_request("ec2", _wire(operation, params))
    assert decoded.operation == operation
    assert decoded.params == ({} if expected is GONE else expected)


def test_decode_names_and_flat_lists() -> None:
    params = {
        "MinCount": 1,
        "MaxCount": 2,
        "ImageId": "ami-1",
        "DryRun": True,
        "IamInstanceProfile": {"Name": "web"},
        "TagSpecifications": [
            {"ResourceType": "instance", "Tags": [{"Key": "a", "Value": "b"}]},
        ],
    }
    request = _wire("RunInstances", params)
    body = request.body.decode()
    assert "IamInstanceProfile.Name=web" in body
    assert "TagSpecification.1.Tag.1.Key=a" in body
    assert "DryRun=true" in body
    assert decode_request("ec2", request).params == params


def _parse(operation: str, status: int, headers: list[tuple[str, str]], body: bytes) -> Any:
    model = service_spec("ec2").operations[operation]
    response = {"status_code": status, "headers": dict(headers), "body": body}
    return create_parser("ec2").parse(response, model.output_shape)


@pytest.mark.parametrize("operation", OPERATIONS)
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_botocore_parses_what_we_encode(operation: str, data: st.DataObject) -> None:
    shape = service_spec("ec2").operations[operation].output_shape
    result = data.draw(output_values(shape)) if shape is not None else {}
    request_id = data.draw(st.uuids()).hex
    status, headers, body = encode_result("ec2", operation, result, request_id)
    assert status == 200
    assert b"Result>" not in body  # no query-style result wrapper
    parsed = _parse(operation, status, headers, body)
    assert parsed.pop("ResponseMetadata")["RequestId"] == request_id
    if shape is None:
        assert parsed == {}
        return
    assert times_to_utc(parsed_form(parsed, shape)) == parsed_form(result, shape)


class _Unauthorized(ClearanceError):
    code = "UnauthorizedOperation"
    http_status = 403


@pytest.mark.parametrize(
    "error",
    [
        _Unauthorized("You are not authorized <&> to perform this operation."),
        InvalidAction("X", "1"),
    ],
)
def test_botocore_parses_our_errors(error: ClearanceError) -> None:
    status, headers, body = encode_error("ec2", error, "req-1")
    assert status == error.http_status
    parsed = _parse("RunInstances", status, headers, body)
    assert parsed["Error"] == {"Code": error.code, "Message": error.message}
    assert parsed["ResponseMetadata"]["RequestId"] == "req-1"


def test_unknown_action_and_version() -> None:
    request = WireRequest.build("GET", "/", "Action=RunInstances&Version=2010-05-08")
    with pytest.raises(InvalidAction):
        decode_request("ec2", request)
