"""`clearance simulate`: one case (request + policies) in, one decision out.

The case format is documented in the README. Cases are decoded here, at the
edge, into engine values; a malformed case becomes an ``error`` result and
never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from clearance.engine import (
    ContextValue,
    Decision,
    NamedPolicy,
    PolicySet,
    Request,
    ResourcePolicyKind,
    denial_message,
    evaluate,
    parse_principal,
)
from clearance.errors import ClearanceError, InvalidInput
from clearance.policy import Policy, PolicyKind, read_policy

__all__ = ["CaseError", "decision_json", "load_case", "run_case", "run_jsonl"]

_TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)
MAX_CASE_BYTES = 1 << 20


class CaseError(InvalidInput):
    """A case that does not follow the documented format."""


def run_case(case: Mapping[str, Any]) -> dict[str, Any]:
    """Evaluate one decoded case; errors become ``{"error": {...}}``."""
    try:
        request, policies = load_case(case)
        decision = evaluate(request, policies, explain=True)
    except ClearanceError as error:
        return {"error": {"code": error.code, "message": error.message}}
    return decision_json(request, decision)


def run_jsonl(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """One result per input line, in order; a bad line yields its error."""
    for line in lines:
        if not line.strip():
            continue
        if len(line) > MAX_CASE_BYTES:
            yield {"error": {"code": "InvalidInput", "message": "case exceeds 1 MiB"}}
            continue
        try:
            case = json.loads(line)
        except ValueError as error:
            yield {"error": {"code": "InvalidInput", "message": f"not JSON: {error}"}}
            continue
        if not isinstance(case, dict):
            yield {"error": {"code": "InvalidInput", "message": "a case must be a JSON object"}}
            continue
        yield run_case(case)


def decision_json(request: Request, decision: Decision) -> dict[str, Any]:
    from clearance.engine import explain

    return {
        "decision": decision.outcome.value,
        "denied_by": decision.denied_by.value if decision.denied_by else None,
        "message": denial_message(request, decision),
        "determining": [ref.to_json() for ref in decision.determining],
        "trace": [t.to_json() for t in decision.trace],
        "fix": explain(request, decision).to_json(),
    }


def load_case(case: Mapping[str, Any]) -> tuple[Request, PolicySet]:
    raw_request = _object(case.get("request"), "request")
    request = _request(raw_request)
    raw = _object(case.get("policies", {}), "policies")
    resource_kind = (
        PolicyKind.TRUST
        if request.resource_policy_kind is ResourcePolicyKind.TRUST
        else PolicyKind.RESOURCE
    )
    policies = PolicySet(
        identity=[_named(p, PolicyKind.IDENTITY) for p in _list(raw, "identity")],
        resource=_optional(raw, "resource", resource_kind),
        permissions_boundary=_optional(
            raw, "permissions_boundary", PolicyKind.PERMISSIONS_BOUNDARY
        ),
        session=[_named(p, PolicyKind.SESSION) for p in _list(raw, "session")],
        scp=[[_named(p, PolicyKind.SCP) for p in _levels(level)] for level in _list(raw, "scp")],
        rcp=[[_named(p, PolicyKind.RCP) for p in _levels(level)] for level in _list(raw, "rcp")],
        vpc_endpoint=[_named(p, PolicyKind.VPC_ENDPOINT) for p in _list(raw, "vpc_endpoint")],
    )
    return request, policies


def _request(raw: Mapping[str, Any]) -> Request:
    principal_text = _string(raw, "principal")
    action = _string(raw, "action")
    resource = raw.get("resource", "*")
    if not isinstance(resource, str):
        raise CaseError("request.resource must be a string")
    context = _context(raw.get("context", {}))
    role_arn = context.get("aws:principalarn")
    role_arn = role_arn if isinstance(role_arn, str) else None
    principal = parse_principal(principal_text, _maybe_string(raw, "principal_account"), role_arn)
    return Request(
        principal=principal,
        action=action,
        resource=resource,
        context=context,
        resource_account=_maybe_string(raw, "resource_account"),
        resource_policy_kind=_resource_policy_kind(raw, action, resource),
    )


def _resource_policy_kind(raw: Mapping[str, Any], action: str, resource: str) -> ResourcePolicyKind:
    given = raw.get("resource_policy_kind")
    if given is not None:
        try:
            return ResourcePolicyKind(given)
        except ValueError:
            raise CaseError(f"unknown resource_policy_kind {given!r}") from None
    lowered = action.lower()
    if lowered in _TRUST_ACTIONS and ":role/" in resource:
        return ResourcePolicyKind.TRUST
    if lowered.startswith("kms:") and ":kms:" in resource and ":key/" in resource:
        return ResourcePolicyKind.KEY
    return ResourcePolicyKind.RESOURCE


def _context(raw: Any) -> dict[str, ContextValue]:
    """Keys lower-cased; a JSON list is a multi-valued key, anything else single."""
    if not isinstance(raw, dict):
        raise CaseError("request.context must be an object")
    out: dict[str, ContextValue] = {}
    for key, value in raw.items():
        if isinstance(value, list):
            out[str(key).lower()] = tuple(_scalar_text(v, key) for v in value)
        else:
            out[str(key).lower()] = _scalar_text(value, key)
    return out


def _scalar_text(value: Any, key: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    raise CaseError(f"context value of {key} must be a string, number, boolean or list of them")


def _named(raw: Any, kind: PolicyKind) -> NamedPolicy:
    entry = _object(raw, f"{kind.value} policy")
    document = entry.get("document")
    if not isinstance(document, str | bytes | dict):
        raise CaseError(f"{kind.value} policy needs a document")
    # Evaluate what exists: only the kind-independent grammar is enforced here
    # (creation-time rules belong to the APIs that store policies).
    return NamedPolicy(str(entry.get("id", kind.value)), _read(document))


def _read(document: str | bytes | dict[str, Any]) -> Policy:
    """Parse a document once per process: ``--jsonl`` runs repeat the same
    policies across thousands of cases."""
    if isinstance(document, dict):
        try:
            text = json.dumps(document, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):
            return read_policy(document)
        return _read_text(text)
    return _read_text(document)


@lru_cache(maxsize=4096)
def _read_text(text: str | bytes) -> Policy:
    return read_policy(text)


def _optional(raw: Mapping[str, Any], name: str, kind: PolicyKind) -> NamedPolicy | None:
    value = raw.get(name)
    return None if value is None else _named(value, kind)


def _list(raw: Mapping[str, Any], name: str) -> list[Any]:
    value = raw.get(name, [])
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise CaseError(f"policies.{name} must be a list")
    return value


def _levels(level: Any) -> list[Any]:
    if isinstance(level, dict):
        return [level]
    if not isinstance(level, list):
        raise CaseError("each SCP/RCP level must be a list of policies")
    return level


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise CaseError(f"{what} must be a JSON object")
    return value


def _string(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value:
        raise CaseError(f"request.{name} must be a non-empty string")
    return value


def _maybe_string(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name)
    return value if isinstance(value, str) and value else None
