"""One entry point per direction, dispatching on the service's wire protocol.

``query`` (IAM, STS) and ``json`` (CloudTrail, Organizations) are spoken;
``rest-xml`` (S3) and ``ec2`` become sibling modules with the same three
functions, registered in ``_CODECS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

from clearance.errors import ClearanceError
from clearance.protocol import ec2, jsonproto, query, xml
from clearance.protocol.models import DecodedRequest, service_spec
from clearance.protocol.query import DEFAULT_LIMITS, Limits
from clearance.protocol.xml import Encoded
from clearance.wire import WireRequest

__all__ = ["decode_request", "encode_error", "encode_result", "warm"]


class _Decode(Protocol):
    def __call__(
        self, service: str, request: WireRequest, *, limits: Limits = ...
    ) -> DecodedRequest: ...


class _Codec(NamedTuple):
    decode_request: _Decode
    encode_result: Any
    encode_error: Any
    warm_decoder: Any
    warm_encoder: Any


_CODECS: Mapping[str, _Codec] = {
    "query": _Codec(
        query.decode_request, xml.encode_result, xml.encode_error, query.warm, xml.warm
    ),
    "json": _Codec(
        jsonproto.decode_request,
        jsonproto.encode_result,
        jsonproto.encode_error,
        jsonproto.warm,
        jsonproto.warm_encoder,
    ),
    "ec2": _Codec(
        ec2.decode_request, ec2.encode_result, ec2.encode_error, ec2.warm, ec2.warm_encoder
    ),
}


def _codec(service: str) -> _Codec:
    protocol = service_spec(service).protocol
    codec = _CODECS.get(protocol)
    if codec is None:
        raise NotImplementedError(f"the {protocol} protocol ({service}) is not implemented yet")
    return codec


def decode_request(
    service: str, request: WireRequest, *, limits: Limits = DEFAULT_LIMITS
) -> DecodedRequest:
    """Decode an HTTP request to ``service`` by that service's protocol."""
    return _codec(service).decode_request(service, request, limits=limits)


def encode_result(
    service: str, operation: str, result: Mapping[str, Any] | None, request_id: str
) -> Encoded:
    """``(status, headers, body)`` for a successful call of ``operation``."""
    encoded: Encoded = _codec(service).encode_result(service, operation, result, request_id)
    return encoded


def encode_error(service: str, error: ClearanceError, request_id: str) -> Encoded:
    """``(status, headers, body)`` for a failed call, in the service's error shape."""
    encoded: Encoded = _codec(service).encode_error(service, error, request_id)
    return encoded


def warm(service: str) -> None:
    """Load the model and compile every operation's plans now (server start-up)."""
    codec = _codec(service)
    codec.warm_decoder(service)
    codec.warm_encoder(service)
