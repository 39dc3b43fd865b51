"""Why a decision came out as it did, and the smallest change that would
allow the request: which layer must change and who can change it.

Works from a decision made with ``explain=True`` (it reads the trace).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clearance.engine.decision import (
    ConditionTrace,
    Decision,
    Outcome,
    PolicyType,
    StatementRef,
    StatementTrace,
)
from clearance.engine.request import PrincipalKind, Request, ResourcePolicyKind

__all__ = ["Explanation", "explain"]

# Who may change each layer (the troubleshooting question "who can fix this?").
OWNERS: dict[PolicyType, str] = {
    PolicyType.SCP: "only the organization's management account (or a delegated administrator) "
    "can change service control policies",
    PolicyType.RCP: "only the organization's management account (or a delegated administrator) "
    "can change resource control policies",
    PolicyType.VPC_ENDPOINT: "the owner of the VPC endpoint can change its policy "
    "(ec2:ModifyVpcEndpoint)",
    PolicyType.RESOURCE: "the account that owns the resource can change its resource-based policy",
    PolicyType.IDENTITY: "an IAM administrator of the caller's account can change the caller's "
    "identity-based policies",
    PolicyType.PERMISSIONS_BOUNDARY: "an IAM administrator of the caller's account can change the "
    "permissions boundary (iam:PutUserPermissionsBoundary / iam:PutRolePermissionsBoundary)",
    PolicyType.SESSION: "whoever creates the session can pass a broader session policy (or none) "
    "when calling sts:AssumeRole or sts:GetFederationToken",
}


@dataclass(frozen=True, slots=True)
class Explanation:
    summary: str
    layer: str | None = None
    owner: str | None = None
    fix: str | None = None
    failed_conditions: tuple[ConditionTrace, ...] = ()
    statements: tuple[StatementRef, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        return {
            "summary": self.summary,
            "layer": self.layer,
            "who_can_change": self.owner,
            "fix": self.fix,
            "failed_conditions": [c.to_json() for c in self.failed_conditions],
            "statements": [s.to_json() for s in self.statements],
        }


def explain(request: Request, decision: Decision) -> Explanation:
    if decision.outcome is Outcome.ALLOWED:
        return _explain_allow(request, decision)
    if decision.outcome is Outcome.EXPLICIT_DENY:
        return _explain_explicit(request, decision)
    return _explain_implicit(request, decision)


def _where(ref: StatementRef) -> str:
    sid = f" (Sid {ref.sid!r})" if ref.sid else ""
    return f"statement {ref.index}{sid} of {ref.policy_type.value} {ref.policy_id!r}"


def _explain_allow(request: Request, decision: Decision) -> Explanation:
    if decision.determining:
        by = "; ".join(_where(ref) for ref in decision.determining)
        return Explanation(f"Allowed by {by}.", statements=decision.determining)
    note = decision.note or "no policy denied it"
    return Explanation(f"Allowed: {note}.")


def _explain_explicit(request: Request, decision: Decision) -> Explanation:
    assert decision.denied_by is not None
    refs = decision.determining
    where = "; ".join(_where(ref) for ref in refs)
    layer = decision.denied_by
    fix = (
        f"An explicit deny always wins: remove or narrow {where}, or change the request so that "
        "the statement's conditions no longer hold. No Allow anywhere can override it."
    )
    if request.principal.kind is PrincipalKind.ROOT and layer is PolicyType.RESOURCE:
        fix += (
            " The root user is not exempt from a resource policy's Deny, but the root user of the "
            "owning account can always edit that policy (for S3: s3:PutBucketPolicy / "
            "s3:DeleteBucketPolicy)."
        )
    return Explanation(
        f"Denied explicitly by {where}.",
        layer=layer.value,
        owner=OWNERS[layer],
        fix=fix,
        statements=refs,
    )


def _explain_implicit(request: Request, decision: Decision) -> Explanation:
    layer = decision.denied_by
    if layer is None:
        return Explanation(f"Denied: {decision.note or 'nothing allows the request'}.")
    near = _near_misses(decision.trace, layer)
    failed = tuple(c for t in near for c in t.failed_conditions)
    summary = f"Denied implicitly: no {layer.value} allows {request.action}"
    if request.resource and request.resource != "*":
        summary += f" on {request.resource}"
    summary += "."
    return Explanation(
        summary,
        layer=layer.value,
        owner=_owner(request, layer),
        fix=_implicit_fix(request, layer, near),
        failed_conditions=failed,
        statements=tuple(t.ref for t in near),
    )


def _owner(request: Request, layer: PolicyType) -> str:
    if layer is PolicyType.RESOURCE and request.resource_policy_kind is ResourcePolicyKind.TRUST:
        return "the role's account can change its trust policy (iam:UpdateAssumeRolePolicy)"
    if layer is PolicyType.RESOURCE and request.resource_policy_kind is ResourcePolicyKind.KEY:
        return "the key's administrators can change its key policy (kms:PutKeyPolicy)"
    return OWNERS[layer]


def _near_misses(trace: tuple[StatementTrace, ...], layer: PolicyType) -> list[StatementTrace]:
    """Allow statements of the layer that matched the action but failed elsewhere."""
    return [
        t
        for t in trace
        if t.ref.policy_type is layer and t.effect == "Allow" and t.action_matched and not t.applies
    ]


def _implicit_fix(request: Request, layer: PolicyType, near: list[StatementTrace]) -> str:
    for t in near:
        if t.resource_matched and t.principal_matched is not False and t.failed_conditions:
            parts = [_condition_gap(c) for c in t.failed_conditions]
            return f"{_where(t.ref)} would allow this, but " + "; ".join(parts) + "."
    for t in near:
        if not t.resource_matched:
            return (
                f"{_where(t.ref)} allows {request.action} but not on {request.resource}: "
                "add it to the statement's Resource."
            )
        if t.principal_matched is False:
            return (
                f"{_where(t.ref)} allows {request.action} but does not name "
                f"{request.principal.arn} as Principal."
            )
    if layer is PolicyType.RESOURCE and request.resource_policy_kind is ResourcePolicyKind.TRUST:
        return (
            f"the role's trust policy does not name you: add {request.principal.arn} (or its "
            "account) as Principal of an Allow statement for sts:AssumeRole."
        )
    target = (
        "the resource-based policy"
        if layer is PolicyType.RESOURCE
        else f"{layer.article} {layer.value}"
    )
    principal = (
        f' naming Principal "{request.principal.arn}"' if layer is PolicyType.RESOURCE else ""
    )
    return (
        f'add to {target} a statement{principal} with "Effect": "Allow", '
        f'"Action": "{request.action}", "Resource": "{request.resource}".'
    )


def _condition_gap(c: ConditionTrace) -> str:
    values = c.request_values
    actual = "absent" if values is None else ", ".join(values) or "no values"
    wanted = ", ".join(c.policy_values)
    return f"its condition {c.operator} {c.key} [{wanted}] is false (the request has: {actual})"
