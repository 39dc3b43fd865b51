"""The account as a whole: aliases (CreateAccountAlias, DeleteAccountAlias,
ListAccountAliases), GetAccountSummary and GetAccountAuthorizationDetails.

None of these act on a resource: they are authorized against ``*``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from clearance.errors import InvalidInput
from clearance.policy.limits import (
    GROUP_INLINE_POLICIES,
    MANAGED_POLICY,
    ROLE_INLINE_POLICIES,
    ROLE_TRUST_POLICY,
    USER_INLINE_POLICIES,
)
from clearance.services.context import CallContext
from clearance.services.iam.common import boundary_shape, tags_out
from clearance.services.iam.groups import group_shape
from clearance.services.registry import operation
from clearance.store import (
    AttachedPolicy,
    Group,
    InstanceProfile,
    ManagedPolicy,
    Page,
    Role,
    User,
)

__all__ = ["SECTIONS", "summary_map"]

T = TypeVar("T")
_BATCH = 1000
DEFAULT_MAX_ITEMS = 100  # IAM's default MaxItems

# Entries IAM reports that Clearance has no feature for (server and signing
# certificates, root MFA): AWS's defaults, from GetAccountSummary.
_FIXED_SUMMARY = {
    "ServerCertificates": 0,
    "ServerCertificatesQuota": 20,
    "SigningCertificatesPerUserQuota": 2,
    "AccountSigningCertificatesPresent": 0,
    "AccountMFAEnabled": 0,
    "PolicyVersionsInUseQuota": 10000,
    "GlobalEndpointTokenVersion": 1,
}


# -- aliases ---------------------------------------------------------------------------


@operation("iam", "CreateAccountAlias")
def create_account_alias(ctx: CallContext, params: dict[str, Any]) -> None:
    ctx.require("iam:CreateAccountAlias", "*")
    ctx.store.create_account_alias(ctx.account_id, params["AccountAlias"])
    return None


@operation("iam", "DeleteAccountAlias")
def delete_account_alias(ctx: CallContext, params: dict[str, Any]) -> None:
    ctx.require("iam:DeleteAccountAlias", "*")
    ctx.store.delete_account_alias(ctx.account_id, params["AccountAlias"])
    return None


@operation("iam", "ListAccountAliases")
def list_account_aliases(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require("iam:ListAccountAliases", "*")
    aliases = list(ctx.store.list_account_aliases(ctx.account_id))
    return {"AccountAliases": aliases, "IsTruncated": False}


# -- summary ---------------------------------------------------------------------------


def summary_map(ctx: CallContext) -> dict[str, int]:
    """Usage counts from the store, the store's quotas, and AWS's fixed entries."""
    quotas = ctx.store.quotas
    summary = dict(ctx.store.get_account_summary(ctx.account_id))
    per_account = {
        "UsersQuota": quotas.users_per_account,
        "GroupsQuota": quotas.groups_per_account,
        "RolesQuota": quotas.roles_per_account,
        "PoliciesQuota": quotas.policies_per_account,
        "InstanceProfilesQuota": quotas.instance_profiles_per_account,
    }
    summary.update({key: value for key, value in per_account.items() if value is not None})
    summary.update(
        {
            "AccessKeysPerUserQuota": quotas.access_keys_per_user,
            "GroupsPerUserQuota": quotas.groups_per_user,
            "AttachedPoliciesPerUserQuota": quotas.policies_per_user,
            "AttachedPoliciesPerGroupQuota": quotas.policies_per_group,
            "AttachedPoliciesPerRoleQuota": quotas.policies_per_role,
            "VersionsPerPolicyQuota": quotas.versions_per_policy,
            "PolicySizeQuota": MANAGED_POLICY.characters,
            "UserPolicySizeQuota": USER_INLINE_POLICIES.characters,
            "GroupPolicySizeQuota": GROUP_INLINE_POLICIES.characters,
            "RolePolicySizeQuota": ROLE_INLINE_POLICIES.characters,
            "AssumeRolePolicySizeQuota": ROLE_TRUST_POLICY.characters,
            **_FIXED_SUMMARY,
        }
    )
    summary.update(ctx.store.get_mfa_device_counts(ctx.account_id))
    return summary


@operation("iam", "GetAccountSummary")
def get_account_summary(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require("iam:GetAccountSummary", "*")
    return {"SummaryMap": summary_map(ctx)}


# -- authorization details -------------------------------------------------------------


def _all(fetch: Callable[[str | None], Page[T]]) -> list[T]:
    """Every item of a paginated store listing."""
    items: list[T] = []
    marker: str | None = None
    while True:
        page = fetch(marker)
        items.extend(page.items)
        if not page.is_truncated or not page.marker:
            return items
        marker = page.marker


def _attached(policies: list[AttachedPolicy]) -> list[dict[str, str]]:
    return [{"PolicyName": p.name, "PolicyArn": p.arn} for p in policies]


def _user_detail(ctx: CallContext, user: User) -> dict[str, Any]:
    store, account, name = ctx.store, ctx.account_id, user.name
    inline = _all(lambda m: store.list_user_policies(account, name, marker=m, max_items=_BATCH))
    detail: dict[str, Any] = {
        "Path": user.path,
        "UserName": name,
        "UserId": user.id,
        "Arn": user.arn,
        "CreateDate": user.created,
        "UserPolicyList": [
            {"PolicyName": p, "PolicyDocument": store.get_user_policy(account, name, p).document}
            for p in inline
        ],
        "GroupList": [
            g.name
            for g in _all(
                lambda m: store.list_groups_for_user(account, name, marker=m, max_items=_BATCH)
            )
        ],
        "AttachedManagedPolicies": _attached(
            _all(
                lambda m: store.list_attached_user_policies(
                    account, name, marker=m, max_items=_BATCH
                )
            )
        ),
    }
    boundary = boundary_shape(user.permissions_boundary_arn)
    if boundary:
        detail["PermissionsBoundary"] = boundary
    tags = store.list_user_tags(account, name).items
    if tags:
        detail["Tags"] = tags_out(tags)
    return detail


def _group_detail(ctx: CallContext, group: Group) -> dict[str, Any]:
    store, account, name = ctx.store, ctx.account_id, group.name
    inline = _all(lambda m: store.list_group_policies(account, name, marker=m, max_items=_BATCH))
    detail = group_shape(group)
    detail["GroupPolicyList"] = [
        {"PolicyName": p, "PolicyDocument": store.get_group_policy(account, name, p).document}
        for p in inline
    ]
    detail["AttachedManagedPolicies"] = _attached(
        _all(
            lambda m: store.list_attached_group_policies(account, name, marker=m, max_items=_BATCH)
        )
    )
    return detail


def _role_in_profile(role: Role) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.id,
        "Arn": role.arn,
        "CreateDate": role.created,
        "AssumeRolePolicyDocument": role.assume_role_policy,
        "MaxSessionDuration": role.max_session_duration,
    }
    if role.description is not None:
        shape["Description"] = role.description
    return shape


def _profile_shape(profile: InstanceProfile) -> dict[str, Any]:
    return {
        "Path": profile.path,
        "InstanceProfileName": profile.name,
        "InstanceProfileId": profile.id,
        "Arn": profile.arn,
        "CreateDate": profile.created,
        "Roles": [_role_in_profile(role) for role in profile.roles],
    }


def _role_detail(ctx: CallContext, role: Role) -> dict[str, Any]:
    store, account, name = ctx.store, ctx.account_id, role.name
    inline = _all(lambda m: store.list_role_policies(account, name, marker=m, max_items=_BATCH))
    profiles = _all(
        lambda m: store.list_instance_profiles_for_role(account, name, marker=m, max_items=_BATCH)
    )
    detail: dict[str, Any] = {
        "Path": role.path,
        "RoleName": name,
        "RoleId": role.id,
        "Arn": role.arn,
        "CreateDate": role.created,
        "AssumeRolePolicyDocument": role.assume_role_policy,
        "InstanceProfileList": [_profile_shape(p) for p in profiles],
        "RolePolicyList": [
            {"PolicyName": p, "PolicyDocument": store.get_role_policy(account, name, p).document}
            for p in inline
        ],
        "AttachedManagedPolicies": _attached(
            _all(
                lambda m: store.list_attached_role_policies(
                    account, name, marker=m, max_items=_BATCH
                )
            )
        ),
    }
    boundary = boundary_shape(role.permissions_boundary_arn)
    if boundary:
        detail["PermissionsBoundary"] = boundary
    tags = store.list_role_tags(account, name).items
    if tags:
        detail["Tags"] = tags_out(tags)
    last_used: dict[str, Any] = {}
    if role.last_used is not None:
        last_used["LastUsedDate"] = role.last_used
    if role.last_used_region is not None:
        last_used["Region"] = role.last_used_region
    detail["RoleLastUsed"] = last_used
    return detail


def _policy_detail(ctx: CallContext, policy: ManagedPolicy) -> dict[str, Any]:
    store, account, arn = ctx.store, ctx.account_id, policy.arn
    versions = _all(lambda m: store.list_policy_versions(account, arn, marker=m, max_items=_BATCH))
    detail: dict[str, Any] = {
        "PolicyName": policy.name,
        "PolicyId": policy.id,
        "Arn": arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": policy.attachment_count,
        "PermissionsBoundaryUsageCount": policy.permissions_boundary_usage_count,
        "IsAttachable": policy.is_attachable,
        "CreateDate": policy.created,
        "UpdateDate": policy.updated,
        "PolicyVersionList": [
            {
                "Document": v.document,
                "VersionId": v.version_id,
                "IsDefaultVersion": v.is_default,
                "CreateDate": v.created,
            }
            for v in versions
        ],
    }
    if policy.description:
        detail["Description"] = policy.description
    return detail


Lister = Callable[[CallContext, str | None, int], Page[Any]]
Detailer = Callable[[CallContext, Any], dict[str, Any]]

# (Filter value, result key, listing, detail) in the order the results are paged.
SECTIONS: tuple[tuple[str, str, Lister, Detailer], ...] = (
    (
        "User",
        "UserDetailList",
        lambda ctx, m, n: ctx.store.list_users(ctx.account_id, marker=m, max_items=n),
        _user_detail,
    ),
    (
        "Group",
        "GroupDetailList",
        lambda ctx, m, n: ctx.store.list_groups(ctx.account_id, marker=m, max_items=n),
        _group_detail,
    ),
    (
        "Role",
        "RoleDetailList",
        lambda ctx, m, n: ctx.store.list_roles(ctx.account_id, marker=m, max_items=n),
        _role_detail,
    ),
    (
        "LocalManagedPolicy",
        "Policies",
        lambda ctx, m, n: ctx.store.list_policies(
            ctx.account_id, scope="Local", marker=m, max_items=n
        ),
        _policy_detail,
    ),
    (
        # Of the AWS managed policies, those the account uses.
        "AWSManagedPolicy",
        "Policies",
        lambda ctx, m, n: ctx.store.list_policies(
            ctx.account_id, scope="AWS", only_attached=True, marker=m, max_items=n
        ),
        _policy_detail,
    ),
)


def _encode_marker(section: int, inner: str | None) -> str:
    return f"{section}.{inner or ''}"


def _decode_marker(marker: str | None) -> tuple[int, str | None]:
    if not marker:
        return 0, None
    head, dot, inner = marker.partition(".")
    if not dot or not head.isdigit() or int(head) >= len(SECTIONS):
        raise InvalidInput("Invalid Marker.")
    return int(head), inner or None


@operation("iam", "GetAccountAuthorizationDetails")
def get_account_authorization_details(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require("iam:GetAccountAuthorizationDetails", "*")
    wanted = set(params.get("Filter") or [section[0] for section in SECTIONS])
    remaining = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    start, inner = _decode_marker(params.get("Marker"))
    result: dict[str, Any] = {key: [] for _, key, _, _ in SECTIONS}
    next_marker: str | None = None
    for index in range(start, len(SECTIONS)):
        name, key, lister, detailer = SECTIONS[index]
        if name not in wanted:
            inner = None
            continue
        if remaining <= 0:
            next_marker = _encode_marker(index, None)
            break
        page = lister(ctx, inner, remaining)
        result[key].extend(detailer(ctx, item) for item in page.items)
        remaining -= len(page.items)
        if page.is_truncated:
            next_marker = _encode_marker(index, page.marker)
            break
        inner = None
    result["IsTruncated"] = next_marker is not None
    if next_marker is not None:
        result["Marker"] = next_marker
    return result
