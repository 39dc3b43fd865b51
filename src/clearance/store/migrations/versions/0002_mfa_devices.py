"""Virtual MFA devices: sealed TOTP seeds, assignment to users, last accepted step.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mfa_devices",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=226), nullable=False),
        sa.Column("name_lower", sa.String(length=226), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("seed", sa.LargeBinary(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("enabled_at", sa.DateTime(), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("drift", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_mfa_devices_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mfa_devices_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_devices")),
        sa.UniqueConstraint(
            "account_id",
            "path",
            "name_lower",
            name=op.f("uq_mfa_devices_account_id_path_name_lower"),
        ),
    )
    op.create_index(op.f("ix_mfa_devices_user_id"), "mfa_devices", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_mfa_devices_user_id"), table_name="mfa_devices")
    op.drop_table("mfa_devices")
