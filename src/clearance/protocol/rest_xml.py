"""S3's REST-XML protocol, driven by botocore's ``s3`` model.

Decoding: URI members (``Bucket``, ``Key``) from the routed target, ``header``
and ``headers`` (``x-amz-meta-*``) members from the headers, ``querystring``
members from the query, and the payload member: a streaming blob stays the
request (the handler reads it from memory or its spooled file), a structure is
read from XML, a string (``Policy``) is the body's text.

Encoding: header members become headers (timestamps RFC 1123), the payload
member the body (a structure as XML, a string as text, a streaming blob as a
:class:`~clearance.wire.FileStream`), and the other members an XML document
under the operation's root element. Errors are S3's ``<Error>`` document.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from clearance.errors import ClearanceError
from clearance.protocol.models import OperationModel, Shape, serialized_name, service_spec
from clearance.protocol.s3_routes import S3Target
from clearance.wire import FileStream, WireRequest

__all__ = [
    "NAMESPACE",
    "InvalidArgument",
    "MalformedXML",
    "S3Encoded",
    "decode_s3",
    "encode_s3_error",
    "encode_s3_result",
]

NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
# S3 Control (the account-level Block Public Access) speaks the same protocol.
_NAMESPACES = {"s3": NAMESPACE, "s3control": "http://awss3control.amazonaws.com/doc/2018-08-20/"}
MAX_XML_BODY = 1024 * 1024
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Result documents whose root element the model does not name.
_ROOTS = {
    "ListBuckets": "ListAllMyBucketsResult",
    "ListObjectsV2": "ListBucketResult",
    "ListObjects": "ListBucketResult",
    "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "CompleteMultipartUpload": "CompleteMultipartUploadResult",
    "ListParts": "ListPartsResult",
    "DeleteObjects": "DeleteResult",
    "GetObjectTagging": "Tagging",
    "GetBucketTagging": "Tagging",
    "GetBucketAcl": "AccessControlPolicy",
    "GetObjectAcl": "AccessControlPolicy",
    "GetBucketVersioning": "VersioningConfiguration",
    "ListMultipartUploads": "ListMultipartUploadsResult",
}

S3Encoded = tuple[int, list[tuple[str, str]], bytes, FileStream | None]


class MalformedXML(ClearanceError):
    code = "MalformedXML"
    http_status = 400

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "The XML you provided was not well-formed or did not validate against "
            "our published schema"
        )


class InvalidArgument(ClearanceError):
    code = "InvalidArgument"
    http_status = 400

    def __init__(self, message: str, name: str | None = None, value: str | None = None) -> None:
        super().__init__(message)
        self.s3_fields = {"ArgumentName": name, "ArgumentValue": value} if name else {}


@functools.cache
def _operation(name: str, service: str = "s3") -> OperationModel:
    return service_spec(service).model.operation_model(name)


# --- decoding -----------------------------------------------------------------------------


def _scalar(shape: Shape, text: str, name: str) -> Any:
    kind = shape.type_name
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise InvalidArgument(f"Provided {name} not valid.", name, text) from None
    if kind == "boolean":
        return text.strip().lower() == "true"
    if kind == "timestamp":
        try:
            return parsedate_to_datetime(text).astimezone(UTC)
        except (TypeError, ValueError):
            try:
                return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
            except ValueError:
                raise InvalidArgument(f"Invalid {name}.", name, text) from None
    return text


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _list_item_name(member: Shape, default: str) -> str:
    if member.serialization.get("flattened"):
        return str(
            member.serialization.get("name") or member.member.serialization.get("name") or default
        )
    return str(member.member.serialization.get("name") or "member")


def _from_xml(element: ElementTree.Element, shape: Shape) -> Any:
    if shape.type_name == "structure":
        values: dict[str, Any] = {}
        for name, member in shape.members.items():
            if member.type_name == "list" and member.serialization.get("flattened"):
                tag = _list_item_name(member, name)
                items = [c for c in element if _local(c.tag) == tag]
                if items:
                    values[name] = [_from_xml(item, member.member) for item in items]
                continue
            tag = serialized_name(member, name)
            child = next((c for c in element if _local(c.tag) == tag), None)
            if child is not None:
                values[name] = _from_xml(child, member)
        return values
    if shape.type_name == "list":
        tag = _list_item_name(shape, "member")
        return [_from_xml(c, shape.member) for c in element if _local(c.tag) == tag]
    return _scalar(shape, element.text or "", shape.name)


def _read_small(request: WireRequest) -> bytes:
    if request.spooled is not None or len(request.body) > MAX_XML_BODY:
        raise MalformedXML("The XML you provided was larger than the maximum allowed size.")
    return request.body


def _payload(request: WireRequest, member: Shape) -> Any:
    if member.type_name == "blob":
        return request
    body = _read_small(request)
    if member.type_name == "string":
        return body.decode("utf-8", "replace")
    if not body.strip():
        return None
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise MalformedXML() from None
    return _from_xml(root, member)


def decode_s3(
    operation: str,
    request: WireRequest,
    target: S3Target,
    query: Mapping[str, str],
    service: str = "s3",
) -> dict[str, Any]:
    """The operation's parameters, keyed by the model's member names."""
    shape = _operation(operation, service).input_shape
    params: dict[str, Any] = {}
    if shape is None:
        return params
    payload = shape.serialization.get("payload")
    for name, member in shape.members.items():
        where = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if where == "uri":
            value = target.bucket if wire_name == "Bucket" else target.key
            if value is not None:
                params[name] = value
        elif where == "header":
            raw = request.header(wire_name)
            if raw is not None:
                params[name] = _scalar(member, raw, wire_name)
        elif where == "headers":
            prefix = wire_name.lower()
            found = {
                header[len(prefix) :]: value
                for header, value in request.headers
                if header.startswith(prefix)
            }
            if found:
                params[name] = found
        elif where == "querystring":
            if wire_name in query:
                params[name] = _scalar(member, query[wire_name], wire_name)
        elif name == payload:
            value = _payload(request, member)
            if value is not None:
                params[name] = value
    return params


# --- encoding -----------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _text(shape: Shape, value: Any) -> str:
    if shape.type_name == "boolean":
        return "true" if value else "false"
    if shape.type_name == "timestamp" and isinstance(value, datetime):
        return _iso(value)
    return str(value)


def _to_xml(shape: Shape, value: Any, tag: str, out: list[str], namespace: str = "") -> None:
    attrs = f' xmlns="{namespace}"' if namespace else ""
    if shape.type_name == "structure":
        out.append(f"<{tag}{attrs}>")
        _members_xml(shape, value, out)
        out.append(f"</{tag}>")
    elif shape.type_name == "list":
        out.append(f"<{tag}{attrs}>")
        item = _list_item_name(shape, "member")
        for entry in value:
            _to_xml(shape.member, entry, item, out)
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}{attrs}>{escape(_text(shape, value))}</{tag}>")


def _members_xml(shape: Shape, value: Mapping[str, Any], out: list[str]) -> None:
    for name, member in shape.members.items():
        if name not in value or value[name] is None or member.serialization.get("location"):
            continue
        if member.type_name == "list" and member.serialization.get("flattened"):
            tag = _list_item_name(member, name)
            for entry in value[name]:
                _to_xml(member.member, entry, tag, out)
        else:
            _to_xml(member, value[name], serialized_name(member, name), out)


def _header_value(shape: Shape, value: Any) -> str:
    if shape.type_name == "timestamp" and isinstance(value, datetime):
        if shape.serialization.get("timestampFormat") == "iso8601":
            return _iso(value)
        return format_datetime(value.astimezone(UTC), usegmt=True)
    return _text(shape, value)


def encode_s3_result(
    operation: str, result: Mapping[str, Any] | None, request_id: str, service: str = "s3"
) -> S3Encoded:
    """``(status, headers, body, stream)`` of a successful call."""
    headers = [("x-amz-request-id", request_id), ("x-amz-id-2", request_id)]
    result = result or {}
    shape = _operation(operation, service).output_shape
    if shape is None:
        return (204 if operation.startswith("Delete") else 200), headers, b"", None
    status = _located(shape, result, headers)
    status = int(result.get("__status", status))  # 206 for a range
    body, stream = _body(operation, shape, result, _NAMESPACES.get(service, NAMESPACE))
    if body:
        headers.append(("content-type", "application/xml"))
    if status == 200 and operation.startswith("Delete") and not body and stream is None:
        status = 204
    return status, headers, body, stream


def _located(shape: Shape, result: Mapping[str, Any], headers: list[tuple[str, str]]) -> int:
    """Header members into ``headers``; the status code member's value (else 200)."""
    status = 200
    for name, member in shape.members.items():
        value = result.get(name)
        if value is None:
            continue
        where = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if where == "header":
            headers.append((wire_name.lower(), _header_value(member, value)))
        elif where == "headers":
            headers.extend((wire_name.lower() + k, str(v)) for k, v in value.items())
        elif where == "statusCode":
            status = int(value)
    return status


def _body(
    operation: str, shape: Shape, result: Mapping[str, Any], namespace: str = NAMESPACE
) -> tuple[bytes, FileStream | None]:
    payload = shape.serialization.get("payload")
    if payload is not None:
        member = shape.members[payload]
        value = result.get(payload)
        if member.type_name == "blob":
            if isinstance(value, FileStream):
                return b"", value
            return (bytes(value) if value is not None else b""), None
        if member.type_name == "string":
            return str(value or "").encode(), None  # (no content-type: see below)
        if value is None:
            return b"", None
        out: list[str] = [_DECLARATION]
        _to_xml(member, value, serialized_name(member, payload), out, namespace)
        return "".join(out).encode(), None
    if operation == "GetBucketLocation":
        region = escape(str(result.get("LocationConstraint") or ""))
        text = (
            f'{_DECLARATION}<LocationConstraint xmlns="{NAMESPACE}">{region}</LocationConstraint>'
        )
        return text.encode(), None
    if not any(not m.serialization.get("location") for m in shape.members.values()):
        return b"", None
    root = _ROOTS.get(operation, operation + "Result")
    out = [_DECLARATION, f'<{root} xmlns="{NAMESPACE}">']
    _members_xml(shape, result, out)
    out.append(f"</{root}>")
    return "".join(out).encode(), None


def encode_s3_error(error: ClearanceError, request_id: str, *, head: bool = False) -> S3Encoded:
    """S3's ``<Error>`` document (no body for HEAD requests)."""
    headers = [("x-amz-request-id", request_id), ("x-amz-id-2", request_id)]
    status = error.http_status
    if head:
        return status, headers, b"", None
    fields: dict[str, Any] = {"Code": error.code, "Message": error.message}
    fields.update(_extra_fields(error))
    fields["RequestId"] = request_id
    fields["HostId"] = request_id
    parts = [_DECLARATION, "<Error>"]
    for name, value in fields.items():
        if value is not None:
            parts.append(f"<{name}>{escape(str(value))}</{name}>")
    parts.append("</Error>")
    headers.append(("content-type", "application/xml"))
    return status, headers, "".join(parts).encode("utf-8", "replace"), None


# Error attributes S3 reports as extra ``<Error>`` elements (authn's errors carry them).
_ERROR_FIELDS = (
    ("AWSAccessKeyId", "access_key_id"),
    ("StringToSign", "string_to_sign"),
    ("SignatureProvided", "signature_provided"),
    ("CanonicalRequest", "canonical_request"),
    ("ClientComputedContentSHA256", "client_computed"),
    ("S3ComputedContentSHA256", "server_computed"),
    ("RequestTime", "request_time"),
    ("ServerTime", "server_time"),
    ("MaxAllowedSkewMilliseconds", "max_allowed_skew_ms"),
)


def _extra_fields(error: ClearanceError) -> dict[str, Any]:
    fields: dict[str, Any] = dict(getattr(error, "s3_fields", None) or {})
    values = {name: getattr(error, attribute, None) for name, attribute in _ERROR_FIELDS}
    if values["StringToSign"] is None:
        values["AWSAccessKeyId"] = values["SignatureProvided"] = None
    if values["RequestTime"] is None:
        values["MaxAllowedSkewMilliseconds"] = None
    for name, value in values.items():
        if value is None:
            continue
        fields[name] = value
        if name in ("StringToSign", "CanonicalRequest"):
            fields[name + "Bytes"] = " ".join(f"{b:02x}" for b in str(value).encode())
    return fields
