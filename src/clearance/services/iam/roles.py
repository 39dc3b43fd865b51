"""IAM roles: CreateRole, GetRole, ListRoles, UpdateRole, UpdateRoleDescription,
UpdateAssumeRolePolicy, DeleteRole, TagRole, UntagRole, ListRoleTags.

Every operation authorizes first, against the role's ARN with its real path
when the role exists (AWS answers AccessDenied before NoSuchEntity), with the
condition keys the Service Authorization Reference lists for the action:
``aws:ResourceTag``/``iam:ResourceTag`` of the role and ``iam:PermissionsBoundary``
(the role's boundary). Denials name the role as IAM does (``role NAME``).

Service-linked roles (path ``/aws-service-role/``) belong to their AWS service:
customers may only change their description and tags (UnmodifiableEntity).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clearance.engine import ContextValue
from clearance.errors import InvalidInput
from clearance.policy import PolicyKind, check_size, parse_policy
from clearance.services.context import CallContext
from clearance.services.iam.common import (
    authorize,
    boundary_shape,
    check_policy_arn,
    entity_arn,
    page_args,
    page_result,
    request_tag_context,
    resource_tag_context,
    tag_input,
    tag_keys_context,
    tags_out,
)
from clearance.services.registry import operation
from clearance.store import NoSuchEntity, Role, Tag, UnmodifiableEntity

__all__ = [
    "SERVICE_LINKED_PATH",
    "RoleTarget",
    "authorize_role",
    "check_modifiable",
    "check_trust_policy",
    "is_service_linked",
    "role_shape",
]

SERVICE_LINKED_PATH = "/aws-service-role/"


def is_service_linked(role: Role) -> bool:
    return role.path.startswith(SERVICE_LINKED_PATH)


def check_modifiable(role: Role | None) -> None:
    """Customers cannot change a service-linked role's permissions or trust."""
    if role is not None and is_service_linked(role):
        raise UnmodifiableEntity(
            f"Cannot perform the operation on the protected role '{role.name}'"
            " - this role is only modifiable by AWS"
        )


def check_trust_policy(document: str) -> None:
    """A role trust policy as IAM validates it: its size quota, then its rules.

    :raises PolicySizeExceeded: ``Cannot exceed quota for ACLSizePerRole: 2048``.
    :raises PolicyError: MalformedPolicyDocument with AWS's first message.
    """
    check_size(document, PolicyKind.TRUST)
    parse_policy(document, PolicyKind.TRUST)


def role_shape(
    role: Role,
    tags: tuple[Tag, ...] = (),
    *,
    max_session: bool = True,
    boundary: bool = True,
    last_used: bool = False,
) -> dict[str, Any]:
    """The ``Role`` structure, with the members AWS returns where it is used:
    CreateRole leaves out MaxSessionDuration, ListRoles and instance profiles
    the boundary, and only GetRole has RoleLastUsed."""
    shape: dict[str, Any] = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.id,
        "Arn": role.arn,
        "CreateDate": role.created,
        "AssumeRolePolicyDocument": role.assume_role_policy,
    }
    if role.description is not None:
        shape["Description"] = role.description
    if max_session:
        shape["MaxSessionDuration"] = role.max_session_duration
    if boundary and role.permissions_boundary_arn:
        shape["PermissionsBoundary"] = boundary_shape(role.permissions_boundary_arn)
    if tags:
        shape["Tags"] = tags_out(tags)
    if last_used:
        used: dict[str, Any] = {}
        if role.last_used is not None:
            used["LastUsedDate"] = role.last_used
            if role.last_used_region:
                used["Region"] = role.last_used_region
        shape["RoleLastUsed"] = used
    return shape


@dataclass(frozen=True, slots=True)
class RoleTarget:
    """The role a request names, as authorization sees it."""

    name: str
    role: Role | None
    tags: tuple[Tag, ...] = ()
    context: dict[str, ContextValue] = field(default_factory=dict)

    @property
    def shown(self) -> str:
        return f"role {self.role.name if self.role else self.name}"

    def require(self) -> Role:
        if self.role is None:
            raise NoSuchEntity(f"The role with name {self.name} cannot be found.")
        return self.role


def _target(ctx: CallContext, name: str) -> RoleTarget:
    try:
        role = ctx.store.get_role(ctx.account_id, name)
    except NoSuchEntity:
        return RoleTarget(name, None)
    tags = ctx.store.list_role_tags(ctx.account_id, role.name).items
    context = resource_tag_context(tags)
    if role.permissions_boundary_arn:
        context["iam:PermissionsBoundary"] = role.permissions_boundary_arn
    return RoleTarget(name, role, tags, context)


def authorize_role(
    ctx: CallContext,
    action: str,
    name: str,
    extra: dict[str, ContextValue] | None = None,
    *,
    by_arn: bool = False,
    guard: Callable[[Role | None], None] | None = None,
) -> RoleTarget:
    """Authorize ``action`` on the named role (its real ARN when it exists).

    ``extra`` adds to the role's own keys; ``by_arn`` words a denial with the
    ARN instead of ``role NAME``. ``guard`` runs first: :func:`check_modifiable`
    for actions that change a role's trust or permissions, which a service-linked
    role refuses with UnmodifiableEntity (as AWS answers even its administrators),
    before the engine's own refusal to let any policy change an AWS-owned role."""
    target = _target(ctx, name)
    if guard is not None:
        guard(target.role)
    arn = target.role.arn if target.role else entity_arn(ctx, "role", name)
    context = {**target.context, **(extra or {})}
    authorize(ctx, action, arn, context, shown=None if by_arn else target.shown)
    return target


@operation("iam", "CreateRole")
def create_role(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name, path = params["RoleName"], params.get("Path") or "/"
    document = params["AssumeRolePolicyDocument"]
    tags = tag_input(params)
    boundary = params.get("PermissionsBoundary")
    arn = entity_arn(ctx, "role", name, path)
    context = request_tag_context(tags)
    if boundary:
        context["iam:PermissionsBoundary"] = boundary
    if path.startswith(SERVICE_LINKED_PATH):
        raise InvalidInput(
            f"Path prefix '{SERVICE_LINKED_PATH}' can only be used for AWS Service linked Roles"
        )
    authorize(ctx, "iam:CreateRole", arn, context)
    if tags:
        authorize(ctx, "iam:TagRole", arn, context, shown=f"role {name}")
    if boundary:
        check_policy_arn(boundary)
    check_trust_policy(document)
    role = ctx.store.create_role(
        ctx.account_id,
        name,
        document,
        path=path,
        description=params.get("Description"),
        max_session_duration=params.get("MaxSessionDuration") or 3600,
        permissions_boundary=boundary,
        tags=tags,
    )
    return {"Role": role_shape(role, tags, max_session=False)}


@operation("iam", "GetRole")
def get_role(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    target = authorize_role(ctx, "iam:GetRole", params["RoleName"])
    return {"Role": role_shape(target.require(), target.tags, last_used=True)}


@operation("iam", "ListRoles")
def list_roles(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    prefix = params.get("PathPrefix") or "/"
    # AWS names the listed path as the resource: arn:aws:iam::ACCOUNT:role/
    authorize(ctx, "iam:ListRoles", f"arn:aws:iam::{ctx.account_id}:role{prefix}")
    page = ctx.store.list_roles(ctx.account_id, path_prefix=prefix, **page_args(params))
    roles = [role_shape(role, boundary=False) for role in page.items]
    return page_result(page, "Roles", roles)


@operation("iam", "UpdateRole")
def update_role(ctx: CallContext, params: dict[str, Any]) -> None:
    duration = params.get("MaxSessionDuration")

    def guard(role: Role | None) -> None:
        if duration is not None and role is not None and is_service_linked(role):
            raise UnmodifiableEntity(
                f"{role.name} is an AWS service linked role,"
                " max session duration cannot be changed."
            )

    role = authorize_role(ctx, "iam:UpdateRole", params["RoleName"], guard=guard).require()
    changes: dict[str, Any] = {}
    if "Description" in params:
        changes["description"] = params["Description"]
    ctx.store.update_role(ctx.account_id, role.name, max_session_duration=duration, **changes)
    return None


@operation("iam", "UpdateRoleDescription")
def update_role_description(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    target = authorize_role(ctx, "iam:UpdateRoleDescription", params["RoleName"])
    role = target.require()
    updated = ctx.store.update_role(ctx.account_id, role.name, description=params["Description"])
    return {"Role": role_shape(updated, target.tags)}


@operation("iam", "UpdateAssumeRolePolicy")
def update_assume_role_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    target = authorize_role(
        ctx, "iam:UpdateAssumeRolePolicy", params["RoleName"], guard=check_modifiable
    )
    role = target.require()
    document = params["PolicyDocument"]
    check_trust_policy(document)
    ctx.store.update_assume_role_policy(ctx.account_id, role.name, document)
    return None


@operation("iam", "DeleteRole")
def delete_role(ctx: CallContext, params: dict[str, Any]) -> None:
    authorize_role(ctx, "iam:DeleteRole", params["RoleName"], guard=check_modifiable)
    ctx.store.delete_role(ctx.account_id, params["RoleName"])
    return None


@operation("iam", "TagRole")
def tag_role(ctx: CallContext, params: dict[str, Any]) -> None:
    tags = tag_input(params)
    authorize_role(ctx, "iam:TagRole", params["RoleName"], request_tag_context(tags), by_arn=True)
    ctx.store.tag_role(ctx.account_id, params["RoleName"], tags)
    return None


@operation("iam", "UntagRole")
def untag_role(ctx: CallContext, params: dict[str, Any]) -> None:
    keys = params["TagKeys"]
    authorize_role(ctx, "iam:UntagRole", params["RoleName"], tag_keys_context(keys), by_arn=True)
    ctx.store.untag_role(ctx.account_id, params["RoleName"], keys)
    return None


@operation("iam", "ListRoleTags")
def list_role_tags(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    authorize_role(ctx, "iam:ListRoleTags", params["RoleName"])
    page = ctx.store.list_role_tags(ctx.account_id, params["RoleName"], **page_args(params))
    return page_result(page, "Tags", tags_out(page.items))
