"""Cheaper audit appends: the ReadOnly index covers only the write events.

``(read_only, event_time)`` took a B-tree insert for every event although only
``ReadOnly=false`` needs it (the true side is most of the trail, read as fast
off the (event_time, event_id) scan). A partial index over the write events
serves ``ReadOnly=false`` in the same order, and read-only calls, nearly
every audited call, no longer pay for it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index(op.f("ix_audit_events_read_only_event_time"), table_name="audit_events")
    op.create_index(
        "ix_audit_events_writes",
        "audit_events",
        ["event_time", "event_id"],
        sqlite_where=sa.text("read_only IS 0"),
        postgresql_where=sa.text("read_only IS false"),
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_writes", table_name="audit_events")
    op.create_index(
        op.f("ix_audit_events_read_only_event_time"), "audit_events", ["read_only", "event_time"]
    )
