"""The AWS JSON 1.1 protocol (CloudTrail, Organizations): both directions.

A call is ``POST /`` with ``X-Amz-Target: <targetPrefix>.<Operation>`` and a
JSON body shaped by the operation's input shape::

    X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents
    {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}]}

becomes ``DecodedRequest("cloudtrail", "LookupEvents", {...})``. Older clients
send only the last dotted part of the prefix (``CloudTrail_20131101.LookupEvents``);
both are accepted. Timestamps arrive as epoch seconds (numbers or numeric
strings) or ISO 8601 strings, blobs as base64. Values are checked against the
model's constraints by :mod:`clearance.protocol.constraints`, every violation
reported at once as ``ValidationException``; a value of the wrong JSON type,
or a body that is not JSON, is ``SerializationException``; an unknown target
is ``UnknownOperationException``. As on AWS, unknown members and ``null``
values are ignored.

Results are JSON (``application/x-amz-json-1.1``, timestamps as epoch seconds,
blobs base64); errors are ``{"__type": "Code", "message": "..."}`` with the
model's HTTP status for modeled codes.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import functools
import json
import math
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from clearance.errors import ClearanceError
from clearance.protocol.constraints import NOT_NULL, describe_all, scalar_check, show_value
from clearance.protocol.errors import RequestEntityTooLarge, ValidationError, Violation
from clearance.protocol.form import DEFAULT_LIMITS, Limits
from clearance.protocol.models import (
    DecodedRequest,
    ListShape,
    MapShape,
    Shape,
    StructureShape,
    lower_camel,
    serialized_name,
    service_spec,
)
from clearance.wire import WireRequest

__all__ = [
    "CONTENT_TYPE",
    "JSON_SERVICES",
    "SerializationException",
    "UnknownOperationException",
    "ValidationException",
    "decode_json",
    "decode_request",
    "encode_error",
    "encode_result",
    "json_service_of",
    "json_target",
    "warm",
    "warm_encoder",
]

CONTENT_TYPE = "application/x-amz-json-1.1"

# The JSON-protocol services Clearance may serve, as botocore names them.
JSON_SERVICES: tuple[str, ...] = ("cloudtrail", "organizations")

Encoded = tuple[int, list[tuple[str, str]], bytes]
Decoder = Callable[[Any, str, list[Violation]], Any]
Encoder = Callable[[Any], Any]

_COMPILE_LOCK = threading.RLock()
_INT_BOUNDS = {"integer": (-(1 << 31), (1 << 31) - 1), "long": (-(1 << 63), (1 << 63) - 1)}
_LEAF_TYPES = frozenset(
    {"string", "integer", "long", "boolean", "float", "double", "timestamp", "blob"}
)


class ValidationException(ValidationError):
    """:class:`ValidationError` under the JSON protocol's code."""

    code = "ValidationException"


class SerializationException(ClearanceError):
    """A body that is not JSON, or a value of the wrong JSON type for its shape."""

    code = "SerializationException"
    http_status = 400


class UnknownOperationException(ClearanceError):
    """No ``X-Amz-Target``, or one naming no operation of the service."""

    code = "UnknownOperationException"
    http_status = 400


# ---------------------------------------------------------------------------
# Routing


@functools.cache
def _prefixes() -> Mapping[str, str]:
    found: dict[str, str] = {}
    for service in JSON_SERVICES:
        prefix = service_spec(service).model.metadata.get("targetPrefix")
        if isinstance(prefix, str) and prefix:
            found[prefix] = service
            found.setdefault(prefix.rpartition(".")[2], service)
    return found


def _split_target(target: str | None) -> tuple[str, str] | None:
    if not target:
        return None
    prefix, dot, operation = target.strip().rpartition(".")
    return (prefix, operation) if dot and prefix and operation else None


def json_target(request: WireRequest) -> tuple[str, str] | None:
    """``(service, operation)`` from ``X-Amz-Target``, or None when no JSON service is named.

    The operation is as sent, not yet checked against the model.
    """
    split = _split_target(request.header("x-amz-target"))
    if split is None:
        return None
    service = _prefixes().get(split[0])
    return None if service is None else (service, split[1])


def json_service_of(request: WireRequest) -> str | None:
    """The JSON-protocol service an ``X-Amz-Target`` header names, or None."""
    target = json_target(request)
    return None if target is None else target[0]


# ---------------------------------------------------------------------------
# Decoding: JSON value -> typed value, by shape


def _type_error(expected: str, value: Any) -> SerializationException:
    kind = {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), "number" if isinstance(value, int | float) else "null"
    )
    return SerializationException(f"Expected {expected} but found {kind}.")


def _read_string(value: Any) -> str:
    if type(value) is not str:
        raise _type_error("a string", value)
    return value


def _read_bool(value: Any) -> bool:
    if type(value) is not bool:
        raise _type_error("a boolean", value)
    return value


def _int_reader(kind: str) -> Callable[[Any], int]:
    low, high = _INT_BOUNDS[kind]

    def read(value: Any) -> int:
        if type(value) in (float, Decimal) and value == int(value):
            value = int(value)
        if type(value) is not int or not low <= value <= high:
            raise _type_error(f"an {kind}", value)
        return value

    return read


def _read_float(value: Any) -> float:
    if type(value) not in (int, float, Decimal):
        raise _type_error("a number", value)
    return float(value)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _from_epoch(seconds: Decimal) -> datetime:
    micros = int((seconds * 1_000_000).to_integral_value(ROUND_HALF_EVEN))
    return _EPOCH + timedelta(microseconds=micros)


def _read_timestamp(value: Any) -> datetime:
    """Epoch seconds (a number or numeric string, exact to the microsecond) or ISO 8601."""
    try:
        if type(value) in (int, float, Decimal):
            return _from_epoch(Decimal(value))
        if type(value) is str:
            text = value.strip()
            if text and (text[0].isdigit() or text[0] == "-") and "-" not in text[1:]:
                return _from_epoch(Decimal(text))
            parsed = datetime.fromisoformat(text)
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, ArithmeticError, OverflowError):
        raise SerializationException(f"Invalid timestamp: {str(value)[:64]}") from None
    raise _type_error("a timestamp", value)


def _read_blob(value: Any) -> bytes:
    if type(value) is not str:
        raise _type_error("a base64 string", value)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SerializationException("Invalid base64 value.") from None


def _reader(shape: Shape) -> Callable[[Any], Any]:
    kind = shape.type_name
    if kind in _INT_BOUNDS:
        return _int_reader(kind)
    readers: Mapping[str, Callable[[Any], Any]] = {
        "boolean": _read_bool,
        "float": _read_float,
        "double": _read_float,
        "timestamp": _read_timestamp,
        "blob": _read_blob,
    }
    return readers.get(kind, _read_string)


def _check(check: Any, value: Any, path: str, sensitive: bool, errors: list[Violation]) -> None:
    failed = check(value)
    if failed:
        shown = show_value(value, sensitive)
        errors.extend(Violation(path, shown, constraint) for constraint in failed)


class _Decoders:
    def __init__(self) -> None:
        self._cache: dict[str, Decoder] = {}

    def decoder(self, shape: Shape) -> Decoder:
        found = self._cache.get(shape.name)
        if found is not None:
            return found
        resolved: list[Decoder] = []

        def deferred(value: Any, path: str, errors: list[Violation]) -> Any:
            return resolved[0](value, path, errors)

        self._cache[shape.name] = deferred  # recursive shapes reach the final decoder here
        built = self._build(shape)
        resolved.append(built)
        self._cache[shape.name] = built
        return built

    def _build(self, shape: Shape) -> Decoder:
        if isinstance(shape, StructureShape):
            return self._structure(shape)
        if isinstance(shape, ListShape):
            return self._list(shape)
        if isinstance(shape, MapShape):
            return self._map(shape)
        return self._leaf(shape)

    def _leaf(self, shape: Shape) -> Decoder:
        read = _reader(shape)
        check = scalar_check(shape)
        sensitive = bool(shape.metadata.get("sensitive"))

        def decode(value: Any, path: str, errors: list[Violation]) -> Any:
            typed = read(value)
            if check is not None:
                _check(check, typed, path, sensitive, errors)
            return typed

        return decode

    def _structure(self, shape: StructureShape) -> Decoder:
        required = set(shape.required_members)
        members = [
            (name, serialized_name(member, name), lower_camel(name), self.decoder(member))
            for name, member in shape.members.items()
        ]

        def decode(value: Any, path: str, errors: list[Violation]) -> Any:
            if type(value) is not dict:
                raise _type_error("an object", value)
            out: dict[str, Any] = {}
            for name, wire, label, member_decoder in members:
                node = value.get(wire)
                member_path = f"{path}.{label}" if path else label
                if node is None:
                    if name in required:
                        errors.append(Violation(member_path, None, NOT_NULL))
                    continue
                out[name] = member_decoder(node, member_path, errors)
            return out

        return decode

    def _list(self, shape: ListShape) -> Decoder:
        element_decoder = self.decoder(shape.member)
        element_is_leaf = shape.member.type_name in _LEAF_TYPES
        element_rules = f"Member must satisfy constraint: {describe_all(shape.member)}"
        check = scalar_check(shape)
        sensitive = bool(shape.member.metadata.get("sensitive"))

        def decode(value: Any, path: str, errors: list[Violation]) -> Any:
            if type(value) is not list:
                raise _type_error("an array", value)
            element_errors: list[Violation] = [] if element_is_leaf else errors
            items = [
                element_decoder(node, f"{path}.{index}.member", element_errors)
                for index, node in enumerate(value, 1)
                if node is not None
            ]
            if check is not None:
                _check(check, items, path, False, errors)
            if element_errors and element_is_leaf:
                errors.append(Violation(path, show_value(items, sensitive), element_rules))
            return items

        return decode

    def _map(self, shape: MapShape) -> Decoder:
        key_decoder = self.decoder(shape.key)
        value_decoder = self.decoder(shape.value)
        key_rules = f"Map keys must satisfy constraint: {describe_all(shape.key)}"
        value_is_leaf = shape.value.type_name in _LEAF_TYPES
        value_rules = f"Map value must satisfy constraint: {describe_all(shape.value)}"
        check = scalar_check(shape)

        def decode(value: Any, path: str, errors: list[Violation]) -> Any:
            if type(value) is not dict:
                raise _type_error("an object", value)
            key_errors: list[Violation] = []
            value_errors: list[Violation] = [] if value_is_leaf else errors
            out: dict[str, Any] = {}
            for key, node in value.items():
                if node is None:
                    continue
                out[key_decoder(key, path, key_errors)] = value_decoder(node, path, value_errors)
            if key_errors:
                errors.append(Violation(path, show_value(out, False), key_rules))
            if value_is_leaf and value_errors:
                errors.append(Violation(path, show_value(out, False), value_rules))
            if check is not None:
                _check(check, out, path, False, errors)
            return out

        return decode


@functools.cache
def _decoders(service: str) -> _Decoders:
    return _Decoders()


@functools.cache
def _decode_plan(service: str, operation: str) -> Decoder | None:
    shape = service_spec(service).operations[operation].input_shape
    with _COMPILE_LOCK:
        return None if shape is None else _decoders(service).decoder(shape)


def decode_json(service: str, operation: str, body: Any) -> DecodedRequest:
    """Decode an already-parsed JSON body as ``operation``'s input.

    Raises :class:`ValidationException`, :class:`SerializationException`,
    :class:`UnknownOperationException`.
    """
    spec = service_spec(service)
    if operation not in spec.operations:
        raise UnknownOperationException("")
    plan = _decode_plan(service, operation)
    params: dict[str, Any] = {}
    if plan is not None:
        errors: list[Violation] = []
        params = plan({} if body is None else body, "", errors)
        if errors:
            raise ValidationException.from_violations(errors)
    return DecodedRequest(service, operation, params, spec.api_version)


def _no_constant(text: str) -> Any:
    raise ValueError(text)


def decode_request(
    service: str, request: WireRequest, *, limits: Limits = DEFAULT_LIMITS
) -> DecodedRequest:
    """Decode a JSON-protocol HTTP request to ``service``, routed by ``X-Amz-Target``."""
    if len(request.body) > limits.max_body_bytes:
        raise RequestEntityTooLarge(
            f"Request of {len(request.body)} bytes exceeds the limit of "
            f"{limits.max_body_bytes} bytes."
        )
    split = _split_target(request.header("x-amz-target"))
    if split is None or _prefixes().get(split[0]) != service:
        raise UnknownOperationException("")
    body: Any = None
    if request.body.strip():
        try:
            body = json.loads(request.body, parse_float=Decimal, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            raise SerializationException("The request body is not valid JSON.") from None
    return decode_json(service, split[1], body)


# ---------------------------------------------------------------------------
# Encoding: typed value -> JSON value, by shape


def _epoch(value: Any) -> float:
    """Epoch seconds to the millisecond, as AWS sends them (truncated, never rounded up)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        seconds = calendar.timegm(aware.utctimetuple())
        return seconds + (aware.microsecond // 1000) / 1000
    return float(value)


def _b64(value: Any) -> str:
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return base64.b64encode(raw).decode("ascii")


def _number(value: Any) -> Any:
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return value


class _Encoders:
    def __init__(self) -> None:
        self._cache: dict[str, Encoder] = {}

    def encoder(self, shape: Shape) -> Encoder:
        found = self._cache.get(shape.name)
        if found is not None:
            return found
        resolved: list[Encoder] = []

        def deferred(value: Any) -> Any:
            return resolved[0](value)

        self._cache[shape.name] = deferred
        built = self._build(shape)
        resolved.append(built)
        self._cache[shape.name] = built
        return built

    def _build(self, shape: Shape) -> Encoder:
        if isinstance(shape, StructureShape):
            members = [
                (name, serialized_name(member, name), self.encoder(member))
                for name, member in shape.members.items()
            ]

            def structure(value: Any) -> Any:
                out = {}
                for name, wire, encode in members:
                    item = value.get(name)
                    if item is not None:
                        out[wire] = encode(item)
                return out

            return structure
        if isinstance(shape, ListShape):
            element = self.encoder(shape.member)
            return lambda value: [element(item) for item in value if item is not None]
        if isinstance(shape, MapShape):
            item_encoder = self.encoder(shape.value)
            return lambda value: {
                str(k): item_encoder(v) for k, v in value.items() if v is not None
            }
        leaf: Mapping[str, Encoder] = {
            "timestamp": _epoch,
            "blob": _b64,
            "float": _number,
            "double": _number,
            "boolean": bool,
            "integer": int,
            "long": int,
        }
        return leaf.get(shape.type_name, str)


@functools.cache
def _encoders(service: str) -> _Encoders:
    return _Encoders()


@functools.cache
def _encode_plan(service: str, operation: str) -> Encoder | None:
    shape = service_spec(service).operations[operation].output_shape
    with _COMPILE_LOCK:
        return None if shape is None else _encoders(service).encoder(shape)


def warm(service: str) -> None:
    """Compile every operation's decoder now rather than on its first request."""
    for operation in service_spec(service).operations:
        _decode_plan(service, operation)


def warm_encoder(service: str) -> None:
    """Compile every operation's result encoder now."""
    for operation in service_spec(service).operations:
        _encode_plan(service, operation)


def _headers(request_id: str) -> list[tuple[str, str]]:
    return [("Content-Type", CONTENT_TYPE), ("x-amzn-RequestId", request_id)]


def _dump(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode_result(
    service: str, operation: str, result: Mapping[str, Any] | None, request_id: str
) -> Encoded:
    """``(200, headers, body)`` for a successful call; ``result`` keyed by member name."""
    plan = _encode_plan(service, operation)
    document = {} if plan is None else plan(result or {})
    return 200, _headers(request_id), _dump(document)


# A shared error class whose code differs under this protocol.
_JSON_CODES: Mapping[str, str] = {"ValidationError": "ValidationException"}


def encode_error(service: str, error: ClearanceError, request_id: str) -> Encoded:
    """``{"__type": code, "message": ...}`` with the model's status for modeled codes."""
    modeled = service_spec(service).error(error.code)
    code = error.code if modeled is not None else _JSON_CODES.get(error.code, error.code)
    status = modeled.http_status if modeled is not None else error.http_status
    document: dict[str, str] = {"__type": code}
    if error.message:
        document["message"] = error.message
    return status, _headers(request_id), _dump(document)
