"""What every Organizations operation shares: the caller's organization, who may
call what, authorization against Organizations' resource ARNs, response shapes
and NextToken pagination.

Only the management account may call most operations; a member account gets
``AccessDeniedException`` ("You don't have permissions to access this
resource."), an account in no organization ``AWSOrganizationsNotInUseException``
(organizations/latest/APIReference/CommonErrors and each operation's page).
IAM's own denials are answered with Organizations' ``AccessDeniedException`` code.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from clearance.errors import PolicySizeExceeded
from clearance.policy import PolicyError, PolicyKind, check_policy, check_size
from clearance.services.context import CallContext
from clearance.services.errors import AccessDenied
from clearance.store.org_common import node_kind
from clearance.store.org_errors import (
    AccessDeniedException,
    ConstraintViolation,
    InvalidInputException,
    MalformedPolicyDocumentException,
)
from clearance.store.org_records import (
    RCP,
    SCP,
    CreateAccountStatus,
    OrgAccount,
    Organization,
    OrgPolicySummary,
    OrgRoot,
    OrgUnit,
    org_arn,
)

__all__ = [
    "account_shape",
    "caller_org",
    "check_document",
    "management_org",
    "node_arn",
    "page",
    "policy_shape",
    "require",
    "root_shape",
    "status_shape",
    "summary_shape",
    "unit_shape",
]

MAX_RESULTS = 20  # the model's MaxResults range is 1-20
_KINDS = {SCP: PolicyKind.SCP, RCP: PolicyKind.RCP}
_ARN_KIND = {"ROOT": "root", "ORGANIZATIONAL_UNIT": "ou", "ACCOUNT": "account"}


def caller_org(ctx: CallContext) -> Organization:
    """The caller's organization (AWSOrganizationsNotInUseException when none)."""
    return ctx.store.get_organization(ctx.account_id)


def management_org(ctx: CallContext) -> Organization:
    """The caller's organization, when the caller is its management account."""
    org = caller_org(ctx)
    if ctx.account_id != org.management_account_id:
        raise AccessDeniedException()
    return org


def require(ctx: CallContext, action: str, *resources: str) -> None:
    """``organizations:<action>`` on each resource, denials in Organizations' code."""
    for resource in resources or ("*",):
        try:
            ctx.require(f"organizations:{action}", resource)
        except AccessDenied as denied:
            raise AccessDeniedException(denied.message) from None


def management_org_on_node(ctx: CallContext, action: str, node_id: str) -> Organization:
    """The caller's organization (the caller being its management account), once
    ``organizations:<action>`` on the root, OU or account ``node_id`` is allowed."""
    org = management_org(ctx)
    require(ctx, action, node_arn(org, node_id))
    return org


def node_arn(org: Organization, node_id: str) -> str:
    kind = node_kind(node_id)
    if kind is None:
        raise InvalidInputException(f"The target id {node_id} is not valid.")
    return org_arn(org.management_account_id, _ARN_KIND[kind], org.id, node_id)


def check_document(document: str, policy_type: str) -> None:
    """An SCP or RCP as AWS validates it on CreatePolicy/UpdatePolicy."""
    kind = _KINDS[policy_type]
    result = check_policy(document, kind)
    if result.policy is None or result.errors:
        raise MalformedPolicyDocumentException(PolicyError(result.errors).message)
    try:
        check_size(document, kind)
    except PolicySizeExceeded as error:
        raise ConstraintViolation("POLICY_CONTENT_LIMIT_EXCEEDED", error.message) from None


def page(params: dict[str, Any], key: str, items: list[Any]) -> dict[str, Any]:
    """One page of ``items`` by MaxResults/NextToken (an opaque offset)."""
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            start = int(base64.b64decode(token, validate=True).decode("ascii").removeprefix("o:"))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise InvalidInputException("The provided NextToken value is invalid.") from None
    size = min(int(params.get("MaxResults") or MAX_RESULTS), MAX_RESULTS)
    result: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        result["NextToken"] = base64.b64encode(f"o:{start + size}".encode()).decode("ascii")
    return result


def account_shape(account: OrgAccount) -> dict[str, Any]:
    return {
        "Id": account.id,
        "Arn": account.arn,
        "Email": account.email,
        "Name": account.name,
        "Status": account.state,
        "State": account.state,
        "JoinedMethod": account.joined_method,
        "JoinedTimestamp": account.joined,
    }


def unit_shape(unit: OrgUnit) -> dict[str, str]:
    return {"Id": unit.id, "Arn": unit.arn, "Name": unit.name}


def root_shape(root: OrgRoot) -> dict[str, Any]:
    types = [{"Type": kind, "Status": "ENABLED"} for kind in root.enabled_types]
    return {"Id": root.id, "Arn": root.arn, "Name": root.name, "PolicyTypes": types}


def summary_shape(policy: OrgPolicySummary) -> dict[str, Any]:
    return {
        "Id": policy.id,
        "Arn": policy.arn,
        "Name": policy.name,
        "Description": policy.description,
        "Type": policy.type,
        "AwsManaged": policy.aws_managed,
    }


def policy_shape(policy: OrgPolicySummary) -> dict[str, Any]:
    return {"Policy": {"PolicySummary": summary_shape(policy), "Content": policy.document}}


def status_shape(status: CreateAccountStatus) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "Id": status.id,
        "AccountName": status.account_name,
        "State": status.state,
        "RequestedTimestamp": status.requested,
    }
    if status.completed is not None:
        shape["CompletedTimestamp"] = status.completed
    if status.account_id is not None:
        shape["AccountId"] = status.account_id
    if status.failure_reason is not None:
        shape["FailureReason"] = status.failure_reason
    return shape
