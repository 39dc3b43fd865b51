"""Instance profiles and their role (at most one: AWS's hard quota)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from clearance.store.base import StoreBase, check_account_quota, path_starts_with
from clearance.store.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    NoSuchEntity,
    quota_exceeded,
)
from clearance.store.ids import INSTANCE_PROFILE_PREFIX
from clearance.store.lookup import find_instance_profile, find_role, role_query, role_record
from clearance.store.pagination import Page, paginate
from clearance.store.records import InstanceProfile, Role
from clearance.store.schema import instance_profile_roles, instance_profiles, roles
from clearance.store.tags import TagInput, delete_tags, write_tags

__all__ = ["InstanceProfilesMixin"]


def _profiles(conn: Connection, page: Page[Row[Any]]) -> Page[InstanceProfile]:
    """Records for a page of profile rows, with their roles read in one query."""
    ids = [row.id for row in page.items]
    members: dict[str, list[Role]] = {profile_id: [] for profile_id in ids}
    if ids:
        rows = conn.execute(
            role_query()
            .add_columns(instance_profile_roles.c.instance_profile_id.label("profile_id"))
            .join(instance_profile_roles, instance_profile_roles.c.role_id == roles.c.id)
            .where(instance_profile_roles.c.instance_profile_id.in_(ids))
        )
        for row in rows:
            members[row.profile_id].append(role_record(row))
    items = tuple(
        InstanceProfile(
            account_id=row.account_id,
            id=row.id,
            name=row.name,
            path=row.path,
            created=row.created_at,
            roles=tuple(members[row.id]),
        )
        for row in page.items
    )
    return Page(items, page.marker, page.is_truncated)


def _profile(conn: Connection, row: Row[Any]) -> InstanceProfile:
    return _profiles(conn, Page((row,))).items[0]


def _row(row: Row[Any]) -> Row[Any]:
    return row


class InstanceProfilesMixin(StoreBase):
    def create_instance_profile(
        self, account_id: str, name: str, *, path: str = "/", tags: TagInput = ()
    ) -> InstanceProfile:
        with self._write(account_id) as tx:
            conn = tx.conn
            taken = conn.execute(
                sa.select(instance_profiles.c.id).where(
                    instance_profiles.c.account_id == account_id,
                    instance_profiles.c.name_lower == name.lower(),
                )
            ).first()
            if taken is not None:
                raise EntityAlreadyExists(f"Instance Profile {name} already exists.")
            check_account_quota(
                conn,
                instance_profiles,
                account_id,
                "InstanceProfilesPerAccount",
                self._quotas.instance_profiles_per_account,
            )
            profile_id = self._ids.unique_id(INSTANCE_PROFILE_PREFIX)
            conn.execute(
                sa.insert(instance_profiles).values(
                    id=profile_id,
                    account_id=account_id,
                    name=name,
                    name_lower=name.lower(),
                    path=path,
                    created_at=tx.now,
                )
            )
            write_tags(
                conn, profile_id, tags, "TagsPerInstanceProfile", self._quotas.tags_per_resource
            )
            return InstanceProfile(account_id, profile_id, name, path, tx.now)

    def get_instance_profile(self, account_id: str, name: str) -> InstanceProfile:
        with self._read() as conn:
            return _profile(conn, find_instance_profile(conn, account_id, name))

    def list_instance_profiles(
        self,
        account_id: str,
        *,
        path_prefix: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[InstanceProfile]:
        with self._read() as conn:
            query = sa.select(instance_profiles).where(
                instance_profiles.c.account_id == account_id,
                path_starts_with(instance_profiles.c.path, path_prefix),
            )
            order = [instance_profiles.c.name_lower]
            return _profiles(conn, paginate(conn, query, order, marker, max_items, _row))

    def list_instance_profiles_for_role(
        self,
        account_id: str,
        role_name: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[InstanceProfile]:
        with self._read() as conn:
            role = find_role(conn, account_id, role_name)
            query = (
                sa.select(instance_profiles)
                .join(
                    instance_profile_roles,
                    instance_profile_roles.c.instance_profile_id == instance_profiles.c.id,
                )
                .where(instance_profile_roles.c.role_id == role.id)
            )
            order = [instance_profiles.c.name_lower]
            return _profiles(conn, paginate(conn, query, order, marker, max_items, _row))

    def delete_instance_profile(self, account_id: str, name: str) -> None:
        with self._write(account_id) as tx:
            row = find_instance_profile(tx.conn, account_id, name)
            has_role = tx.conn.execute(
                sa.select(instance_profile_roles.c.role_id).where(
                    instance_profile_roles.c.instance_profile_id == row.id
                )
            ).first()
            if has_role is not None:
                raise DeleteConflict(
                    "Cannot delete entity, must remove roles from instance profile first."
                )
            delete_tags(tx.conn, row.id)
            tx.conn.execute(sa.delete(instance_profiles).where(instance_profiles.c.id == row.id))

    def add_role_to_instance_profile(self, account_id: str, name: str, role_name: str) -> None:
        """AddRoleToInstanceProfile. Raises LimitExceeded when it already has a role."""
        with self._write(account_id) as tx:
            profile = find_instance_profile(tx.conn, account_id, name)
            role = find_role(tx.conn, account_id, role_name)
            current = tx.conn.execute(
                sa.select(instance_profile_roles.c.role_id).where(
                    instance_profile_roles.c.instance_profile_id == profile.id
                )
            ).first()
            if current is not None:
                raise quota_exceeded("InstanceSessionsPerInstanceProfile", 1)
            tx.conn.execute(
                sa.insert(instance_profile_roles).values(
                    instance_profile_id=profile.id, role_id=role.id
                )
            )

    def remove_role_from_instance_profile(self, account_id: str, name: str, role_name: str) -> None:
        with self._write(account_id) as tx:
            profile = find_instance_profile(tx.conn, account_id, name)
            role = find_role(tx.conn, account_id, role_name)
            removed = tx.conn.execute(
                sa.delete(instance_profile_roles).where(
                    instance_profile_roles.c.instance_profile_id == profile.id,
                    instance_profile_roles.c.role_id == role.id,
                )
            ).rowcount
            if not removed:
                raise NoSuchEntity(
                    f"The role with name {role_name} cannot be found in instance profile {name}."
                )
