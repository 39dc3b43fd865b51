"""Encoded authorization messages: a denied call's full story, sealed so that
only this Clearance deployment can read it back (``sts:DecodeAuthorizationMessage``).

The decoded JSON has AWS's shape (``allowed``, ``explicitDeny``,
``matchedStatements``, ``failures``, ``context`` with the principal, action,
resource and the request's condition keys), plus a ``clearance`` object: the
policy type that denied, the explanation, the failed conditions with the
policy's values next to the request's, the fix and who can make it.
https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html

The token is AES-GCM under a key derived from the master key
(:class:`clearance.store.TokenSealer`), bound to the caller's account as
associated data: another account's caller cannot decode it. Messages carry no
secrets: no keys or session tokens are part of an authorization request.

Where messages appear:

- EC2's ``UnauthorizedOperation`` text (:func:`unauthorized_operation_message`);
- opt-in for every other service: when the server runs with
  ``--encoded-messages`` (``CLEARANCE_ENCODED_MESSAGES=1``) or the request
  carries ``x-clearance-encode-authorization: true``, an ``AccessDenied``
  response carries the token in ``x-clearance-encoded-authorization-message``
  (:func:`with_encoded_message`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from clearance.engine import (
    ConditionTrace,
    ContextValue,
    Outcome,
    PolicySet,
    PolicyType,
    StatementRef,
    evaluate,
    explain,
)
from clearance.errors import ClearanceError
from clearance.policy.model import PrincipalBlock, Statement
from clearance.services.context import CallContext, Caller, Check
from clearance.services.errors import AccessDenied
from clearance.store import Store, TokenSealer
from clearance.wire import WireRequest, WireResponse

__all__ = [
    "ENCODED_MESSAGE_HEADER",
    "ENCODE_REQUEST_HEADER",
    "MAX_MESSAGE_CHARS",
    "decode_message",
    "decoded_message",
    "denied_check",
    "encode_denial",
    "unauthorized_operation_message",
    "with_encoded_message",
]

log = logging.getLogger("clearance.authz_message")

ENCODE_REQUEST_HEADER = "x-clearance-encode-authorization"
ENCODED_MESSAGE_HEADER = "x-clearance-encoded-authorization-message"
# DecodeAuthorizationMessage's EncodedMessage: 1..10240 characters (the STS
# API reference): every message Clearance issues must fit.
MAX_MESSAGE_CHARS = 10240
# EC2's wording for a denial that carries a message (UnauthorizedOperation, as
# EC2 answers it: e.g. the responses quoted in github.com/aws/aws-sdk-go/issues/1536).
UNAUTHORIZED_OPERATION = "You are not authorized to perform this operation."
_ENCODED_SUFFIX = " Encoded authorization failure message: "
# Belt and braces: no context key that could hold a credential is ever written.
_SECRET_KEY_PARTS = ("secret", "password", "sessiontoken", "credential", "signature")
_CLIP = 256  # longest string kept when a message must shrink to fit


def denied_check(ctx: CallContext) -> Check | None:
    """The authorization that denied the call: its last check, if that one denied."""
    if not ctx.checks:
        return None
    last = ctx.checks[-1]
    return None if last.decision.allowed else last


def decoded_message(
    check: Check, caller: Caller, *, request_id: str | None = None
) -> dict[str, Any]:
    """AWS's decoded-message document for a denied check, with Clearance's extension."""
    request, policies = check.request, check.policies
    decision = evaluate(request, policies, explain=True)
    explanation = explain(request, decision)
    explicit = decision.outcome is Outcome.EXPLICIT_DENY
    matched = [
        _statement_json(ref, statement, caller)
        for ref in (decision.determining if explicit else ())
        if (statement := _statement_at(policies, ref)) is not None
    ]
    extension: dict[str, Any] = {
        "outcome": _OUTCOMES[decision.outcome],
        "deniedBy": decision.denied_by.value if decision.denied_by else None,
        "summary": explanation.summary,
        "fix": explanation.fix,
        "whoCanFix": explanation.owner,
        "failedConditions": [_failed_json(c) for c in explanation.failed_conditions],
        "statements": [ref.to_json() for ref in explanation.statements],
    }
    if decision.note:
        extension["note"] = decision.note
    if request_id:
        extension["requestId"] = request_id
    principal: dict[str, str] = {"id": caller.principal_id}
    if caller.user_name and caller.kind == "user":
        principal["name"] = caller.user_name
    principal["arn"] = caller.arn
    return {
        "allowed": decision.allowed,
        "explicitDeny": explicit,
        "matchedStatements": {"items": matched},
        "failures": {"items": []},
        "context": {
            "principal": principal,
            "action": request.action,
            "resource": request.resource,
            "conditions": {"items": _context_items(request.context)},
        },
        "clearance": extension,
    }


def encode_denial(ctx: CallContext, check: Check | None = None) -> str | None:
    """The sealed message for the call's denial (None when no check denied)."""
    check = check or denied_check(ctx)
    if check is None or not ctx.account_id:
        return None
    document = decoded_message(check, ctx.caller, request_id=ctx.request_id)
    return _seal(ctx.store.authorization_messages, document, ctx.account_id)


def decode_message(store: Store, account_id: str, token: str) -> str | None:
    """The decoded JSON of a message this deployment sealed for ``account_id``;
    None for anything else (malformed, tampered with, another account's)."""
    if not 1 <= len(token) <= MAX_MESSAGE_CHARS:
        return None
    return store.authorization_messages.open(token, account_id)


def unauthorized_operation_message(ctx: CallContext) -> str:
    """EC2's ``UnauthorizedOperation`` message, with the encoded message when a
    check of the call denied."""
    token = encode_denial(ctx)
    return (
        UNAUTHORIZED_OPERATION
        if token is None
        else UNAUTHORIZED_OPERATION + _ENCODED_SUFFIX + token
    )


def with_encoded_message(
    response: WireResponse,
    request: WireRequest,
    error: ClearanceError,
    ctx: CallContext | None,
    *,
    enabled: bool,
) -> WireResponse:
    """``response`` with the encoded-message header, when asked for (server
    setting or the request's header) and the error is a policy denial. Never
    fails the response: a problem here is logged and the answer goes out as is."""
    if ctx is None or not isinstance(error, AccessDenied):
        return response
    if not (enabled or (request.header(ENCODE_REQUEST_HEADER) or "").strip().lower() == "true"):
        return response
    try:
        token = encode_denial(ctx)
    except Exception:
        log.warning(
            "encoding the authorization message of %s failed", ctx.request_id, exc_info=True
        )
        return response
    if token is None:
        return response
    headers = (*response.headers, (ENCODED_MESSAGE_HEADER, token))
    return WireResponse(response.status, headers, response.body)


# -- the document ----------------------------------------------------------------------

_OUTCOMES = {
    Outcome.ALLOWED: "allowed",
    Outcome.EXPLICIT_DENY: "explicitDeny",
    Outcome.IMPLICIT_DENY: "implicitDeny",
}
_IDENTITY_TYPES = frozenset(
    {PolicyType.IDENTITY, PolicyType.PERMISSIONS_BOUNDARY, PolicyType.SESSION}
)


def _items(values: Iterable[str]) -> dict[str, list[dict[str, str]]]:
    return {"items": [{"value": value} for value in values]}


def _statement_at(policies: PolicySet, ref: StatementRef) -> Statement | None:
    for group in policies.groups():
        if group.policy_type is not ref.policy_type:
            continue
        for compiled in group.statements():
            if compiled.ref == ref:
                return compiled.statement
    return None


def _principals(block: PrincipalBlock) -> list[str]:
    return ["*"] if block.wildcard else [value for _, values in block.entries for value in values]


def _statement_json(ref: StatementRef, statement: Statement, caller: Caller) -> dict[str, Any]:
    """A statement as AWS lists it: an identity-type policy's statement names
    the principal it is attached to (its unique id, as AWS shows it)."""
    out: dict[str, Any] = {
        "sourcePolicyId": ref.policy_id,
        "sourcePolicyType": ref.policy_type.value,
        "statementId": ref.sid or "",
        "effect": statement.effect.value.upper(),
    }
    if statement.not_principal is not None:
        out["notPrincipals"] = _items(_principals(statement.not_principal))
    elif statement.principal is not None:
        out["principals"] = _items(_principals(statement.principal))
    elif ref.policy_type in _IDENTITY_TYPES and caller.principal_id:
        out["principals"] = _items([caller.principal_id.split(":", 1)[0]])
    else:
        out["principals"] = _items(())
    out["principalGroups"] = _items(())
    if statement.not_action is not None:
        out["notActions"] = _items(statement.not_action)
    else:
        out["actions"] = _items(statement.action or ())
    if statement.not_resource is not None:
        out["notResources"] = _items(statement.not_resource)
    else:
        out["resources"] = _items(statement.resource or ())
    out["conditions"] = {
        "items": [
            {"operator": c.operator, "key": c.key, "values": _items(c.values)}
            for c in statement.conditions
        ]
    }
    return out


def _failed_json(condition: ConditionTrace) -> dict[str, Any]:
    values = condition.request_values
    return {
        "operator": condition.operator,
        "key": condition.key,
        "policyValues": list(condition.policy_values),
        "requestValues": None if values is None else list(values),
    }


def _context_items(context: Mapping[str, ContextValue]) -> list[dict[str, Any]]:
    items = []
    for key in sorted(context):
        if any(part in key for part in _SECRET_KEY_PARTS):
            continue
        value = context[key]
        values = (value,) if isinstance(value, str) else value
        items.append({"key": key, "values": _items(values)})
    return items


# -- sealing within AWS's size limit ---------------------------------------------------


def _seal(sealer: TokenSealer, document: dict[str, Any], account_id: str) -> str:
    """Seal the document, shrinking it step by step until the token fits
    ``MAX_MESSAGE_CHARS`` (then ``clearance.truncated`` says so)."""
    text = _dump(document)
    for shrink in _SHRINK_STEPS:
        if TokenSealer.sealed_length(len(text.encode("utf-8"))) <= MAX_MESSAGE_CHARS:
            break
        shrink(document)
        document["clearance"]["truncated"] = True
        text = _dump(document)
    return sealer.seal(text, account_id)


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def _clip_strings(node: Any) -> Any:
    if isinstance(node, str):
        return node if len(node) <= _CLIP else node[:_CLIP] + "..."
    if isinstance(node, list):
        node[:] = [_clip_strings(item) for item in node]
    elif isinstance(node, dict):
        for key in node:
            node[key] = _clip_strings(node[key])
    return node


def _drop_extension_detail(document: dict[str, Any]) -> None:
    extension = document["clearance"]
    extension["statements"] = []
    extension["failedConditions"] = extension["failedConditions"][:5]


def _drop_statement_conditions(document: dict[str, Any]) -> None:
    items = document["matchedStatements"]["items"][:5]
    for item in items:
        item["conditions"] = {"items": []}
    document["matchedStatements"]["items"] = items


def _drop_context_conditions(document: dict[str, Any]) -> None:
    document["context"]["conditions"] = {"items": []}


def _bare(document: dict[str, Any]) -> None:
    """Last resort: AWS's answer fields and the explanation's summary only."""
    extension = document["clearance"]
    document["matchedStatements"] = {"items": []}
    document["clearance"] = {
        "outcome": extension["outcome"],
        "deniedBy": extension["deniedBy"],
        "summary": str(extension["summary"])[:_CLIP],
    }


_SHRINK_STEPS: tuple[Callable[[dict[str, Any]], Any], ...] = (
    _clip_strings,
    _drop_extension_detail,
    _drop_statement_conditions,
    _drop_context_conditions,
    _bare,
)
