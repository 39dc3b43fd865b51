"""Shared machinery of the Organizations store: ids in AWS's formats, quotas, row
readers and the lookups every operation makes inside its transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from clearance.store.base import StoreBase
from clearance.store.org_errors import PolicyNotFound, TargetNotFound
from clearance.store.org_records import (
    AWS_MANAGED_POLICIES,
    RCP,
    SCP,
    OrgAccount,
    Organization,
    OrgPolicySummary,
    OrgRoot,
    OrgUnit,
    org_arn,
)
from clearance.store.org_schema import (
    org_accounts,
    org_policies,
    org_policy_attachments,
    org_roots,
    org_units,
    organizations,
)

__all__ = [
    "ORG_VERSION_ACCOUNT",
    "OrgQuotas",
    "OrgStoreBase",
    "node_kind",
]

# Every organization change bumps this pseudo-account's version (like "aws" for
# AWS managed policies), so caches can include it in their one versions read.
ORG_VERSION_ACCOUNT = "org"

_ACCOUNT_ID = re.compile(r"\d{12}")


@dataclass(frozen=True, slots=True)
class OrgQuotas:
    """AWS Organizations' quotas (organizations/latest/userguide/orgs_reference_limits.html).

    ``accounts_per_organization`` is AWS's default for a new organization (AWS
    raises it on request); SCPs per target were raised from 5 to 10 in May 2026."""

    accounts_per_organization: int = 10
    ous_per_organization: int = 1000
    ou_depth: int = 5
    policies_per_type: int = 1000
    scps_per_target: int = 10
    rcps_per_target: int = 5


def node_kind(node_id: str) -> str | None:
    """ROOT, ORGANIZATIONAL_UNIT or ACCOUNT by the id's form (None: no such form)."""
    if node_id.startswith("r-"):
        return "ROOT"
    if node_id.startswith("ou-"):
        return "ORGANIZATIONAL_UNIT"
    if _ACCOUNT_ID.fullmatch(node_id):
        return "ACCOUNT"
    return None


def _bool(value: Any) -> bool:
    return bool(value)


class OrgStoreBase(StoreBase):
    """Ids, row conversions and in-transaction lookups."""

    org_quotas = OrgQuotas()

    # -- ids (AWS's formats; the characters come from the injected IdGenerator) --------

    def _org_token(self, length: int) -> str:
        """``length`` characters of ``[a-z2-7]`` (lowercase letters and digits)."""
        text = ""
        while len(text) < length:
            text += self._ids.unique_id("").lower()
        return text[:length]

    def _new_account_number(self) -> str:
        return "".join(str(ord(char) % 10) for char in self._ids.unique_id("")[:12])

    # -- rows to records ---------------------------------------------------------------

    @staticmethod
    def _organization(row: Any, email: str) -> Organization:
        return Organization(
            row.id,
            row.management_account_id,
            row.feature_set,
            row.created_at,
            email,
            _bool(row.scp_enabled),
            _bool(row.rcp_enabled),
        )

    @staticmethod
    def _unit(row: Any, management: str) -> OrgUnit:
        return OrgUnit(row.id, row.organization_id, management, row.parent_id, row.name, row.depth)

    @staticmethod
    def _member(row: Any, management: str) -> OrgAccount:
        return OrgAccount(
            row.account_id,
            row.organization_id,
            management,
            row.parent_id,
            row.name,
            row.email,
            row.state,
            row.joined_method,
            row.joined_at,
        )

    @staticmethod
    def _root(row: Any, management: str) -> OrgRoot:
        return OrgRoot(
            row.id,
            row.organization_id,
            management,
            row.name,
            _bool(row.scp_enabled),
            _bool(row.rcp_enabled),
        )

    @staticmethod
    def _policy(row: Any, management: str) -> OrgPolicySummary:
        kind = row.type.lower()
        return OrgPolicySummary(
            row.id,
            org_arn(management, "policy", row.organization_id, f"{kind}/{row.id}"),
            row.name,
            row.description,
            row.type,
            False,
            row.document,
        )

    # -- lookups inside a transaction --------------------------------------------------

    def _load_org(self, conn: Connection, organization_id: str) -> Organization | None:
        row = conn.execute(
            sa.select(
                organizations,
                org_roots.c.scp_enabled,
                org_roots.c.rcp_enabled,
                org_accounts.c.email,
            )
            .join(org_roots, org_roots.c.organization_id == organizations.c.id)
            .join(
                org_accounts,
                org_accounts.c.account_id == organizations.c.management_account_id,
            )
            .where(organizations.c.id == organization_id)
        ).first()
        return None if row is None else self._organization(row, row.email)

    def _org_of_account(self, conn: Connection, account_id: str) -> Organization | None:
        organization_id = conn.execute(
            sa.select(org_accounts.c.organization_id).where(org_accounts.c.account_id == account_id)
        ).scalar()
        return None if organization_id is None else self._load_org(conn, organization_id)

    def _root_row(self, conn: Connection, organization_id: str) -> Any:
        return conn.execute(
            sa.select(org_roots).where(org_roots.c.organization_id == organization_id)
        ).one()

    def _unit_row(self, conn: Connection, organization_id: str, unit_id: str) -> Any:
        return conn.execute(
            sa.select(org_units).where(
                org_units.c.id == unit_id, org_units.c.organization_id == organization_id
            )
        ).first()

    def _member_row(self, conn: Connection, organization_id: str, account_id: str) -> Any:
        return conn.execute(
            sa.select(org_accounts).where(
                org_accounts.c.account_id == account_id,
                org_accounts.c.organization_id == organization_id,
            )
        ).first()

    def _node_exists(self, conn: Connection, organization_id: str, node_id: str) -> str | None:
        """The node's kind if it is a root, OU or account of the organization."""
        kind = node_kind(node_id)
        if kind == "ROOT":
            found = self._root_row(conn, organization_id).id == node_id
        elif kind == "ORGANIZATIONAL_UNIT":
            found = self._unit_row(conn, organization_id, node_id) is not None
        elif kind == "ACCOUNT":
            found = self._member_row(conn, organization_id, node_id) is not None
        else:
            found = False
        return kind if found else None

    def _node_name(self, conn: Connection, organization_id: str, node_id: str) -> str:
        kind = node_kind(node_id)
        if kind == "ROOT":
            return str(self._root_row(conn, organization_id).name)
        if kind == "ORGANIZATIONAL_UNIT":
            return str(self._unit_row(conn, organization_id, node_id).name)
        return str(self._member_row(conn, organization_id, node_id).name)

    def _require_target(self, conn: Connection, organization_id: str, target_id: str) -> str:
        kind = self._node_exists(conn, organization_id, target_id)
        if kind is None:
            raise TargetNotFound()
        return kind

    def _policy_row(self, conn: Connection, org: Organization, policy_id: str) -> OrgPolicySummary:
        managed = AWS_MANAGED_POLICIES.get(policy_id)
        if managed is not None:
            return managed
        row = conn.execute(
            sa.select(org_policies).where(
                org_policies.c.id == policy_id, org_policies.c.organization_id == org.id
            )
        ).first()
        if row is None:
            raise PolicyNotFound()
        return self._policy(row, org.management_account_id)

    def _attach_defaults(
        self, conn: Connection, org_id: str, root: Any, target_id: str, now: datetime
    ) -> None:
        """FullAWSAccess / RCPFullAWSAccess on a new OU or account, as AWS does when
        the policy type is enabled."""
        defaults = [
            ("p-FullAWSAccess", SCP, root.scp_enabled),
            ("p-RCPFullAWSAccess", RCP, root.rcp_enabled),
        ]
        for policy_id, kind, enabled in defaults:
            if enabled:
                conn.execute(
                    sa.insert(org_policy_attachments).values(
                        policy_id=policy_id,
                        target_id=target_id,
                        organization_id=org_id,
                        policy_type=kind,
                        created_at=now,
                    )
                )
