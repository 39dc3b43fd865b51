"""The organization itself, its root and the policy types enabled on it:
CreateOrganization, DescribeOrganization, DeleteOrganization, ListRoots,
EnablePolicyType, DisablePolicyType."""

from __future__ import annotations

from typing import Any

from clearance.services.context import CallContext
from clearance.services.organizations.common import (
    caller_org,
    management_org,
    management_org_on_node,
    require,
    root_shape,
)
from clearance.services.registry import operation
from clearance.store.org_errors import OrgError
from clearance.store.org_records import POLICY_TYPES, Organization

__all__ = ["management_email"]


class PolicyTypeNotAvailable(OrgError):
    code = "PolicyTypeNotAvailableForOrganizationException"
    default_message = (
        "You can't use the specified policy type with the feature set currently enabled for "
        "this organization."
    )


def management_email(account_id: str) -> str:
    """Clearance's accounts have no e-mail address; the management account shows this one."""
    return f"{account_id}@clearance.invalid"


def _organization_shape(org: Organization) -> dict[str, Any]:
    # AvailablePolicyTypes is deprecated; AWS reports SCPs there for ALL-features orgs.
    available = [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]
    return {
        "Organization": {
            "Id": org.id,
            "Arn": org.arn,
            "FeatureSet": org.feature_set,
            "MasterAccountArn": org.management_account_arn,
            "MasterAccountId": org.management_account_id,
            "MasterAccountEmail": org.management_email,
            "AvailablePolicyTypes": available if org.feature_set == "ALL" else [],
        }
    }


@operation("organizations", "CreateOrganization")
def create_organization(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    require(ctx, "CreateOrganization")
    feature_set = params.get("FeatureSet") or "ALL"
    org = ctx.store.create_organization(
        ctx.account_id, management_email(ctx.account_id), feature_set
    )
    return _organization_shape(org)


@operation("organizations", "DescribeOrganization")
def describe_organization(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    org = caller_org(ctx)  # member accounts may call it too
    require(ctx, "DescribeOrganization")
    return _organization_shape(org)


@operation("organizations", "DeleteOrganization")
def delete_organization(ctx: CallContext, params: dict[str, Any]) -> None:
    org = management_org(ctx)
    require(ctx, "DeleteOrganization")
    ctx.store.delete_organization(org.id)
    return None


@operation("organizations", "ListRoots")
def list_roots(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    org = management_org(ctx)
    require(ctx, "ListRoots")
    return {"Roots": [root_shape(root) for root in ctx.store.list_org_roots(org.id)]}


def _policy_type(org: Organization, params: dict[str, Any]) -> str:
    policy_type = str(params["PolicyType"])
    if org.feature_set != "ALL" or policy_type not in POLICY_TYPES:
        raise PolicyTypeNotAvailable()
    return policy_type


@operation("organizations", "EnablePolicyType")
def enable_policy_type(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    root_id = params["RootId"]
    org = management_org_on_node(ctx, "EnablePolicyType", root_id)
    root = ctx.store.enable_org_policy_type(org.id, root_id, _policy_type(org, params))
    return {"Root": root_shape(root)}


@operation("organizations", "DisablePolicyType")
def disable_policy_type(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    root_id = params["RootId"]
    org = management_org_on_node(ctx, "DisablePolicyType", root_id)
    root = ctx.store.disable_org_policy_type(org.id, root_id, _policy_type(org, params))
    return {"Root": root_shape(root)}
