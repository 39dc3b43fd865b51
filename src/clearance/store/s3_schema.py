"""S3's tables (migration 0011), in the store's one ``metadata``.

- ``s3_buckets``: bucket names are global (the primary key) and owned by an account;
  the bucket policy, the Block Public Access configuration (JSON) and the object
  ownership setting live on the row;
- ``s3_objects``: one row per key (no versioning): size, ETag, content type,
  user metadata and tags (JSON), and where the bytes are (a path relative to
  ``<data dir>/s3``);
- ``s3_uploads`` / ``s3_parts``: multipart uploads in progress and their parts;
- ``s3_account_settings``: an account's own Block Public Access configuration (S3 Control).

Object keys sort as UTF-8 bytes (``COLLATE "C"`` on PostgreSQL; SQLite's default).
"""

from __future__ import annotations

import sqlalchemy as sa

from clearance.store.schema import ACCOUNT, UtcDateTime, metadata

__all__ = ["s3_account_settings", "s3_buckets", "s3_objects", "s3_parts", "s3_uploads"]

BUCKET = sa.String(63)
OBJECT_KEY = sa.String(1024)
UPLOAD_ID = sa.String(64)
STORAGE = sa.String(256)

s3_buckets = sa.Table(
    "s3_buckets",
    metadata,
    sa.Column("name", BUCKET, primary_key=True),
    sa.Column(
        "account_id", ACCOUNT, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("policy", sa.Text(), nullable=True),
    sa.Column("public_access_block", sa.Text(), nullable=True),
    sa.Column("ownership", sa.String(32), nullable=False),
    sa.Index(None, "account_id"),
)

s3_objects = sa.Table(
    "s3_objects",
    metadata,
    sa.Column(
        "bucket", BUCKET, sa.ForeignKey("s3_buckets.name", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("key", OBJECT_KEY, primary_key=True),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("etag", sa.String(64), nullable=False),
    sa.Column("content_type", sa.String(256), nullable=True),
    sa.Column("metadata", sa.Text(), nullable=False),
    sa.Column("tags", sa.Text(), nullable=False),
    sa.Column("storage", STORAGE, nullable=False),
    sa.Column("parts_count", sa.Integer(), nullable=True),
    sa.Column("last_modified", UtcDateTime(), nullable=False),
)

s3_uploads = sa.Table(
    "s3_uploads",
    metadata,
    sa.Column("upload_id", UPLOAD_ID, primary_key=True),
    sa.Column(
        "bucket", BUCKET, sa.ForeignKey("s3_buckets.name", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("key", OBJECT_KEY, nullable=False),
    sa.Column("content_type", sa.String(256), nullable=True),
    sa.Column("metadata", sa.Text(), nullable=False),
    sa.Column("tags", sa.Text(), nullable=False),
    sa.Column("initiated", UtcDateTime(), nullable=False),
    sa.Column("initiator", sa.String(2048), nullable=False),
    sa.Index(None, "bucket", "key"),
)

s3_parts = sa.Table(
    "s3_parts",
    metadata,
    sa.Column(
        "upload_id",
        UPLOAD_ID,
        sa.ForeignKey("s3_uploads.upload_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("part_number", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("etag", sa.String(64), nullable=False),
    sa.Column("storage", STORAGE, nullable=False),
    sa.Column("last_modified", UtcDateTime(), nullable=False),
)

s3_account_settings = sa.Table(
    "s3_account_settings",
    metadata,
    sa.Column(
        "account_id",
        ACCOUNT,
        sa.ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("public_access_block", sa.Text(), nullable=True),
)
