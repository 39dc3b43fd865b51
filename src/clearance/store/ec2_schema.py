"""EC2's tables (migration 0012), in the store's one ``metadata``.

- ``ec2_instances``: instances are records (no machine runs): id, region,
  image, type, state, tags, the metadata service's ``HttpTokens`` setting;
- ``ec2_profile_associations``: which instance profile an instance holds
  (at most one ``associated`` row per instance), kept after disassociation
  as AWS keeps the association id's history.

EC2 writes do not bump the account version: no authorization depends on them.
"""

from __future__ import annotations

import sqlalchemy as sa

from clearance.store.schema import ACCOUNT, UtcDateTime, metadata

__all__ = ["ec2_instances", "ec2_profile_associations"]

INSTANCE_ID = sa.String(19)  # i- and 17 hex digits
ASSOCIATION_ID = sa.String(27)  # iip-assoc- and 17 hex digits

ec2_instances = sa.Table(
    "ec2_instances",
    metadata,
    sa.Column("id", INSTANCE_ID, primary_key=True),
    sa.Column(
        "account_id", ACCOUNT, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("reservation_id", sa.String(19), nullable=False),
    sa.Column("image_id", sa.String(128), nullable=False),
    sa.Column("instance_type", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("http_tokens", sa.String(16), nullable=False),
    sa.Column("tags", sa.Text, nullable=False),  # JSON [[key, value], ...]
    sa.Column("launched_at", UtcDateTime(), nullable=False),
    sa.Column("terminated_at", UtcDateTime(), nullable=True),
    sa.Index("ix_ec2_instances_account_id_region", "account_id", "region"),
)

ec2_profile_associations = sa.Table(
    "ec2_profile_associations",
    metadata,
    sa.Column("id", ASSOCIATION_ID, primary_key=True),
    sa.Column(
        "account_id", ACCOUNT, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "instance_id",
        INSTANCE_ID,
        sa.ForeignKey("ec2_instances.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("profile_arn", sa.String(1024), nullable=False),
    sa.Column("profile_id", sa.String(32), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Index("ix_ec2_profile_associations_instance_id", "instance_id"),
    sa.Index("ix_ec2_profile_associations_account_id", "account_id"),
)
