"""IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser; their tags,
permissions boundary, inline policies and attached managed policies.

Every operation authorizes first, against the entity's ARN with its real path
when the entity exists (AWS answers AccessDenied before NoSuchEntity), with the
user's tags as ``aws:ResourceTag``/``iam:ResourceTag``. A denial names the user
as IAM does for an existing entity: ``... on resource: user bob``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clearance.engine import ContextValue
from clearance.errors import InvalidInput
from clearance.policy.limits import USER_INLINE_POLICIES
from clearance.services.context import CallContext
from clearance.services.iam.common import (
    check_inline_policy,
    check_policy_arn,
    entity_arn,
    page_args,
    page_result,
    request_tag_context,
    require_as,
    resource_tag_context,
    tag_input,
    tags_out,
    user_shape,
)
from clearance.services.registry import operation
from clearance.store import NoSuchEntity, Tag, User
from clearance.store.records import iam_arn

__all__ = ["UserTarget", "caller_user_name", "find_user", "user_target"]


def find_user(ctx: CallContext, name: str) -> User | None:
    try:
        return ctx.store.get_user(ctx.account_id, name)
    except NoSuchEntity:
        return None


@dataclass(frozen=True, slots=True)
class UserTarget:
    """The user a request acts on: the record (None if absent), the ARN to
    authorize against, its tags and the request context they give."""

    name: str
    user: User | None
    arn: str
    tags: tuple[Tag, ...] = ()
    context: dict[str, ContextValue] = field(default_factory=dict)

    def require(
        self, ctx: CallContext, action: str, extra: dict[str, ContextValue] | None = None
    ) -> None:
        context = dict(self.context)
        if extra:
            context.update(extra)
        require_as(ctx, action, self.arn, f"user {self.name}", context)

    def existing(self) -> User:
        if self.user is None:
            raise NoSuchEntity(f"The user with name {self.name} cannot be found.")
        return self.user

    @property
    def boundary_context(self) -> dict[str, ContextValue]:
        """``iam:PermissionsBoundary``: the user's current boundary, if any."""
        arn = self.user.permissions_boundary_arn if self.user else None
        return {"iam:PermissionsBoundary": arn} if arn else {}


def user_target(ctx: CallContext, name: str) -> UserTarget:
    user = find_user(ctx, name)
    if user is None:
        return UserTarget(name, None, entity_arn(ctx, "user", name))
    tags = ctx.store.list_user_tags(ctx.account_id, user.name).items
    return UserTarget(name, user, user.arn, tags, resource_tag_context(tags))


def caller_user_name(ctx: CallContext, params: dict[str, Any]) -> str:
    """``UserName``, defaulting to the calling IAM user (InvalidInput for others)."""
    name = params.get("UserName")
    if name:
        return str(name)
    caller = ctx.caller
    if caller.kind != "user" or caller.user_name is None:
        raise InvalidInput("Must specify userName when calling with non-User credentials")
    return caller.user_name


# -- users -----------------------------------------------------------------------------


@operation("iam", "CreateUser")
def create_user(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name, path = params["UserName"], params.get("Path") or "/"
    tags = tag_input(params)
    boundary = params.get("PermissionsBoundary")
    context = request_tag_context(tags)
    if boundary:
        check_policy_arn(boundary)
        context["iam:PermissionsBoundary"] = boundary
    ctx.require("iam:CreateUser", entity_arn(ctx, "user", name, path), context)
    if tags:
        ctx.require("iam:TagUser", entity_arn(ctx, "user", name, path), context)
    user = ctx.store.create_user(
        ctx.account_id, name, path=path, permissions_boundary=boundary, tags=tags
    )
    return {"User": user_shape(user, tags)}


@operation("iam", "GetUser")
def get_user(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params.get("UserName")
    caller = ctx.caller
    if name is None:
        if caller.kind == "root":
            ctx.require("iam:GetUser", caller.arn)
            account = ctx.store.get_account(ctx.account_id)
            return {
                "User": {"UserId": ctx.account_id, "Arn": caller.arn, "CreateDate": account.created}
            }
        if caller.kind != "user" or caller.user_name is None:
            raise InvalidInput("Must specify userName when calling with non-User credentials")
        name = caller.user_name
    target = user_target(ctx, name)
    target.require(ctx, "iam:GetUser")
    return {"User": user_shape(target.existing(), target.tags)}


@operation("iam", "ListUsers")
def list_users(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    prefix = params.get("PathPrefix")
    ctx.require("iam:ListUsers", iam_arn(ctx.account_id, "user", prefix or "/", ""))
    page = ctx.store.list_users(ctx.account_id, path_prefix=prefix, **page_args(params))
    return page_result(page, "Users", [user_shape(u) for u in page.items])


@operation("iam", "UpdateUser")
def update_user(ctx: CallContext, params: dict[str, Any]) -> None:
    name = params["UserName"]
    target = user_target(ctx, name)
    target.require(ctx, "iam:UpdateUser")
    new_name, new_path = params.get("NewUserName"), params.get("NewPath")
    if new_name or new_path:
        path = new_path or (target.user.path if target.user else "/")
        new_arn = entity_arn(ctx, "user", new_name or name, path)
        if new_arn != target.arn:
            ctx.require("iam:UpdateUser", new_arn, target.context)
    ctx.store.update_user(ctx.account_id, name, new_name=new_name, new_path=new_path)
    return None


@operation("iam", "DeleteUser")
def delete_user(ctx: CallContext, params: dict[str, Any]) -> None:
    name = params["UserName"]
    user_target(ctx, name).require(ctx, "iam:DeleteUser")
    ctx.store.delete_user(ctx.account_id, name)
    return None


# -- tags ------------------------------------------------------------------------------


@operation("iam", "TagUser")
def tag_user(ctx: CallContext, params: dict[str, Any]) -> None:
    name, tags = params["UserName"], tag_input(params)
    user_target(ctx, name).require(ctx, "iam:TagUser", request_tag_context(tags))
    ctx.store.tag_user(ctx.account_id, name, tags)
    return None


@operation("iam", "UntagUser")
def untag_user(ctx: CallContext, params: dict[str, Any]) -> None:
    name, keys = params["UserName"], list(params.get("TagKeys") or ())
    user_target(ctx, name).require(ctx, "iam:UntagUser", request_tag_context((), keys))
    ctx.store.untag_user(ctx.account_id, name, keys)
    return None


@operation("iam", "ListUserTags")
def list_user_tags(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["UserName"]
    user_target(ctx, name).require(ctx, "iam:ListUserTags")
    page = ctx.store.list_user_tags(ctx.account_id, name, **page_args(params))
    return page_result(page, "Tags", tags_out(page.items))


# -- permissions boundary --------------------------------------------------------------


@operation("iam", "PutUserPermissionsBoundary")
def put_user_permissions_boundary(ctx: CallContext, params: dict[str, Any]) -> None:
    name, boundary = params["UserName"], params["PermissionsBoundary"]
    check_policy_arn(boundary)
    target = user_target(ctx, name)
    target.require(ctx, "iam:PutUserPermissionsBoundary", {"iam:PermissionsBoundary": boundary})
    ctx.store.put_user_permissions_boundary(ctx.account_id, name, boundary)
    return None


@operation("iam", "DeleteUserPermissionsBoundary")
def delete_user_permissions_boundary(ctx: CallContext, params: dict[str, Any]) -> None:
    name = params["UserName"]
    target = user_target(ctx, name)
    target.require(ctx, "iam:DeleteUserPermissionsBoundary", target.boundary_context)
    ctx.store.delete_user_permissions_boundary(ctx.account_id, name)
    return None


# -- inline policies -------------------------------------------------------------------


@operation("iam", "PutUserPolicy")
def put_user_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    name, policy_name, document = params["UserName"], params["PolicyName"], params["PolicyDocument"]
    target = user_target(ctx, name)
    target.require(ctx, "iam:PutUserPolicy", target.boundary_context)
    user = target.existing()
    check_inline_policy(document, USER_INLINE_POLICIES, user.name)
    ctx.store.put_user_policy(ctx.account_id, name, policy_name, document)
    return None


@operation("iam", "GetUserPolicy")
def get_user_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name, policy_name = params["UserName"], params["PolicyName"]
    user_target(ctx, name).require(ctx, "iam:GetUserPolicy")
    policy = ctx.store.get_user_policy(ctx.account_id, name, policy_name)
    return {
        "UserName": policy.owner_name,
        "PolicyName": policy.name,
        "PolicyDocument": policy.document,
    }


@operation("iam", "DeleteUserPolicy")
def delete_user_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    name, policy_name = params["UserName"], params["PolicyName"]
    target = user_target(ctx, name)
    target.require(ctx, "iam:DeleteUserPolicy", target.boundary_context)
    ctx.store.delete_user_policy(ctx.account_id, name, policy_name)
    return None


@operation("iam", "ListUserPolicies")
def list_user_policies(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["UserName"]
    user_target(ctx, name).require(ctx, "iam:ListUserPolicies")
    page = ctx.store.list_user_policies(ctx.account_id, name, **page_args(params))
    return page_result(page, "PolicyNames", list(page.items))


# -- managed policy attachments --------------------------------------------------------


@operation("iam", "AttachUserPolicy")
def attach_user_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    name, policy_arn = params["UserName"], params["PolicyArn"]
    check_policy_arn(policy_arn)
    target = user_target(ctx, name)
    target.require(
        ctx, "iam:AttachUserPolicy", {"iam:PolicyARN": policy_arn, **target.boundary_context}
    )
    ctx.store.attach_user_policy(ctx.account_id, name, policy_arn)
    return None


@operation("iam", "DetachUserPolicy")
def detach_user_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    name, policy_arn = params["UserName"], params["PolicyArn"]
    check_policy_arn(policy_arn)
    target = user_target(ctx, name)
    target.require(
        ctx, "iam:DetachUserPolicy", {"iam:PolicyARN": policy_arn, **target.boundary_context}
    )
    ctx.store.detach_user_policy(ctx.account_id, name, policy_arn)
    return None


@operation("iam", "ListAttachedUserPolicies")
def list_attached_user_policies(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["UserName"]
    user_target(ctx, name).require(ctx, "iam:ListAttachedUserPolicies")
    page = ctx.store.list_attached_user_policies(
        ctx.account_id, name, path_prefix=params.get("PathPrefix"), **page_args(params)
    )
    items = [{"PolicyName": p.name, "PolicyArn": p.arn} for p in page.items]
    return page_result(page, "AttachedPolicies", items)
