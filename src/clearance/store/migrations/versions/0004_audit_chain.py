"""The audit trail's hash chain: one signed digest row per appended batch of events.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Events written before this revision keep a NULL chain_seq ("unchained").
    op.add_column("audit_events", sa.Column("chain_seq", sa.Integer(), nullable=True))
    op.create_index(
        op.f("ix_audit_events_chain_seq_event_id"), "audit_events", ["chain_seq", "event_id"]
    )
    op.create_table(
        "audit_event_batches",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("first_event_id", sa.String(length=64), nullable=False),
        sa.Column("last_event_id", sa.String(length=64), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("batch_hash", sa.String(length=64), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("digest_hash", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event_batches")),
    )


def downgrade() -> None:
    op.drop_table("audit_event_batches")
    op.drop_index(op.f("ix_audit_events_chain_seq_event_id"), table_name="audit_events")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("chain_seq")
