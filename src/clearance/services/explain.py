"""``clearance explain``'s three sources of a decision, as one report shape.

- a recorded request (:func:`explain_request_id`): the trace stored beside its
  audit event (:mod:`clearance.services.audit_trace`), self-contained;
- a principal, action and resource against the live store
  (:func:`explain_principal`): the policy set built as the Authorizer builds it
  (identity policies with the groups', the permissions boundary, and for a role
  with ``sts:AssumeRole`` its trust policy as the resource policy);
- an offline case (:func:`explain_case`), in ``clearance simulate``'s format.

The report is :func:`clearance.engine.report.build_report`'s; authentication
failures get their own diagnosis here, where the error is known.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from clearance.arn import account_of, parse_arn
from clearance.clock import Clock
from clearance.engine import ContextValue, NamedPolicy, Request, parse_principal
from clearance.engine.report import REPORT_VERSION, build_report
from clearance.errors import ClearanceError, InvalidInput
from clearance.policy import read_policy
from clearance.services.authorize import Authorizer
from clearance.services.context import CallContext, Caller
from clearance.services.sts.assume_role import trust_policy_set, trust_request
from clearance.simulate import load_case
from clearance.store import Role, Store

__all__ = [
    "EventNotFound",
    "authentication_report",
    "explain_case",
    "explain_principal",
    "explain_request_id",
    "parse_context",
]

_TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
    }
)
MAX_CONTEXT_PAIRS = 256


class EventNotFound(ClearanceError):
    code = "NotFound"
    http_status = 404


# -- a recorded request ---------------------------------------------------------------------


def explain_request_id(store: Store, request_id: str) -> dict[str, Any]:
    """The report of a recorded request. Raises EventNotFound."""
    event = store.event_by_request_id(request_id)
    if event is None:
        raise EventNotFound(
            f"No audit event for request {request_id} (is the server recording with --audit, "
            "and has the 0.2 s batch been written?)."
        )
    trace = event.trace or {}
    if isinstance(trace.get("explain"), Mapping):
        report = dict(trace["explain"])
    elif isinstance(trace.get("authentication"), Mapping):
        report = authentication_report(trace["authentication"])
    else:
        report = _summary_report(trace, event.record)
    report["source"] = "request-id"
    if event.record.get("errorMessage"):
        report["message"] = event.record["errorMessage"]  # what the caller was told
    report["event"] = _event(event.record, event.event_id)
    if trace.get("truncated"):
        report["truncated"] = True
    return report


def _event(record: Mapping[str, Any], event_id: str) -> dict[str, Any]:
    identity = record.get("userIdentity") or {}
    return {
        "request_id": record.get("requestID"),
        "event_id": event_id,
        "event_time": record.get("eventTime"),
        "event_source": record.get("eventSource"),
        "event_name": record.get("eventName"),
        "caller": identity.get("arn") or identity.get("type"),
        "access_key_id": identity.get("accessKeyId"),
        "error_code": record.get("errorCode"),
        "error_message": record.get("errorMessage"),
    }


def _summary_report(trace: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """An allowed call (its small trace), or a call nothing was decided for."""
    outcome = trace.get("outcome")
    statements: list[dict[str, Any]] = []
    # An allowed call's compact trace has its checks only (audit_trace); a
    # statement that allowed several checks of the call is listed once.
    for decision in trace.get("decisions") or trace.get("checks") or []:
        for ref in decision.get("determining") or []:
            if {**ref, "role": "deciding"} not in statements:
                statements.append({**ref, "role": "deciding"})
    checks = list(trace.get("checks") or [])
    if outcome is None:
        code = record.get("errorCode")
        summary = "No authorization decision was recorded for this request" + (
            f" (it failed with {code} before or outside authorization)." if code else "."
        )
        outcome = "failed" if code else "unknown"
    elif outcome == "allowed":
        notes = [d.get("note") for d in trace.get("decisions") or [] if d.get("note")]
        summary = "Allowed" + (
            f" by {len(statements)} statement(s)."
            if statements
            else f": {'; '.join(notes)}."
            if notes
            else "."
        )
        if record.get("errorCode"):  # allowed, then refused for another reason
            summary += (
                f" The call then failed with {record['errorCode']}, which is not an "
                "authorization matter: the message says what to correct."
            )
    else:
        summary = f"Denied ({outcome}) by the {trace.get('denied_by') or 'policies'}."
    return {
        "version": REPORT_VERSION,
        "decision": outcome,
        "denied_by": trace.get("denied_by"),
        "message": record.get("errorMessage"),
        "request": checks[-1] if checks else None,
        "checks": checks,
        "layers": [],
        "statements": statements,
        "failed_conditions": [],
        "explanation": {"summary": summary, "layer": None, "who_can_change": None, "fix": None},
        "diagnosis": None,
    }


# -- authentication failures ----------------------------------------------------------------

_COMPARE = (
    "Compare them with what your client computed: with boto3, "
    "boto3.set_stream_logger('botocore', logging.DEBUG) logs 'CanonicalRequest' and "
    "'StringToSign'; with the AWS CLI, run the command with --debug. The first line that "
    "differs is the mistake (often the region or service in the scope, the Host header, "
    "query or path encoding, a header signed but changed in transit, or the payload hash); "
    "if both are identical, the secret access key is wrong."
)


def authentication_report(details: Mapping[str, Any]) -> dict[str, Any]:
    """The report of a request that failed authentication, from its stored details."""
    case, title, summary, fix, owner = _authentication_case(details)
    return {
        "version": REPORT_VERSION,
        "decision": "authentication_failed",
        "denied_by": None,
        "message": details.get("message"),
        "note": None,
        "request": None,
        "layers": [],
        "statements": [],
        "failed_conditions": [],
        "authentication": dict(details),
        "explanation": {
            "summary": summary,
            "layer": "authentication",
            "who_can_change": owner,
            "fix": fix,
        },
        "diagnosis": {"case": case, "title": title, "advice": fix},
    }


def _authentication_case(details: Mapping[str, Any]) -> tuple[str, str, str, str, str]:
    """(case, title, summary, fix, who can change it) of an authentication failure."""
    error = details.get("error")
    key = details.get("access_key_id") or "the access key"
    if error == "SignatureDoesNotMatch":
        computed = details.get("canonical_request") is not None
        fix = (
            "The canonical request and string to sign the server computed are shown. " + _COMPARE
            if computed
            else f"{details.get('message')} Check the signing time, region and service."
        )
        return (
            "signature-mismatch",
            "Signature mismatch: the request was not signed as the server expects",
            f"The signature sent with {key} does not match the one the server computed.",
            fix,
            "the client that signs the request (its secret key and signing code)",
        )
    if error == "ExpiredToken":
        return (
            "expired-credentials",
            "Expired temporary credentials",
            f"The temporary credentials {key} have expired.",
            "Request new temporary credentials (sts assume-role, get-session-token or "
            "get-federation-token again; SDK role providers refresh them by themselves), "
            "or ask for a longer DurationSeconds within the role's MaxSessionDuration.",
            "the caller (by getting new credentials)",
        )
    if details.get("rule"):
        return (
            "credentials-not-accepted",
            "Credentials of a kind this API does not accept",
            f"{details.get('service', 'this service')}:{details.get('operation', '')} does "
            f"not accept credentials from {_issuer(details.get('session_kind'))}: "
            f"{details['rule']}",
            "Call GetSessionToken with SerialNumber and TokenCode (MFA) before calling IAM, or "
            "use long-term keys or role credentials (sts assume-role) for this API; "
            "GetFederationToken credentials can call neither IAM nor STS (except "
            "GetCallerIdentity).",
            "the caller (by using another kind of credentials)",
        )
    if error in ("InvalidClientTokenId", "InvalidAccessKeyId"):
        return (
            "unknown-access-key",
            "Unknown or inactive access key",
            f"The server does not know {key}: it was deleted or deactivated, or belongs to "
            "another endpoint.",
            "Check the credentials the client uses (aws configure list / the environment) "
            "and the key's status (iam list-access-keys).",
            "an IAM administrator of the account (for the key's status) or the caller",
        )
    return (
        "authentication-failed",
        "Authentication failed",
        str(details.get("message") or "The request could not be authenticated."),
        "Sign the request with valid credentials (an AWS SDK or the AWS CLI signs for you).",
        "the caller",
    )


def _issuer(session_kind: Any) -> str:
    if session_kind == "SessionToken":
        return "GetSessionToken"
    if session_kind == "FederatedUser":
        return "GetFederationToken"
    return "this kind of session"


# -- a principal against the live store -----------------------------------------------------


def parse_context(pairs: Sequence[str]) -> dict[str, ContextValue]:
    """``KEY=VALUE`` pairs as a request context: keys lower-cased, a repeated key
    (or a JSON list value) multi-valued, ``true``/``false`` in any case normalized."""
    if len(pairs) > MAX_CONTEXT_PAIRS:
        raise InvalidInput(f"At most {MAX_CONTEXT_PAIRS} --context values.")
    values: dict[str, list[str]] = {}
    multi: set[str] = set()
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            raise InvalidInput(f"--context takes KEY=VALUE, got {pair!r}.")
        found = values.setdefault(key, [])
        if found:
            multi.add(key)
        listed = _json_list(value)
        if listed is not None:
            multi.add(key)
            found.extend(listed)
        else:
            found.append(value.lower() if value.lower() in ("true", "false") else value)
    return {k: tuple(v) if k in multi else v[0] for k, v in values.items()}


def _json_list(value: str) -> list[str] | None:
    if not value.startswith("["):
        return None
    try:
        decoded = json.loads(value)
    except ValueError:
        return None
    if not isinstance(decoded, list):
        return None
    return [v if isinstance(v, str) else json.dumps(v) for v in decoded]


def explain_principal(
    store: Store,
    clock: Clock,
    principal: str,
    action: str,
    resource: str,
    context: Mapping[str, ContextValue] | None = None,
) -> dict[str, Any]:
    """Evaluate the request as the server would for this principal now."""
    caller = _caller(store, principal)
    authorizer = Authorizer(store)
    identity_side, tags = authorizer.policies_of(caller)
    ctx = CallContext(
        caller=caller,
        service=action.partition(":")[0].lower(),
        operation="Explain",
        request_id="explain",
        region="us-east-1",
        now=clock.now(),
        store=store,
        authorizer=authorizer,
    )
    role = _trusting_role(store, action, resource)
    owner = role.account_id if role is not None else _resource_account(resource, caller.account_id)
    # As the Authorizer and AssumeRole do: the resource account's RCP chain and
    # both accounts' organization keys.
    identity_side = authorizer.for_resource(caller, identity_side, owner)
    values = authorizer.request_context(ctx, tags, context, owner)
    if role is not None:
        trust = NamedPolicy(role.arn, read_policy(role.assume_role_policy))
        policies = trust_policy_set(identity_side, trust)
        request = trust_request(caller, role, action, values)
    else:
        policies = identity_side
        request = Request(
            principal=parse_principal(caller.arn, caller.account_id, caller.role_arn),
            action=action,
            resource=resource,
            context=values,
            resource_account=owner,
        )
    report = build_report(request, policies)
    report["source"] = "principal"
    return report


def _resource_account(resource: str, caller_account: str) -> str:
    account = account_of(resource)
    return caller_account if account in (None, "aws") else account


def _caller(store: Store, principal: str) -> Caller:
    """A Caller for a user, role, role-session or root ARN, read from the store."""
    arn = parse_arn(principal)
    if arn is None or not arn.account:
        raise InvalidInput(f"--principal must be an IAM or STS ARN, got {principal!r}.")
    account, resource = arn.account, arn.resource
    if arn.service == "iam" and resource == "root":
        return Caller(account, principal, "root", account, "")
    if arn.service == "iam" and resource.startswith("user/"):
        user = store.get_user(account, resource.rsplit("/", 1)[-1])
        _same(user.arn, principal)
        return Caller(
            account, user.arn, "user", user.id, "", entity_id=user.id, user_name=user.name
        )
    if arn.service == "iam" and resource.startswith("role/"):
        role = store.get_role(account, resource.rsplit("/", 1)[-1])
        _same(role.arn, principal)
        return Caller(
            account, role.arn, "role_session", role.id, "", entity_id=role.id, role_arn=role.arn
        )
    if arn.service == "sts" and resource.startswith("assumed-role/") and resource.count("/") >= 2:
        _, role_name, session_name = resource.split("/", 2)
        role = store.get_role(account, role_name)
        return Caller(
            account,
            principal,
            "role_session",
            f"{role.id}:{session_name}",
            "",
            entity_id=role.id,
            role_arn=role.arn,
        )
    raise InvalidInput(
        "--principal must name a user, a role, a role session (assumed-role) or an account's root."
    )


def _same(stored: str, given: str) -> None:
    if stored != given:
        raise InvalidInput(f"{given} does not match {stored} (check the path).")


def _trusting_role(store: Store, action: str, resource: str) -> Role | None:
    """The role whose trust policy judges ``action`` on ``resource``, if any."""
    if action.lower() not in _TRUST_ACTIONS:
        return None
    arn = parse_arn(resource)
    if arn is None or arn.service != "iam" or not arn.resource.startswith("role/"):
        return None
    return store.get_role(arn.account, arn.resource.rsplit("/", 1)[-1])


# -- an offline case ------------------------------------------------------------------------


def explain_case(case: Mapping[str, Any]) -> dict[str, Any]:
    """The report of a ``clearance simulate`` case. Raises CaseError."""
    request, policies = load_case(case)
    report = build_report(request, policies)
    report["source"] = "case"
    return report
