"""The AWS query protocol, response side: result dict -> XML document.

Laid out as AWS lays it out (two-space indentation, one element per line)::

    <GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
      <GetUserResult>
        <User>
          <Path>/</Path>
          ...
        </User>
      </GetUserResult>
      <ResponseMetadata>
        <RequestId>...</RequestId>
      </ResponseMetadata>
    </GetUserResponse>

Members are written in the output shape's order, ``None`` and absent members
are left out, lists are ``<member>`` elements, maps ``<entry><key/><value/>``,
timestamps ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds, as IAM and STS send
them), booleans ``true``/``false``, blobs base64. IAM's policy documents
(``policyDocumentType``) are URL-encoded with ``%20`` for a space. A writer is
compiled once per shape and cached; no model is walked per response.
"""

from __future__ import annotations

import base64
import functools
import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from clearance.errors import ClearanceError
from clearance.protocol.models import (
    ListShape,
    MapShape,
    ServiceSpec,
    Shape,
    StructureShape,
    serialized_name,
    service_spec,
)

__all__ = [
    "CONTENT_TYPE",
    "Encoded",
    "encode_error",
    "encode_result",
    "escape",
    "format_timestamp",
    "warm",
]

CONTENT_TYPE = "text/xml"

Encoded = tuple[int, list[tuple[str, str]], bytes]
Writer = Callable[[Any, list[str], int], None]
Formatter = Callable[[Any], str]

_COMPILE_LOCK = threading.RLock()
_INDENTS = tuple("  " * depth for depth in range(64))

# Characters that need escaping in XML text, or cannot appear in XML 1.0 at all
# (written as U+FFFD). A carriage return is kept as a reference so that parsers
# do not normalise it away.
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_REPLACEMENTS = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"}


def _indent(depth: int) -> str:
    return _INDENTS[depth] if depth < 64 else "  " * depth


def _replace(match: re.Match[str]) -> str:
    return _REPLACEMENTS.get(match.group(), "\ufffd")


_special_search = _SPECIAL.search


def escape(value: Any) -> str:
    """``value`` as XML text."""
    text = value if type(value) is str else str(value)
    if _special_search(text) is None:
        return text
    return _SPECIAL.sub(_replace, text)


_TIMESTAMPS: dict[datetime, str] = {}  # formatted texts; stored dates repeat across responses


def _format_datetime(value: datetime) -> str:
    if value.tzinfo is not None and value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="seconds")[:19] + "Z"


def format_timestamp(value: Any) -> str:
    """A timestamp as IAM/STS write it: ``2024-01-02T03:04:05Z`` (naive means UTC)."""
    if isinstance(value, datetime):
        text = _TIMESTAMPS.get(value)
        if text is None:
            text = _format_datetime(value)
            if len(_TIMESTAMPS) >= 8192:
                _TIMESTAMPS.clear()
            _TIMESTAMPS[value] = text
        return text
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _format_datetime(datetime.fromtimestamp(value, UTC))
    return escape(value)


def _format_bool(value: Any) -> str:
    return "true" if value else "false"


def _format_int(value: Any) -> str:
    return str(int(value))


def _format_float(value: Any) -> str:
    return repr(float(value))


def _format_blob(value: Any) -> str:
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return base64.b64encode(data).decode("ascii")


def _format_policy(value: Any) -> str:
    # quote() leaves only unreserved characters and "*" unescaped: nothing XML-special.
    return quote(value if type(value) is str else str(value), safe="*")


_FORMATTERS: Mapping[str, Formatter] = {
    "string": escape,
    "character": escape,
    "integer": _format_int,
    "long": _format_int,
    "short": _format_int,
    "byte": _format_int,
    "boolean": _format_bool,
    "float": _format_float,
    "double": _format_float,
    "timestamp": format_timestamp,
    "blob": _format_blob,
}


class _Compiler:
    def __init__(self, spec: ServiceSpec) -> None:
        self._url_encoded = spec.url_encoded_shapes
        self._cache: dict[tuple[str, str], Writer] = {}

    def formatter(self, shape: Shape) -> Formatter | None:
        """How to write a scalar shape, or None for structures, lists and maps."""
        if isinstance(shape, StructureShape | ListShape | MapShape):
            return None
        if shape.name in self._url_encoded:
            return _format_policy
        fmt: Formatter = _FORMATTERS.get(shape.type_name, escape)
        return fmt

    def writer(self, shape: Shape) -> Writer:
        key = (shape.name, repr(sorted(shape.serialization.items())))
        found = self._cache.get(key)
        if found is not None:
            return found
        resolved: list[Writer] = []

        def deferred(value: Any, out: list[str], depth: int) -> None:
            resolved[0](value, out, depth)

        self._cache[key] = deferred  # recursive shapes reach the final writer through this
        if isinstance(shape, StructureShape):
            built = self._structure(shape)
        elif isinstance(shape, ListShape):
            built = self._list(shape)
        else:
            assert isinstance(shape, MapShape)
            built = self._map(shape)
        resolved.append(built)
        self._cache[key] = built
        return built

    def _child(self, shape: Shape, tag: str) -> Writer:
        """Writes one element ``<tag>`` holding a value of ``shape``, at the given depth."""
        fmt = self.formatter(shape)
        if fmt is not None:
            open_tag, close_tag = f"<{tag}>", f"</{tag}>\n"

            def write_scalar(value: Any, out: list[str], depth: int) -> None:
                out.append(f"{_indent(depth)}{open_tag}{fmt(value)}{close_tag}")

            return write_scalar
        inner = self.writer(shape)
        open_line, close_line, empty_line = f"<{tag}>\n", f"</{tag}>\n", f"<{tag}/>\n"

        def write_complex(value: Any, out: list[str], depth: int) -> None:
            indent = _indent(depth)
            mark = len(out)
            out.append(indent + open_line)
            inner(value, out, depth + 1)
            if len(out) == mark + 1:
                out[mark] = indent + empty_line
            else:
                out.append(indent + close_line)

        return write_complex

    def _structure(self, shape: StructureShape) -> Writer:
        # (name, open tag, close tag, scalar formatter or None, writer for the rest)
        members: list[tuple[str, str, str, Formatter | None, Writer]] = []
        for name, member in shape.members.items():
            tag = serialized_name(member, name)
            if isinstance(member, ListShape) and member.serialization.get("flattened"):
                members.append((name, "", "", None, self._flat_list(member, tag)))
            else:
                fmt = self.formatter(member)
                child = self._child(member, tag)
                members.append((name, f"<{tag}>", f"</{tag}>\n", fmt, child))

        def write(value: Any, out: list[str], depth: int) -> None:
            indent = _indent(depth)
            get = value.get
            for name, open_tag, close_tag, fmt, child in members:
                item = get(name)
                if item is None:
                    continue
                if fmt is not None:
                    out.append(f"{indent}{open_tag}{fmt(item)}{close_tag}")
                else:
                    child(item, out, depth)

        return write

    def _list(self, shape: ListShape) -> Writer:
        write_item = self._child(shape.member, serialized_name(shape.member, "member"))

        def write(value: Any, out: list[str], depth: int) -> None:
            for item in value:
                if item is not None:
                    write_item(item, out, depth)

        return write

    def _flat_list(self, shape: ListShape, tag: str) -> Writer:
        write_item = self._child(shape.member, serialized_name(shape.member, tag))

        def write(value: Any, out: list[str], depth: int) -> None:
            for item in value:
                if item is not None:
                    write_item(item, out, depth)

        return write

    def _map(self, shape: MapShape) -> Writer:
        write_key = self._child(shape.key, serialized_name(shape.key, "key"))
        write_value = self._child(shape.value, serialized_name(shape.value, "value"))
        flattened = bool(shape.serialization.get("flattened"))

        def write(value: Any, out: list[str], depth: int) -> None:
            indent = _indent(depth)
            inner = depth if flattened else depth + 1
            for key, item in value.items():
                if item is None:
                    continue
                if not flattened:
                    out.append(indent + "<entry>\n")
                write_key(key, out, inner)
                write_value(item, out, inner)
                if not flattened:
                    out.append(indent + "</entry>\n")

        return write


@functools.cache
def _compiler(service: str) -> _Compiler:
    return _Compiler(service_spec(service))


class _Plan:
    __slots__ = ("head", "result_close", "result_empty", "result_open", "tail", "writer")

    def __init__(self, service: str, operation: str) -> None:
        spec = service_spec(service)
        model = spec.operations[operation]
        self.head = f'<{operation}Response xmlns="{spec.xml_namespace}">\n'
        self.tail = f"</RequestId>\n  </ResponseMetadata>\n</{operation}Response>\n"
        shape = model.output_shape
        self.writer: Writer | None = None
        self.result_open = self.result_close = self.result_empty = ""
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper") or f"{operation}Result"
            self.writer = _compiler(service).writer(shape)
            self.result_open = f"  <{wrapper}>\n"
            self.result_close = f"  </{wrapper}>\n"
            self.result_empty = f"  <{wrapper}/>\n"


@functools.cache
def _plan(service: str, operation: str) -> _Plan:
    with _COMPILE_LOCK:  # compilers share their caches; a plan is built once, by one thread
        return _Plan(service, operation)


def warm(service: str) -> None:
    """Compile every operation's writer now rather than on its first response."""
    for operation in service_spec(service).operations:
        _plan(service, operation)


def _headers(request_id: str) -> list[tuple[str, str]]:
    return [("Content-Type", CONTENT_TYPE), ("x-amzn-RequestId", request_id)]


def encode_result(
    service: str, operation: str, result: Mapping[str, Any] | None, request_id: str
) -> Encoded:
    """``(200, headers, body)`` for a successful call; ``result`` keyed by member name."""
    plan = _plan(service, operation)
    out = [plan.head]
    if plan.writer is not None:
        out.append(plan.result_open)
        plan.writer(result or {}, out, 2)
        if len(out) == 2:
            out[1] = plan.result_empty
        else:
            out.append(plan.result_close)
    out.append("  <ResponseMetadata>\n    <RequestId>")
    out.append(escape(request_id))
    out.append(plan.tail)
    return 200, _headers(request_id), "".join(out).encode("utf-8")


def encode_error(service: str, error: ClearanceError, request_id: str) -> Encoded:
    """AWS's ``<ErrorResponse>`` for ``error``, with the model's status for modeled codes.

    An error with a ``location`` (a missing Action) becomes AWS's 302 redirect.
    """
    location = getattr(error, "location", None)
    if location:
        return 302, [("Location", location), ("x-amzn-RequestId", request_id)], b""
    spec = service_spec(service)
    modeled = spec.error(error.code)
    if modeled is not None:
        status, sender = modeled.http_status, modeled.sender_fault
    else:
        status = error.http_status
        sender = status < 500
    namespace = getattr(error, "xml_namespace", None) or spec.xml_namespace
    message = error.message
    parts = [
        f'<ErrorResponse xmlns="{namespace}">\n  <Error>\n',
        f"    <Type>{'Sender' if sender else 'Receiver'}</Type>\n",
        f"    <Code>{escape(error.code)}</Code>\n",
    ]
    if message:
        parts.append(f"    <Message>{escape(message)}</Message>\n")
    parts.append(f"  </Error>\n  <RequestId>{escape(request_id)}</RequestId>\n</ErrorResponse>\n")
    return status, _headers(request_id), "".join(parts).encode("utf-8")
