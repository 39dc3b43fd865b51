"""The trace stored beside each audit event: small for allowed calls,
self-contained for denials, the details of authentication failures (secrets
redacted), and always bounded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from clearance.audit import MemorySink
from clearance.authn import ExpiredToken, SignatureDoesNotMatch
from clearance.engine import Decision, Outcome, PolicyType, StatementRef, evaluate
from clearance.services.audit_hook import record_call
from clearance.services.audit_trace import TRACE_LIMIT, audit_trace, redact_signing_text
from clearance.services.authorize import Authorizer
from clearance.services.context import CallContext, Caller
from clearance.services.errors import InvalidClientTokenId
from clearance.simulate import load_case
from clearance.store import Session, Store
from clearance.wire import WireRequest

ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN" * 4
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def _ctx(caller: Caller | None = None, service: str = "iam", operation: str = "ListUsers") -> Any:
    return CallContext(
        caller=caller
        or Caller(ACCOUNT, ALICE, "user", "AIDAX", "AKIAX", entity_id="AIDAX", user_name="alice"),
        service=service,
        operation=operation,
        request_id="req-1",
        region="us-east-1",
        now=NOW,
        store=cast(Store, None),
        authorizer=cast(Authorizer, None),
    )


def _authorize(
    ctx: CallContext,
    action: str,
    statements: list[dict[str, Any]],
    context: dict[str, Any] | None = None,
) -> Decision:
    document = {"Version": "2012-10-17", "Statement": statements}
    request, policies = load_case(
        {
            "request": {"principal": ALICE, "action": action, "context": context or {}},
            "policies": {"identity": [{"id": "user/alice/p", "document": document}]},
        }
    )
    decision = evaluate(request, policies)
    ctx.record(request, policies, decision)
    return decision


def test_an_allowed_call_keeps_a_small_trace() -> None:
    ctx = _ctx()
    _authorize(
        ctx,
        "iam:ListUsers",
        [{"Sid": "All", "Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
    )
    trace = audit_trace(ctx, None)
    assert trace is not None
    assert trace["outcome"] == "allowed" and trace["denied_by"] is None
    [check] = trace["checks"]
    assert check["principal"] == ALICE
    assert check["action"] == "iam:ListUsers"
    assert check["resource"] == "*"
    assert check["determining"][0]["sid"] == "All"
    assert "explain" not in trace
    assert len(json.dumps(trace)) < 1000


def test_a_denial_is_stored_self_contained() -> None:
    ctx = _ctx()
    _authorize(ctx, "iam:GetUser", [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}])
    _authorize(
        ctx,
        "iam:ListUsers",
        [
            {
                "Sid": "Mfa",
                "Effect": "Allow",
                "Action": "iam:List*",
                "Resource": "*",
                "Condition": MFA,
            }
        ],
        {"aws:MultiFactorAuthPresent": "false", "aws:SourceIp": "192.0.2.1"},
    )
    trace = audit_trace(ctx, None)
    assert trace is not None
    assert trace["outcome"] == "implicit_deny"
    assert [c["outcome"] for c in trace["checks"]] == ["allowed", "implicit_deny"]
    report = trace["explain"]
    assert report["request"]["action"] == "iam:ListUsers"
    assert report["request"]["context"]["aws:sourceip"] == "192.0.2.1"
    assert {layer["layer"]: layer["said"] for layer in report["layers"]}["identity"] == "no allow"
    [closest] = report["statements"]
    assert '"Sid": "Mfa"' in closest["source"]
    [failed] = report["failed_conditions"]
    assert (failed["key"], failed["operator"], failed["policy_values"]) == (
        "aws:MultiFactorAuthPresent",
        "Bool",
        ["true"],
    )
    assert failed["request_value"] == "false" and failed["absent"] is False
    assert "Mfa" in report["explanation"]["fix"]
    assert report["explanation"]["who_can_change"].startswith("an IAM administrator")
    assert report["diagnosis"]["case"] == "mfa-required"
    json.dumps(trace)  # JSON-able as stored


def test_decisions_without_checks_keep_the_summary_shape() -> None:
    ctx = _ctx()
    ref = StatementRef(PolicyType.IDENTITY, "p", 0)
    ctx.decisions.append(Decision(Outcome.ALLOWED, determining=(ref,)))
    assert audit_trace(ctx, None) == {
        "outcome": "allowed",
        "denied_by": None,
        "decisions": [
            {"outcome": "allowed", "denied_by": None, "determining": [ref.to_json()], "note": None}
        ],
    }
    assert audit_trace(_ctx(), None) is None
    assert audit_trace(None, None) is None


def test_a_signature_mismatch_keeps_what_the_server_computed_without_the_token() -> None:
    canonical = (
        "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:localhost\n"
        f"x-amz-date:20260304T050607Z\nx-amz-security-token:{TOKEN}\n\n"
        "content-type;host;x-amz-date;x-amz-security-token\nabc123"
    )
    error = SignatureDoesNotMatch(
        "mismatch",
        canonical_request=canonical,
        string_to_sign="AWS4-HMAC-SHA256\n20260304T050607Z\nscope\nhash",
        signature_provided="f" * 64,
        access_key_id="ASIAEXAMPLE",
    )
    request = WireRequest.build("POST", "/", headers=[("X-Amz-Security-Token", TOKEN)])
    trace = audit_trace(None, error, request)
    assert trace is not None
    assert trace["outcome"] == "authentication_failed"
    details = trace["authentication"]
    assert details["error"] == "SignatureDoesNotMatch"
    assert details["access_key_id"] == "ASIAEXAMPLE"
    assert "x-amz-security-token:<redacted>\n" in details["canonical_request"]
    assert details["string_to_sign"].startswith("AWS4-HMAC-SHA256\n")
    assert details["signed_with_session_token"] is True
    stored = json.dumps(trace)
    assert TOKEN not in stored
    assert "f" * 64 not in stored


def test_presigned_tokens_are_redacted_too() -> None:
    text = f"GET\n/\nX-Amz-Date=1&X-Amz-Security-Token={TOKEN}&X-Amz-SignedHeaders=host\nhost:h"
    redacted = redact_signing_text(text)
    assert TOKEN not in redacted
    assert "X-Amz-Security-Token=<redacted>&X-Amz-SignedHeaders=host" in redacted
    first = redact_signing_text(f"GET\n/\nX-Amz-Security-Token={TOKEN}\nhost:h")
    assert first == "GET\n/\nX-Amz-Security-Token=<redacted>\nhost:h"
    sigv2 = f"POST\nhost\n/\nAWSAccessKeyId=AKIA&Action=ListUsers&SecurityToken={TOKEN}&Version=1"
    assert redact_signing_text(sigv2).endswith("&SecurityToken=<redacted>&Version=1")


def test_an_expired_token_names_the_presented_key() -> None:
    request = WireRequest.build(
        "POST", "/", headers=[("Authorization", "AWS4-HMAC-SHA256 Credential=ASIAOLDKEY1234567/x")]
    )
    trace = audit_trace(None, ExpiredToken(), request)
    assert trace is not None
    assert trace["authentication"]["error"] == "ExpiredToken"
    assert trace["authentication"]["access_key_id"] == "ASIAOLDKEY1234567"


def _session(kind: str, mfa: bool) -> Session:
    return Session(
        access_key_id="ASIASESSION",
        account_id=ACCOUNT,
        kind=kind,  # type: ignore[arg-type]
        principal_arn=ALICE,
        principal_id="AIDAX",
        created=NOW,
        expires=NOW + timedelta(hours=1),
        role_id=None,
        user_id="AIDAX",
        session_name=None,
        source_identity=None,
        mfa_present=mfa,
        mfa_authenticated=None,
        session_policy=None,
        policy_arns=(),
        tags=(),
        transitive_tag_keys=(),
        federated_provider=None,
        source_access_key_id=None,
        attributes={},
        token_hash="h",
    )


def test_credentials_of_a_kind_the_api_does_not_accept() -> None:
    caller = Caller(
        ACCOUNT,
        ALICE,
        "user",
        "AIDAX",
        "ASIASESSION",
        entity_id="AIDAX",
        user_name="alice",
        session=_session("SessionToken", False),
    )
    trace = audit_trace(_ctx(caller), InvalidClientTokenId("The security token ... invalid."))
    assert trace is not None
    details = trace["authentication"]
    assert details["session_kind"] == "SessionToken"
    assert details["mfa_present"] is False
    assert "GetSessionToken cannot call IAM unless MFA" in details["rule"]
    assert (details["service"], details["operation"]) == ("iam", "ListUsers")


def test_the_trace_is_bounded() -> None:
    ctx = _ctx()
    huge = [
        {
            "Sid": f"S{i}",
            "Effect": "Allow",
            "Action": "iam:List*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": [f"team-{i}-{'x' * 200}"]}},
        }
        for i in range(200)
    ]
    context = {f"aws:PrincipalTag/k{i}": "v" * 250 for i in range(100)}
    _authorize(ctx, "iam:ListUsers", huge, context)
    trace = audit_trace(ctx, None)
    assert trace is not None
    assert len(json.dumps(trace, separators=(",", ":"))) <= TRACE_LIMIT
    assert trace["truncated"] is True
    assert trace["outcome"] == "implicit_deny"


def test_record_call_stores_the_denial_report() -> None:
    ctx = _ctx()
    _authorize(ctx, "iam:ListUsers", [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
    from clearance.services.errors import AccessDenied

    sink = MemorySink()
    route = type("Route", (), {"service": "iam", "operation": "ListUsers", "region": "us-east-1"})
    record_call(
        WireRequest.build("POST", "/"),
        route(),
        ctx,
        sink=sink,
        now=NOW,
        request_id="req-1",
        error=AccessDenied("denied"),
    )
    [event] = sink.events
    assert event.trace is not None
    assert event.trace["explain"]["diagnosis"]["case"] == "missing-permission"
