"""Inline policies of users, groups and roles (Put/Get/Delete/List).

IAM limits the aggregate size of a principal's inline policies (white space
not counted): 2,048 characters for a user, 5,120 for a group, 10,240 for a
role. The sum is checked inside the write transaction, so concurrent puts
cannot exceed it together.
"""

from __future__ import annotations

import sqlalchemy as sa

from clearance.policy.limits import policy_size
from clearance.store.base import StoreBase
from clearance.store.errors import NoSuchEntity
from clearance.store.pagination import Page, paginate
from clearance.store.principals import GROUP, ROLE, USER, PrincipalKind
from clearance.store.records import InlinePolicy

__all__ = ["InlinePoliciesMixin"]


class InlinePoliciesMixin(StoreBase):
    def _put_inline(
        self, kind: PrincipalKind, account_id: str, owner_name: str, name: str, document: str
    ) -> None:
        size = policy_size(document)
        with self._write(account_id) as tx:
            conn = tx.conn
            owner = kind.find(conn, account_id, owner_name)
            others = conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(kind.inline.c.size), 0)).where(
                    kind.inline_fk == owner.id, kind.inline.c.name != name
                )
            ).scalar_one()
            limit = kind.inline_limit
            if others + size > limit.characters:
                raise limit.exceeded(others + size, limit.characters, owner.name)
            updated = conn.execute(
                sa.update(kind.inline)
                .where(kind.inline_fk == owner.id, kind.inline.c.name == name)
                .values(document=document, size=size)
            ).rowcount
            if not updated:
                conn.execute(
                    sa.insert(kind.inline).values(
                        {
                            kind.inline_fk.name: owner.id,
                            "name": name,
                            "document": document,
                            "size": size,
                        }
                    )
                )

    def _get_inline(
        self, kind: PrincipalKind, account_id: str, owner_name: str, name: str
    ) -> InlinePolicy:
        with self._read() as conn:
            owner = kind.find(conn, account_id, owner_name)
            document = conn.execute(
                sa.select(kind.inline.c.document).where(
                    kind.inline_fk == owner.id, kind.inline.c.name == name
                )
            ).scalar()
            if document is None:
                raise NoSuchEntity(f"The {kind.name} policy with name {name} cannot be found.")
            return InlinePolicy(owner.name, name, document)

    def _delete_inline(
        self, kind: PrincipalKind, account_id: str, owner_name: str, name: str
    ) -> None:
        with self._write(account_id) as tx:
            owner = kind.find(tx.conn, account_id, owner_name)
            removed = tx.conn.execute(
                sa.delete(kind.inline).where(kind.inline_fk == owner.id, kind.inline.c.name == name)
            ).rowcount
            if not removed:
                raise NoSuchEntity(f"The {kind.name} policy with name {name} cannot be found.")

    def _list_inline(
        self,
        kind: PrincipalKind,
        account_id: str,
        owner_name: str,
        marker: str | None,
        max_items: int | None,
    ) -> Page[str]:
        with self._read() as conn:
            owner = kind.find(conn, account_id, owner_name)
            query = sa.select(kind.inline.c.name).where(kind.inline_fk == owner.id)
            return paginate(conn, query, [kind.inline.c.name], marker, max_items, lambda r: r.name)

    def put_user_policy(self, account_id: str, user_name: str, name: str, document: str) -> None:
        """PutUserPolicy: create or replace. Raises LimitExceeded (aggregate size)."""
        self._put_inline(USER, account_id, user_name, name, document)

    def get_user_policy(self, account_id: str, user_name: str, name: str) -> InlinePolicy:
        return self._get_inline(USER, account_id, user_name, name)

    def delete_user_policy(self, account_id: str, user_name: str, name: str) -> None:
        self._delete_inline(USER, account_id, user_name, name)

    def list_user_policies(
        self,
        account_id: str,
        user_name: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[str]:
        """ListUserPolicies: the names, in order."""
        return self._list_inline(USER, account_id, user_name, marker, max_items)

    def put_group_policy(self, account_id: str, group_name: str, name: str, document: str) -> None:
        self._put_inline(GROUP, account_id, group_name, name, document)

    def get_group_policy(self, account_id: str, group_name: str, name: str) -> InlinePolicy:
        return self._get_inline(GROUP, account_id, group_name, name)

    def delete_group_policy(self, account_id: str, group_name: str, name: str) -> None:
        self._delete_inline(GROUP, account_id, group_name, name)

    def list_group_policies(
        self,
        account_id: str,
        group_name: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[str]:
        return self._list_inline(GROUP, account_id, group_name, marker, max_items)

    def put_role_policy(self, account_id: str, role_name: str, name: str, document: str) -> None:
        self._put_inline(ROLE, account_id, role_name, name, document)

    def get_role_policy(self, account_id: str, role_name: str, name: str) -> InlinePolicy:
        return self._get_inline(ROLE, account_id, role_name, name)

    def delete_role_policy(self, account_id: str, role_name: str, name: str) -> None:
        self._delete_inline(ROLE, account_id, role_name, name)

    def list_role_policies(
        self,
        account_id: str,
        role_name: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[str]:
        return self._list_inline(ROLE, account_id, role_name, marker, max_items)
