"""record_call: the gateway's values → an event in the sink; never raising."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from clearance.audit import HIDDEN, AuditEvent, MemorySink
from clearance.engine import Decision, Outcome, PolicyType, StatementRef
from clearance.services.audit_hook import identity_of, record_call, summarize_decisions
from clearance.services.authorize import Authorizer
from clearance.services.context import CallContext, Caller
from clearance.services.errors import InvalidClientTokenId
from clearance.store import Session, Store
from clearance.wire import WireRequest

ACCOUNT = "123456789012"
NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/admin"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/s1"
REQUEST = WireRequest.build(
    "POST", "/", headers=[("User-Agent", "aws-cli/2.0")], source_ip="198.51.100.7"
)


@dataclass(frozen=True)
class Route:
    service: str
    operation: str | None
    region: str


def _session(kind: str = "AssumedRole", mfa: bool = True) -> Session:
    return Session(
        access_key_id="ASIAX",
        account_id=ACCOUNT,
        kind=kind,  # type: ignore[arg-type]
        principal_arn=SESSION_ARN,
        principal_id="AROAX:s1",
        created=NOW,
        expires=NOW,
        role_id="AROAX",
        user_id=None,
        session_name="s1",
        source_identity=None,
        mfa_present=mfa,
        mfa_authenticated=NOW if mfa else None,
        session_policy=None,
        policy_arns=(),
        tags=(),
        transitive_tag_keys=(),
        federated_provider=None,
        source_access_key_id=None,
        attributes={},
        token_hash="h",
    )


def _ctx(caller: Caller, operation: str = "CreateUser", service: str = "iam") -> CallContext:
    return CallContext(
        caller=caller,
        service=service,
        operation=operation,
        request_id="req-1",
        region="eu-west-1",
        now=NOW,
        store=cast(Store, None),
        authorizer=cast(Authorizer, None),
        source_ip=REQUEST.source_ip,
        user_agent=REQUEST.header("user-agent"),
    )


def _record(ctx: CallContext | None, **kwargs: Any) -> AuditEvent:
    sink = MemorySink()
    route = Route("iam", "CreateUser", "us-east-1")
    record_call(REQUEST, route, ctx, sink=sink, now=NOW, request_id="req-1", **kwargs)
    assert len(sink.events) == 1
    return sink.events[0]


def test_an_assumed_role_call_with_its_trace() -> None:
    caller = Caller(
        ACCOUNT, SESSION_ARN, "role_session", "AROAX:s1", "ASIAX",
        entity_id="AROAX", role_arn=ROLE_ARN, session=_session(),
    )  # fmt: skip
    ctx = _ctx(caller)
    ref = StatementRef(PolicyType.IDENTITY, "ANPAX", 0, "Allow")
    ctx.decisions.append(Decision(Outcome.ALLOWED, determining=(ref,)))
    event = _record(ctx, params={"UserName": "bob"}, result={"User": {"UserName": "bob"}})
    identity = event.record["userIdentity"]
    assert identity["type"] == "AssumedRole"
    assert identity["sessionContext"] == {
        "sessionIssuer": {
            "type": "Role",
            "principalId": "AROAX",
            "arn": ROLE_ARN,
            "accountId": ACCOUNT,
            "userName": "admin",
        },
        "attributes": {"creationDate": "2026-03-04T05:06:07Z", "mfaAuthenticated": "true"},
    }
    assert event.record["sourceIPAddress"] == "198.51.100.7"
    assert event.record["userAgent"] == "aws-cli/2.0"
    assert event.record["responseElements"] == {"user": {"userName": "bob"}}
    assert event.trace == {
        "outcome": "allowed",
        "denied_by": None,
        "decisions": [
            {"outcome": "allowed", "denied_by": None, "determining": [ref.to_json()], "note": None}
        ],
    }


def test_a_denied_call() -> None:
    caller = Caller(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/alice", "user", "AIDAX", "AKIAX",
                    entity_id="AIDAX", user_name="alice")  # fmt: skip
    ctx = _ctx(caller)
    ctx.decisions.append(Decision(Outcome.IMPLICIT_DENY, PolicyType.IDENTITY))
    from clearance.services.errors import AccessDenied

    event = _record(ctx, params={"UserName": "bob"}, error=AccessDenied("not authorized"))
    assert event.record["userIdentity"]["type"] == "IAMUser"
    assert event.record["userIdentity"]["userName"] == "alice"
    assert event.record["errorCode"] == "AccessDenied"
    assert event.record["responseElements"] is None
    assert event.trace is not None
    assert event.trace["outcome"] == "implicit_deny"
    assert event.trace["denied_by"] == "identity-based policy"


def test_failed_authentication_is_unknown_with_the_presented_key() -> None:
    request = WireRequest.build(
        "POST",
        "/",
        headers=[("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFAKE12345678/20260101/")],
    )
    sink = MemorySink()
    record_call(
        request, Route("sts", "GetCallerIdentity", "us-east-1"), None,
        sink=sink, now=NOW, request_id="r2", error=InvalidClientTokenId("invalid"),
    )  # fmt: skip
    record = sink.events[0].record
    assert record["userIdentity"]["type"] == "Unknown"
    assert record["userIdentity"]["accessKeyId"] == "AKIAFAKE12345678"
    assert record["errorCode"] == "InvalidClientTokenId"
    assert record["eventName"] == "GetCallerIdentity"
    assert record["eventTime"] == "2026-03-04T05:06:07Z"
    trace = sink.events[0].trace  # what `clearance explain --request-id` shows
    assert trace is not None and trace["outcome"] == "authentication_failed"
    assert trace["authentication"]["access_key_id"] == "AKIAFAKE12345678"


def test_web_identity_and_saml_callers() -> None:
    anonymous = Caller("", "*", "anonymous", "*", "")
    web = identity_of(
        anonymous,
        "AssumeRoleWithWebIdentity",
        {"SubjectFromWebIdentityToken": "sub", "Provider": "idp.example", "Audience": "aud"},
    )
    assert (web.type, web.principal_id, web.user_name) == (
        "WebIdentityUser", "idp.example:aud:sub", "sub",
    )  # fmt: skip
    saml = identity_of(anonymous, "AssumeRoleWithSAML", {"Subject": "alice", "NameQualifier": "Q"})
    assert (saml.type, saml.principal_id, saml.identity_provider) == ("SAMLUser", "Q:alice", "Q")
    assert identity_of(anonymous, "Other").type == "AWSAccount"


def test_root_and_federated_users() -> None:
    root = identity_of(Caller(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", "root", ACCOUNT, "AKIAR"))
    assert (root.type, root.principal_id) == ("Root", ACCOUNT)
    fed = identity_of(
        Caller(ACCOUNT, f"arn:aws:sts::{ACCOUNT}:federated-user/f", "federated_user",
               f"{ACCOUNT}:f", "ASIAF", entity_id="AIDAB", user_name="bob",
               session=_session("FederatedUser", mfa=False))
    )  # fmt: skip
    assert fed.type == "FederatedUser"
    assert fed.issuer is not None
    assert (fed.issuer.type, fed.issuer.user_name) == ("IAMUser", "bob")
    assert fed.mfa_authenticated is False


def test_session_tokens_in_the_sts_response_are_hidden() -> None:
    caller = Caller(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", "root", ACCOUNT, "AKIAR")
    result = {"Credentials": {"SessionToken": "TOKEN", "SecretAccessKey": "SECRET"}}
    event = _record(_ctx(caller, "GetSessionToken", "sts"), params={"TokenCode": "987654"},
                    result=result)  # fmt: skip
    text = repr(event.record)
    assert "TOKEN" not in text and "SECRET" not in text and "987654" not in text
    assert event.record["requestParameters"] == {"tokenCode": HIDDEN}
    assert event.record["responseElements"] == {
        "credentials": {"sessionToken": HIDDEN, "secretAccessKey": HIDDEN}
    }


class _Broken:
    def write(self, records: Sequence[AuditEvent]) -> None:
        raise OSError("disk full")


def test_a_failing_sink_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    record_call(REQUEST, Route("iam", "GetUser", "us-east-1"), None, sink=_Broken(), now=NOW,
                request_id="r3")  # fmt: skip
    assert "r3" in caplog.text


def test_no_sink_is_a_no_op() -> None:
    record_call(REQUEST, Route("iam", "GetUser", "us-east-1"), None, sink=None, now=NOW,
                request_id="r4")  # fmt: skip


def test_summary_of_no_decisions() -> None:
    assert summarize_decisions([]) == {
        "outcome": "implicit_deny",
        "denied_by": None,
        "decisions": [],
    }


def test_the_action_is_read_from_the_form_when_routing_did_not_name_it() -> None:
    request = WireRequest.build("POST", "/", body=b"Action=ListUsers&Version=2010-05-08")
    sink = MemorySink()
    record_call(request, Route("iam", None, "us-east-1"), None, sink=sink, now=NOW,
                request_id="r5", error=InvalidClientTokenId("invalid"))  # fmt: skip
    assert sink.events[0].record["eventName"] == "ListUsers"
    garbled = WireRequest.build("POST", "/", body=b"Action=%3Cscript%3E")
    record_call(garbled, Route("iam", None, "us-east-1"), None, sink=sink, now=NOW,
                request_id="r6")  # fmt: skip
    assert sink.events[1].record["eventName"] == "Unknown"
