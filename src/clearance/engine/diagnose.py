"""Name a denial after the troubleshooting case it is, with the advice that fits.

The cases are the classic "access denied" stories (IAM User Guide,
"Troubleshoot access denied error messages"
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html):
a missing permission, a condition the request does not meet (most often MFA),
a resource or trust policy that does not name the caller, a missing
``iam:PassRole``, and the root user locked out by a bucket policy.
Authentication failures (signatures, expired or unaccepted credentials) are
named by :mod:`clearance.services.explain`, which sees the error.

Works from a decision made with ``explain=True`` and its :class:`Explanation`.
"""

from __future__ import annotations

from dataclasses import dataclass

from clearance.arn import parse_arn
from clearance.engine.decision import Decision, Outcome, PolicyType
from clearance.engine.explain import Explanation
from clearance.engine.request import PrincipalKind, Request, ResourcePolicyKind

__all__ = ["MFA_KEYS", "Diagnosis", "diagnose"]

MFA_KEYS = frozenset({"aws:multifactorauthpresent", "aws:multifactorauthage"})


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """``case``: a stable id; ``title``: the one-line name; ``advice``: what to do."""

    case: str
    title: str
    advice: str

    def to_json(self) -> dict[str, str]:
        return {"case": self.case, "title": self.title, "advice": self.advice}


def diagnose(request: Request, decision: Decision, explanation: Explanation) -> Diagnosis | None:
    """The case a denial is, or None for an allowed request."""
    if decision.outcome is Outcome.ALLOWED:
        return None
    if request.action_key == "iam:passrole":
        return _pass_role(request)
    explicit = decision.outcome is Outcome.EXPLICIT_DENY
    layer = decision.denied_by
    if explicit and request.principal.kind is PrincipalKind.ROOT and layer is PolicyType.RESOURCE:
        return _root_locked_out(request)
    if _mfa_decided(decision, explanation):
        return _mfa_required(request)
    if explicit:
        return Diagnosis(
            "explicit-deny",
            f"Explicit deny in {layer.article if layer else 'a'} {_layer(layer)}",
            "An explicit Deny always wins over any Allow. Remove or narrow the deny statement, "
            "or make the request fall outside its conditions; "
            + (explanation.owner or "the policy's owner can change it")
            + ".",
        )
    if explanation.failed_conditions:
        return Diagnosis(
            "failed-condition",
            "A condition of the allowing statement is not met",
            "A statement would allow the request, but its Condition does not hold for it: "
            "compare the condition's values with the request's actual values below and change "
            "the request (or the condition).",
        )
    if layer is PolicyType.RESOURCE and request.resource_policy_kind is ResourcePolicyKind.TRUST:
        return Diagnosis(
            "trust-policy-without-principal",
            "The role's trust policy does not name you",
            f"The role's trust policy must name {request.principal.arn} (or its account) as "
            "Principal of an Allow statement for "
            f"{request.action}; the role's account changes it with iam:UpdateAssumeRolePolicy. "
            "Across accounts your own identity policies must also allow the action on the role.",
        )
    if layer is PolicyType.RESOURCE:
        return Diagnosis(
            "resource-policy-without-principal",
            "The resource policy does not name you",
            "For a resource in another account (or a policy that must allow explicitly), the "
            f"resource-based policy must list {request.principal.arn} (or its account) as "
            "Principal and grant the action; only the resource's account can change it.",
        )
    return Diagnosis(
        "missing-permission",
        f"Missing permission: no {_layer(layer)} allows {request.action}",
        "IAM denies by default: every action must be allowed explicitly, on the specific "
        f"resource. Add an Allow for {request.action} on {request.resource} to the "
        f"{_layer(layer)} (a policy of the user, one of its groups, or its role).",
    )


def _layer(layer: PolicyType | None) -> str:
    return layer.value if layer else "policy"


def _pass_role(request: Request) -> Diagnosis:
    return Diagnosis(
        "missing-pass-role",
        "Missing iam:PassRole on the role",
        "Handing a role to a service (an EC2 instance profile, a Lambda function...) needs "
        f"iam:PassRole on the role's ARN ({request.resource}) besides the service's own action. "
        "To confirm, retry without the role (e.g. launch the instance without an instance "
        "profile); then allow iam:PassRole on that role, ideally with an iam:PassedToService "
        "condition.",
    )


def _root_locked_out(request: Request) -> Diagnosis:
    advice = (
        "The root user is not exempt from a Deny in a resource-based policy, but the root "
        "user of the owning account can always change that policy: as root, edit the bucket "
        "policy to exclude or allow the root user explicitly (s3:PutBucketPolicy), or delete "
        "it (s3:DeleteBucketPolicy)."
    )
    arn = parse_arn(request.resource)
    if arn is not None and arn.service == "s3" and not arn.account:
        bucket = arn.resource.partition("/")[0]
        advice += (
            " The root user of the bucket's account can still delete the bucket policy: "
            f"aws s3api delete-bucket-policy --bucket {bucket}"
        )
    return Diagnosis(
        "root-locked-out-by-resource-policy",
        "Root user locked out by the resource (bucket) policy",
        advice,
    )


def _mfa_required(request: Request) -> Diagnosis:
    present = request.lookup("aws:multifactorauthpresent")
    has = "absent" if present is None else str(present)
    return Diagnosis(
        "mfa-required",
        "MFA required, but the credentials carry no MFA",
        f"A policy requires MFA (aws:MultiFactorAuthPresent is {has} for this request). "
        "Long-term access keys never carry MFA: get temporary credentials with MFA "
        "(sts get-session-token --serial-number ARN --token-code CODE, or assume a role "
        "with SerialNumber/TokenCode) and call with those.",
    )


def _mfa_decided(decision: Decision, explanation: Explanation) -> bool:
    """Whether an MFA key is what decided: a failed MFA condition of an allow that
    would apply, or an MFA condition of the deny statement that decided."""
    if any(c.key.lower() in MFA_KEYS for c in explanation.failed_conditions):
        return True
    if decision.outcome is not Outcome.EXPLICIT_DENY:
        return False
    deciding = set(decision.determining)
    return any(
        c.key.lower() in MFA_KEYS for t in decision.trace if t.ref in deciding for c in t.conditions
    )
