"""EC2: instances (records only) and their instance profile associations.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ec2_instances",
        sa.Column("id", sa.String(length=19), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("reservation_id", sa.String(length=19), nullable=False),
        sa.Column("image_id", sa.String(length=128), nullable=False),
        sa.Column("instance_type", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("http_tokens", sa.String(length=16), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("launched_at", sa.DateTime(), nullable=False),
        sa.Column("terminated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_ec2_instances_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ec2_instances")),
    )
    op.create_index("ix_ec2_instances_account_id_region", "ec2_instances", ["account_id", "region"])
    op.create_table(
        "ec2_profile_associations",
        sa.Column("id", sa.String(length=27), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("instance_id", sa.String(length=19), nullable=False),
        sa.Column("profile_arn", sa.String(length=1024), nullable=False),
        sa.Column("profile_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_ec2_profile_associations_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["ec2_instances.id"],
            name=op.f("fk_ec2_profile_associations_instance_id_ec2_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ec2_profile_associations")),
    )
    op.create_index(
        "ix_ec2_profile_associations_instance_id", "ec2_profile_associations", ["instance_id"]
    )
    op.create_index(
        "ix_ec2_profile_associations_account_id", "ec2_profile_associations", ["account_id"]
    )


def downgrade() -> None:
    op.drop_table("ec2_profile_associations")
    op.drop_table("ec2_instances")
