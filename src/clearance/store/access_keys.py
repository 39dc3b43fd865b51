"""Long-term access keys of users and of the root user (at most 2 each).

Secrets are sealed with AES-GCM (associated data: the key id) before they
reach the database, and leave the store only in :class:`NewAccessKey` (once,
at creation) and :class:`KeyRecord` (for request authentication).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from clearance.store.base import StoreBase, Tx
from clearance.store.errors import (
    EntityAlreadyExists,
    InvalidInput,
    NoSuchEntity,
    quota_exceeded,
)
from clearance.store.ids import SESSION_KEY_PREFIX
from clearance.store.lookup import find_user
from clearance.store.pagination import Page, paginate
from clearance.store.records import AccessKey, AccessKeyLastUsed, NewAccessKey
from clearance.store.schema import access_keys, users

__all__ = ["AccessKeysMixin", "check_importable"]

_IMPORTABLE_ID = re.compile(r"[A-Za-z0-9]{16,128}")


def _owner(
    conn: Connection, account_id: str, user_name: str | None
) -> tuple[str | None, str | None]:
    """The user's (id, name as stored), or (None, None) for the root."""
    if user_name is None:
        return None, None
    row = find_user(conn, account_id, user_name)
    return row.id, row.name


def _owned_by(account_id: str, owner_id: str | None) -> sa.ColumnElement[bool]:
    owner = (
        access_keys.c.user_id.is_(None) if owner_id is None else (access_keys.c.user_id == owner_id)
    )
    return sa.and_(access_keys.c.account_id == account_id, owner)


def _find_key(conn: Connection, account_id: str, owner_id: str | None, key_id: str) -> Row[Any]:
    row = conn.execute(
        sa.select(access_keys.c.id).where(
            _owned_by(account_id, owner_id), access_keys.c.id == key_id
        )
    ).first()
    if row is None:
        raise NoSuchEntity(f"The Access Key with id {key_id} cannot be found.")
    return row


def check_importable(access_key_id: str, secret_access_key: str) -> None:
    if not _IMPORTABLE_ID.fullmatch(access_key_id) or access_key_id.startswith(SESSION_KEY_PREFIX):
        raise InvalidInput("An access key id is 16 to 128 letters and digits, not ASIA...")
    if not secret_access_key or len(secret_access_key) > 128:
        raise InvalidInput("A secret access key is 1 to 128 characters.")


class AccessKeysMixin(StoreBase):
    def _add_key(
        self,
        tx: Tx,
        account_id: str,
        owner: str | None,
        user_name: str | None,
        key_id: str | None,
        secret: str | None,
    ) -> NewAccessKey:
        conn = tx.conn
        count = conn.execute(
            sa.select(sa.func.count()).select_from(access_keys).where(_owned_by(account_id, owner))
        ).scalar_one()
        limit = self._quotas.access_keys_per_user
        if count >= limit:
            raise quota_exceeded("AccessKeysPerUser", limit)
        key_id = key_id or self._ids.access_key_id()
        if conn.execute(sa.select(access_keys.c.id).where(access_keys.c.id == key_id)).first():
            raise EntityAlreadyExists(f"The access key with id {key_id} already exists.")
        secret = secret or self._ids.secret_access_key()
        conn.execute(
            sa.insert(access_keys).values(
                id=key_id,
                account_id=account_id,
                user_id=owner,
                status="Active",
                secret=self._box.seal(secret, key_id),
                created_at=tx.now,
            )
        )
        return NewAccessKey(account_id, key_id, user_name, "Active", tx.now, secret)

    def _insert_key(
        self, account_id: str, user_name: str | None, key_id: str | None, secret: str | None
    ) -> NewAccessKey:
        with self._write(account_id) as tx:
            owner, name = _owner(tx.conn, account_id, user_name)
            return self._add_key(tx, account_id, owner, name, key_id, secret)

    def create_access_key(self, account_id: str, user_name: str | None) -> NewAccessKey:
        """CreateAccessKey for a user, or for the root when ``user_name`` is None.
        Raises LimitExceeded (``AccessKeysPerUser: 2``), NoSuchEntity."""
        return self._insert_key(account_id, user_name, None, None)

    def import_access_key(
        self, account_id: str, user_name: str | None, access_key_id: str, secret_access_key: str
    ) -> AccessKey:
        """Store a key made elsewhere (``CLEARANCE_ROOT_ACCESS_KEY_ID`` at bootstrap)."""
        check_importable(access_key_id, secret_access_key)
        key = self._insert_key(account_id, user_name, access_key_id, secret_access_key)
        return AccessKey(key.account_id, key.id, key.user_name, key.status, key.created)

    def list_access_keys(
        self,
        account_id: str,
        user_name: str | None,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[AccessKey]:
        """ListAccessKeys (metadata only, never secrets), by key id."""
        with self._read() as conn:
            owner, name = _owner(conn, account_id, user_name)
            query = sa.select(
                access_keys.c.id, access_keys.c.status, access_keys.c.created_at
            ).where(_owned_by(account_id, owner))
            return paginate(
                conn,
                query,
                [access_keys.c.id],
                marker,
                max_items,
                lambda r: AccessKey(account_id, r.id, name, r.status, r.created_at),
            )

    def update_access_key(
        self,
        account_id: str,
        user_name: str | None,
        access_key_id: str,
        status: Literal["Active", "Inactive"],
    ) -> None:
        """UpdateAccessKey: Active or Inactive (inactive keys fail authentication)."""
        if status not in ("Active", "Inactive"):
            raise InvalidInput(f"Invalid status {status}: Active or Inactive.")
        with self._write(account_id) as tx:
            owner, _ = _owner(tx.conn, account_id, user_name)
            _find_key(tx.conn, account_id, owner, access_key_id)
            tx.conn.execute(
                sa.update(access_keys)
                .where(access_keys.c.id == access_key_id)
                .values(status=status)
            )

    def delete_access_key(self, account_id: str, user_name: str | None, access_key_id: str) -> None:
        with self._write(account_id) as tx:
            owner, _ = _owner(tx.conn, account_id, user_name)
            _find_key(tx.conn, account_id, owner, access_key_id)
            tx.conn.execute(sa.delete(access_keys).where(access_keys.c.id == access_key_id))

    def get_access_key_last_used(self, account_id: str, access_key_id: str) -> AccessKeyLastUsed:
        """GetAccessKeyLastUsed: when, for which service and region (None if never)."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(access_keys, users.c.name.label("user_name"))
                .outerjoin(users, users.c.id == access_keys.c.user_id)
                .where(access_keys.c.account_id == account_id, access_keys.c.id == access_key_id)
            ).first()
            if row is None:
                raise NoSuchEntity(f"The Access Key with id {access_key_id} cannot be found.")
            return AccessKeyLastUsed(
                access_key_id,
                row.user_name,
                row.last_used_at,
                row.last_used_service,
                row.last_used_region,
            )

    def record_access_key_use(
        self, access_key_id: str, service: str, region: str, when: datetime | None = None
    ) -> None:
        """Note a use of a key. No version bump and no account lock; still a durable
        write, so callers should debounce (AWS reports it to the minute at best)."""
        with self._write(None, bump=False) as tx:
            tx.conn.execute(
                sa.update(access_keys)
                .where(access_keys.c.id == access_key_id)
                .values(
                    last_used_at=when or tx.now,
                    last_used_service=service,
                    last_used_region=region,
                )
            )
