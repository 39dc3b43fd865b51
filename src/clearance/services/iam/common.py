"""Helpers shared by the IAM operation modules: ARNs for authorization,
records to response shapes, tags, pagination parameters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clearance.engine import ContextValue
from clearance.services.context import CallContext
from clearance.store import Page, Tag, User
from clearance.store.records import iam_arn

__all__ = [
    "entity_arn",
    "page_args",
    "page_result",
    "request_tag_context",
    "tag_input",
    "tags_out",
    "user_shape",
]


def entity_arn(ctx: CallContext, kind: str, name: str, path: str | None = None) -> str:
    """The ARN IAM authorizes against: the entity's real path when it exists."""
    return iam_arn(ctx.account_id, kind, path or "/", name)


def tag_input(params: dict[str, Any]) -> tuple[Tag, ...]:
    return tuple(Tag(t["Key"], t["Value"]) for t in params.get("Tags") or ())


def tags_out(tags: Iterable[Tag]) -> list[dict[str, str]]:
    return [{"Key": t.key, "Value": t.value} for t in tags]


def request_tag_context(tags: Iterable[Tag], keys: Iterable[str] = ()) -> dict[str, ContextValue]:
    """``aws:RequestTag/K`` for each tag and ``aws:TagKeys`` (multi-valued)."""
    context: dict[str, ContextValue] = {}
    all_keys = list(keys)
    for tag in tags:
        context[f"aws:RequestTag/{tag.key}"] = tag.value
        all_keys.append(tag.key)
    if all_keys:
        context["aws:TagKeys"] = tuple(all_keys)
    return context


def page_args(params: dict[str, Any]) -> dict[str, Any]:
    return {"marker": params.get("Marker"), "max_items": params.get("MaxItems")}


def page_result(page: Page[Any], key: str, items: list[Any]) -> dict[str, Any]:
    result: dict[str, Any] = {key: items, "IsTruncated": page.is_truncated}
    if page.is_truncated and page.marker:
        result["Marker"] = page.marker
    return result


def boundary_shape(arn: str | None) -> dict[str, str] | None:
    if arn is None:
        return None
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}


def user_shape(user: User, tags: Iterable[Tag] = ()) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.id,
        "Arn": user.arn,
        "CreateDate": user.created,
    }
    if user.password_last_used is not None:
        shape["PasswordLastUsed"] = user.password_last_used
    boundary = boundary_shape(user.permissions_boundary_arn)
    if boundary:
        shape["PermissionsBoundary"] = boundary
    tag_list = tags_out(tags)
    if tag_list:
        shape["Tags"] = tag_list
    return shape
