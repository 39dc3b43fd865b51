"""Managed policies attached to users, groups and roles (10 each by default)."""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Row

from clearance.store.base import StoreBase, path_starts_with
from clearance.store.errors import InvalidInput, NoSuchEntity, quota_exceeded
from clearance.store.lookup import find_attachable_policy, find_policy
from clearance.store.pagination import Page, paginate
from clearance.store.principals import GROUP, KINDS, ROLE, USER, PrincipalKind
from clearance.store.records import AttachedPolicy, EntityRef, iam_arn
from clearance.store.schema import policies

__all__ = ["AttachmentsMixin"]

EntityFilter = Literal["User", "Group", "Role"]
Usage = Literal["PermissionsPolicy", "PermissionsBoundary"]


def _attached(row: Row[Any]) -> AttachedPolicy:
    return AttachedPolicy(row.name, iam_arn(row.account_id, "policy", row.path, row.name))


class AttachmentsMixin(StoreBase):
    def _attach(self, kind: PrincipalKind, account_id: str, name: str, policy_arn: str) -> None:
        with self._write(account_id) as tx:
            conn = tx.conn
            owner = kind.find(conn, account_id, name)
            policy = find_attachable_policy(conn, account_id, policy_arn)
            current = (
                conn.execute(sa.select(kind.attachments.c.policy_id).where(kind.fk == owner.id))
                .scalars()
                .all()
            )
            if policy.id in current:
                return
            limit = kind.quota(self._quotas)
            if len(current) >= limit:
                raise quota_exceeded(kind.quota_name, limit)
            conn.execute(
                sa.insert(kind.attachments).values(
                    {kind.fk.name: owner.id, "policy_id": policy.id, "account_id": account_id}
                )
            )

    def _detach(self, kind: PrincipalKind, account_id: str, name: str, policy_arn: str) -> None:
        with self._write(account_id) as tx:
            conn = tx.conn
            owner = kind.find(conn, account_id, name)
            policy = find_policy(conn, account_id, policy_arn)
            removed = conn.execute(
                sa.delete(kind.attachments).where(
                    kind.fk == owner.id, kind.attachments.c.policy_id == policy.id
                )
            ).rowcount
            if not removed:
                raise NoSuchEntity(f"Policy {policy_arn} was not found.")

    def _list_attached(
        self,
        kind: PrincipalKind,
        account_id: str,
        name: str,
        path_prefix: str | None,
        marker: str | None,
        max_items: int | None,
    ) -> Page[AttachedPolicy]:
        with self._read() as conn:
            owner = kind.find(conn, account_id, name)
            query = (
                sa.select(policies.c.name, policies.c.path, policies.c.account_id)
                .join(kind.attachments, kind.attachments.c.policy_id == policies.c.id)
                .where(kind.fk == owner.id, path_starts_with(policies.c.path, path_prefix))
            )
            order = [policies.c.name_lower, policies.c.id]
            return paginate(conn, query, order, marker, max_items, _attached)

    def attach_user_policy(self, account_id: str, user_name: str, policy_arn: str) -> None:
        """AttachUserPolicy; attaching again changes nothing. Raises LimitExceeded,
        NoSuchEntity (``Policy ARN does not exist or is not attachable.``)."""
        self._attach(USER, account_id, user_name, policy_arn)

    def detach_user_policy(self, account_id: str, user_name: str, policy_arn: str) -> None:
        self._detach(USER, account_id, user_name, policy_arn)

    def list_attached_user_policies(
        self,
        account_id: str,
        user_name: str,
        *,
        path_prefix: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[AttachedPolicy]:
        return self._list_attached(USER, account_id, user_name, path_prefix, marker, max_items)

    def attach_group_policy(self, account_id: str, group_name: str, policy_arn: str) -> None:
        self._attach(GROUP, account_id, group_name, policy_arn)

    def detach_group_policy(self, account_id: str, group_name: str, policy_arn: str) -> None:
        self._detach(GROUP, account_id, group_name, policy_arn)

    def list_attached_group_policies(
        self,
        account_id: str,
        group_name: str,
        *,
        path_prefix: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[AttachedPolicy]:
        return self._list_attached(GROUP, account_id, group_name, path_prefix, marker, max_items)

    def attach_role_policy(self, account_id: str, role_name: str, policy_arn: str) -> None:
        self._attach(ROLE, account_id, role_name, policy_arn)

    def detach_role_policy(self, account_id: str, role_name: str, policy_arn: str) -> None:
        self._detach(ROLE, account_id, role_name, policy_arn)

    def list_attached_role_policies(
        self,
        account_id: str,
        role_name: str,
        *,
        path_prefix: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[AttachedPolicy]:
        return self._list_attached(ROLE, account_id, role_name, path_prefix, marker, max_items)

    def list_entities_for_policy(
        self,
        account_id: str,
        policy_arn: str,
        *,
        entity_filter: EntityFilter | None = None,
        usage: Usage | None = None,
        path_prefix: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[EntityRef]:
        """ListEntitiesForPolicy: the account's users, groups and roles that use the policy
        (attached: ``PermissionsPolicy``; as boundary: ``PermissionsBoundary``; both by
        default), ordered by kind (group, role, user) then name."""
        if entity_filter is not None and entity_filter not in ("User", "Group", "Role"):
            raise InvalidInput(f"Invalid EntityFilter {entity_filter}.")
        wanted = [entity_filter.lower()] if entity_filter else ["group", "role", "user"]
        with self._read() as conn:
            policy = find_policy(conn, account_id, policy_arn)
            parts: list[sa.Select[Any]] = []
            for name in wanted:
                kind = KINDS[name]
                table = kind.table
                columns = (
                    sa.literal_column(f"'{name}'", sa.String).label("kind"),
                    table.c.name,
                    table.c.name_lower,
                    table.c.id,
                )
                scope = sa.and_(
                    table.c.account_id == account_id, path_starts_with(table.c.path, path_prefix)
                )
                if usage in (None, "PermissionsPolicy"):
                    parts.append(
                        sa.select(*columns)
                        .join(kind.attachments, kind.fk == table.c.id)
                        .where(kind.attachments.c.policy_id == policy.id, scope)
                    )
                if usage in (None, "PermissionsBoundary") and name != "group":
                    parts.append(
                        sa.select(*columns).where(
                            table.c.permissions_boundary_id == policy.id, scope
                        )
                    )
            if not parts:
                return Page(())
            union = sa.union(*parts).subquery()
            query = sa.select(union.c.kind, union.c.name, union.c.id)
            order = [union.c.kind, union.c.name_lower, union.c.id]
            return paginate(
                conn,
                query,
                order,
                marker,
                max_items,
                lambda row: EntityRef(row.kind, row.name, row.id),
            )
