"""IAM groups and their members (at most 10 groups per user)."""

from __future__ import annotations

import sqlalchemy as sa

from clearance.store.base import StoreBase, check_account_quota, path_starts_with
from clearance.store.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    NoSuchEntity,
    quota_exceeded,
)
from clearance.store.ids import GROUP_PREFIX
from clearance.store.lookup import find_group, find_user, group_record, user_query, user_record
from clearance.store.pagination import Page, paginate
from clearance.store.records import Group, User
from clearance.store.schema import (
    group_inline_policies,
    group_members,
    group_policy_attachments,
    groups,
    users,
)

__all__ = ["GroupsMixin"]

_GROUP_DEPENDENTS = (
    (group_members, "Cannot delete entity, must remove users from group first."),
    (group_policy_attachments, "Cannot delete entity, must detach all policies first."),
    (group_inline_policies, "Cannot delete entity, must delete policies first."),
)


class GroupsMixin(StoreBase):
    def create_group(self, account_id: str, name: str, *, path: str = "/") -> Group:
        """CreateGroup. Raises EntityAlreadyExists, LimitExceeded."""
        with self._write(account_id) as tx:
            conn = tx.conn
            taken = conn.execute(
                sa.select(groups.c.id).where(
                    groups.c.account_id == account_id, groups.c.name_lower == name.lower()
                )
            ).first()
            if taken is not None:
                raise EntityAlreadyExists(f"Group with name {name} already exists.")
            check_account_quota(
                conn, groups, account_id, "GroupsPerAccount", self._quotas.groups_per_account
            )
            group_id = self._ids.unique_id(GROUP_PREFIX)
            conn.execute(
                sa.insert(groups).values(
                    id=group_id,
                    account_id=account_id,
                    name=name,
                    name_lower=name.lower(),
                    path=path,
                    created_at=tx.now,
                )
            )
            return Group(account_id, group_id, name, path, tx.now)

    def get_group(self, account_id: str, name: str) -> Group:
        """The group itself; its members: :meth:`list_group_users`."""
        with self._read() as conn:
            return group_record(find_group(conn, account_id, name))

    def list_groups(
        self,
        account_id: str,
        *,
        path_prefix: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[Group]:
        with self._read() as conn:
            query = sa.select(groups).where(
                groups.c.account_id == account_id, path_starts_with(groups.c.path, path_prefix)
            )
            return paginate(conn, query, [groups.c.name_lower], marker, max_items, group_record)

    def update_group(
        self,
        account_id: str,
        name: str,
        *,
        new_name: str | None = None,
        new_path: str | None = None,
    ) -> Group:
        with self._write(account_id) as tx:
            conn = tx.conn
            row = find_group(conn, account_id, name)
            values: dict[str, str] = {}
            if new_name is not None and new_name != row.name:
                if new_name.lower() != row.name_lower:
                    clash = conn.execute(
                        sa.select(groups.c.id).where(
                            groups.c.account_id == account_id,
                            groups.c.name_lower == new_name.lower(),
                        )
                    ).first()
                    if clash is not None:
                        raise EntityAlreadyExists(f"Group with name {new_name} already exists.")
                values.update(name=new_name, name_lower=new_name.lower())
            if new_path is not None:
                values["path"] = new_path
            if values:
                conn.execute(sa.update(groups).where(groups.c.id == row.id).values(**values))
            return group_record(conn.execute(sa.select(groups).where(groups.c.id == row.id)).one())

    def delete_group(self, account_id: str, name: str) -> None:
        """DeleteGroup. Raises NoSuchEntity, DeleteConflict (members, policies)."""
        with self._write(account_id) as tx:
            conn = tx.conn
            row = find_group(conn, account_id, name)
            for table, message in _GROUP_DEPENDENTS:
                used = conn.execute(
                    sa.select(sa.literal(1)).select_from(table).where(table.c.group_id == row.id)
                ).first()
                if used is not None:
                    raise DeleteConflict(message)
            conn.execute(sa.delete(groups).where(groups.c.id == row.id))

    def add_user_to_group(self, account_id: str, group_name: str, user_name: str) -> None:
        """AddUserToGroup; adding a member again changes nothing. Raises LimitExceeded."""
        with self._write(account_id) as tx:
            conn = tx.conn
            group = find_group(conn, account_id, group_name)
            user = find_user(conn, account_id, user_name)
            current = (
                conn.execute(
                    sa.select(group_members.c.group_id).where(group_members.c.user_id == user.id)
                )
                .scalars()
                .all()
            )
            if group.id in current:
                return
            limit = self._quotas.groups_per_user
            if len(current) >= limit:
                raise quota_exceeded("GroupsPerUser", limit)
            conn.execute(sa.insert(group_members).values(group_id=group.id, user_id=user.id))

    def remove_user_from_group(self, account_id: str, group_name: str, user_name: str) -> None:
        """RemoveUserFromGroup. Raises NoSuchEntity when the user is not a member."""
        with self._write(account_id) as tx:
            conn = tx.conn
            group = find_group(conn, account_id, group_name)
            user = find_user(conn, account_id, user_name)
            removed = conn.execute(
                sa.delete(group_members).where(
                    group_members.c.group_id == group.id, group_members.c.user_id == user.id
                )
            ).rowcount
            if not removed:
                raise NoSuchEntity(
                    f"The user with name {user_name} cannot be found in group {group_name}."
                )

    def list_group_users(
        self,
        account_id: str,
        group_name: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[User]:
        """The members of a group (GetGroup's ``Users``), by name."""
        with self._read() as conn:
            group = find_group(conn, account_id, group_name)
            query = (
                user_query()
                .join(group_members, group_members.c.user_id == users.c.id)
                .where(group_members.c.group_id == group.id)
            )
            return paginate(conn, query, [users.c.name_lower], marker, max_items, user_record)

    def list_groups_for_user(
        self,
        account_id: str,
        user_name: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[Group]:
        with self._read() as conn:
            user = find_user(conn, account_id, user_name)
            query = (
                sa.select(groups)
                .join(group_members, group_members.c.group_id == groups.c.id)
                .where(group_members.c.user_id == user.id)
            )
            return paginate(conn, query, [groups.c.name_lower], marker, max_items, group_record)
