"""IAM users: create, read, list, rename, delete, permissions boundary."""

from __future__ import annotations

import sqlalchemy as sa

from clearance.store.base import StoreBase, check_account_quota, path_starts_with
from clearance.store.errors import DeleteConflict, EntityAlreadyExists, NoSuchEntity
from clearance.store.ids import USER_PREFIX
from clearance.store.lookup import (
    find_attachable_policy,
    find_user,
    user_query,
    user_record,
)
from clearance.store.pagination import Page, paginate
from clearance.store.records import User
from clearance.store.schema import (
    access_keys,
    group_members,
    login_profiles,
    mfa_devices,
    user_inline_policies,
    user_policy_attachments,
    users,
)
from clearance.store.tags import TagInput, delete_tags, write_tags

__all__ = ["UsersMixin"]

# DeleteUser's checks, in the order they are reported.
_USER_DEPENDENTS = (
    (user_policy_attachments, "Cannot delete entity, must detach all policies first."),
    (user_inline_policies, "Cannot delete entity, must delete policies first."),
    (group_members, "Cannot delete entity, must remove users from group first."),
    (access_keys, "Cannot delete entity, must delete access keys first."),
    (login_profiles, "Cannot delete entity, must delete login profile first."),
    (mfa_devices, "Cannot delete entity, must delete MFA device first."),
)


class UsersMixin(StoreBase):
    def create_user(
        self,
        account_id: str,
        name: str,
        *,
        path: str = "/",
        permissions_boundary: str | None = None,
        tags: TagInput = (),
    ) -> User:
        """CreateUser. Raises EntityAlreadyExists, LimitExceeded, NoSuchEntity (boundary)."""
        with self._write(account_id) as tx:
            conn = tx.conn
            taken = conn.execute(
                sa.select(users.c.name).where(
                    users.c.account_id == account_id, users.c.name_lower == name.lower()
                )
            ).first()
            if taken is not None:
                raise EntityAlreadyExists(f"User with name {name} already exists.")
            check_account_quota(
                conn, users, account_id, "UsersPerAccount", self._quotas.users_per_account
            )
            boundary = (
                find_attachable_policy(conn, account_id, permissions_boundary).id
                if permissions_boundary
                else None
            )
            user_id = self._ids.unique_id(USER_PREFIX)
            conn.execute(
                sa.insert(users).values(
                    id=user_id,
                    account_id=account_id,
                    name=name,
                    name_lower=name.lower(),
                    path=path,
                    permissions_boundary_id=boundary,
                    created_at=tx.now,
                )
            )
            write_tags(conn, user_id, tags, "TagsPerUser", self._quotas.tags_per_resource)
            return user_record(conn.execute(user_query().where(users.c.id == user_id)).one())

    def get_user(self, account_id: str, name: str) -> User:
        """GetUser by name (case-insensitive). Raises NoSuchEntity."""
        with self._read() as conn:
            return user_record(find_user(conn, account_id, name))

    def get_user_by_id(self, account_id: str, user_id: str) -> User:
        with self._read() as conn:
            row = conn.execute(
                user_query().where(users.c.account_id == account_id, users.c.id == user_id)
            ).first()
            if row is None:
                raise NoSuchEntity(f"The user with id {user_id} cannot be found.")
            return user_record(row)

    def list_users(
        self,
        account_id: str,
        *,
        path_prefix: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[User]:
        """ListUsers, ordered by name (case-insensitively)."""
        with self._read() as conn:
            query = user_query().where(
                users.c.account_id == account_id, path_starts_with(users.c.path, path_prefix)
            )
            return paginate(conn, query, [users.c.name_lower], marker, max_items, user_record)

    def update_user(
        self,
        account_id: str,
        name: str,
        *,
        new_name: str | None = None,
        new_path: str | None = None,
    ) -> User:
        """UpdateUser: rename and/or move. Raises NoSuchEntity, EntityAlreadyExists."""
        with self._write(account_id) as tx:
            conn = tx.conn
            row = find_user(conn, account_id, name)
            values: dict[str, str] = {}
            if new_name is not None and new_name != row.name:
                if new_name.lower() != row.name_lower:
                    clash = conn.execute(
                        sa.select(users.c.id).where(
                            users.c.account_id == account_id,
                            users.c.name_lower == new_name.lower(),
                        )
                    ).first()
                    if clash is not None:
                        raise EntityAlreadyExists(f"User with name {new_name} already exists.")
                values.update(name=new_name, name_lower=new_name.lower())
            if new_path is not None:
                values["path"] = new_path
            if values:
                conn.execute(sa.update(users).where(users.c.id == row.id).values(**values))
            return user_record(conn.execute(user_query().where(users.c.id == row.id)).one())

    def delete_user(self, account_id: str, name: str) -> None:
        """DeleteUser. Raises NoSuchEntity, DeleteConflict (AWS's order of checks)."""
        with self._write(account_id) as tx:
            conn = tx.conn
            row = find_user(conn, account_id, name)
            for table, message in _USER_DEPENDENTS:
                used = conn.execute(
                    sa.select(sa.literal(1)).select_from(table).where(table.c.user_id == row.id)
                ).first()
                if used is not None:
                    raise DeleteConflict(message)
            delete_tags(conn, row.id)
            conn.execute(sa.delete(users).where(users.c.id == row.id))

    def put_user_permissions_boundary(self, account_id: str, name: str, policy_arn: str) -> None:
        """PutUserPermissionsBoundary: a managed policy ARN (customer or AWS managed)."""
        with self._write(account_id) as tx:
            row = find_user(tx.conn, account_id, name)
            policy = find_attachable_policy(tx.conn, account_id, policy_arn)
            tx.conn.execute(
                sa.update(users)
                .where(users.c.id == row.id)
                .values(permissions_boundary_id=policy.id)
            )

    def delete_user_permissions_boundary(self, account_id: str, name: str) -> None:
        with self._write(account_id) as tx:
            row = find_user(tx.conn, account_id, name)
            tx.conn.execute(
                sa.update(users).where(users.c.id == row.id).values(permissions_boundary_id=None)
            )
