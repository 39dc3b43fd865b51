"""CloudTrail records from plain values.

:class:`CallRecord` holds what the gateway knows about one call (who, what,
when, from where, the decoded parameters, the result or error);
:func:`build_record` turns it into a CloudTrail record (eventVersion 1.09),
secrets redacted. The decision trace travels beside the record in
:class:`AuditEvent`, never inside it.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clearance.audit.identity import Identity, iso, user_identity
from clearance.audit.redact import HIDDEN, SECRET_KEYS, redact

__all__ = [
    "EVENT_VERSION",
    "AuditEvent",
    "CallRecord",
    "build_event",
    "build_record",
    "camel",
    "event_source",
    "is_read_only",
]

EVENT_VERSION = "1.09"
GLOBAL_REGION = "us-east-1"  # IAM is global: CloudTrail records its events in us-east-1
_READ_PREFIXES = ("Get", "List", "Describe", "Generate", "Simulate", "Lookup")
# Reads that issue credentials: their (redacted) response is recorded, as CloudTrail does.
_ISSUING_READS = frozenset({"GetSessionToken", "GetFederationToken"})


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One API call as the gateway saw it. ``params`` and ``result`` are the
    decoded (model member names, ``UserName``) values, unredacted."""

    identity: Identity
    event_time: datetime
    service: str  # "iam" | "sts"
    operation: str
    region: str
    request_id: str
    source_ip: str | None = None
    user_agent: str | None = None
    params: Mapping[str, Any] | None = None
    result: Mapping[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None
    recipient_account_id: str | None = None
    trace: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """A CloudTrail record and, beside it, the JSON-able decision trace."""

    record: Mapping[str, Any]
    trace: Mapping[str, Any] | None = field(default=None)

    @property
    def event_id(self) -> str:
        return str(self.record["eventID"])

    @property
    def request_id(self) -> str:
        return str(self.record["requestID"])


def event_source(service: str) -> str:
    return f"{service}.amazonaws.com"


def is_read_only(operation: str) -> bool:
    return operation.startswith(_READ_PREFIXES)


def camel(key: str) -> str:
    """CloudTrail's member names: the model's, first letter lower-cased."""
    return key[:1].lower() + key[1:]


def build_record(call: CallRecord, new_id: Callable[[], str] | None = None) -> dict[str, Any]:
    """The CloudTrail record of ``call``: JSON-able, secrets redacted."""
    read_only = is_read_only(call.operation)
    failed = call.error_code is not None
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": user_identity(call.identity),
        "eventTime": iso(call.event_time),
        "eventSource": event_source(call.service),
        "eventName": call.operation,
        "awsRegion": GLOBAL_REGION if call.service == "iam" else call.region,
        "sourceIPAddress": call.source_ip or "",
        "userAgent": call.user_agent or "",
    }
    if failed:
        record["errorCode"] = call.error_code
        record["errorMessage"] = call.error_message or ""
    record["requestParameters"] = _elements(call.params)
    quiet = read_only and call.operation not in _ISSUING_READS
    record["responseElements"] = (
        None if quiet or failed or call.result is None else _elements(call.result)
    )
    record["requestID"] = call.request_id
    record["eventID"] = (new_id or _uuid)()
    record["readOnly"] = read_only
    record["eventType"] = "AwsApiCall"
    record["managementEvent"] = True
    record["recipientAccountId"] = call.recipient_account_id or call.identity.account_id
    record["eventCategory"] = "Management"
    return record


def build_event(call: CallRecord, new_id: Callable[[], str] | None = None) -> AuditEvent:
    return AuditEvent(build_record(call, new_id), redact(call.trace) if call.trace else None)


def _uuid() -> str:
    """A random (version 4) UUID, as ``str(uuid.uuid4())`` writes it, in a third of the time."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _elements(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Parameters or results as CloudTrail writes them: redacted, lowerCamelCase, JSON values."""
    if not values:
        return None
    converted = _json(values)
    assert isinstance(converted, dict)
    return converted


# Member name → (its lowerCamelCase, whether its value is a secret). Names come
# from service models, so the map stays small; the cap guards against callers'
# own map keys (tag keys and the like) growing it without end.
_MEMBERS: dict[str, tuple[str, bool]] = {}
_MAX_MEMBERS = 4096


def _member(key: Any) -> tuple[str, bool]:
    if type(key) is str:
        found = _MEMBERS.get(key)
        if found is None:
            found = (camel(key), key.lower() in SECRET_KEYS)
            if len(_MEMBERS) < _MAX_MEMBERS:
                _MEMBERS[key] = found
        return found
    return camel(str(key)), isinstance(key, str) and key.lower() in SECRET_KEYS


def _json(value: Any) -> Any:
    """``value`` redacted (as :func:`~clearance.audit.redact.redact` does) and
    converted to JSON values with camelCase members, in one pass."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value
    if kind is dict or isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name, secret = _member(key)
            out[name] = HIDDEN if secret else _json(item)
        return out
    if kind is list or kind is tuple or isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)
