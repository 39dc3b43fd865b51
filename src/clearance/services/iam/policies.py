"""Managed policies, their versions and tags, their attachment to roles, and
the entities that use them.

CreatePolicy, GetPolicy, ListPolicies, DeletePolicy, CreatePolicyVersion,
GetPolicyVersion, ListPolicyVersions, DeletePolicyVersion,
SetDefaultPolicyVersion, TagPolicy, UntagPolicy, ListPolicyTags,
AttachRolePolicy, DetachRolePolicy, ListAttachedRolePolicies,
ListEntitiesForPolicy.

Documents are validated as identity policies (AWS's MalformedPolicyDocument
messages) after the size quota (``Cannot exceed quota for PolicySize: 6144``,
white space not counted). A policy has at most 5 versions. AWS managed
policies (``arn:aws:iam::aws:policy/...``) are visible from every account and
read-only (UnmodifiableEntity). Denials name a policy as IAM does
(``policy ARN``; ``policy NAME`` for CreatePolicy).
"""

from __future__ import annotations

from typing import Any

from clearance.engine import ContextValue
from clearance.policy import PolicyKind, check_size, parse_policy
from clearance.services.context import CallContext
from clearance.services.iam.common import (
    authorize,
    aws_resource_tag_context,
    check_policy_arn,
    entity_arn,
    page_args,
    page_result,
    request_tag_context,
    tag_input,
    tags_out,
)
from clearance.services.iam.roles import authorize_role, check_modifiable
from clearance.services.iam.tagging import register_tagging
from clearance.services.registry import operation
from clearance.store import ManagedPolicy, NoSuchEntity, PolicyVersion, Tag

__all__ = ["check_managed_policy", "policy_shape", "policy_version_shape"]


def check_managed_policy(document: str) -> None:
    """A managed policy document as IAM validates it: the size quota, then the rules.

    :raises PolicySizeExceeded: ``Cannot exceed quota for PolicySize: 6144``.
    :raises PolicyError: MalformedPolicyDocument with AWS's first message.
    """
    check_size(document, PolicyKind.IDENTITY)
    parse_policy(document, PolicyKind.IDENTITY)


def policy_shape(
    policy: ManagedPolicy, tags: tuple[Tag, ...] = (), *, description: bool = False
) -> dict[str, Any]:
    """The ``Policy`` structure; AWS returns the description from GetPolicy only."""
    shape: dict[str, Any] = {
        "PolicyName": policy.name,
        "PolicyId": policy.id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": policy.attachment_count,
        "PermissionsBoundaryUsageCount": policy.permissions_boundary_usage_count,
        "IsAttachable": policy.is_attachable,
        "CreateDate": policy.created,
        "UpdateDate": policy.updated,
    }
    if description and policy.description is not None:
        shape["Description"] = policy.description
    if tags:
        shape["Tags"] = tags_out(tags)
    return shape


def policy_version_shape(version: PolicyVersion, *, document: bool = False) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "VersionId": version.version_id,
        "IsDefaultVersion": version.is_default,
        "CreateDate": version.created,
    }
    if document:
        shape["Document"] = version.document
    return shape


def _authorize_policy(
    ctx: CallContext, action: str, arn: str, extra: dict[str, ContextValue] | None = None
) -> tuple[ManagedPolicy | None, tuple[Tag, ...]]:
    """Authorize ``action`` on the policy ARN, with the policy's tags as
    ``aws:ResourceTag`` when it exists."""
    check_policy_arn(arn)
    try:
        policy: ManagedPolicy | None = ctx.store.get_policy(ctx.account_id, arn)
    except NoSuchEntity:
        policy = None
    tags: tuple[Tag, ...] = ()
    if policy is not None:
        tags = ctx.store.list_policy_tags(ctx.account_id, arn).items
    context = {**aws_resource_tag_context(tags), **(extra or {})}
    authorize(ctx, action, arn, context, shown=f"policy {arn}")
    return policy, tags


# -- policies ---------------------------------------------------------------------------


@operation("iam", "CreatePolicy")
def create_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name, path = params["PolicyName"], params.get("Path") or "/"
    document = params["PolicyDocument"]
    tags = tag_input(params)
    arn = entity_arn(ctx, "policy", name, path)
    context = request_tag_context(tags)
    authorize(ctx, "iam:CreatePolicy", arn, context, shown=f"policy {name}")
    if tags:
        authorize(ctx, "iam:TagPolicy", arn, context, shown=f"policy {arn}")
    check_managed_policy(document)
    policy = ctx.store.create_policy(
        ctx.account_id,
        name,
        document,
        path=path,
        description=params.get("Description"),
        tags=tags,
    )
    return {"Policy": policy_shape(policy, tags)}


@operation("iam", "GetPolicy")
def get_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["PolicyArn"]
    policy, tags = _authorize_policy(ctx, "iam:GetPolicy", arn)
    if policy is None:
        raise NoSuchEntity(f"Policy {arn} was not found.")
    return {"Policy": policy_shape(policy, tags, description=True)}


@operation("iam", "ListPolicies")
def list_policies(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    prefix = params.get("PathPrefix") or "/"
    # IAM authorizes ListPolicies on "*" only, and names the listed path.
    authorize(ctx, "iam:ListPolicies", f"policy path {prefix}")
    page = ctx.store.list_policies(
        ctx.account_id,
        scope=params.get("Scope") or "All",
        only_attached=bool(params.get("OnlyAttached")),
        usage=params.get("PolicyUsageFilter"),
        path_prefix=prefix,
        **page_args(params),
    )
    return page_result(page, "Policies", [policy_shape(p) for p in page.items])


@operation("iam", "DeletePolicy")
def delete_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    arn = params["PolicyArn"]
    _authorize_policy(ctx, "iam:DeletePolicy", arn)
    ctx.store.delete_policy(ctx.account_id, arn)
    return None


# -- versions ---------------------------------------------------------------------------


@operation("iam", "CreatePolicyVersion")
def create_policy_version(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    arn, document = params["PolicyArn"], params["PolicyDocument"]
    _authorize_policy(ctx, "iam:CreatePolicyVersion", arn)
    check_managed_policy(document)
    version = ctx.store.create_policy_version(
        ctx.account_id, arn, document, set_as_default=bool(params.get("SetAsDefault"))
    )
    return {"PolicyVersion": policy_version_shape(version)}


@operation("iam", "GetPolicyVersion")
def get_policy_version(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["PolicyArn"]
    _authorize_policy(ctx, "iam:GetPolicyVersion", arn)
    version = ctx.store.get_policy_version(ctx.account_id, arn, params["VersionId"])
    return {"PolicyVersion": policy_version_shape(version, document=True)}


@operation("iam", "ListPolicyVersions")
def list_policy_versions(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["PolicyArn"]
    _authorize_policy(ctx, "iam:ListPolicyVersions", arn)
    page = ctx.store.list_policy_versions(ctx.account_id, arn, **page_args(params))
    return page_result(page, "Versions", [policy_version_shape(v) for v in page.items])


@operation("iam", "DeletePolicyVersion")
def delete_policy_version(ctx: CallContext, params: dict[str, Any]) -> None:
    arn = params["PolicyArn"]
    _authorize_policy(ctx, "iam:DeletePolicyVersion", arn)
    ctx.store.delete_policy_version(ctx.account_id, arn, params["VersionId"])
    return None


@operation("iam", "SetDefaultPolicyVersion")
def set_default_policy_version(ctx: CallContext, params: dict[str, Any]) -> None:
    arn = params["PolicyArn"]
    _authorize_policy(ctx, "iam:SetDefaultPolicyVersion", arn)
    ctx.store.set_default_policy_version(ctx.account_id, arn, params["VersionId"])
    return None


# -- tags -------------------------------------------------------------------------------


register_tagging("Policy", "PolicyArn", "policy", _authorize_policy)


# -- roles' attached policies -----------------------------------------------------------


@operation("iam", "AttachRolePolicy")
def attach_role_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    name, arn = params["RoleName"], params["PolicyArn"]
    extra: dict[str, ContextValue] = {"iam:PolicyARN": arn}
    role = authorize_role(
        ctx, "iam:AttachRolePolicy", name, extra, guard=check_modifiable
    ).require()
    check_policy_arn(arn)
    ctx.store.attach_role_policy(ctx.account_id, role.name, arn)
    return None


@operation("iam", "DetachRolePolicy")
def detach_role_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    name, arn = params["RoleName"], params["PolicyArn"]
    extra: dict[str, ContextValue] = {"iam:PolicyARN": arn}
    role = authorize_role(
        ctx, "iam:DetachRolePolicy", name, extra, guard=check_modifiable
    ).require()
    check_policy_arn(arn)
    ctx.store.detach_role_policy(ctx.account_id, role.name, arn)
    return None


@operation("iam", "ListAttachedRolePolicies")
def list_attached_role_policies(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params["RoleName"]
    authorize_role(ctx, "iam:ListAttachedRolePolicies", name)
    page = ctx.store.list_attached_role_policies(
        ctx.account_id, name, path_prefix=params.get("PathPrefix"), **page_args(params)
    )
    items = [{"PolicyName": a.name, "PolicyArn": a.arn} for a in page.items]
    return page_result(page, "AttachedPolicies", items)


# -- ListEntitiesForPolicy --------------------------------------------------------------

_ENTITY_LISTS = {
    "group": ("PolicyGroups", "GroupName", "GroupId"),
    "user": ("PolicyUsers", "UserName", "UserId"),
    "role": ("PolicyRoles", "RoleName", "RoleId"),
}


@operation("iam", "ListEntitiesForPolicy")
def list_entities_for_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["PolicyArn"]
    policy, _ = _authorize_policy(ctx, "iam:ListEntitiesForPolicy", arn)
    if policy is None:
        raise NoSuchEntity(f"Policy {arn} was not found.")
    result: dict[str, Any] = {key: [] for key, _, _ in _ENTITY_LISTS.values()}
    entity_filter = params.get("EntityFilter")
    if entity_filter in ("LocalManagedPolicy", "AWSManagedPolicy"):
        result["IsTruncated"] = False  # policies are not entities that use a policy
        return result
    page = ctx.store.list_entities_for_policy(
        ctx.account_id,
        arn,
        entity_filter=entity_filter,
        usage=params.get("PolicyUsageFilter"),
        path_prefix=params.get("PathPrefix"),
        **page_args(params),
    )
    for entity in page.items:
        key, name_key, id_key = _ENTITY_LISTS[entity.kind]
        result[key].append({name_key: entity.name, id_key: entity.id})
    result["IsTruncated"] = page.is_truncated
    if page.is_truncated and page.marker:
        result["Marker"] = page.marker
    return result
