"""Response encoding against botocore's own query parser, for every IAM and STS operation.

Hypothesis draws results from each output shape; our encoder writes the XML;
botocore's ``QueryParser`` must read back the same result (timestamps to the
second, policy documents URL-decoded) and the request id.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.parsers import create_parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.protocol import encode_result, service_spec

from .shapes import output_values, parsed_form, times_to_utc

SERVICES = ("iam", "sts")
OPERATIONS = [
    (service, name) for service in SERVICES for name in sorted(service_spec(service).operations)
]


def _parse(
    service: str, operation: str, status: int, headers: list[tuple[str, str]], body: bytes
) -> dict[str, Any]:
    model = service_spec(service).operations[operation]
    parser = create_parser("query")
    response = {"status_code": status, "headers": dict(headers), "body": body}
    parsed: dict[str, Any] = parser.parse(response, model.output_shape)
    return parsed


@pytest.mark.parametrize(
    ("service", "operation"), OPERATIONS, ids=[f"{s}:{o}" for s, o in OPERATIONS]
)
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_botocore_parses_what_we_encode(service: str, operation: str, data: st.DataObject) -> None:
    spec = service_spec(service)
    shape = spec.operations[operation].output_shape
    result = data.draw(output_values(shape)) if shape is not None else {}
    request_id = data.draw(st.uuids()).hex
    status, headers, body = encode_result(service, operation, result, request_id)
    assert status == 200
    assert ("x-amzn-RequestId", request_id) in headers
    assert ("Content-Type", "text/xml") in headers
    parsed = _parse(service, operation, status, headers, body)
    assert parsed.pop("ResponseMetadata")["RequestId"] == request_id
    if shape is None:
        assert parsed == {}
        return
    expected = parsed_form(result, shape)
    actual = times_to_utc(parsed_form(parsed, shape, spec.url_encoded_shapes))
    assert actual == expected
