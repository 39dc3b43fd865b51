"""Instance profiles: CreateInstanceProfile, GetInstanceProfile, ListInstanceProfiles,
ListInstanceProfilesForRole, DeleteInstanceProfile, AddRoleToInstanceProfile,
RemoveRoleFromInstanceProfile, TagInstanceProfile, UntagInstanceProfile,
ListInstanceProfileTags.

An instance profile holds at most one role (``LimitExceeded``: ``Cannot exceed
quota for InstanceSessionsPerInstanceProfile: 1``). Denials name the profile as
IAM does (``instance profile NAME``).
"""

from __future__ import annotations

from typing import Any

from clearance.engine import ContextValue
from clearance.services.context import CallContext
from clearance.services.iam.common import (
    authorize,
    aws_resource_tag_context,
    entity_arn,
    page_args,
    page_result,
    request_tag_context,
    tag_input,
    tags_out,
)
from clearance.services.iam.roles import authorize_role, check_modifiable, role_shape
from clearance.services.iam.tagging import register_tagging
from clearance.services.registry import operation
from clearance.store import InstanceProfile, NoSuchEntity, Tag

__all__ = ["instance_profile_shape"]


def instance_profile_shape(profile: InstanceProfile, tags: tuple[Tag, ...] = ()) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "Path": profile.path,
        "InstanceProfileName": profile.name,
        "InstanceProfileId": profile.id,
        "Arn": profile.arn,
        "CreateDate": profile.created,
        "Roles": [role_shape(role, max_session=False, boundary=False) for role in profile.roles],
    }
    if tags:
        shape["Tags"] = tags_out(tags)
    return shape


def _authorize_profile(
    ctx: CallContext,
    action: str,
    name: str,
    extra: dict[str, ContextValue] | None = None,
) -> tuple[InstanceProfile | None, tuple[Tag, ...]]:
    """Authorize ``action`` on the named profile (its real ARN when it exists)."""
    try:
        profile: InstanceProfile | None = ctx.store.get_instance_profile(ctx.account_id, name)
    except NoSuchEntity:
        profile = None
    tags: tuple[Tag, ...] = ()
    if profile is not None:
        tags = ctx.store.list_instance_profile_tags(ctx.account_id, profile.name).items
    arn = profile.arn if profile else entity_arn(ctx, "instance-profile", name)
    context = {**aws_resource_tag_context(tags), **(extra or {})}
    shown = f"instance profile {profile.name if profile else name}"
    authorize(ctx, action, arn, context, shown=shown)
    return profile, tags


@operation("iam", "CreateInstanceProfile")
def create_instance_profile(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name, path = params["InstanceProfileName"], params.get("Path") or "/"
    tags = tag_input(params)
    arn = entity_arn(ctx, "instance-profile", name, path)
    context = request_tag_context(tags)
    authorize(ctx, "iam:CreateInstanceProfile", arn, context)
    if tags:
        authorize(ctx, "iam:TagInstanceProfile", arn, context)
    profile = ctx.store.create_instance_profile(ctx.account_id, name, path=path, tags=tags)
    return {"InstanceProfile": instance_profile_shape(profile, tags)}


@operation("iam", "GetInstanceProfile")
def get_instance_profile(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["InstanceProfileName"]
    profile, tags = _authorize_profile(ctx, "iam:GetInstanceProfile", name)
    if profile is None:
        raise NoSuchEntity(f"Instance Profile {name} cannot be found.")
    return {"InstanceProfile": instance_profile_shape(profile, tags)}


@operation("iam", "ListInstanceProfiles")
def list_instance_profiles(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    prefix = params.get("PathPrefix") or "/"
    authorize(
        ctx, "iam:ListInstanceProfiles", f"arn:aws:iam::{ctx.account_id}:instance-profile{prefix}"
    )
    page = ctx.store.list_instance_profiles(ctx.account_id, path_prefix=prefix, **page_args(params))
    items = [instance_profile_shape(profile) for profile in page.items]
    return page_result(page, "InstanceProfiles", items)


@operation("iam", "ListInstanceProfilesForRole")
def list_instance_profiles_for_role(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    authorize_role(ctx, "iam:ListInstanceProfilesForRole", params["RoleName"])
    page = ctx.store.list_instance_profiles_for_role(
        ctx.account_id, params["RoleName"], **page_args(params)
    )
    items = [instance_profile_shape(profile) for profile in page.items]
    return page_result(page, "InstanceProfiles", items)


@operation("iam", "DeleteInstanceProfile")
def delete_instance_profile(ctx: CallContext, params: dict[str, Any]) -> None:
    name = params["InstanceProfileName"]
    _authorize_profile(ctx, "iam:DeleteInstanceProfile", name)
    ctx.store.delete_instance_profile(ctx.account_id, name)
    return None


@operation("iam", "AddRoleToInstanceProfile")
def add_role_to_instance_profile(ctx: CallContext, params: dict[str, Any]) -> None:
    name, role_name = params["InstanceProfileName"], params["RoleName"]
    _authorize_profile(ctx, "iam:AddRoleToInstanceProfile", name)
    _check_role(ctx, role_name)
    ctx.store.add_role_to_instance_profile(ctx.account_id, name, role_name)
    return None


@operation("iam", "RemoveRoleFromInstanceProfile")
def remove_role_from_instance_profile(ctx: CallContext, params: dict[str, Any]) -> None:
    name, role_name = params["InstanceProfileName"], params["RoleName"]
    _authorize_profile(ctx, "iam:RemoveRoleFromInstanceProfile", name)
    _check_role(ctx, role_name)
    ctx.store.remove_role_from_instance_profile(ctx.account_id, name, role_name)
    return None


def _check_role(ctx: CallContext, role_name: str) -> None:
    try:
        role = ctx.store.get_role(ctx.account_id, role_name)
    except NoSuchEntity:
        return  # the store answers NoSuchEntity with IAM's words
    check_modifiable(role)


register_tagging("InstanceProfile", "InstanceProfileName", "instance_profile", _authorize_profile)
