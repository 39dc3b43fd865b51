"""An engine decision (made with ``explain=True``) as the policy simulator's
``EvaluationResult``: the decision, the statements that decided it with their
positions in the policy source, the context keys that mattered but were not
supplied, and the verdict of each policy type.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clearance.engine import (
    ContextValue,
    Decision,
    Outcome,
    PolicyType,
    StatementRef,
    StatementTrace,
)
from clearance.services.iam.simulate_inputs import SourcePolicy, statement_keys, unique_keys

__all__ = ["EvalResult", "eval_result"]

DECISIONS = {
    Outcome.ALLOWED: "allowed",
    Outcome.EXPLICIT_DENY: "explicitDeny",
    Outcome.IMPLICIT_DENY: "implicitDeny",
}
# EvalDecisionDetails names the two sides of a cross-account decision.
_DETAIL_NAMES = {PolicyType.IDENTITY: "IAM Policy", PolicyType.RESOURCE: "Resource Policy"}


@dataclass(frozen=True, slots=True)
class EvalResult:
    """One simulated (action, resource): the pieces both the top-level result
    and a ResourceSpecificResult are made of."""

    decision: str
    matched: list[dict[str, Any]]
    missing: list[str]
    details: dict[str, str] | None
    boundary: dict[str, bool] | None
    organizations: dict[str, bool]


def eval_result(
    decision: Decision,
    sources: Mapping[str, SourcePolicy],
    context: Mapping[str, ContextValue],
    *,
    cross_account: bool,
    resource_given: bool,
) -> EvalResult:
    trace = decision.trace
    details: dict[str, str] | None = None
    if cross_account:
        details = {
            name: _verdict(trace, policy_type)
            for policy_type, name in _DETAIL_NAMES.items()
            if policy_type is PolicyType.IDENTITY or _has(trace, policy_type)
        }
    elif resource_given:
        details = {}  # AWS: present but empty for a same-account resource
    boundary = None
    if _has(trace, PolicyType.PERMISSIONS_BOUNDARY):
        allowed = _verdict(trace, PolicyType.PERMISSIONS_BOUNDARY) == "allowed"
        boundary = {"AllowedByPermissionsBoundary": allowed}
    return EvalResult(
        decision=DECISIONS[decision.outcome],
        matched=[_statement(ref, sources) for ref in decision.determining],
        missing=_missing(trace, sources, context),
        details=details,
        boundary=boundary,
        organizations={"AllowedByOrganizations": _organizations_allow(trace)},
    )


def _statement(ref: StatementRef, sources: Mapping[str, SourcePolicy]) -> dict[str, Any]:
    source = sources.get(ref.policy_id)
    if source is None:
        # An organization policy enforcement applies (not the request's): an
        # SCP is named by its ARN, as in AWS's denial messages within the
        # organization; an RCP may belong to another organization and is not.
        named = ref.policy_id if ref.policy_type is PolicyType.SCP else ref.policy_type.value
        return {"SourcePolicyId": named, "SourcePolicyType": "none"}
    shape: dict[str, Any] = {
        "SourcePolicyId": source.source_id,
        "SourcePolicyType": source.source_type,
    }
    if ref.index < len(source.spans):
        span = source.spans[ref.index]
        shape["StartPosition"] = span.start.to_shape()
        shape["EndPosition"] = span.end.to_shape()
    return shape


def _missing(
    trace: tuple[StatementTrace, ...],
    sources: Mapping[str, SourcePolicy],
    context: Mapping[str, ContextValue],
) -> list[str]:
    """Keys read by statements that bear on this action and resource (their
    action matches, their Principal does not exclude the caller, and their
    resource matches or names a variable) that the request did not supply."""
    keys: list[str] = []
    for t in trace:
        if not t.action_matched or t.principal_matched is False:
            continue
        source = sources.get(t.ref.policy_id)
        if source is None:
            continue  # an organization policy: its keys are not the caller's to see
        statement = source.policy.statements[t.ref.index]
        resource_keys = statement_keys(statement.resource or (), statement.not_resource or ())
        if not t.resource_matched and not resource_keys:
            continue
        keys.extend(resource_keys)
        for condition in statement.conditions:
            keys.append(condition.key)
            keys.extend(statement_keys(condition.values))
    return [k for k in unique_keys(keys) if k.lower() not in context]


def _has(trace: tuple[StatementTrace, ...], policy_type: PolicyType) -> bool:
    return any(t.ref.policy_type is policy_type for t in trace)


def _verdict(trace: tuple[StatementTrace, ...], policy_type: PolicyType) -> str:
    """How the policies of one type alone judge the request."""
    applying = [t for t in trace if t.ref.policy_type is policy_type and t.applies]
    if any(t.effect == "Deny" for t in applying):
        return "explicitDeny"
    return "allowed" if applying else "implicitDeny"


def _organizations_allow(trace: tuple[StatementTrace, ...]) -> bool:
    """Every SCP level allows and none denies (true without an organization)."""
    levels: dict[int | None, list[StatementTrace]] = {}
    for t in trace:
        if t.ref.policy_type is PolicyType.SCP:
            levels.setdefault(t.ref.level, []).append(t)
    for statements in levels.values():
        applying = [t for t in statements if t.applies]
        if not applying or any(t.effect == "Deny" for t in applying):
            return False
    return True
