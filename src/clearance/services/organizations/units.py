"""Organizational units and the tree: Create/Update/Delete/DescribeOrganizationalUnit,
ListOrganizationalUnitsForParent, ListParents, ListChildren."""

from __future__ import annotations

from typing import Any

from clearance.services.context import CallContext
from clearance.services.organizations.common import (
    management_org,
    management_org_on_node,
    node_arn,
    page,
    require,
    unit_shape,
)
from clearance.services.registry import operation

__all__: list[str] = []


@operation("organizations", "CreateOrganizationalUnit")
def create_unit(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    parent_id = params["ParentId"]
    org = management_org_on_node(ctx, "CreateOrganizationalUnit", parent_id)
    unit = ctx.store.create_org_unit(org.id, parent_id, params["Name"])
    return {"OrganizationalUnit": unit_shape(unit)}


@operation("organizations", "UpdateOrganizationalUnit")
def update_unit(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    unit_id = params["OrganizationalUnitId"]
    org = management_org_on_node(ctx, "UpdateOrganizationalUnit", unit_id)
    name = params.get("Name")
    if name is None:
        unit = ctx.store.get_org_unit(org.id, unit_id)
    else:
        unit = ctx.store.update_org_unit(org.id, unit_id, name)
    return {"OrganizationalUnit": unit_shape(unit)}


@operation("organizations", "DeleteOrganizationalUnit")
def delete_unit(ctx: CallContext, params: dict[str, Any]) -> None:
    unit_id = params["OrganizationalUnitId"]
    org = management_org_on_node(ctx, "DeleteOrganizationalUnit", unit_id)
    ctx.store.delete_org_unit(org.id, unit_id)
    return None


@operation("organizations", "DescribeOrganizationalUnit")
def describe_unit(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    unit_id = params["OrganizationalUnitId"]
    org = management_org_on_node(ctx, "DescribeOrganizationalUnit", unit_id)
    return {"OrganizationalUnit": unit_shape(ctx.store.get_org_unit(org.id, unit_id))}


@operation("organizations", "ListOrganizationalUnitsForParent")
def list_units_for_parent(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    parent_id = params["ParentId"]
    org = management_org_on_node(ctx, "ListOrganizationalUnitsForParent", parent_id)
    units = ctx.store.list_org_units(org.id, parent_id)
    return page(params, "OrganizationalUnits", [unit_shape(u) for u in units])


@operation("organizations", "ListParents")
def list_parents(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    child_id = params["ChildId"]
    org = management_org_on_node(ctx, "ListParents", child_id)
    parent_id, kind = ctx.store.get_org_parent(org.id, child_id)
    return {"Parents": [{"Id": parent_id, "Type": kind}]}


@operation("organizations", "ListChildren")
def list_children(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    org = management_org(ctx)
    parent_id, child_type = params["ParentId"], params["ChildType"]
    require(ctx, "ListChildren", node_arn(org, parent_id))
    if child_type == "ACCOUNT":
        ids = [a.id for a in ctx.store.list_org_accounts(org.id, parent_id)]
    else:
        ids = [u.id for u in ctx.store.list_org_units(org.id, parent_id)]
    return page(params, "Children", [{"Id": child, "Type": child_type} for child in ids])
