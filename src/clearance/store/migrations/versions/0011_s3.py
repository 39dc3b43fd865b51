"""S3: buckets (global names, owner account, policy, Block Public Access,
ownership), objects' metadata, multipart uploads and their parts, and the
account-level Block Public Access configuration.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_BUCKET = sa.String(length=63)
_KEY = sa.String(length=1024)
_UPLOAD = sa.String(length=64)
_STORAGE = sa.String(length=256)


def _bucket_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["bucket"],
        ["s3_buckets.name"],
        name=op.f(f"fk_{table}_bucket_s3_buckets"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "s3_buckets",
        sa.Column("name", _BUCKET, nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("policy", sa.Text(), nullable=True),
        sa.Column("public_access_block", sa.Text(), nullable=True),
        sa.Column("ownership", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_s3_buckets_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_s3_buckets")),
    )
    op.create_index(op.f("ix_s3_buckets_account_id"), "s3_buckets", ["account_id"])
    op.create_table(
        "s3_objects",
        sa.Column("bucket", _BUCKET, nullable=False),
        sa.Column("key", _KEY, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=256), nullable=True),
        sa.Column("metadata", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("storage", _STORAGE, nullable=False),
        sa.Column("parts_count", sa.Integer(), nullable=True),
        sa.Column("last_modified", sa.DateTime(), nullable=False),
        _bucket_fk("s3_objects"),
        sa.PrimaryKeyConstraint("bucket", "key", name=op.f("pk_s3_objects")),
    )
    op.create_table(
        "s3_uploads",
        sa.Column("upload_id", _UPLOAD, nullable=False),
        sa.Column("bucket", _BUCKET, nullable=False),
        sa.Column("key", _KEY, nullable=False),
        sa.Column("content_type", sa.String(length=256), nullable=True),
        sa.Column("metadata", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("initiated", sa.DateTime(), nullable=False),
        sa.Column("initiator", sa.String(length=2048), nullable=False),
        _bucket_fk("s3_uploads"),
        sa.PrimaryKeyConstraint("upload_id", name=op.f("pk_s3_uploads")),
    )
    op.create_index(op.f("ix_s3_uploads_bucket_key"), "s3_uploads", ["bucket", "key"])
    op.create_table(
        "s3_parts",
        sa.Column("upload_id", _UPLOAD, nullable=False),
        sa.Column("part_number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("storage", _STORAGE, nullable=False),
        sa.Column("last_modified", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["s3_uploads.upload_id"],
            name=op.f("fk_s3_parts_upload_id_s3_uploads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("upload_id", "part_number", name=op.f("pk_s3_parts")),
    )

    op.create_table(
        "s3_account_settings",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("public_access_block", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_s3_account_settings_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_s3_account_settings")),
    )


def downgrade() -> None:
    op.drop_table("s3_account_settings")
    op.drop_table("s3_parts")
    op.drop_index(op.f("ix_s3_uploads_bucket_key"), table_name="s3_uploads")
    op.drop_table("s3_uploads")
    op.drop_table("s3_objects")
    op.drop_index(op.f("ix_s3_buckets_account_id"), table_name="s3_buckets")
    op.drop_table("s3_buckets")
