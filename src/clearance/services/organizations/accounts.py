"""Member accounts: CreateAccount (completed at once), DescribeCreateAccountStatus,
ListCreateAccountStatus, DescribeAccount, ListAccounts, ListAccountsForParent,
MoveAccount, RemoveAccountFromOrganization, CloseAccount."""

from __future__ import annotations

from typing import Any

from clearance.services.context import CallContext
from clearance.services.organizations.common import (
    account_shape,
    management_org,
    management_org_on_node,
    node_arn,
    page,
    require,
    status_shape,
)
from clearance.services.registry import operation

__all__: list[str] = []

DEFAULT_ROLE = "OrganizationAccountAccessRole"


@operation("organizations", "CreateAccount")
def create_account(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    org = management_org(ctx)
    require(ctx, "CreateAccount")
    status = ctx.store.create_org_account(
        org.id, params["AccountName"], params["Email"], params.get("RoleName") or DEFAULT_ROLE
    )
    return {"CreateAccountStatus": status_shape(status)}


@operation("organizations", "DescribeCreateAccountStatus")
def describe_create_account_status(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    org = management_org(ctx)
    require(ctx, "DescribeCreateAccountStatus")
    status = ctx.store.get_create_account_status(org.id, params["CreateAccountRequestId"])
    return {"CreateAccountStatus": status_shape(status)}


@operation("organizations", "ListCreateAccountStatus")
def list_create_account_status(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    org = management_org(ctx)
    require(ctx, "ListCreateAccountStatus")
    states = tuple(params.get("States") or ())
    statuses = ctx.store.list_create_account_statuses(org.id, states)
    return page(params, "CreateAccountStatuses", [status_shape(s) for s in statuses])


@operation("organizations", "DescribeAccount")
def describe_account(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    account_id = params["AccountId"]
    org = management_org_on_node(ctx, "DescribeAccount", account_id)
    return {"Account": account_shape(ctx.store.get_org_account(org.id, account_id))}


@operation("organizations", "ListAccounts")
def list_accounts(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    org = management_org(ctx)
    require(ctx, "ListAccounts")
    accounts = ctx.store.list_org_accounts(org.id)
    return page(params, "Accounts", [account_shape(a) for a in accounts])


@operation("organizations", "ListAccountsForParent")
def list_accounts_for_parent(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    parent_id = params["ParentId"]
    org = management_org_on_node(ctx, "ListAccountsForParent", parent_id)
    accounts = ctx.store.list_org_accounts(org.id, parent_id)
    return page(params, "Accounts", [account_shape(a) for a in accounts])


@operation("organizations", "MoveAccount")
def move_account(ctx: CallContext, params: dict[str, Any]) -> None:
    org = management_org(ctx)
    account_id, source, destination = (
        params["AccountId"],
        params["SourceParentId"],
        params["DestinationParentId"],
    )
    require(
        ctx,
        "MoveAccount",
        node_arn(org, account_id),
        node_arn(org, source),
        node_arn(org, destination),
    )
    ctx.store.move_org_account(org.id, account_id, source, destination)
    return None


@operation("organizations", "RemoveAccountFromOrganization")
def remove_account(ctx: CallContext, params: dict[str, Any]) -> None:
    account_id = params["AccountId"]
    org = management_org_on_node(ctx, "RemoveAccountFromOrganization", account_id)
    ctx.store.remove_org_account(org.id, account_id)
    return None


@operation("organizations", "CloseAccount")
def close_account(ctx: CallContext, params: dict[str, Any]) -> None:
    account_id = params["AccountId"]
    org = management_org_on_node(ctx, "CloseAccount", account_id)
    ctx.store.close_org_account(org.id, account_id)
    return None
