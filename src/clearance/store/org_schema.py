"""AWS Organizations' tables (migration 0010), in the store's one ``metadata``.

- ``organizations``: one per management account (an account is in at most one
  organization: ``org_accounts.account_id`` is its primary key);
- ``org_roots``: the organization's only root and which policy types are enabled on it;
- ``org_units``: OUs, with their parent (a root or OU id) and depth (1 under the root);
- ``org_accounts``: membership, including the management account, with the parent;
- ``org_policies``: customer managed SCPs and RCPs (AWS managed ones are constants);
- ``org_policy_attachments``: (policy, target) pairs; ``policy_id`` is not a foreign
  key because AWS managed policies have no row;
- ``org_create_account_status``: CreateAccount requests and their outcome.

Every write to these tables bumps the pseudo-account ``org``'s version.
"""

from __future__ import annotations

import sqlalchemy as sa

from clearance.store.schema import ACCOUNT, UtcDateTime, metadata

__all__ = [
    "org_accounts",
    "org_create_account_status",
    "org_policies",
    "org_policy_attachments",
    "org_roots",
    "org_units",
    "organizations",
]

ORG_ID = sa.String(34)  # o- and 10 to 32 characters
NODE_ID = sa.String(72)  # r-…, ou-…-…, or a 12-digit account id


def _organization_id() -> sa.Column[str]:
    """The owning organization (a new Column per table; rows go with the organization)."""
    return sa.Column(
        "organization_id",
        ORG_ID,
        sa.ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
    )


organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("id", ORG_ID, primary_key=True),
    sa.Column(
        "management_account_id",
        ACCOUNT,
        sa.ForeignKey("accounts.id"),
        nullable=False,
        unique=True,
    ),
    sa.Column("feature_set", sa.String(32), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

org_roots = sa.Table(
    "org_roots",
    metadata,
    sa.Column("id", NODE_ID, primary_key=True),
    sa.Column(
        "organization_id",
        ORG_ID,
        sa.ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("scp_enabled", sa.Boolean, nullable=False),
    sa.Column("rcp_enabled", sa.Boolean, nullable=False),
)

org_units = sa.Table(
    "org_units",
    metadata,
    sa.Column("id", NODE_ID, primary_key=True),
    _organization_id(),
    sa.Column("parent_id", NODE_ID, nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("parent_id", "name"),
    sa.Index(None, "organization_id"),
)

org_accounts = sa.Table(
    "org_accounts",
    metadata,
    sa.Column("account_id", ACCOUNT, sa.ForeignKey("accounts.id"), primary_key=True),
    _organization_id(),
    sa.Column("parent_id", NODE_ID, nullable=False),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("email", sa.String(64), nullable=False),
    sa.Column("email_lower", sa.String(64), nullable=False, unique=True),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("joined_method", sa.String(16), nullable=False),
    sa.Column("joined_at", UtcDateTime(), nullable=False),
    sa.Index(None, "organization_id"),
    sa.Index(None, "parent_id"),
)

org_policies = sa.Table(
    "org_policies",
    metadata,
    sa.Column("id", sa.String(130), primary_key=True),
    _organization_id(),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("description", sa.String(512), nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("organization_id", "type", "name"),
)

org_policy_attachments = sa.Table(
    "org_policy_attachments",
    metadata,
    sa.Column("policy_id", sa.String(130), primary_key=True),
    sa.Column("target_id", NODE_ID, primary_key=True),
    _organization_id(),
    sa.Column("policy_type", sa.String(32), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Index(None, "target_id"),
    sa.Index(None, "organization_id"),
)

org_create_account_status = sa.Table(
    "org_create_account_status",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    _organization_id(),
    sa.Column("account_name", sa.String(50), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("requested_at", UtcDateTime(), nullable=False),
    sa.Column("completed_at", UtcDateTime(), nullable=True),
    sa.Column("account_id", ACCOUNT, nullable=True),
    sa.Column("failure_reason", sa.String(64), nullable=True),
    sa.Index(None, "organization_id", "requested_at"),
)
