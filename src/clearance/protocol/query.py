"""The AWS query protocol, request side: form parameters -> typed params dict.

``Action=CreateUser&Version=2010-05-08&UserName=a&Tags.member.1.Key=k`` becomes
``DecodedRequest("iam", "CreateUser", {"UserName": "a", "Tags": [{"Key": "k", ...}]})``.

The form is first folded into a tree on ``.`` (``Tags -> member -> 1 -> Key``),
then read by a decoder compiled once per operation from its input shape:
structures look their members up by name, lists read ``<name>.member.N``,
maps ``<name>.entry.N.key/value``, scalars are converted to their type and
checked against the shape's constraints in the same pass. Every violated
constraint is collected and reported at once in AWS's ``ValidationError``
wording; an unreadable value (``DurationSeconds=abc``) is ``MalformedInput``.

As on AWS: the first of repeated parameters wins, unknown parameters are
ignored, an empty value for a list means the empty list.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from clearance.protocol.constraints import NOT_NULL, describe_all, scalar_check, show_value
from clearance.protocol.errors import (
    InvalidAction,
    MalformedInput,
    MalformedQueryString,
    MissingAction,
    RequestEntityTooLarge,
    ValidationError,
    Violation,
)
from clearance.protocol.form import (
    DEFAULT_LIMITS,
    Limits,
    Raw,
    form_pairs,
    form_tree,
    parse_form,
    scalar,
    tree_from_mapping,
)
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
    "DEFAULT_LIMITS",
    "Limits",
    "decode_query",
    "decode_request",
    "parse_form",
    "warm",
]

Decoder = Callable[[Raw, str, list[Violation]], Any]

_MISSING: Any = object()
_COMPILE_LOCK = threading.RLock()


# ---------------------------------------------------------------------------
# Scalar readers (text -> typed value); raise MalformedInput

_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_INT_BOUNDS = {"integer": (-(1 << 31), (1 << 31) - 1), "long": (-(1 << 63), (1 << 63) - 1)}


def _reader(shape: Shape) -> Callable[[str], Any] | None:
    kind = shape.type_name
    if kind in _INT_BOUNDS:
        low, high = _INT_BOUNDS[kind]

        def read_int(text: str) -> int:
            if not text:
                raise MalformedInput("missing value for decimal type")
            if len(text) > 21 or _INT_TEXT.fullmatch(text) is None:
                raise MalformedInput("")
            value = int(text)
            if not low <= value <= high:
                raise MalformedInput("")
            return value

        return read_int
    if kind == "boolean":
        return _read_bool
    if kind in ("float", "double"):
        return _read_float
    if kind == "timestamp":
        return _read_timestamp
    if kind == "blob":
        return _read_blob
    return None


def _read_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise MalformedInput(f"Invalid boolean value: {text[:64]}")


def _read_float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise MalformedInput(f"Invalid number: {text[:64]}") from None


def _read_timestamp(text: str) -> datetime:
    try:
        if text and (text[0].isdigit() or text[0] == "-") and "-" not in text[1:]:
            return datetime.fromtimestamp(float(text), UTC)
        value = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        raise MalformedInput(f"Invalid timestamp: {text[:64]}") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _read_blob(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedInput("Invalid base64 value.") from None


# ---------------------------------------------------------------------------
# Decoder compilation (once per shape, cached per service)


class _Compiler:
    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], Decoder] = {}

    def decoder(self, shape: Shape) -> Decoder:
        key = (shape.name, repr(sorted(shape.serialization.items())))
        found = self._cache.get(key)
        if found is not None:
            return found
        resolved: list[Decoder] = []

        def deferred(raw: Raw, path: str, errors: list[Violation]) -> Any:
            return resolved[0](raw, path, errors)

        self._cache[key] = deferred  # recursive shapes reach the final decoder through this
        built = self._build(shape)
        resolved.append(built)
        self._cache[key] = built
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

        def decode(raw: Raw, path: str, errors: list[Violation]) -> Any:
            text = raw if type(raw) is str else scalar(raw)
            if text is None:
                return _MISSING
            value = text if read is None else read(text)
            if check is not None:
                failed = check(value)
                if failed:
                    shown = show_value(text if read is None else value, sensitive)
                    errors.extend(Violation(path, shown, c) for c in failed)
            return value

        return decode

    def _structure(self, shape: StructureShape) -> Decoder:
        required = set(shape.required_members)
        members = []
        for name, member in shape.members.items():
            wire = self._member_wire(name, member)
            members.append((name, wire, lower_camel(name), self.decoder(member), name in required))

        def decode(raw: Raw, path: str, errors: list[Violation]) -> Any:
            if type(raw) is not dict:
                return _MISSING
            out: dict[str, Any] = {}
            for name, wire, label, member_decoder, is_required in members:
                node = raw.get(wire)
                value = _MISSING
                if node is not None:
                    value = member_decoder(node, f"{path}.{label}" if path else label, errors)
                if value is _MISSING:
                    if is_required:
                        errors.append(
                            Violation(f"{path}.{label}" if path else label, None, NOT_NULL)
                        )
                    continue
                out[name] = value
            return out

        return decode

    def _member_wire(self, name: str, member: Shape) -> str:
        """A structure member's parameter name (the ec2 protocol names them its own way)."""
        wire = serialized_name(member, name)
        if isinstance(member, ListShape) and member.serialization.get("flattened"):
            wire = serialized_name(member.member, wire)
        return wire

    def _list(self, shape: ListShape) -> Decoder:
        element = shape.member
        element_decoder = self.decoder(element)
        flattened = bool(shape.serialization.get("flattened"))
        member_name = serialized_name(element, "member")
        element_is_leaf = not isinstance(element, StructureShape | ListShape | MapShape)
        element_rules = describe_all(element)
        check = scalar_check(shape)
        sensitive = bool(element.metadata.get("sensitive"))

        def decode(raw: Raw, path: str, errors: list[Violation]) -> Any:
            container = raw if flattened or isinstance(raw, str) else raw.get(member_name)
            items: list[Any] = []
            if type(container) is dict:
                element_errors: list[Violation] = [] if element_is_leaf else errors
                for index, node in _indexed(container):
                    value = element_decoder(node, f"{path}.{index}.member", element_errors)
                    if value is not _MISSING:
                        items.append(value)
                if check is not None:
                    _check_collection(check, items, path, errors)
                if element_is_leaf and element_errors:
                    constraint = f"Member must satisfy constraint: {element_rules}"
                    errors.append(Violation(path, show_value(items, sensitive), constraint))
            elif check is not None:
                _check_collection(check, items, path, errors)
            return items

        return decode

    def _map(self, shape: MapShape) -> Decoder:
        key_decoder = self.decoder(shape.key)
        value_decoder = self.decoder(shape.value)
        flattened = bool(shape.serialization.get("flattened"))
        key_name = serialized_name(shape.key, "key")
        value_name = serialized_name(shape.value, "value")
        key_rules = f"Map keys must satisfy constraint: {describe_all(shape.key)}"
        value_is_leaf = not isinstance(shape.value, StructureShape | ListShape | MapShape)
        value_rules = f"Map value must satisfy constraint: {describe_all(shape.value)}"
        check = scalar_check(shape)

        def decode(raw: Raw, path: str, errors: list[Violation]) -> Any:
            container = raw if flattened or isinstance(raw, str) else raw.get("entry")
            out: dict[str, Any] = {}
            if type(container) is dict:
                key_errors: list[Violation] = []
                value_errors: list[Violation] = [] if value_is_leaf else errors
                for index, entry in _indexed(container):
                    if type(entry) is not dict:
                        continue
                    key_node = entry.get(key_name)
                    value_node = entry.get(value_name)
                    entry_path = f"{path}.{index}"
                    key = (
                        _MISSING
                        if key_node is None
                        else key_decoder(key_node, entry_path, key_errors)
                    )
                    value = (
                        _MISSING
                        if value_node is None
                        else value_decoder(value_node, entry_path, value_errors)
                    )
                    if key is not _MISSING and value is not _MISSING and key not in out:
                        out[key] = value
                if key_errors:
                    errors.append(Violation(path, show_value(out, False), key_rules))
                if value_is_leaf and value_errors:
                    errors.append(Violation(path, show_value(out, False), value_rules))
            if check is not None:
                _check_collection(check, out, path, errors)
            return out

        return decode


def _indexed(container: dict[str, Raw]) -> list[tuple[int, Raw]]:
    found = [
        (int(key), node)
        for key, node in container.items()
        if key.isascii() and key.isdigit() and len(key) < 10
    ]
    found.sort(key=lambda item: item[0])
    return found


def _check_collection(
    check: Callable[[Any], list[str] | None], value: Any, path: str, errors: list[Violation]
) -> None:
    failed = check(value)
    if failed:
        shown = show_value(value, False)
        errors.extend(Violation(path, shown, c) for c in failed)


@functools.cache
def _compiler(service: str) -> _Compiler:
    return _Compiler()


@functools.cache
def _plan(service: str, operation: str) -> Decoder | None:
    model = service_spec(service).operations[operation]
    shape = model.input_shape
    with _COMPILE_LOCK:  # compilers share their caches; a plan is built once, by one thread
        return None if shape is None else _compiler(service).decoder(shape)


def warm(service: str) -> None:
    """Compile every operation's decoder now rather than on its first request."""
    for operation in service_spec(service).operations:
        _plan(service, operation)


# ---------------------------------------------------------------------------
# Entry points


def decode_action_tree(
    service: str,
    tree: dict[str, Raw],
    redirect_query: str,
    plan_of: Callable[[str, str], Decoder | None] = _plan,
) -> DecodedRequest:
    """Decode a form tree naming its ``Action`` and ``Version`` with the operation's
    decoder from ``plan_of`` (the EC2 protocol passes its own)."""
    spec = service_spec(service)
    action = scalar(tree.get("Action"))
    if action is None:
        raise MissingAction(redirect_query)
    version = scalar(tree.get("Version"))
    if version != spec.api_version or action not in spec.operations:
        raise InvalidAction(action, version)
    plan = plan_of(service, action)
    params: dict[str, Any] = {}
    if plan is not None:
        errors: list[Violation] = []
        params = plan(tree, "", errors)
        if errors:
            raise ValidationError.from_violations(errors)
    return DecodedRequest(service, action, params, spec.api_version)


def decode_query(
    service: str,
    form: Mapping[str, Sequence[str]] | Mapping[str, str] | str | bytes,
    *,
    limits: Limits = DEFAULT_LIMITS,
    redirect_query: str = "",
) -> DecodedRequest:
    """Decode one query-protocol call of ``service`` (``"iam"``, ``"sts"``).

    ``form`` is the raw form-encoded body or query string, or an already-parsed
    mapping (values as lists, first one used, or single strings).
    ``redirect_query`` is the query string a GET request came with, kept in the
    redirect AWS answers when ``Action`` is missing.

    Raises :class:`MissingAction`, :class:`InvalidAction`, :class:`ValidationError`,
    :class:`MalformedInput`, :class:`MalformedQueryString`, :class:`RequestEntityTooLarge`.
    """
    if isinstance(form, str | bytes | bytearray | memoryview):
        tree = form_tree(form_pairs(form, limits))
    else:
        tree = tree_from_mapping(form, limits)
    return decode_action_tree(service, tree, redirect_query)


def _is_form(content_type: str | None) -> bool:
    if content_type is None:
        return False
    return content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded"


def decode_request(
    service: str, request: WireRequest, *, limits: Limits = DEFAULT_LIMITS
) -> DecodedRequest:
    """Decode a query-protocol HTTP request: query-string parameters, then a form body.

    The body is read only when it is declared form-encoded (AWS ignores other
    bodies; a POST without that content type has no Action and is redirected).
    """
    if len(request.body) > limits.max_body_bytes:
        raise RequestEntityTooLarge(
            f"Request of {len(request.body)} bytes exceeds the limit of "
            f"{limits.max_body_bytes} bytes."
        )
    pairs = form_pairs(request.query, limits) if request.query else []
    if request.body and _is_form(request.header("content-type")):
        pairs.extend(form_pairs(request.body, limits))
        if len(pairs) > limits.max_params:
            raise MalformedQueryString(f"The request has more than {limits.max_params} parameters.")
    redirect_query = request.query if request.method == "GET" else ""
    return decode_action_tree(service, form_tree(pairs), redirect_query)
