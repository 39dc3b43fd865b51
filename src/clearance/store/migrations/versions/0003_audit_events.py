"""The audit trail: CloudTrail records with their decision traces, indexed for LookupEvents.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_INDEXES = (
    ("event_time", "event_id"),
    ("request_id",),
    ("event_name", "event_time"),
    ("event_source", "event_time"),
    ("username", "event_time"),
    ("access_key_id", "event_time"),
    ("resource_name", "event_time"),
    ("read_only", "event_time"),
)


def _name(columns: tuple[str, ...]) -> str:
    return "ix_audit_events_" + "_".join(columns)


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("event_time", sa.DateTime(), nullable=False),
        sa.Column("event_name", sa.String(length=128), nullable=False),
        sa.Column("event_source", sa.String(length=128), nullable=False),
        sa.Column("username", sa.String(length=256), nullable=True),
        sa.Column("access_key_id", sa.String(length=128), nullable=True),
        sa.Column("resource_name", sa.String(length=1024), nullable=True),
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=True),
        sa.Column("error_code", sa.String(length=128), nullable=True),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("trace", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_events")),
    )
    for columns in _INDEXES:
        op.create_index(op.f(_name(columns)), "audit_events", list(columns))


def downgrade() -> None:
    for columns in reversed(_INDEXES):
        op.drop_index(op.f(_name(columns)), table_name="audit_events")
    op.drop_table("audit_events")
