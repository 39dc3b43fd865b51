"""IAM roles: trust policy, session duration, description, boundary, last use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from clearance.store.base import StoreBase, check_account_quota, path_starts_with
from clearance.store.errors import DeleteConflict, EntityAlreadyExists, NoSuchEntity
from clearance.store.ids import ROLE_PREFIX
from clearance.store.lookup import find_attachable_policy, find_role, role_query, role_record
from clearance.store.pagination import Page, paginate
from clearance.store.records import Role
from clearance.store.schema import (
    instance_profile_roles,
    role_inline_policies,
    role_policy_attachments,
    roles,
)
from clearance.store.tags import TagInput, delete_tags, write_tags

__all__ = ["RolesMixin"]

_ROLE_DEPENDENTS = (
    (
        instance_profile_roles,
        "Cannot delete entity, must remove roles from instance profile first.",
    ),
    (role_policy_attachments, "Cannot delete entity, must detach all policies first."),
    (role_inline_policies, "Cannot delete entity, must delete policies first."),
)

_UNSET: Any = object()


class RolesMixin(StoreBase):
    def create_role(
        self,
        account_id: str,
        name: str,
        assume_role_policy: str,
        *,
        path: str = "/",
        description: str | None = None,
        max_session_duration: int = 3600,
        permissions_boundary: str | None = None,
        tags: TagInput = (),
    ) -> Role:
        """CreateRole; the trust policy is stored as given. Raises EntityAlreadyExists..."""
        with self._write(account_id) as tx:
            conn = tx.conn
            taken = conn.execute(
                sa.select(roles.c.id).where(
                    roles.c.account_id == account_id, roles.c.name_lower == name.lower()
                )
            ).first()
            if taken is not None:
                raise EntityAlreadyExists(f"Role with name {name} already exists.")
            check_account_quota(
                conn, roles, account_id, "RolesPerAccount", self._quotas.roles_per_account
            )
            boundary = (
                find_attachable_policy(conn, account_id, permissions_boundary).id
                if permissions_boundary
                else None
            )
            role_id = self._ids.unique_id(ROLE_PREFIX)
            conn.execute(
                sa.insert(roles).values(
                    id=role_id,
                    account_id=account_id,
                    name=name,
                    name_lower=name.lower(),
                    path=path,
                    assume_role_policy=assume_role_policy,
                    description=description,
                    max_session_duration=max_session_duration,
                    permissions_boundary_id=boundary,
                    created_at=tx.now,
                )
            )
            write_tags(conn, role_id, tags, "TagsPerRole", self._quotas.tags_per_resource)
            return role_record(conn.execute(role_query().where(roles.c.id == role_id)).one())

    def get_role(self, account_id: str, name: str) -> Role:
        with self._read() as conn:
            return role_record(find_role(conn, account_id, name))

    def get_role_by_id(self, account_id: str, role_id: str) -> Role:
        with self._read() as conn:
            row = conn.execute(
                role_query().where(roles.c.account_id == account_id, roles.c.id == role_id)
            ).first()
            if row is None:
                raise NoSuchEntity(f"The role with id {role_id} cannot be found.")
            return role_record(row)

    def list_roles(
        self,
        account_id: str,
        *,
        path_prefix: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[Role]:
        with self._read() as conn:
            query = role_query().where(
                roles.c.account_id == account_id, path_starts_with(roles.c.path, path_prefix)
            )
            return paginate(conn, query, [roles.c.name_lower], marker, max_items, role_record)

    def update_role(
        self,
        account_id: str,
        name: str,
        *,
        description: str | None = _UNSET,
        max_session_duration: int | None = None,
    ) -> Role:
        """UpdateRole / UpdateRoleDescription: only the arguments given change."""
        with self._write(account_id) as tx:
            row = find_role(tx.conn, account_id, name)
            values: dict[str, Any] = {}
            if description is not _UNSET:
                values["description"] = description
            if max_session_duration is not None:
                values["max_session_duration"] = max_session_duration
            if values:
                tx.conn.execute(sa.update(roles).where(roles.c.id == row.id).values(**values))
            return role_record(tx.conn.execute(role_query().where(roles.c.id == row.id)).one())

    def update_assume_role_policy(self, account_id: str, name: str, document: str) -> None:
        with self._write(account_id) as tx:
            row = find_role(tx.conn, account_id, name)
            tx.conn.execute(
                sa.update(roles).where(roles.c.id == row.id).values(assume_role_policy=document)
            )

    def delete_role(self, account_id: str, name: str) -> None:
        """DeleteRole; its STS sessions end with it. Raises NoSuchEntity, DeleteConflict."""
        with self._write(account_id) as tx:
            conn = tx.conn
            row = find_role(conn, account_id, name)
            for table, message in _ROLE_DEPENDENTS:
                used = conn.execute(
                    sa.select(sa.literal(1)).select_from(table).where(table.c.role_id == row.id)
                ).first()
                if used is not None:
                    raise DeleteConflict(message)
            delete_tags(conn, row.id)
            conn.execute(sa.delete(roles).where(roles.c.id == row.id))

    def put_role_permissions_boundary(self, account_id: str, name: str, policy_arn: str) -> None:
        with self._write(account_id) as tx:
            row = find_role(tx.conn, account_id, name)
            policy = find_attachable_policy(tx.conn, account_id, policy_arn)
            tx.conn.execute(
                sa.update(roles)
                .where(roles.c.id == row.id)
                .values(permissions_boundary_id=policy.id)
            )

    def delete_role_permissions_boundary(self, account_id: str, name: str) -> None:
        with self._write(account_id) as tx:
            row = find_role(tx.conn, account_id, name)
            tx.conn.execute(
                sa.update(roles).where(roles.c.id == row.id).values(permissions_boundary_id=None)
            )

    def record_role_use(self, role_id: str, region: str, when: datetime | None = None) -> None:
        """Note a use of the role (GetRole's RoleLastUsed). Cheap: no version bump, no
        account lock; callers should debounce (AWS tracks this to the day)."""
        with self._write(None, bump=False) as tx:
            tx.conn.execute(
                sa.update(roles)
                .where(roles.c.id == role_id)
                .values(last_used_at=when or tx.now, last_used_region=region)
            )
