"""AWS Organizations: organizations, roots, OUs, membership, SCPs/RCPs, attachments,
CreateAccount statuses, and the pseudo-account ``org`` whose version every
organization change bumps.

Revision ID: 0010
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0004"
branch_labels = None
depends_on = None

_ORG = sa.String(length=34)
_NODE = sa.String(length=72)
_ACCOUNT = sa.String(length=12)


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organization_id"],
        ["organizations.id"],
        name=op.f(f"fk_{table}_organization_id_organizations"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", _ORG, nullable=False),
        sa.Column("management_account_id", _ACCOUNT, nullable=False),
        sa.Column("feature_set", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["management_account_id"],
            ["accounts.id"],
            name=op.f("fk_organizations_management_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint(
            "management_account_id", name=op.f("uq_organizations_management_account_id")
        ),
    )
    op.create_table(
        "org_roots",
        sa.Column("id", _NODE, nullable=False),
        sa.Column("organization_id", _ORG, nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("scp_enabled", sa.Boolean(), nullable=False),
        sa.Column("rcp_enabled", sa.Boolean(), nullable=False),
        _org_fk("org_roots"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_roots")),
        sa.UniqueConstraint("organization_id", name=op.f("uq_org_roots_organization_id")),
    )
    op.create_table(
        "org_units",
        sa.Column("id", _NODE, nullable=False),
        sa.Column("organization_id", _ORG, nullable=False),
        sa.Column("parent_id", _NODE, nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _org_fk("org_units"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_units")),
        sa.UniqueConstraint("parent_id", "name", name=op.f("uq_org_units_parent_id_name")),
    )
    op.create_index(op.f("ix_org_units_organization_id"), "org_units", ["organization_id"])
    op.create_table(
        "org_accounts",
        sa.Column("account_id", _ACCOUNT, nullable=False),
        sa.Column("organization_id", _ORG, nullable=False),
        sa.Column("parent_id", _NODE, nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(length=64), nullable=False),
        sa.Column("email_lower", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("joined_method", sa.String(length=16), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_org_accounts_account_id_accounts")
        ),
        _org_fk("org_accounts"),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_org_accounts")),
        sa.UniqueConstraint("email_lower", name=op.f("uq_org_accounts_email_lower")),
    )
    op.create_index(op.f("ix_org_accounts_organization_id"), "org_accounts", ["organization_id"])
    op.create_index(op.f("ix_org_accounts_parent_id"), "org_accounts", ["parent_id"])
    op.create_table(
        "org_policies",
        sa.Column("id", sa.String(length=130), nullable=False),
        sa.Column("organization_id", _ORG, nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.String(length=512), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _org_fk("org_policies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_policies")),
        sa.UniqueConstraint(
            "organization_id",
            "type",
            "name",
            name=op.f("uq_org_policies_organization_id_type_name"),
        ),
    )
    op.create_table(
        "org_policy_attachments",
        sa.Column("policy_id", sa.String(length=130), nullable=False),
        sa.Column("target_id", _NODE, nullable=False),
        sa.Column("organization_id", _ORG, nullable=False),
        sa.Column("policy_type", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _org_fk("org_policy_attachments"),
        sa.PrimaryKeyConstraint("policy_id", "target_id", name=op.f("pk_org_policy_attachments")),
    )
    op.create_index(
        op.f("ix_org_policy_attachments_target_id"), "org_policy_attachments", ["target_id"]
    )
    op.create_index(
        op.f("ix_org_policy_attachments_organization_id"),
        "org_policy_attachments",
        ["organization_id"],
    )
    op.create_table(
        "org_create_account_status",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", _ORG, nullable=False),
        sa.Column("account_name", sa.String(length=50), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("account_id", _ACCOUNT, nullable=True),
        sa.Column("failure_reason", sa.String(length=64), nullable=True),
        _org_fk("org_create_account_status"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_create_account_status")),
    )
    op.create_index(
        op.f("ix_org_create_account_status_organization_id_requested_at"),
        "org_create_account_status",
        ["organization_id", "requested_at"],
    )
    accounts = sa.table(
        "accounts",
        sa.column("id", sa.String),
        sa.column("alias", sa.String),
        sa.column("version", sa.BigInteger),
        sa.column("created_at", sa.DateTime),
    )
    op.bulk_insert(
        accounts, [{"id": "org", "alias": None, "version": 1, "created_at": datetime(2016, 11, 28)}]
    )


def downgrade() -> None:
    op.execute("DELETE FROM accounts WHERE id = 'org'")
    op.drop_index(
        op.f("ix_org_create_account_status_organization_id_requested_at"),
        table_name="org_create_account_status",
    )
    op.drop_table("org_create_account_status")
    op.drop_index(
        op.f("ix_org_policy_attachments_organization_id"), table_name="org_policy_attachments"
    )
    op.drop_index(op.f("ix_org_policy_attachments_target_id"), table_name="org_policy_attachments")
    op.drop_table("org_policy_attachments")
    op.drop_table("org_policies")
    op.drop_index(op.f("ix_org_accounts_parent_id"), table_name="org_accounts")
    op.drop_index(op.f("ix_org_accounts_organization_id"), table_name="org_accounts")
    op.drop_table("org_accounts")
    op.drop_index(op.f("ix_org_units_organization_id"), table_name="org_units")
    op.drop_table("org_units")
    op.drop_table("org_roots")
    op.drop_table("organizations")
