"""One decision, explained as a self-contained JSON value (``clearance explain``).

The report holds everything needed to show the decision later without the
policies: the request (principal, action, resource, context), what each layer
said, the deciding statements with their JSON source, the failed conditions
with the request's actual values, the smallest fix and who can make it, and
the troubleshooting case it is. Its keys are stable (documented in the README,
``version`` 1); long values are cut so that a stored report stays small.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from clearance.engine.compiled import CompiledStatement
from clearance.engine.decision import ConditionTrace, Decision, PolicyType, StatementTrace
from clearance.engine.diagnose import diagnose
from clearance.engine.evaluate import evaluate
from clearance.engine.explain import explain
from clearance.engine.messages import denial_message
from clearance.engine.policy_set import PolicySet
from clearance.engine.request import Request, ResourcePolicyKind
from clearance.policy.printer import print_statement

__all__ = ["LAYERS", "REPORT_VERSION", "build_report", "condition_json", "cut"]

REPORT_VERSION = 1
SOURCE_LIMIT = 1500  # characters of a statement's JSON source
VALUE_LIMIT = 256  # characters of one context value
CONTEXT_LIMIT = 64  # context keys kept
LIST_LIMIT = 16  # statements kept per list

# The layers in the order a reader checks them, keyed by a stable name.
LAYERS: tuple[tuple[str, PolicyType], ...] = (
    ("scp", PolicyType.SCP),
    ("rcp", PolicyType.RCP),
    ("vpc_endpoint", PolicyType.VPC_ENDPOINT),
    ("resource", PolicyType.RESOURCE),
    ("permissions_boundary", PolicyType.PERMISSIONS_BOUNDARY),
    ("session", PolicyType.SESSION),
    ("identity", PolicyType.IDENTITY),
)
_IAM_ONLY = frozenset({PolicyType.IDENTITY, PolicyType.PERMISSIONS_BOUNDARY, PolicyType.SESSION})


def build_report(request: Request, policies: PolicySet) -> dict[str, Any]:
    """Evaluate with a trace and describe the decision."""
    decision = evaluate(request, policies, explain=True)
    explanation = explain(request, decision)
    sources = _sources(policies)
    diagnosis = diagnose(request, decision, explanation)
    near = set(explanation.statements) - set(decision.determining)
    by_ref = {t.ref: t for t in decision.trace}
    statements = [
        _statement(by_ref[ref], "deciding", sources)
        for ref in decision.determining
        if ref in by_ref
    ] + [_statement(t, "closest", sources) for t in decision.trace if t.ref in near]
    failed = [
        {**condition_json(c), "statement": _where(t)}
        for t in decision.trace
        if t.ref in near
        for c in t.failed_conditions
    ]
    return {
        "version": REPORT_VERSION,
        "decision": decision.outcome.value,
        "denied_by": decision.denied_by.value if decision.denied_by else None,
        "message": _message(request, decision),
        "note": decision.note,
        "request": _request(request),
        "layers": _layers(request, policies, decision),
        "statements": statements[:LIST_LIMIT],
        "failed_conditions": failed[:LIST_LIMIT],
        "explanation": {
            "summary": explanation.summary,
            "layer": explanation.layer,
            "who_can_change": explanation.owner,
            "fix": explanation.fix,
        },
        "diagnosis": diagnosis.to_json() if diagnosis else None,
    }


def _message(request: Request, decision: Decision) -> str | None:
    """AWS's message; for a role's trust policy, across accounts or when the trust
    policy denied, AWS does not say which policy (sts:AssumeRole's bare message)."""
    message = denial_message(request, decision)
    trust = request.resource_policy_kind is ResourcePolicyKind.TRUST
    if (
        message
        and trust
        and (not request.same_account or decision.denied_by is PolicyType.RESOURCE)
    ):
        return (
            f"User: {request.principal.arn} is not authorized to perform: {request.action} "
            f"on resource: {request.resource}"
        )
    return message


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def condition_json(c: ConditionTrace) -> dict[str, Any]:
    """A condition and the request's value; ``absent`` when the key is not in the request."""
    value = c.request_value
    return {
        "key": c.key,
        "operator": c.operator,
        "policy_values": [cut(v, VALUE_LIMIT) for v in c.policy_values[:LIST_LIMIT]],
        "request_value": _value(value) if value is not None else None,
        "absent": value is None,
        "result": c.result,
    }


def _value(value: str | tuple[str, ...]) -> str | list[str]:
    if isinstance(value, str):
        return cut(value, VALUE_LIMIT)
    return [cut(v, VALUE_LIMIT) for v in value[:LIST_LIMIT]]


def _request(request: Request) -> dict[str, Any]:
    principal = request.principal
    context = {key: _value(request.context[key]) for key in sorted(request.context)}
    return {
        "principal": principal.arn,
        "principal_kind": principal.kind.value,
        "principal_account": principal.account,
        "action": request.action,
        "resource": request.resource,
        "resource_account": request.resource_account,
        "resource_policy_kind": request.resource_policy_kind.value,
        "context": dict(list(context.items())[:CONTEXT_LIMIT]),
    }


def _where(trace: StatementTrace) -> dict[str, Any]:
    ref = trace.ref
    return {
        "policy_type": ref.policy_type.value,
        "policy": ref.policy_id,
        "statement": ref.index,
        "sid": ref.sid,
    }


def _statement(trace: StatementTrace, role: str, sources: dict[Any, str]) -> dict[str, Any]:
    return {
        **trace.ref.to_json(),
        "role": role,
        "effect": trace.effect,
        "source": sources.get(trace.ref, ""),
        "action_matched": trace.action_matched,
        "resource_matched": trace.resource_matched,
        "principal_matched": trace.principal_matched,
        "conditions": [condition_json(c) for c in trace.conditions[:LIST_LIMIT]],
    }


def _sources(policies: PolicySet) -> dict[Any, str]:
    return {s.ref: _source(s) for group in policies.groups() for s in _each(group.policies)}


def _each(compiled: Iterable[Any]) -> Iterable[CompiledStatement]:
    for policy in compiled:
        yield from policy.statements


def _source(statement: CompiledStatement) -> str:
    text = json.dumps(print_statement(statement.statement), ensure_ascii=False)
    return cut(text, SOURCE_LIMIT)


def _layers(request: Request, policies: PolicySet, decision: Decision) -> list[dict[str, Any]]:
    groups: dict[PolicyType, list[Any]] = {}
    for group in policies.groups():
        groups.setdefault(group.policy_type, []).append(group)
    traces: dict[PolicyType, list[StatementTrace]] = {}
    for t in decision.trace:
        traces.setdefault(t.ref.policy_type, []).append(t)
    out = []
    for name, policy_type in LAYERS:
        present = [g for g in groups.get(policy_type, []) if g.policies]
        ids = [p.id for g in present for p in g.policies]
        applying = [t for t in traces.get(policy_type, []) if t.applies]
        levels = {PolicyType.SCP: len(policies.scp), PolicyType.RCP: len(policies.rcp)}
        said = _said(request, policy_type, levels.get(policy_type, 0), present, applying)
        out.append(
            {
                "layer": name,
                "policy_type": policy_type.value,
                "policies": ids[:LIST_LIMIT],
                "said": said,
                "decided": decision.denied_by is policy_type,
                "statements": [t.ref.to_json() for t in applying[:LIST_LIMIT]],
            }
        )
    return out


def _said(
    request: Request,
    policy_type: PolicyType,
    levels: int,
    present: list[Any],
    applying: list[StatementTrace],
) -> str:
    """``absent``, ``not applicable``, ``deny``, ``allow`` or ``no allow``
    (SCPs and RCPs allow only when every level of the organization allows)."""
    if not present and not levels:
        return "absent"
    scope = request.principal.scope
    if (
        (policy_type in _IAM_ONLY and not scope.iam)
        or (policy_type is PolicyType.SCP and not scope.scp)
        or (policy_type is PolicyType.RCP and not request.rcp_bound)
    ):
        return "not applicable"
    if any(t.effect == "Deny" for t in applying):
        return "deny"
    allowing = {t.ref.level for t in applying if t.effect == "Allow"}
    if levels:
        return "allow" if set(range(levels)) <= allowing else "no allow"
    return "allow" if allowing else "no allow"
