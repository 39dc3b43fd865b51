"""The gateway's audit step: turn one finished call into a CloudTrail event.

:func:`record_call` is called by the gateway after every request (allowed,
denied, failed authentication, failed validation) with the values it has; it
maps the caller to CloudTrail's ``userIdentity``, summarizes the engine's
decisions (stored beside the record for ``explain --request-id``) and writes
to the sink. It never raises into the request path.
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from clearance.audit import (
    AuditSink,
    BatchingSink,
    CallRecord,
    Identity,
    SessionIssuer,
    build_event,
)
from clearance.errors import ClearanceError
from clearance.protocol import parse_form
from clearance.protocol.form import scalar
from clearance.services.audit_trace import audit_trace, summarize_decisions
from clearance.services.context import CallContext, Caller
from clearance.wire import WireRequest

__all__ = ["identity_of", "record_call", "summarize_decisions"]

log = logging.getLogger("clearance.audit")

_CREDENTIAL = re.compile(r"Credential=([A-Za-z0-9]{16,128})/")


class RouteLike(Protocol):
    @property
    def service(self) -> str: ...
    @property
    def operation(self) -> str | None: ...
    @property
    def region(self) -> str: ...


def record_call(
    request: WireRequest,
    route: RouteLike,
    ctx: CallContext | None,
    *,
    sink: AuditSink | None,
    now: datetime,
    request_id: str,
    params: Mapping[str, Any] | None = None,
    result: Mapping[str, Any] | None = None,
    error: BaseException | None = None,
) -> None:
    """Write the call's event to ``sink``; log (never raise) on any failure."""
    if sink is None:
        return
    try:
        call = _call(request, route, ctx, now, request_id, params, result, error)
        if isinstance(sink, BatchingSink):
            sink.write_call(call)  # the record is built and redacted on the writer thread
        else:
            sink.write([build_event(call)])
    except Exception:
        log.exception("recording the audit event of request %s failed", request_id)


def _call(
    request: WireRequest,
    route: RouteLike,
    ctx: CallContext | None,
    now: datetime,
    request_id: str,
    params: Mapping[str, Any] | None,
    result: Mapping[str, Any] | None,
    error: BaseException | None,
) -> CallRecord:
    operation = (ctx.operation if ctx else None) or route.operation or _action(request)
    if ctx is None:
        identity = Identity("Unknown", access_key_id=_presented_key(request))
    else:
        identity = identity_of(ctx.caller, operation, result)
    code, message = _error(error)
    return CallRecord(
        identity=identity,
        event_time=ctx.now if ctx else now,
        service=ctx.service if ctx else route.service,
        operation=operation,
        region=ctx.region if ctx else route.region,
        request_id=request_id,
        source_ip=request.source_ip,
        user_agent=request.header("user-agent"),
        params=params,
        result=None if error is not None else result,
        error_code=code,
        error_message=message,
        recipient_account_id=ctx.account_id if ctx and ctx.account_id else None,
        trace=audit_trace(ctx, error, request),
    )


def identity_of(
    caller: Caller, operation: str = "", result: Mapping[str, Any] | None = None
) -> Identity:
    """CloudTrail's identity of an authenticated (or anonymous) caller."""
    if caller.kind == "root":
        return Identity(
            "Root", caller.account_id, caller.arn, caller.account_id, caller.access_key_id
        )
    if caller.kind == "anonymous":
        return _federated_identity(operation, result or {})
    session = caller.session
    base = (caller.principal_id, caller.arn, caller.account_id, caller.access_key_id)
    if caller.kind == "role_session" and session is not None:
        role_arn = caller.role_arn or ""
        issuer = SessionIssuer(
            "Role", caller.entity_id or "", role_arn, caller.account_id, role_arn.rsplit("/", 1)[-1]
        )
        return Identity(
            "AssumedRole",
            *base,
            issuer=issuer,
            session_created=session.created,
            mfa_authenticated=session.mfa_present,
        )
    if caller.kind == "federated_user" and session is not None:
        user_name = caller.user_name or ""
        issuer = SessionIssuer(
            "IAMUser",
            caller.entity_id or "",
            f"arn:aws:iam::{caller.account_id}:user/{user_name}",
            caller.account_id,
            user_name,
        )
        return Identity(
            "FederatedUser",
            *base,
            issuer=issuer,
            session_created=session.created,
            mfa_authenticated=session.mfa_present,
        )
    return Identity("IAMUser", *base, user_name=caller.user_name or "")


def _federated_identity(operation: str, result: Mapping[str, Any]) -> Identity:
    """The unsigned callers: web identity and SAML federation, else an anonymous account."""
    if operation == "AssumeRoleWithWebIdentity":
        subject = str(result.get("SubjectFromWebIdentityToken") or "")
        provider = str(result.get("Provider") or "")
        audience = str(result.get("Audience") or "")
        principal = f"{provider}:{audience}:{subject}" if subject else ""
        return Identity("WebIdentityUser", principal, user_name=subject, identity_provider=provider)
    if operation == "AssumeRoleWithSAML":
        subject = str(result.get("Subject") or "")
        qualifier = str(result.get("NameQualifier") or "")
        principal = f"{qualifier}:{subject}" if subject else ""
        return Identity("SAMLUser", principal, user_name=subject, identity_provider=qualifier)
    return Identity("AWSAccount")


def _error(error: BaseException | None) -> tuple[str | None, str | None]:
    if error is None:
        return None, None
    if isinstance(error, ClearanceError):
        return error.code, error.message
    return "InternalFailure", "An internal error occurred."


def _action(request: WireRequest) -> str:
    """The Action a request named (read again when the call failed before routing)."""
    try:
        form = dict(parse_form(request.query))
        if request.body:
            form.update(parse_form(request.body))
    except ClearanceError:
        return "Unknown"
    action = scalar(form.get("Action"))
    return action if action and action.isalnum() and len(action) <= 128 else "Unknown"


def _presented_key(request: WireRequest) -> str:
    """The access key id a request claimed (for an event whose authentication failed)."""
    header = request.header("authorization") or ""
    found = _CREDENTIAL.search(header)
    if found:
        return found.group(1)
    query = urllib.parse.parse_qs(request.query)
    credential = (query.get("X-Amz-Credential") or query.get("AWSAccessKeyId") or [""])[0]
    return credential.split("/", 1)[0][:128]
