"""The audit trail's values: CloudTrail records, redaction, sinks (no I/O of its own)."""

from __future__ import annotations

from clearance.audit.event import (
    EVENT_VERSION,
    AuditEvent,
    CallRecord,
    build_event,
    build_record,
    event_source,
    is_read_only,
)
from clearance.audit.identity import ANONYMOUS_PRINCIPAL, Identity, SessionIssuer, user_identity
from clearance.audit.redact import HIDDEN, SECRET_KEYS, redact
from clearance.audit.sink import AuditSink, BatchingSink, MemorySink, StoreSink

__all__ = [
    "ANONYMOUS_PRINCIPAL",
    "EVENT_VERSION",
    "HIDDEN",
    "SECRET_KEYS",
    "AuditEvent",
    "AuditSink",
    "BatchingSink",
    "CallRecord",
    "Identity",
    "MemorySink",
    "SessionIssuer",
    "StoreSink",
    "build_event",
    "build_record",
    "event_source",
    "is_read_only",
    "redact",
    "user_identity",
]
