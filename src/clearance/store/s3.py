"""S3 metadata: buckets, objects, multipart uploads and parts.

The store keeps what S3 knows about objects; their bytes are files that the
service layer writes (``storage`` is the file's path relative to the S3 data
directory). Methods that replace or remove a row return the storage paths that
no longer belong to any row, for the caller to delete after the commit.
None of these writes bump the account's version: no cached policy set depends
on them (bucket policies are read per request).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from clearance.store.base import StoreBase
from clearance.store.s3_schema import (
    s3_account_settings,
    s3_buckets,
    s3_objects,
    s3_parts,
    s3_uploads,
)

__all__ = ["S3Bucket", "S3Mixin", "S3Object", "S3Part", "S3Upload"]


@dataclass(frozen=True, slots=True)
class S3Bucket:
    name: str
    account_id: str
    region: str
    created_at: datetime
    policy: str | None
    public_access_block: str | None
    ownership: str


@dataclass(frozen=True, slots=True)
class S3Object:
    bucket: str
    key: str
    size: int
    etag: str
    content_type: str | None
    metadata: Mapping[str, str]
    tags: Mapping[str, str]
    storage: str
    parts_count: int | None
    last_modified: datetime


@dataclass(frozen=True, slots=True)
class S3Upload:
    upload_id: str
    bucket: str
    key: str
    content_type: str | None
    metadata: Mapping[str, str]
    tags: Mapping[str, str]
    initiated: datetime
    initiator: str


@dataclass(frozen=True, slots=True)
class S3Part:
    part_number: int
    size: int
    etag: str
    storage: str
    last_modified: datetime


def _bucket(row: Any) -> S3Bucket:
    return S3Bucket(
        row.name,
        row.account_id,
        row.region,
        row.created_at,
        row.policy,
        row.public_access_block,
        row.ownership,
    )


def _object(row: Any) -> S3Object:
    return S3Object(
        row.bucket,
        row.key,
        int(row.size),
        row.etag,
        row.content_type,
        json.loads(row.metadata),
        json.loads(row.tags),
        row.storage,
        row.parts_count,
        row.last_modified,
    )


def _upload(row: Any) -> S3Upload:
    return S3Upload(
        row.upload_id,
        row.bucket,
        row.key,
        row.content_type,
        json.loads(row.metadata),
        json.loads(row.tags),
        row.initiated,
        row.initiator,
    )


def _part(row: Any) -> S3Part:
    return S3Part(row.part_number, int(row.size), row.etag, row.storage, row.last_modified)


class S3Mixin(StoreBase):
    def _key_order(self) -> sa.ColumnElement[str]:
        return s3_objects.c.key.collate("C") if self._postgres else s3_objects.c.key

    # -- buckets ---------------------------------------------------------------------------

    def s3_create_bucket(
        self, account_id: str, name: str, region: str, ownership: str
    ) -> S3Bucket | None:
        """The new bucket, or None when the name is taken (by anyone)."""
        with self._write(account_id, bump=False) as tx:
            if tx.conn.execute(
                sa.select(s3_buckets.c.name).where(s3_buckets.c.name == name)
            ).first():
                return None
            values = {
                "name": name,
                "account_id": account_id,
                "region": region,
                "created_at": tx.now,
                "policy": None,
                "public_access_block": None,
                "ownership": ownership,
            }
            tx.conn.execute(sa.insert(s3_buckets).values(**values))
            return S3Bucket(**values)  # type: ignore[arg-type]

    def s3_bucket(self, name: str) -> S3Bucket | None:
        with self._read_once() as conn:
            row = conn.execute(sa.select(s3_buckets).where(s3_buckets.c.name == name)).first()
        return _bucket(row) if row else None

    def s3_buckets(self, account_id: str) -> list[S3Bucket]:
        with self._read_once() as conn:
            rows = conn.execute(
                sa.select(s3_buckets)
                .where(s3_buckets.c.account_id == account_id)
                .order_by(s3_buckets.c.name)
            ).all()
        return [_bucket(row) for row in rows]

    def s3_delete_bucket(self, name: str) -> tuple[bool, list[str]]:
        """(deleted, storage of abandoned upload parts); False when objects remain."""
        with self._write(None, bump=False) as tx:
            if tx.conn.execute(
                sa.select(s3_objects.c.key).where(s3_objects.c.bucket == name).limit(1)
            ).first():
                return False, []
            parts = tx.conn.execute(
                sa.select(s3_parts.c.storage)
                .join(s3_uploads, s3_uploads.c.upload_id == s3_parts.c.upload_id)
                .where(s3_uploads.c.bucket == name)
            ).scalars()
            orphans = list(parts)
            for table in (s3_parts,):
                tx.conn.execute(
                    sa.delete(table).where(
                        table.c.upload_id.in_(
                            sa.select(s3_uploads.c.upload_id).where(s3_uploads.c.bucket == name)
                        )
                    )
                )
            tx.conn.execute(sa.delete(s3_uploads).where(s3_uploads.c.bucket == name))
            tx.conn.execute(sa.delete(s3_buckets).where(s3_buckets.c.name == name))
            return True, orphans

    def s3_set_bucket(self, name: str, **values: str | None) -> None:
        """Set ``policy``, ``public_access_block`` or ``ownership`` (None clears)."""
        allowed = {"policy", "public_access_block", "ownership"}
        if not set(values) <= allowed:
            raise ValueError(f"unknown bucket attributes: {set(values) - allowed}")
        with self._write(None, bump=False) as tx:
            tx.conn.execute(sa.update(s3_buckets).where(s3_buckets.c.name == name).values(**values))

    def s3_account_public_access_block(self, account_id: str) -> str | None:
        """The account's Block Public Access configuration (JSON), or None."""
        with self._read_once() as conn:
            return conn.execute(
                sa.select(s3_account_settings.c.public_access_block).where(
                    s3_account_settings.c.account_id == account_id
                )
            ).scalar()

    def s3_set_account_public_access_block(self, account_id: str, value: str | None) -> None:
        with self._write(account_id, bump=False) as tx:
            where = s3_account_settings.c.account_id == account_id
            tx.conn.execute(sa.delete(s3_account_settings).where(where))
            if value is not None:
                tx.conn.execute(
                    sa.insert(s3_account_settings).values(
                        account_id=account_id, public_access_block=value
                    )
                )

    # -- objects ---------------------------------------------------------------------------

    def s3_put_object(self, record: S3Object) -> list[str]:
        """Create or replace the object; the replaced file's storage, if any."""
        values = {
            "bucket": record.bucket,
            "key": record.key,
            "size": record.size,
            "etag": record.etag,
            "content_type": record.content_type,
            "metadata": json.dumps(dict(record.metadata)),
            "tags": json.dumps(dict(record.tags)),
            "storage": record.storage,
            "parts_count": record.parts_count,
            "last_modified": record.last_modified,
        }
        with self._write(None, bump=False) as tx:
            return self._replace_object(tx.conn, values)

    def _replace_object(self, conn: sa.Connection, values: dict[str, Any]) -> list[str]:
        where = (s3_objects.c.bucket == values["bucket"]) & (s3_objects.c.key == values["key"])
        old = conn.execute(sa.select(s3_objects.c.storage).where(where)).scalar()
        if old is not None:
            conn.execute(sa.delete(s3_objects).where(where))
        conn.execute(sa.insert(s3_objects).values(**values))
        return [old] if old is not None and old != values["storage"] else []

    def s3_object(self, bucket: str, key: str) -> S3Object | None:
        with self._read_once() as conn:
            row = conn.execute(
                sa.select(s3_objects).where(
                    (s3_objects.c.bucket == bucket) & (s3_objects.c.key == key)
                )
            ).first()
        return _object(row) if row else None

    def s3_delete_object(self, bucket: str, key: str) -> str | None:
        """Remove the object; its storage (None when there was no such object)."""
        where = (s3_objects.c.bucket == bucket) & (s3_objects.c.key == key)
        with self._write(None, bump=False) as tx:
            old = tx.conn.execute(sa.select(s3_objects.c.storage).where(where)).scalar()
            if old is not None:
                tx.conn.execute(sa.delete(s3_objects).where(where))
            return str(old) if old is not None else None

    def s3_set_object_tags(self, bucket: str, key: str, tags: Mapping[str, str]) -> bool:
        where = (s3_objects.c.bucket == bucket) & (s3_objects.c.key == key)
        with self._write(None, bump=False) as tx:
            result = tx.conn.execute(
                sa.update(s3_objects).where(where).values(tags=json.dumps(dict(tags)))
            )
            return bool(result.rowcount)

    def s3_list_objects(
        self, bucket: str, prefix: str, after: str | None, limit: int
    ) -> list[S3Object]:
        """Objects whose key starts with ``prefix`` and sorts after ``after``, in
        key (UTF-8 byte) order, at most ``limit``."""
        order = self._key_order()
        query = sa.select(s3_objects).where(s3_objects.c.bucket == bucket)
        if prefix:
            query = query.where(sa.func.substr(s3_objects.c.key, 1, len(prefix)) == prefix)
        if after is not None:
            query = query.where(order > after)
        with self._read_once() as conn:
            rows = conn.execute(query.order_by(order).limit(limit)).all()
        return [_object(row) for row in rows]

    # -- multipart uploads -----------------------------------------------------------------

    def s3_create_upload(self, upload: S3Upload) -> None:
        with self._write(None, bump=False) as tx:
            tx.conn.execute(
                sa.insert(s3_uploads).values(
                    upload_id=upload.upload_id,
                    bucket=upload.bucket,
                    key=upload.key,
                    content_type=upload.content_type,
                    metadata=json.dumps(dict(upload.metadata)),
                    tags=json.dumps(dict(upload.tags)),
                    initiated=upload.initiated,
                    initiator=upload.initiator,
                )
            )

    def s3_upload(self, upload_id: str) -> S3Upload | None:
        with self._read_once() as conn:
            row = conn.execute(
                sa.select(s3_uploads).where(s3_uploads.c.upload_id == upload_id)
            ).first()
        return _upload(row) if row else None

    def s3_put_part(self, upload_id: str, part: S3Part) -> list[str] | None:
        """Add or replace a part: the replaced part's storage; None when the
        upload is gone (completed or aborted meanwhile)."""
        where = (s3_parts.c.upload_id == upload_id) & (s3_parts.c.part_number == part.part_number)
        with self._write(None, bump=False) as tx:
            if not tx.conn.execute(
                sa.select(s3_uploads.c.upload_id).where(s3_uploads.c.upload_id == upload_id)
            ).first():
                return None
            old = tx.conn.execute(sa.select(s3_parts.c.storage).where(where)).scalar()
            if old is not None:
                tx.conn.execute(sa.delete(s3_parts).where(where))
            tx.conn.execute(
                sa.insert(s3_parts).values(
                    upload_id=upload_id,
                    part_number=part.part_number,
                    size=part.size,
                    etag=part.etag,
                    storage=part.storage,
                    last_modified=part.last_modified,
                )
            )
            return [old] if old is not None else []

    def s3_parts(self, upload_id: str) -> list[S3Part]:
        with self._read_once() as conn:
            rows = conn.execute(
                sa.select(s3_parts)
                .where(s3_parts.c.upload_id == upload_id)
                .order_by(s3_parts.c.part_number)
            ).all()
        return [_part(row) for row in rows]

    def s3_finish_upload(self, upload_id: str, record: S3Object | None) -> list[str] | None:
        """End an upload: complete it as ``record`` (or abort it with None).
        The storage no longer used (every part's, a replaced object's); None
        when the upload was already gone."""
        with self._write(None, bump=False) as tx:
            if not tx.conn.execute(
                sa.select(s3_uploads.c.upload_id).where(s3_uploads.c.upload_id == upload_id)
            ).first():
                return None
            unused: list[str] = list(
                tx.conn.execute(
                    sa.select(s3_parts.c.storage).where(s3_parts.c.upload_id == upload_id)
                ).scalars()
            )
            tx.conn.execute(sa.delete(s3_parts).where(s3_parts.c.upload_id == upload_id))
            tx.conn.execute(sa.delete(s3_uploads).where(s3_uploads.c.upload_id == upload_id))
            if record is not None:
                unused += self._replace_object(
                    tx.conn,
                    {
                        "bucket": record.bucket,
                        "key": record.key,
                        "size": record.size,
                        "etag": record.etag,
                        "content_type": record.content_type,
                        "metadata": json.dumps(dict(record.metadata)),
                        "tags": json.dumps(dict(record.tags)),
                        "storage": record.storage,
                        "parts_count": record.parts_count,
                        "last_modified": record.last_modified,
                    },
                )
            return unused
