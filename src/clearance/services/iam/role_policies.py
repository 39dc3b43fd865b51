"""Inline role policies (PutRolePolicy, GetRolePolicy, DeleteRolePolicy,
ListRolePolicies) and role permissions boundaries (PutRolePermissionsBoundary,
DeleteRolePermissionsBoundary).

Inline documents are validated as identity policies (the 2008-10-17 grammar,
without ``Version``, is still accepted inline) and the role's inline policies
together may not exceed 10,240 characters, white space not counted
(``LimitExceeded``: ``Maximum policy size of 10240 bytes exceeded for role NAME``).
"""

from __future__ import annotations

from typing import Any

from clearance.policy.limits import ROLE_INLINE_POLICIES
from clearance.services.context import CallContext
from clearance.services.iam.common import (
    check_inline_policy,
    check_policy_arn,
    page_args,
    page_result,
)
from clearance.services.iam.roles import authorize_role, check_modifiable
from clearance.services.registry import operation

__all__: list[str] = []


@operation("iam", "PutRolePolicy")
def put_role_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    name, document = params["RoleName"], params["PolicyDocument"]
    role = authorize_role(ctx, "iam:PutRolePolicy", name, guard=check_modifiable).require()
    check_inline_policy(document, ROLE_INLINE_POLICIES, role.name)
    ctx.store.put_role_policy(ctx.account_id, role.name, params["PolicyName"], document)
    return None


@operation("iam", "GetRolePolicy")
def get_role_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    authorize_role(ctx, "iam:GetRolePolicy", params["RoleName"])
    policy = ctx.store.get_role_policy(ctx.account_id, params["RoleName"], params["PolicyName"])
    return {
        "RoleName": policy.owner_name,
        "PolicyName": policy.name,
        "PolicyDocument": policy.document,
    }


@operation("iam", "DeleteRolePolicy")
def delete_role_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    authorize_role(ctx, "iam:DeleteRolePolicy", params["RoleName"], guard=check_modifiable)
    ctx.store.delete_role_policy(ctx.account_id, params["RoleName"], params["PolicyName"])
    return None


@operation("iam", "ListRolePolicies")
def list_role_policies(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    authorize_role(ctx, "iam:ListRolePolicies", params["RoleName"])
    page = ctx.store.list_role_policies(ctx.account_id, params["RoleName"], **page_args(params))
    return page_result(page, "PolicyNames", list(page.items))


@operation("iam", "PutRolePermissionsBoundary")
def put_role_permissions_boundary(ctx: CallContext, params: dict[str, Any]) -> None:
    boundary = params["PermissionsBoundary"]
    target = authorize_role(
        ctx,
        "iam:PutRolePermissionsBoundary",
        params["RoleName"],
        {"iam:PermissionsBoundary": boundary},
        guard=check_modifiable,
    )
    role = target.require()
    check_policy_arn(boundary)
    ctx.store.put_role_permissions_boundary(ctx.account_id, role.name, boundary)
    return None


@operation("iam", "DeleteRolePermissionsBoundary")
def delete_role_permissions_boundary(ctx: CallContext, params: dict[str, Any]) -> None:
    authorize_role(
        ctx, "iam:DeleteRolePermissionsBoundary", params["RoleName"], guard=check_modifiable
    )
    ctx.store.delete_role_permissions_boundary(ctx.account_id, params["RoleName"])
    return None
