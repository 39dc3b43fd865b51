"""The grammar rules that depend on where a policy is attached, one :class:`Rules` per kind.

Rules per kind (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html):

- identity, permissions boundary: managed policies, so ``CreatePolicy``'s rules —
  Version 2012-10-17, no Principal/NotPrincipal, Action and Resource required,
  unique alphanumeric Sids.
- session: the identity rules, except that the Version is not required (STS
  takes the document as is; absent, it defaults to 2008-10-17).
- trust: Principal required, NotPrincipal, Resource and NotResource prohibited,
  only ``sts:`` actions (reference_policies_elements_notprincipal.html: "You
  cannot use the NotPrincipal element in an IAM identity-based policy nor in an
  IAM role trust policy").
- resource: Principal or NotPrincipal required ("You must use the Principal
  element in resource-based policies", reference_policies_elements_principal.html);
  Resource is optional (ECR repository and Lambda function policies omit it).
- vpc_endpoint: "It must contain a Principal element" (vpc-endpoints-access.html);
  Resource required.
- scp: no Principal/NotPrincipal; Action/NotAction and Resource/NotResource required;
  since 2025 SCPs support the full language (NotAction, Resource and Condition
  in Allow statements), so the older Allow-only-"*" rules are gone.
- rcp: Version 2012-10-17, Principal must be ``"*"``, no NotPrincipal, no NotAction,
  Resource required, ``Deny`` only — ``Allow`` exists only as RCPFullAWSAccess
  (Principal, Action and Resource all ``"*"``) — and a Deny cannot name every
  action with ``"*"`` (orgs_manage_policies_rcps_syntax.html).

``None`` as the kind selects the lenient grammar of
:func:`~clearance.policy.parser.check_grammar`: the shape of the document only
(element types, Effect, operator names, action format, principal shape) and no
rule that depends on where the policy is attached or on IAM's write-time
parsers — no required Version, Action, Resource or Principal, no Sid rules, no
ARN or date checks, and an empty Statement list is a policy that grants nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from clearance.policy.model import PolicyKind

__all__ = ["RULES", "Rules"]


@dataclass(frozen=True, slots=True)
class Rules:
    """The grammar rules that depend on where a policy is attached."""

    title: str
    aws: bool = True  # False: the lenient grammar of check_grammar
    iam: bool = True  # IAM's wording for operators and principals
    version_required: bool = False
    principal: Literal["forbidden", "required", "optional", "wildcard"] = "optional"
    not_principal: bool = True
    resource: Literal["required", "forbidden", "optional"] = "optional"
    not_action: bool = True
    sid_characters: bool = False
    sid_unique: bool = True
    sts_actions_only: bool = False
    rcp: bool = False


# Managed policies: CreatePolicy's rules, whatever the policy is attached as.
_MANAGED = Rules(
    "identity policy",
    version_required=True,
    principal="forbidden",
    resource="required",
    sid_characters=True,
)

RULES: dict[PolicyKind | None, Rules] = {
    None: Rules("policy", aws=False, iam=False, sid_unique=False),
    PolicyKind.IDENTITY: _MANAGED,
    PolicyKind.PERMISSIONS_BOUNDARY: replace(_MANAGED, title="permissions boundary"),
    PolicyKind.SESSION: Rules("session policy", principal="forbidden", resource="required"),
    PolicyKind.TRUST: Rules(
        "role trust policy",
        principal="required",
        not_principal=False,
        resource="forbidden",
        sid_characters=True,
        sts_actions_only=True,
    ),
    PolicyKind.RESOURCE: Rules(
        "resource-based policy", iam=False, principal="required", sid_unique=False
    ),
    PolicyKind.VPC_ENDPOINT: Rules(
        "VPC endpoint policy",
        iam=False,
        principal="required",
        resource="required",
        sid_unique=False,
    ),
    PolicyKind.SCP: Rules(
        "service control policy", iam=False, principal="forbidden", resource="required"
    ),
    PolicyKind.RCP: Rules(
        "resource control policy",
        iam=False,
        version_required=True,
        principal="wildcard",
        not_principal=False,
        resource="required",
        not_action=False,
        rcp=True,
    ),
}
