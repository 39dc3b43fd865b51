"""IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser.

Every operation authorizes first, against the entity's ARN with its real path
when the entity exists (AWS answers AccessDenied before NoSuchEntity).
"""

from __future__ import annotations

from typing import Any

from clearance.errors import InvalidInput
from clearance.services.context import CallContext
from clearance.services.iam.common import (
    entity_arn,
    page_args,
    page_result,
    request_tag_context,
    tag_input,
    user_shape,
)
from clearance.services.registry import operation
from clearance.store import NoSuchEntity, User

__all__ = ["find_user"]


def find_user(ctx: CallContext, name: str) -> User | None:
    try:
        return ctx.store.get_user(ctx.account_id, name)
    except NoSuchEntity:
        return None


def _user_arn(ctx: CallContext, name: str) -> tuple[User | None, str]:
    user = find_user(ctx, name)
    return user, user.arn if user else entity_arn(ctx, "user", name)


@operation("iam", "CreateUser")
def create_user(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name, path = params["UserName"], params.get("Path") or "/"
    tags = tag_input(params)
    boundary = params.get("PermissionsBoundary")
    context = request_tag_context(tags)
    if boundary:
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
    user, arn = _user_arn(ctx, name)
    ctx.require("iam:GetUser", arn)
    if user is None:
        raise NoSuchEntity(f"The user with name {name} cannot be found.")
    tags = ctx.store.list_user_tags(ctx.account_id, user.name).items
    return {"User": user_shape(user, tags)}


@operation("iam", "ListUsers")
def list_users(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require("iam:ListUsers", entity_arn(ctx, "user", "*", None))
    page = ctx.store.list_users(
        ctx.account_id, path_prefix=params.get("PathPrefix"), **page_args(params)
    )
    return page_result(page, "Users", [user_shape(u) for u in page.items])


@operation("iam", "UpdateUser")
def update_user(ctx: CallContext, params: dict[str, Any]) -> None:
    name = params["UserName"]
    _, arn = _user_arn(ctx, name)
    ctx.require("iam:UpdateUser", arn)
    new_name = params.get("NewUserName")
    if new_name:
        ctx.require("iam:UpdateUser", entity_arn(ctx, "user", new_name, params.get("NewPath")))
    ctx.store.update_user(ctx.account_id, name, new_name=new_name, new_path=params.get("NewPath"))
    return None


@operation("iam", "DeleteUser")
def delete_user(ctx: CallContext, params: dict[str, Any]) -> None:
    name = params["UserName"]
    _, arn = _user_arn(ctx, name)
    ctx.require("iam:DeleteUser", arn)
    ctx.store.delete_user(ctx.account_id, name)
    return None
