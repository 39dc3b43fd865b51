"""botocore's service models, loaded once per process, and the lookups the codecs need.

A :class:`ServiceSpec` is everything protocol-independent about a service:
its wire protocol, API version, XML namespace, operations by ``Action`` name
and modeled errors by wire code. The per-protocol modules (``query``, ``xml``
and, later, ``json``/``rest_xml``/``ec2``) compile their plans from it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# botocore ships no type information; these names are the only place it enters.
from botocore.loaders import Loader  # type: ignore[import-untyped]
from botocore.model import (  # type: ignore[import-untyped]
    ListShape,
    MapShape,
    OperationModel,
    ServiceModel,
    Shape,
    StructureShape,
)

__all__ = [
    "DecodedRequest",
    "ErrorSpec",
    "ListShape",
    "MapShape",
    "OperationModel",
    "ServiceSpec",
    "Shape",
    "StructureShape",
    "lower_camel",
    "serialized_name",
    "service_spec",
]

# Strings AWS returns URL-encoded in responses. The model cannot say so;
# botocore's ``json_decode_policies`` handler keys on the same shape name.
_URL_ENCODED_OUTPUT: Mapping[str, frozenset[str]] = {
    "iam": frozenset({"policyDocumentType"}),
}

_loader_lock = threading.Lock()


@functools.cache
def _loader() -> Loader:
    return Loader()


def _load(name: str) -> ServiceModel:
    with _loader_lock:
        data = _loader().load_service_model(name, "service-2")
    return ServiceModel(data, service_name=name)


@dataclass(frozen=True, slots=True)
class DecodedRequest:
    """An API call read off the wire: which operation, and its parameters.

    ``params`` is a plain dict keyed by the model's member names (``UserName``),
    values typed by the input shape: ``str``, ``int``, ``bool``, ``float``,
    timezone-aware ``datetime``, ``bytes``, lists and nested dicts, exactly as
    boto3 callers pass them. Absent optional members are absent keys.
    """

    service: str
    operation: str
    params: dict[str, Any]
    version: str


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """A modeled error: its wire code, shape name, HTTP status and fault side."""

    code: str
    shape_name: str
    http_status: int
    sender_fault: bool


@dataclass(frozen=True, eq=False)
class ServiceSpec:
    name: str
    model: ServiceModel
    protocol: str
    api_version: str
    xml_namespace: str
    operations: Mapping[str, OperationModel]
    errors: Mapping[str, ErrorSpec]
    url_encoded_shapes: frozenset[str]

    def operation(self, action: str) -> OperationModel | None:
        return self.operations.get(action)

    def error(self, code: str) -> ErrorSpec | None:
        return self.errors.get(code)


def _error_specs(model: ServiceModel) -> dict[str, ErrorSpec]:
    specs: dict[str, ErrorSpec] = {}
    for shape in model.error_shapes:
        meta = shape.metadata.get("error") or {}
        code = meta.get("code", shape.name)
        status = int(meta.get("httpStatusCode", 400))
        sender = bool(meta.get("senderFault", status < 500))
        specs[code] = ErrorSpec(code, shape.name, status, sender)
    return specs


@functools.cache
def service_spec(name: str) -> ServiceSpec:
    """The service named as botocore names it (``iam``, ``sts``, ...), loaded once.

    Raises botocore's ``UnknownServiceError`` for a name botocore does not ship.
    """
    model = _load(name)
    metadata = model.metadata
    operations = {op: model.operation_model(op) for op in model.operation_names}
    return ServiceSpec(
        name=name,
        model=model,
        protocol=metadata["protocol"],
        api_version=metadata["apiVersion"],
        xml_namespace=metadata.get("xmlNamespace", ""),
        operations=operations,
        errors=_error_specs(model),
        url_encoded_shapes=_URL_ENCODED_OUTPUT.get(name, frozenset()),
    )


def lower_camel(name: str) -> str:
    """A member name as AWS prints it in validation messages (``UserName`` -> ``userName``)."""
    return name[:1].lower() + name[1:]


def serialized_name(shape: Shape, default: str) -> str:
    name = shape.serialization.get("name")
    return name if isinstance(name, str) and name else default
