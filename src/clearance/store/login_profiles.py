"""Console passwords of users (login profiles), hashed with Argon2id.

Passwords are hashed before the transaction opens (hashing is deliberately
slow) and never stored or returned in clear. The account's password policy
is enforced by the IAM layer; the store keeps it (see accounts).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from clearance.store.base import StoreBase
from clearance.store.errors import EntityAlreadyExists, NoSuchEntity
from clearance.store.lookup import find_user
from clearance.store.records import LoginProfile
from clearance.store.schema import login_profiles, users

__all__ = ["LoginProfilesMixin"]


def _missing(user_name: str) -> NoSuchEntity:
    return NoSuchEntity(f"Login Profile for User {user_name} cannot be found.")


class LoginProfilesMixin(StoreBase):
    def create_login_profile(
        self,
        account_id: str,
        user_name: str,
        password: str,
        *,
        password_reset_required: bool = False,
    ) -> LoginProfile:
        """CreateLoginProfile. Raises EntityAlreadyExists, NoSuchEntity."""
        hashed = self._hasher.hash(password)
        with self._write(account_id) as tx:
            user = find_user(tx.conn, account_id, user_name)
            exists = tx.conn.execute(
                sa.select(login_profiles.c.user_id).where(login_profiles.c.user_id == user.id)
            ).first()
            if exists is not None:
                raise EntityAlreadyExists(f"Login Profile for user {user.name} already exists.")
            tx.conn.execute(
                sa.insert(login_profiles).values(
                    user_id=user.id,
                    password_hash=hashed,
                    password_reset_required=password_reset_required,
                    created_at=tx.now,
                    password_changed_at=tx.now,
                )
            )
            return LoginProfile(user.name, tx.now, password_reset_required)

    def get_login_profile(self, account_id: str, user_name: str) -> LoginProfile:
        with self._read() as conn:
            user = find_user(conn, account_id, user_name)
            row = conn.execute(
                sa.select(login_profiles).where(login_profiles.c.user_id == user.id)
            ).first()
            if row is None:
                raise _missing(user.name)
            return LoginProfile(user.name, row.created_at, row.password_reset_required)

    def update_login_profile(
        self,
        account_id: str,
        user_name: str,
        *,
        password: str | None = None,
        password_reset_required: bool | None = None,
    ) -> None:
        """UpdateLoginProfile / ChangePassword: only the arguments given change."""
        values: dict[str, Any] = {}
        if password is not None:
            values["password_hash"] = self._hasher.hash(password)
        if password_reset_required is not None:
            values["password_reset_required"] = password_reset_required
        with self._write(account_id) as tx:
            user = find_user(tx.conn, account_id, user_name)
            if password is not None:
                values["password_changed_at"] = tx.now
            statement = sa.update(login_profiles).where(login_profiles.c.user_id == user.id)
            if values:
                changed = tx.conn.execute(statement.values(**values)).rowcount
            else:
                changed = tx.conn.execute(
                    sa.select(sa.func.count())
                    .select_from(login_profiles)
                    .where(login_profiles.c.user_id == user.id)
                ).scalar_one()
            if not changed:
                raise _missing(user.name)

    def delete_login_profile(self, account_id: str, user_name: str) -> None:
        with self._write(account_id) as tx:
            user = find_user(tx.conn, account_id, user_name)
            removed = tx.conn.execute(
                sa.delete(login_profiles).where(login_profiles.c.user_id == user.id)
            ).rowcount
            if not removed:
                raise _missing(user.name)

    def check_password(self, account_id: str, user_name: str, password: str) -> bool:
        """True when the user has a login profile and ``password`` matches it.

        Upgrades the stored hash when the hasher's parameters have changed."""
        with self._read() as conn:
            user = find_user(conn, account_id, user_name)
            hashed = conn.execute(
                sa.select(login_profiles.c.password_hash).where(login_profiles.c.user_id == user.id)
            ).scalar()
        if hashed is None or not self._hasher.verify(hashed, password):
            return False
        if self._hasher.needs_rehash(hashed):
            fresh = self._hasher.hash(password)
            with self._write(None, bump=False) as tx:
                tx.conn.execute(
                    sa.update(login_profiles)
                    .where(
                        login_profiles.c.user_id == user.id,
                        login_profiles.c.password_hash == hashed,
                    )
                    .values(password_hash=fresh)
                )
        return True

    def record_password_use(
        self, account_id: str, user_name: str, when: datetime | None = None
    ) -> None:
        """Set the user's PasswordLastUsed (no version bump)."""
        with self._write(None, bump=False) as tx:
            user = find_user(tx.conn, account_id, user_name)
            tx.conn.execute(
                sa.update(users)
                .where(users.c.id == user.id)
                .values(password_last_used_at=when or tx.now)
            )
