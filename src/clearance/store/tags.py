"""Tags on users, roles, managed policies, instance profiles and identity providers.

At most 50 per resource; keys are unique case-insensitively (a new value for
``Env`` replaces the one of ``env``, and takes the new spelling of the key).
Tags feed ``aws:PrincipalTag`` / ``aws:ResourceTag``, so changes bump the
account's version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from clearance.store.base import StoreBase
from clearance.store.errors import InvalidInput, quota_exceeded
from clearance.store.lookup import (
    find_instance_profile,
    find_oidc_provider,
    find_owned_policy,
    find_policy,
    find_role,
    find_saml_provider,
    find_user,
)
from clearance.store.pagination import Page, paginate
from clearance.store.records import Tag
from clearance.store.schema import tags

__all__ = ["TagInput", "TagsMixin", "delete_tags", "load_tags", "normalize_tags", "write_tags"]

TagInput = Iterable[Tag | tuple[str, str]]

# kind → (quota name, finder for reads, finder for writes)
_Finder = Callable[[Connection, str, str], Any]
_KINDS: dict[str, tuple[str, _Finder, _Finder]] = {
    "user": ("TagsPerUser", find_user, find_user),
    "role": ("TagsPerRole", find_role, find_role),
    "policy": ("TagsPerPolicy", find_policy, find_owned_policy),
    "instance_profile": ("TagsPerInstanceProfile", find_instance_profile, find_instance_profile),
    "oidc_provider": ("TagsPerOpenIDConnectProvider", find_oidc_provider, find_oidc_provider),
    "saml_provider": ("TagsPerSAMLProvider", find_saml_provider, find_saml_provider),
}


def normalize_tags(given: TagInput) -> list[Tag]:
    result = [Tag(key, value) for key, value in given]
    if len({tag.key.lower() for tag in result}) != len(result):
        raise InvalidInput(
            "Duplicate tag keys found. Please note that Tag keys are case insensitive."
        )
    return result


def write_tags(conn: Connection, resource_id: str, given: TagInput, quota: str, limit: int) -> None:
    """Add or replace tags; the total may not exceed ``limit``."""
    new = normalize_tags(given)
    if not new:
        return
    lowered = [tag.key.lower() for tag in new]
    existing = set(
        conn.execute(sa.select(tags.c.key_lower).where(tags.c.resource_id == resource_id)).scalars()
    )
    if len(existing | set(lowered)) > limit:
        raise quota_exceeded(quota, limit)
    conn.execute(
        sa.delete(tags).where(tags.c.resource_id == resource_id, tags.c.key_lower.in_(lowered))
    )
    conn.execute(
        sa.insert(tags),
        [
            {"resource_id": resource_id, "key_lower": key, "key": tag.key, "value": tag.value}
            for key, tag in zip(lowered, new, strict=True)
        ],
    )


def load_tags(conn: Connection, resource_id: str) -> tuple[Tag, ...]:
    rows = conn.execute(
        sa.select(tags.c.key, tags.c.value)
        .where(tags.c.resource_id == resource_id)
        .order_by(tags.c.key_lower)
    )
    return tuple(Tag(row.key, row.value) for row in rows)


def delete_tags(conn: Connection, resource_id: str) -> None:
    conn.execute(sa.delete(tags).where(tags.c.resource_id == resource_id))


class TagsMixin(StoreBase):
    def _tag(self, kind: str, account_id: str, ref: str, given: TagInput) -> None:
        quota, _, finder = _KINDS[kind]
        with self._write(account_id) as tx:
            resource_id = finder(tx.conn, account_id, ref).id
            write_tags(tx.conn, resource_id, given, quota, self._quotas.tags_per_resource)

    def _untag(self, kind: str, account_id: str, ref: str, keys: Sequence[str]) -> None:
        _, _, finder = _KINDS[kind]
        with self._write(account_id) as tx:
            resource_id = finder(tx.conn, account_id, ref).id
            lowered = [key.lower() for key in keys]
            tx.conn.execute(
                sa.delete(tags).where(
                    tags.c.resource_id == resource_id, tags.c.key_lower.in_(lowered)
                )
            )

    def _list_tags(
        self, kind: str, account_id: str, ref: str, marker: str | None, max_items: int | None
    ) -> Page[Tag]:
        _, finder, _ = _KINDS[kind]
        with self._read() as conn:
            resource_id = finder(conn, account_id, ref).id
            query = sa.select(tags.c.key, tags.c.value).where(tags.c.resource_id == resource_id)
            return paginate(
                conn, query, [tags.c.key_lower], marker, max_items, lambda r: Tag(r.key, r.value)
            )

    # Users
    def tag_user(self, account_id: str, user_name: str, tags: TagInput) -> None:
        """Add or replace tags of a user (TagUser)."""
        self._tag("user", account_id, user_name, tags)

    def untag_user(self, account_id: str, user_name: str, keys: Sequence[str]) -> None:
        """Remove tags by key, case-insensitively; absent keys are ignored (UntagUser)."""
        self._untag("user", account_id, user_name, keys)

    def list_user_tags(
        self,
        account_id: str,
        user_name: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[Tag]:
        return self._list_tags("user", account_id, user_name, marker, max_items)

    # Roles
    def tag_role(self, account_id: str, role_name: str, tags: TagInput) -> None:
        self._tag("role", account_id, role_name, tags)

    def untag_role(self, account_id: str, role_name: str, keys: Sequence[str]) -> None:
        self._untag("role", account_id, role_name, keys)

    def list_role_tags(
        self,
        account_id: str,
        role_name: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[Tag]:
        return self._list_tags("role", account_id, role_name, marker, max_items)

    # Managed policies (by ARN)
    def tag_policy(self, account_id: str, policy_arn: str, tags: TagInput) -> None:
        self._tag("policy", account_id, policy_arn, tags)

    def untag_policy(self, account_id: str, policy_arn: str, keys: Sequence[str]) -> None:
        self._untag("policy", account_id, policy_arn, keys)

    def list_policy_tags(
        self,
        account_id: str,
        policy_arn: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[Tag]:
        return self._list_tags("policy", account_id, policy_arn, marker, max_items)

    # Instance profiles
    def tag_instance_profile(self, account_id: str, name: str, tags: TagInput) -> None:
        self._tag("instance_profile", account_id, name, tags)

    def untag_instance_profile(self, account_id: str, name: str, keys: Sequence[str]) -> None:
        self._untag("instance_profile", account_id, name, keys)

    def list_instance_profile_tags(
        self,
        account_id: str,
        name: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[Tag]:
        return self._list_tags("instance_profile", account_id, name, marker, max_items)

    # OIDC providers (by ARN)
    def tag_open_id_connect_provider(self, account_id: str, arn: str, tags: TagInput) -> None:
        self._tag("oidc_provider", account_id, arn, tags)

    def untag_open_id_connect_provider(
        self, account_id: str, arn: str, keys: Sequence[str]
    ) -> None:
        self._untag("oidc_provider", account_id, arn, keys)

    def list_open_id_connect_provider_tags(
        self,
        account_id: str,
        arn: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[Tag]:
        return self._list_tags("oidc_provider", account_id, arn, marker, max_items)

    # SAML providers (by ARN)
    def tag_saml_provider(self, account_id: str, arn: str, tags: TagInput) -> None:
        self._tag("saml_provider", account_id, arn, tags)

    def untag_saml_provider(self, account_id: str, arn: str, keys: Sequence[str]) -> None:
        self._untag("saml_provider", account_id, arn, keys)

    def list_saml_provider_tags(
        self,
        account_id: str,
        arn: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[Tag]:
        return self._list_tags("saml_provider", account_id, arn, marker, max_items)
