"""Wire codecs driven by botocore's service models: query/JSON/REST-XML in, XML/JSON out.

The wire format is data: an operation's parameters are decoded, and its result
encoded, by plans compiled once from botocore's service model; operations take
and return plain dicts keyed by the model's member names.

    decoded = decode_request("iam", wire_request)      # DecodedRequest
    status, headers, body = encode_result("iam", decoded.operation, result, request_id)
    status, headers, body = encode_error("iam", error, request_id)

Modules: ``models`` (loading and lookups), ``form`` (form encoding read safely,
with size limits), ``query`` (query-protocol decoding),
``xml`` (query-protocol responses), ``constraints``/``patterns`` (the model's
validation rules in AWS's wording), ``errors`` (protocol-level errors), ``codec``
(dispatch by protocol), ``results`` (a shape check for operation authors' tests).
"""

from clearance.protocol.codec import decode_request, encode_error, encode_result, warm
from clearance.protocol.errors import (
    InvalidAction,
    MalformedInput,
    MalformedQueryString,
    MissingAction,
    MissingParameter,
    RequestEntityTooLarge,
    ValidationError,
    Violation,
)
from clearance.protocol.form import DEFAULT_LIMITS, Limits, parse_form
from clearance.protocol.models import DecodedRequest, ErrorSpec, ServiceSpec, service_spec
from clearance.protocol.query import decode_query
from clearance.protocol.results import result_problems
from clearance.protocol.xml import Encoded

__all__ = [
    "DEFAULT_LIMITS",
    "DecodedRequest",
    "Encoded",
    "ErrorSpec",
    "InvalidAction",
    "Limits",
    "MalformedInput",
    "MalformedQueryString",
    "MissingAction",
    "MissingParameter",
    "RequestEntityTooLarge",
    "ServiceSpec",
    "ValidationError",
    "Violation",
    "decode_query",
    "decode_request",
    "encode_error",
    "encode_result",
    "parse_form",
    "result_problems",
    "service_spec",
    "warm",
]
