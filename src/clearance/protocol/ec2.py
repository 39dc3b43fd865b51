"""EC2's wire protocol (botocore's ``ec2``): query-like requests, bare XML responses.

How it differs from the query protocol (IAM, STS), as botocore's
``EC2Serializer`` and ``EC2QueryParser`` speak it:

- parameter names: a member's ``queryName``, else its ``locationName``
  capitalized (``dryRun`` -> ``DryRun``), else the member name;
- lists are always flat: ``InstanceId.1``, ``Filter.1.Value.2`` (no ``.member``);
- a response has no ``<XResult>`` wrapper and no ``ResponseMetadata``: the
  members sit under ``<XResponse>`` after ``<requestId>``; lists are ``<item>``s;
- errors are ``<Response><Errors><Error><Code/><Message/></Error></Errors>
  <RequestID/></Response>``, with the error's own HTTP status.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from typing import Any

from clearance.errors import ClearanceError
from clearance.protocol import xml
from clearance.protocol.errors import RequestEntityTooLarge, Violation
from clearance.protocol.form import DEFAULT_LIMITS, Limits, Raw, form_pairs, form_tree
from clearance.protocol.models import DecodedRequest, ListShape, Shape, service_spec
from clearance.protocol.query import _MISSING as _QUERY_MISSING  # an absent value
from clearance.protocol.query import Decoder, _indexed, decode_action_tree
from clearance.protocol.query import _Compiler as _QueryCompiler
from clearance.protocol.xml import Encoded, escape
from clearance.wire import WireRequest

__all__ = ["decode_request", "encode_error", "encode_result", "warm", "warm_encoder"]

_COMPILE_LOCK = threading.RLock()
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def wire_name(shape: Shape, default: str) -> str:
    """The parameter name botocore's EC2 serializer gives a member."""
    serialization = shape.serialization
    query_name = serialization.get("queryName")
    if isinstance(query_name, str) and query_name:
        return query_name
    name = serialization.get("name")
    if isinstance(name, str) and name:
        return name[0].upper() + name[1:]
    return default


class _Compiler(_QueryCompiler):
    """The query decoder with EC2's names and flat lists."""

    def _member_wire(self, name: str, member: Shape) -> str:
        return wire_name(member, name)

    def _list(self, shape: ListShape) -> Decoder:
        element_decoder = self.decoder(shape.member)

        def decode(raw: Raw, path: str, errors: list[Violation]) -> Any:
            if type(raw) is not dict:
                return []  # "Name=" with no index: an empty list
            items = []
            for index, node in _indexed(raw):
                value = element_decoder(node, f"{path}.{index}", errors)
                if value is not _QUERY_MISSING:
                    items.append(value)
            return items

        return decode


@functools.cache
def _compiler(service: str) -> _Compiler:
    return _Compiler()


@functools.cache
def _plan(service: str, operation: str) -> Decoder | None:
    shape = service_spec(service).operations[operation].input_shape
    with _COMPILE_LOCK:
        return None if shape is None else _compiler(service).decoder(shape)


def warm(service: str) -> None:
    for operation in service_spec(service).operations:
        _plan(service, operation)


def decode_request(
    service: str, request: WireRequest, *, limits: Limits = DEFAULT_LIMITS
) -> DecodedRequest:
    """Decode an EC2 request: query-string parameters, then a form body."""
    if len(request.body) > limits.max_body_bytes:
        raise RequestEntityTooLarge(
            f"Request of {len(request.body)} bytes exceeds the limit of "
            f"{limits.max_body_bytes} bytes."
        )
    pairs = form_pairs(request.query, limits) if request.query else []
    content_type = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
    if request.body and content_type == "application/x-www-form-urlencoded":
        pairs.extend(form_pairs(request.body, limits))
    redirect_query = request.query if request.method == "GET" else ""
    return decode_action_tree(service, form_tree(pairs), redirect_query, _plan)


# -- responses -------------------------------------------------------------------------


def _namespace(service: str) -> str:
    namespace = service_spec(service).xml_namespace
    return namespace if namespace.endswith("/") else namespace + "/"


class _Plan:
    __slots__ = ("head", "tail", "writer")

    def __init__(self, service: str, operation: str) -> None:
        shape = service_spec(service).operations[operation].output_shape
        self.head = f'{_DECLARATION}<{operation}Response xmlns="{_namespace(service)}">\n'
        self.tail = f"</{operation}Response>\n"
        self.writer = None if shape is None else xml._compiler(service).writer(shape)


@functools.cache
def _response_plan(service: str, operation: str) -> _Plan:
    with _COMPILE_LOCK:
        return _Plan(service, operation)


def warm_encoder(service: str) -> None:
    for operation in service_spec(service).operations:
        _response_plan(service, operation)


def _headers(request_id: str) -> list[tuple[str, str]]:
    return [("Content-Type", "text/xml;charset=UTF-8"), ("x-amzn-RequestId", request_id)]


def encode_result(
    service: str, operation: str, result: Mapping[str, Any] | None, request_id: str
) -> Encoded:
    plan = _response_plan(service, operation)
    out = [plan.head, f"  <requestId>{escape(request_id)}</requestId>\n"]
    if plan.writer is not None:
        plan.writer(result or {}, out, 1)
    out.append(plan.tail)
    return 200, _headers(request_id), "".join(out).encode("utf-8")


def encode_error(service: str, error: ClearanceError, request_id: str) -> Encoded:
    body = (
        f"{_DECLARATION}<Response><Errors><Error><Code>{escape(error.code)}</Code>"
        f"<Message>{escape(error.message)}</Message></Error></Errors>"
        f"<RequestID>{escape(request_id)}</RequestID></Response>\n"
    )
    status = error.http_status if error.http_status >= 400 else 400
    return status, _headers(request_id), body.encode("utf-8")
