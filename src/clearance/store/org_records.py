"""What the Organizations store returns: frozen values, ARNs computed as AWS forms them.

ARN formats (Service Authorization Reference, "Actions, resources, and condition
keys for AWS Organizations"):

- ``arn:aws:organizations::MGMT:organization/o-x``
- ``arn:aws:organizations::MGMT:root/o-x/r-x``
- ``arn:aws:organizations::MGMT:ou/o-x/ou-x-y``
- ``arn:aws:organizations::MGMT:account/o-x/ACCOUNT``
- ``arn:aws:organizations::MGMT:policy/o-x/service_control_policy/p-x``
- ``arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess`` (AWS managed)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "AWS_MANAGED_POLICIES",
    "FULL_AWS_ACCESS",
    "POLICY_TYPES",
    "RCP",
    "RCP_FULL_AWS_ACCESS",
    "SCP",
    "AccountOrgView",
    "CreateAccountStatus",
    "OrgAccount",
    "OrgPolicy",
    "OrgPolicySummary",
    "OrgRoot",
    "OrgUnit",
    "Organization",
    "PolicyTarget",
    "org_arn",
]

SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"
POLICY_TYPES = (SCP, RCP)

_ARN = "arn:aws:organizations::"


def org_arn(management_account_id: str, kind: str, organization_id: str, rest: str = "") -> str:
    """``arn:aws:organizations::MGMT:kind/o-x[/rest]``."""
    tail = f"/{rest}" if rest else ""
    return f"{_ARN}{management_account_id}:{kind}/{organization_id}{tail}"


@dataclass(frozen=True, slots=True)
class OrgPolicy:
    """An SCP or RCP as attached."""

    policy_id: str  # "p-..." (AWS managed: "p-FullAWSAccess", "p-RCPFullAWSAccess")
    arn: str
    name: str
    document: str


@dataclass(frozen=True, slots=True)
class AccountOrgView:
    """What authorization needs to know about an account's organization.

    ``scp_levels``/``rcp_levels``: the policies attached at the root, each OU
    down to the account's parent, then the account itself (``()`` when the
    policy type is not enabled). AWS does not apply SCPs or RCPs to the
    management account: the enforcer compares ``management_account_id``.
    ``account_state`` is ``ACTIVE`` or ``SUSPENDED`` (closed)."""

    organization_id: str
    management_account_id: str
    org_path: str  # "o-xxx/r-xxxx/ou-xxxx-yyyyyyyy/" (aws:PrincipalOrgPaths form)
    scp_levels: tuple[tuple[OrgPolicy, ...], ...]
    rcp_levels: tuple[tuple[OrgPolicy, ...], ...]
    account_state: str = "ACTIVE"


@dataclass(frozen=True, slots=True)
class Organization:
    id: str
    management_account_id: str
    feature_set: str
    created: datetime
    management_email: str
    scp_enabled: bool
    rcp_enabled: bool

    @property
    def arn(self) -> str:
        return org_arn(self.management_account_id, "organization", self.id)

    @property
    def management_account_arn(self) -> str:
        return org_arn(self.management_account_id, "account", self.id, self.management_account_id)


@dataclass(frozen=True, slots=True)
class OrgRoot:
    id: str
    organization_id: str
    management_account_id: str
    name: str
    scp_enabled: bool
    rcp_enabled: bool

    @property
    def arn(self) -> str:
        return org_arn(self.management_account_id, "root", self.organization_id, self.id)

    @property
    def enabled_types(self) -> tuple[str, ...]:
        return tuple(t for t, on in ((SCP, self.scp_enabled), (RCP, self.rcp_enabled)) if on)


@dataclass(frozen=True, slots=True)
class OrgUnit:
    id: str
    organization_id: str
    management_account_id: str
    parent_id: str
    name: str
    depth: int

    @property
    def arn(self) -> str:
        return org_arn(self.management_account_id, "ou", self.organization_id, self.id)


@dataclass(frozen=True, slots=True)
class OrgAccount:
    id: str
    organization_id: str
    management_account_id: str
    parent_id: str
    name: str
    email: str
    state: str  # ACTIVE | SUSPENDED
    joined_method: str  # CREATED | INVITED
    joined: datetime

    @property
    def arn(self) -> str:
        return org_arn(self.management_account_id, "account", self.organization_id, self.id)


@dataclass(frozen=True, slots=True)
class OrgPolicySummary:
    """A policy as DescribePolicy shows it (with its content)."""

    id: str
    arn: str
    name: str
    description: str
    type: str
    aws_managed: bool
    document: str


@dataclass(frozen=True, slots=True)
class PolicyTarget:
    """ListTargetsForPolicy's entry: ``type`` is ROOT, ORGANIZATIONAL_UNIT or ACCOUNT."""

    target_id: str
    arn: str
    name: str
    type: str


@dataclass(frozen=True, slots=True)
class CreateAccountStatus:
    id: str
    account_name: str
    state: str  # SUCCEEDED | FAILED (requests complete at once)
    requested: datetime
    completed: datetime | None
    account_id: str | None
    failure_reason: str | None


def _allow_all(principal: bool) -> str:
    statement: dict[str, str] = {"Effect": "Allow"}
    if principal:
        statement["Principal"] = "*"
    statement.update({"Action": "*", "Resource": "*"})
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


_ALLOW_ALL = _allow_all(False)
_RCP_ALLOW_ALL = _allow_all(True)

FULL_AWS_ACCESS = OrgPolicySummary(
    "p-FullAWSAccess",
    f"{_ARN}aws:policy/service_control_policy/p-FullAWSAccess",
    "FullAWSAccess",
    "Allows access to every operation",
    SCP,
    True,
    _ALLOW_ALL,
)
RCP_FULL_AWS_ACCESS = OrgPolicySummary(
    "p-RCPFullAWSAccess",
    f"{_ARN}aws:policy/resource_control_policy/p-RCPFullAWSAccess",
    "RCPFullAWSAccess",
    "Allows access to every operation",
    RCP,
    True,
    _RCP_ALLOW_ALL,
)
AWS_MANAGED_POLICIES = {p.id: p for p in (FULL_AWS_ACCESS, RCP_FULL_AWS_ACCESS)}
