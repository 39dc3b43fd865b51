"""The JSON 1.1 codec against botocore's own JSON serializer and parser.

For every CloudTrail and Organizations operation, hypothesis draws valid
parameters from the input shape; botocore serializes them exactly as boto3
sends them and our decoder must give the same parameters back. Results drawn
from the output shape, encoded by us, must parse back through botocore.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.protocol import decode_request, encode_result, service_spec
from clearance.wire import WireRequest

from .shapes import input_values, output_values, parsed_form

SERVICES = ("cloudtrail", "organizations")
OPERATIONS = [
    (service, name) for service in SERVICES for name in sorted(service_spec(service).operations)
]
_SERIALIZER = create_serializer("json", include_validation=False)


def wire_request(service: str, operation: str, params: dict[str, Any]) -> WireRequest:
    """The request boto3 sends for ``operation(**params)``, as the gateway sees it."""
    model = service_spec(service).operations[operation]
    request = _SERIALIZER.serialize_to_request(params, model)
    body = request["body"]
    return WireRequest.build(
        "POST",
        "/",
        headers=list(request["headers"].items()),
        body=body if isinstance(body, bytes) else body.encode("utf-8"),
    )


def _naive_utc(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _naive_utc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_naive_utc(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


@pytest.mark.parametrize(
    ("service", "operation"), OPERATIONS, ids=[f"{s}:{o}" for s, o in OPERATIONS]
)
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_decode_matches_botocore_serializer(
    service: str, operation: str, data: st.DataObject
) -> None:
    shape = service_spec(service).operations[operation].input_shape
    params = data.draw(input_values(shape)) if shape is not None else {}
    decoded = decode_request(service, wire_request(service, operation, params))
    assert decoded.operation == operation
    assert decoded.version == service_spec(service).api_version
    assert decoded.params == params


@pytest.mark.parametrize(
    ("service", "operation"), OPERATIONS, ids=[f"{s}:{o}" for s, o in OPERATIONS]
)
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_botocore_parses_what_we_encode(service: str, operation: str, data: st.DataObject) -> None:
    shape = service_spec(service).operations[operation].output_shape
    result = data.draw(output_values(shape)) if shape is not None else {}
    request_id = data.draw(st.uuids()).hex
    status, headers, body = encode_result(service, operation, result, request_id)
    assert status == 200
    assert ("x-amzn-RequestId", request_id) in headers
    assert ("Content-Type", "application/x-amz-json-1.1") in headers
    lowered = {name.lower(): value for name, value in headers}  # as HTTPHeaders reads them
    response = {"status_code": status, "headers": lowered, "body": body}
    parsed = create_parser("json").parse(response, shape)
    assert parsed.pop("ResponseMetadata")["RequestId"] == request_id
    if shape is None:
        assert parsed == {}
        return
    assert _naive_utc(parsed_form(parsed, shape)) == parsed_form(result, shape)


def test_every_operation_is_covered() -> None:
    assert len([o for o in OPERATIONS if o[0] == "cloudtrail"]) >= 50
    assert len([o for o in OPERATIONS if o[0] == "organizations"]) >= 50
