"""Request decoding against botocore's own query serializer, for every IAM and STS operation.

Hypothesis draws valid parameters from each operation's input shape; botocore
serializes them exactly as boto3 sends them (form-encoded body); our decoder
must give the same parameters back.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.protocol import decode_query, service_spec

from .shapes import GONE, input_values, wire_form

SERVICES = ("iam", "sts")
OPERATIONS = [
    (service, name) for service in SERVICES for name in sorted(service_spec(service).operations)
]
_SERIALIZER = create_serializer("query", include_validation=False)


def _body(service: str, operation: str, params: dict[str, Any]) -> str:
    model = service_spec(service).operations[operation]
    request = _SERIALIZER.serialize_to_request(params, model)
    # botocore's AWSRequest form-encodes a dict body this way (urlencode, doseq).
    return urlencode(list(request["body"].items()), doseq=True)


@pytest.mark.parametrize(
    ("service", "operation"), OPERATIONS, ids=[f"{s}:{o}" for s, o in OPERATIONS]
)
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_decode_matches_botocore_serializer(
    service: str, operation: str, data: st.DataObject
) -> None:
    model = service_spec(service).operations[operation]
    shape = model.input_shape
    params = data.draw(input_values(shape)) if shape is not None else {}
    decoded = decode_query(service, _body(service, operation, params))
    expected = wire_form(params, shape) if shape is not None else {}
    assert decoded.operation == operation
    assert decoded.version == service_spec(service).api_version
    assert decoded.params == ({} if expected is GONE else expected)


def test_every_operation_is_covered() -> None:
    assert len([o for o in OPERATIONS if o[0] == "iam"]) > 150
    assert len([o for o in OPERATIONS if o[0] == "sts"]) >= 8


@pytest.mark.parametrize("service", SERVICES)
def test_same_params_from_parsed_mapping_and_raw_body(service: str) -> None:
    op = "GetCallerIdentity" if service == "sts" else "ListUsers"
    body = _body(service, op, {} if service == "sts" else {"PathPrefix": "/a+b%/", "MaxItems": 5})
    from urllib.parse import parse_qs

    as_lists = parse_qs(body, keep_blank_values=True)
    assert decode_query(service, as_lists) == decode_query(service, body)
    assert decode_query(service, body.encode()) == decode_query(service, body)
