"""SCPs and RCPs: Create/Update/Delete/DescribePolicy, ListPolicies, Attach/DetachPolicy,
ListPoliciesForTarget, ListTargetsForPolicy.

Documents are validated as the policy type's kind (:mod:`clearance.policy`: AWS's
messages) and against its size limit (``POLICY_CONTENT_LIMIT_EXCEEDED``).
Clearance serves only SCPs and RCPs; other policy types are listed as empty.
"""

from __future__ import annotations

from typing import Any

from clearance.services.context import CallContext
from clearance.services.organizations.common import (
    check_document,
    management_org,
    node_arn,
    page,
    policy_shape,
    require,
    summary_shape,
)
from clearance.services.organizations.organization import PolicyTypeNotAvailable
from clearance.services.registry import operation
from clearance.store.org_records import AWS_MANAGED_POLICIES, POLICY_TYPES, Organization

__all__: list[str] = []


def _policy_arn(ctx: CallContext, org: Organization, policy_id: str) -> str:
    managed = AWS_MANAGED_POLICIES.get(policy_id)
    if managed is not None:
        return managed.arn
    return ctx.store.get_org_policy(org.id, policy_id).arn


@operation("organizations", "CreatePolicy")
def create_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    org = management_org(ctx)
    require(ctx, "CreatePolicy")
    policy_type = params["Type"]
    if policy_type not in POLICY_TYPES:
        raise PolicyTypeNotAvailable()
    check_document(params["Content"], policy_type)
    policy = ctx.store.create_org_policy(
        org.id, policy_type, params["Name"], params["Description"], params["Content"]
    )
    return policy_shape(policy)


@operation("organizations", "UpdatePolicy")
def update_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    org = management_org(ctx)
    policy_id = params["PolicyId"]
    require(ctx, "UpdatePolicy", _policy_arn(ctx, org, policy_id))
    content = params.get("Content")
    if content is not None:
        check_document(content, ctx.store.get_org_policy(org.id, policy_id).type)
    policy = ctx.store.update_org_policy(
        org.id,
        policy_id,
        name=params.get("Name"),
        description=params.get("Description"),
        document=content,
    )
    return policy_shape(policy)


@operation("organizations", "DeletePolicy")
def delete_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    org = management_org(ctx)
    policy_id = params["PolicyId"]
    require(ctx, "DeletePolicy", _policy_arn(ctx, org, policy_id))
    ctx.store.delete_org_policy(org.id, policy_id)
    return None


@operation("organizations", "DescribePolicy")
def describe_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    org = management_org(ctx)
    policy_id = params["PolicyId"]
    require(ctx, "DescribePolicy", _policy_arn(ctx, org, policy_id))
    return policy_shape(ctx.store.get_org_policy(org.id, policy_id))


@operation("organizations", "ListPolicies")
def list_policies(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    org = management_org(ctx)
    require(ctx, "ListPolicies")
    policy_type = params["Filter"]
    found = ctx.store.list_org_policies(org.id, policy_type) if policy_type in POLICY_TYPES else ()
    return page(params, "Policies", [summary_shape(p) for p in found])


@operation("organizations", "AttachPolicy")
def attach_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    org = management_org(ctx)
    policy_id, target_id = params["PolicyId"], params["TargetId"]
    require(ctx, "AttachPolicy", _policy_arn(ctx, org, policy_id), node_arn(org, target_id))
    ctx.store.attach_org_policy(org.id, policy_id, target_id)
    return None


@operation("organizations", "DetachPolicy")
def detach_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    org = management_org(ctx)
    policy_id, target_id = params["PolicyId"], params["TargetId"]
    require(ctx, "DetachPolicy", _policy_arn(ctx, org, policy_id), node_arn(org, target_id))
    ctx.store.detach_org_policy(org.id, policy_id, target_id)
    return None


@operation("organizations", "ListPoliciesForTarget")
def list_policies_for_target(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    org = management_org(ctx)
    target_id, policy_type = params["TargetId"], params["Filter"]
    require(ctx, "ListPoliciesForTarget", node_arn(org, target_id))
    if policy_type in POLICY_TYPES:
        found = ctx.store.list_org_policies_for_target(org.id, target_id, policy_type)
    else:
        found = ()
    return page(params, "Policies", [summary_shape(p) for p in found])


@operation("organizations", "ListTargetsForPolicy")
def list_targets_for_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    org = management_org(ctx)
    policy_id = params["PolicyId"]
    require(ctx, "ListTargetsForPolicy", _policy_arn(ctx, org, policy_id))
    targets = ctx.store.list_org_policy_targets(org.id, policy_id)
    shapes = [
        {"TargetId": t.target_id, "Arn": t.arn, "Name": t.name, "Type": t.type} for t in targets
    ]
    return page(params, "Targets", shapes)
