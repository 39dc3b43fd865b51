"""The trace stored beside each audit event, for ``clearance explain --request-id``.

- allowed calls: small — the outcome and, per authorization, the principal,
  action, resource and deciding statements (no per-decision summary: it would
  only repeat the checks);
- denied calls: the denying authorization re-evaluated with a trace and
  described self-contained (:func:`clearance.engine.report.build_report`:
  request and context, each layer, deciding statements with their source,
  failed conditions with the request's values, the fix and who can make it),
  so that it can be explained after the policies have changed;
- failed authentication: the error and its details (for a signature mismatch
  the canonical request and string to sign the server computed, session
  tokens redacted; never a secret or the signature).

The stored JSON is bounded (:data:`TRACE_LIMIT`): long parts are dropped
first, and ``truncated`` says so.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

from clearance.authn import AuthError, SignatureDoesNotMatch
from clearance.engine import Decision, Outcome
from clearance.engine.report import build_report, cut
from clearance.services.context import CallContext, Check
from clearance.services.errors import InvalidClientTokenId
from clearance.services.sts.restrictions import credential_type_violation
from clearance.wire import WireRequest

__all__ = ["AUTHENTICATION_FAILED", "TRACE_LIMIT", "audit_trace", "redact_signing_text"]

TRACE_LIMIT = 32 * 1024  # characters of JSON per event
AUTHENTICATION_FAILED = "authentication_failed"
_CHECKS_KEPT = 16
_TEXT_LIMIT = 4096
_CREDENTIAL = re.compile(r"Credential=([A-Za-z0-9]{16,128})/")
# A session token as a canonical header line or a canonical query parameter.
_TOKEN_HEADER = re.compile(r"(?im)^(x-amz-security-token:).*$")
_TOKEN_QUERY = re.compile(r"(?im)((?:^|&)(?:X-Amz-Security-Token|SecurityToken)=)[^&\n]*")
REDACTED = "<redacted>"


def audit_trace(
    ctx: CallContext | None, error: BaseException | None, request: WireRequest | None = None
) -> dict[str, Any] | None:
    """The trace of one call (None when nothing was decided and nothing failed
    authentication)."""
    if isinstance(error, AuthError | InvalidClientTokenId):
        return _bounded(_authentication(ctx, error, request))
    if ctx is None:
        return None
    if not ctx.checks:
        return summarize_decisions(ctx.decisions) if ctx.decisions else None
    denied = next((check for check in ctx.checks if not check.decision.allowed), None)
    if denied is None and len(ctx.checks) <= _CHECKS_KEPT:
        allowed = _allowed(ctx.checks)
        if allowed is not None:
            return allowed  # small by construction: no size check on the allowed path
    trace = summarize_decisions([check.decision for check in ctx.checks])
    trace["checks"] = [_check(check) for check in ctx.checks[:_CHECKS_KEPT]]
    if denied is None and len(ctx.checks) <= _CHECKS_KEPT:
        return trace
    if denied is not None:
        trace["explain"] = build_report(denied.request, denied.policies)
    return _bounded(trace)


def redact_signing_text(text: str) -> str:
    """Signing text without its session token (a SigV4 header line, a presigned
    ``X-Amz-Security-Token`` or a SigV2 ``SecurityToken`` parameter)."""
    return _TOKEN_QUERY.sub(r"\1" + REDACTED, _TOKEN_HEADER.sub(r"\1" + REDACTED, text))


def summarize_decisions(decisions: Sequence[Decision]) -> dict[str, Any]:
    """The engine's decisions of a call as JSON: the overall outcome, the policy
    type that denied, and each decision's determining statements."""
    denied = next((d for d in decisions if not d.allowed), None)
    final = denied or (decisions[-1] if decisions else None)
    return {
        "outcome": final.outcome.value if final else Outcome.IMPLICIT_DENY.value,
        "denied_by": final.denied_by.value if final and final.denied_by else None,
        "decisions": [
            {
                "outcome": d.outcome.value,
                "denied_by": d.denied_by.value if d.denied_by else None,
                "determining": [ref.to_json() for ref in d.determining],
                "note": d.note,
            }
            for d in decisions
        ],
    }


def _allowed(checks: Sequence[Check]) -> dict[str, Any] | None:
    """The compact trace of a call every check allowed: the checks alone, since
    the per-decision summary would repeat their determining statements (every
    call is audited, so this is written for nearly every event). None when a
    decision carries a note, which only the summary keeps."""
    if any(check.decision.note for check in checks):
        return None
    return {
        "outcome": Outcome.ALLOWED.value,
        "denied_by": None,
        "checks": [_check(check) for check in checks],
    }


def _check(check: Check) -> dict[str, Any]:
    request = check.request
    return {
        "principal": request.principal.arn,
        "action": request.action,
        "resource": cut(request.resource, 2048),
        "outcome": check.decision.outcome.value,
        "determining": [ref.to_json() for ref in check.decision.determining],
    }


def _authentication(
    ctx: CallContext | None, error: BaseException, request: WireRequest | None
) -> dict[str, Any]:
    code = getattr(error, "code", "InvalidClientTokenId")
    details: dict[str, Any] = {
        "error": type(error).__name__,
        "code": code,
        "message": cut(str(getattr(error, "message", "")), _TEXT_LIMIT),
        "access_key_id": _presented_key(request) if request is not None else None,
    }
    if isinstance(error, SignatureDoesNotMatch):
        details["access_key_id"] = error.access_key_id or details["access_key_id"]
        if error.canonical_request is not None:
            details["canonical_request"] = cut(
                redact_signing_text(error.canonical_request), _TEXT_LIMIT
            )
        if error.string_to_sign is not None:
            # SigV2 signs the query itself, session token included.
            details["string_to_sign"] = cut(redact_signing_text(error.string_to_sign), _TEXT_LIMIT)
        if request is not None:
            details["signed_with_session_token"] = (
                request.header("x-amz-security-token") is not None
            )
    if ctx is not None:
        caller = ctx.caller
        session = caller.session
        details["caller"] = caller.arn
        details["access_key_id"] = caller.access_key_id or details["access_key_id"]
        details["service"] = ctx.service
        details["operation"] = ctx.operation
        if session is not None:
            details["session_kind"] = session.kind
            details["mfa_present"] = session.mfa_present
        details["rule"] = credential_type_violation(caller, ctx.service, ctx.operation)
    return {
        "outcome": AUTHENTICATION_FAILED,
        "denied_by": None,
        "decisions": [],
        "authentication": details,
    }


def _presented_key(request: WireRequest) -> str | None:
    """The access key id a request claimed (header or presigned query)."""
    found = _CREDENTIAL.search(request.header("authorization") or "")
    if found:
        return found.group(1)
    query = urllib.parse.parse_qs(request.query)
    credential = (query.get("X-Amz-Credential") or query.get("AWSAccessKeyId") or [""])[0]
    return credential.split("/", 1)[0][:128] or None


def _size(trace: dict[str, Any]) -> int:
    return len(json.dumps(trace, separators=(",", ":"), default=str))


def _bounded(trace: dict[str, Any]) -> dict[str, Any]:
    """Drop the least needed parts until the trace fits :data:`TRACE_LIMIT`."""
    if _size(trace) <= TRACE_LIMIT:
        return trace
    trace["truncated"] = True
    report = trace.get("explain")
    steps: list[Callable[[], object]] = []
    if isinstance(report, dict):
        steps = [
            lambda: [s.pop("source", None) for s in report.get("statements", [])],
            lambda: [layer.pop("statements", None) for layer in report.get("layers", [])],
            lambda: report["request"].update(context={}),
            lambda: report.update(statements=report["statements"][:2]),
        ]
    steps += [
        lambda: trace.update(checks=trace.get("checks", [])[:1]),
        lambda: trace.update(decisions=trace["decisions"][:1]),
        lambda: trace.pop("explain", None),
        lambda: trace.get("authentication", {}).pop("canonical_request", None),
    ]
    for step in steps:
        step()
        if _size(trace) <= TRACE_LIMIT:
            return trace
    return {
        "outcome": trace.get("outcome"),
        "denied_by": trace.get("denied_by"),
        "decisions": [],
        "truncated": True,
    }
