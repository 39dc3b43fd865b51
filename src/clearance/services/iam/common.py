"""Helpers shared by the IAM operation modules: ARNs for authorization,
records to response shapes, tags, pagination parameters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from clearance.engine import (
    ContextValue,
    Decision,
)
from clearance.errors import InvalidInput
from clearance.policy import PolicyError, PolicyKind, check_policy
from clearance.policy.limits import SizeLimit
from clearance.policy.validation.messages import VERSION_REQUIRED
from clearance.services.context import CallContext
from clearance.services.errors import AccessDenied
from clearance.services.tag_context import resource_tag_context as tag_context
from clearance.store import Page, Tag, User
from clearance.store.lookup import split_policy_arn
from clearance.store.records import iam_arn

__all__ = [
    "AWS_MANAGED_ACCOUNT",
    "authorize",
    "aws_resource_tag_context",
    "boundary_shape",
    "check_inline_policy",
    "check_policy_arn",
    "entity_arn",
    "page_args",
    "page_result",
    "request_tag_context",
    "require_as",
    "resource_tag_context",
    "tag_input",
    "tag_keys_context",
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


def resource_tag_context(tags: Iterable[Tag]) -> dict[str, ContextValue]:
    """``aws:ResourceTag/K`` and ``iam:ResourceTag/K`` of a user or role the request acts on."""
    return tag_context(tags, "iam")


def require_as(
    ctx: CallContext,
    action: str,
    resource: str,
    shown_as: str,
    context: dict[str, ContextValue] | None = None,
) -> Decision:
    """Authorize against ``resource`` but word a denial as IAM does for entities
    named in the request: ``... on resource: user bob`` instead of the ARN."""
    try:
        return ctx.require(action, resource, context)
    except AccessDenied as denied:
        message = denied.message.replace(f"on resource: {resource}", f"on resource: {shown_as}", 1)
        raise AccessDenied(message) from None


def check_inline_policy(document: str, limit: SizeLimit, entity: str) -> None:
    """Validate an inline identity policy as IAM does on Put{User,Group,Role}Policy.

    The grammar and rules of an identity policy, except that inline policies may
    still use the 2008-10-17 grammar (no ``Version``); then the document's size
    against the entity's aggregate limit (the store checks the sum with the
    entity's other inline policies).

    :raises PolicyError: MalformedPolicyDocument with AWS's first message.
    :raises PolicySizeExceeded: LimitExceeded, ``Maximum policy size of 2048 bytes
        exceeded for user bob``.
    """
    result = check_policy(document, PolicyKind.IDENTITY)
    errors = [d for d in result.errors if d.message != VERSION_REQUIRED]
    if result.policy is None or errors:
        raise PolicyError(errors or result.diagnostics)
    size = limit.size(document)
    if size > limit.characters:
        raise limit.exceeded(size, limit.characters, entity)


# -- added for roles, policies, instance profiles and providers -------------------------

AWS_MANAGED_ACCOUNT = "aws"  # the pseudo-account of arn:aws:iam::aws:policy/...


def authorize(
    ctx: CallContext,
    action: str,
    resource: str,
    context: Mapping[str, ContextValue] | None = None,
    *,
    shown: str | None = None,
) -> None:
    """``ctx.require``, with two of IAM's habits.

    ``shown``: how AWS names the resource in the AccessDenied message when it is
    not the ARN (``role NAME``, ``policy ARN``, ``instance profile NAME``...).
    """
    try:
        ctx.require(action, resource, context)
    except AccessDenied as denied:
        if shown is None or shown == resource:
            raise
        message = denied.message.replace(f" on resource: {resource}", f" on resource: {shown}", 1)
        raise AccessDenied(message) from None


def aws_resource_tag_context(tags: Iterable[Tag]) -> dict[str, ContextValue]:
    """``aws:ResourceTag/K`` of a policy, instance profile or identity provider
    (``iam:ResourceTag`` exists only for users and roles: :func:`resource_tag_context`)."""
    return tag_context(tags)


def tag_keys_context(keys: Iterable[str]) -> dict[str, ContextValue]:
    """``aws:TagKeys`` of an Untag* request."""
    listed = tuple(keys)
    return {"aws:TagKeys": listed} if listed else {}


def check_policy_arn(arn: str) -> None:
    """IAM's answer to a PolicyArn / PermissionsBoundary that is not a policy ARN."""
    if split_policy_arn(arn) is None:
        raise InvalidInput(f"ARN {arn} is not valid.")
