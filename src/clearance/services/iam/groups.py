"""IAM groups: CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup,
membership (AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser), the
groups' inline policies and attached managed policies.

Authorization is against the group's ARN (its real path when it exists); a
denial names the group as IAM does: ``... on resource: group admins``.
"""

from __future__ import annotations

from typing import Any

from clearance.engine import ContextValue
from clearance.policy.limits import GROUP_INLINE_POLICIES
from clearance.services.context import CallContext
from clearance.services.iam.common import (
    check_inline_policy,
    check_policy_arn,
    entity_arn,
    page_args,
    page_result,
    require_as,
    user_shape,
)
from clearance.services.iam.users import user_target
from clearance.services.registry import operation
from clearance.store import Group, NoSuchEntity
from clearance.store.records import iam_arn

__all__ = ["find_group", "group_shape"]


def find_group(ctx: CallContext, name: str) -> Group | None:
    try:
        return ctx.store.get_group(ctx.account_id, name)
    except NoSuchEntity:
        return None


def group_shape(group: Group) -> dict[str, Any]:
    return {
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.id,
        "Arn": group.arn,
        "CreateDate": group.created,
    }


def _require(
    ctx: CallContext, action: str, name: str, context: dict[str, ContextValue] | None = None
) -> Group | None:
    """Authorize ``action`` on the group; the group, or None if there is none."""
    group = find_group(ctx, name)
    arn = group.arn if group else entity_arn(ctx, "group", name)
    require_as(ctx, action, arn, f"group {name}", context)
    return group


def _missing(name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The group with name {name} cannot be found.")


# -- groups ----------------------------------------------------------------------------


@operation("iam", "CreateGroup")
def create_group(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name, path = params["GroupName"], params.get("Path") or "/"
    ctx.require("iam:CreateGroup", entity_arn(ctx, "group", name, path))
    group = ctx.store.create_group(ctx.account_id, name, path=path)
    return {"Group": group_shape(group)}


@operation("iam", "GetGroup")
def get_group(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["GroupName"]
    group = _require(ctx, "iam:GetGroup", name)
    if group is None:
        raise _missing(name)
    page = ctx.store.list_group_users(ctx.account_id, name, **page_args(params))
    result = page_result(page, "Users", [user_shape(u) for u in page.items])
    result["Group"] = group_shape(group)
    return result


@operation("iam", "ListGroups")
def list_groups(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    prefix = params.get("PathPrefix")
    ctx.require("iam:ListGroups", iam_arn(ctx.account_id, "group", prefix or "/", ""))
    page = ctx.store.list_groups(ctx.account_id, path_prefix=prefix, **page_args(params))
    return page_result(page, "Groups", [group_shape(g) for g in page.items])


@operation("iam", "UpdateGroup")
def update_group(ctx: CallContext, params: dict[str, Any]) -> None:
    name = params["GroupName"]
    group = _require(ctx, "iam:UpdateGroup", name)
    new_name, new_path = params.get("NewGroupName"), params.get("NewPath")
    if new_name or new_path:
        path = new_path or (group.path if group else "/")
        new_arn = entity_arn(ctx, "group", new_name or name, path)
        if group is None or new_arn != group.arn:
            ctx.require("iam:UpdateGroup", new_arn)
    ctx.store.update_group(ctx.account_id, name, new_name=new_name, new_path=new_path)
    return None


@operation("iam", "DeleteGroup")
def delete_group(ctx: CallContext, params: dict[str, Any]) -> None:
    name = params["GroupName"]
    _require(ctx, "iam:DeleteGroup", name)
    ctx.store.delete_group(ctx.account_id, name)
    return None


# -- membership ------------------------------------------------------------------------


@operation("iam", "AddUserToGroup")
def add_user_to_group(ctx: CallContext, params: dict[str, Any]) -> None:
    name, user_name = params["GroupName"], params["UserName"]
    _require(ctx, "iam:AddUserToGroup", name)
    ctx.store.add_user_to_group(ctx.account_id, name, user_name)
    return None


@operation("iam", "RemoveUserFromGroup")
def remove_user_from_group(ctx: CallContext, params: dict[str, Any]) -> None:
    name, user_name = params["GroupName"], params["UserName"]
    _require(ctx, "iam:RemoveUserFromGroup", name)
    ctx.store.remove_user_from_group(ctx.account_id, name, user_name)
    return None


@operation("iam", "ListGroupsForUser")
def list_groups_for_user(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    user_name = params["UserName"]
    user_target(ctx, user_name).require(ctx, "iam:ListGroupsForUser")
    page = ctx.store.list_groups_for_user(ctx.account_id, user_name, **page_args(params))
    return page_result(page, "Groups", [group_shape(g) for g in page.items])


# -- inline policies -------------------------------------------------------------------


@operation("iam", "PutGroupPolicy")
def put_group_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    name, policy_name, document = (
        params["GroupName"],
        params["PolicyName"],
        params["PolicyDocument"],
    )
    group = _require(ctx, "iam:PutGroupPolicy", name)
    if group is None:
        raise _missing(name)
    check_inline_policy(document, GROUP_INLINE_POLICIES, group.name)
    ctx.store.put_group_policy(ctx.account_id, name, policy_name, document)
    return None


@operation("iam", "GetGroupPolicy")
def get_group_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name, policy_name = params["GroupName"], params["PolicyName"]
    _require(ctx, "iam:GetGroupPolicy", name)
    policy = ctx.store.get_group_policy(ctx.account_id, name, policy_name)
    return {
        "GroupName": policy.owner_name,
        "PolicyName": policy.name,
        "PolicyDocument": policy.document,
    }


@operation("iam", "DeleteGroupPolicy")
def delete_group_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    name, policy_name = params["GroupName"], params["PolicyName"]
    _require(ctx, "iam:DeleteGroupPolicy", name)
    ctx.store.delete_group_policy(ctx.account_id, name, policy_name)
    return None


@operation("iam", "ListGroupPolicies")
def list_group_policies(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["GroupName"]
    _require(ctx, "iam:ListGroupPolicies", name)
    page = ctx.store.list_group_policies(ctx.account_id, name, **page_args(params))
    return page_result(page, "PolicyNames", list(page.items))


# -- managed policy attachments --------------------------------------------------------


@operation("iam", "AttachGroupPolicy")
def attach_group_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    name, policy_arn = params["GroupName"], params["PolicyArn"]
    check_policy_arn(policy_arn)
    _require(ctx, "iam:AttachGroupPolicy", name, {"iam:PolicyARN": policy_arn})
    ctx.store.attach_group_policy(ctx.account_id, name, policy_arn)
    return None


@operation("iam", "DetachGroupPolicy")
def detach_group_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    name, policy_arn = params["GroupName"], params["PolicyArn"]
    check_policy_arn(policy_arn)
    _require(ctx, "iam:DetachGroupPolicy", name, {"iam:PolicyARN": policy_arn})
    ctx.store.detach_group_policy(ctx.account_id, name, policy_arn)
    return None


@operation("iam", "ListAttachedGroupPolicies")
def list_attached_group_policies(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["GroupName"]
    _require(ctx, "iam:ListAttachedGroupPolicies", name)
    page = ctx.store.list_attached_group_policies(
        ctx.account_id, name, path_prefix=params.get("PathPrefix"), **page_args(params)
    )
    items = [{"PolicyName": p.name, "PolicyArn": p.arn} for p in page.items]
    return page_result(page, "AttachedPolicies", items)
