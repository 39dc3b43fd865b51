"""Managed policies and their versions (at most 5, ids ``v1``, ``v2``... never reused).

Customer managed policies belong to an account; AWS managed ones to the
pseudo-account ``aws`` (ARN ``arn:aws:iam::aws:policy/...``), are visible from
every account and writable only by ``aws``. Attachment and boundary counts
are those of the account that asks.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from clearance.store.base import StoreBase, check_account_quota, path_starts_with
from clearance.store.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
)
from clearance.store.ids import POLICY_PREFIX
from clearance.store.lookup import (
    AWS_ACCOUNT,
    find_owned_policy,
    find_policy,
    policy_arn_of,
    policy_record,
)
from clearance.store.pagination import Page, paginate
from clearance.store.records import ManagedPolicy, PolicyVersion
from clearance.store.schema import (
    group_policy_attachments,
    policies,
    policy_versions,
    role_policy_attachments,
    roles,
    user_policy_attachments,
    users,
)
from clearance.store.tags import TagInput, delete_tags, write_tags

__all__ = ["PoliciesMixin", "usage_counts"]

Scope = Literal["All", "AWS", "Local"]
Usage = Literal["PermissionsPolicy", "PermissionsBoundary"]

_ATTACHMENTS = (user_policy_attachments, group_policy_attachments, role_policy_attachments)


def _count(table: sa.Table, condition: sa.ColumnElement[bool]) -> sa.ScalarSelect[Any]:
    return sa.select(sa.func.count()).select_from(table).where(condition).scalar_subquery()


def usage_counts(account_id: str) -> tuple[sa.ColumnElement[int], sa.ColumnElement[int]]:
    """Correlated counts of a ``policies`` row's attachments and boundary uses in an account."""
    attached = sum(
        (
            _count(t, sa.and_(t.c.policy_id == policies.c.id, t.c.account_id == account_id))
            for t in _ATTACHMENTS[1:]
        ),
        start=_count(
            _ATTACHMENTS[0],
            sa.and_(
                _ATTACHMENTS[0].c.policy_id == policies.c.id,
                _ATTACHMENTS[0].c.account_id == account_id,
            ),
        ),
    )
    bounded = _count(
        users,
        sa.and_(users.c.permissions_boundary_id == policies.c.id, users.c.account_id == account_id),
    ) + _count(
        roles,
        sa.and_(roles.c.permissions_boundary_id == policies.c.id, roles.c.account_id == account_id),
    )
    return attached.label("attachment_count"), bounded.label("boundary_count")


def _with_counts(row: Row[Any]) -> ManagedPolicy:
    return policy_record(row, row.attachment_count, row.boundary_count)


def _policy_query(account_id: str) -> sa.Select[Any]:
    return sa.select(policies, *usage_counts(account_id))


def _version(row: Row[Any], policy: Row[Any]) -> PolicyVersion:
    return PolicyVersion(
        policy_arn=policy_arn_of(policy),
        version_id=row.version_id,
        document=row.document,
        is_default=row.version_id == policy.default_version_id,
        created=row.created_at,
    )


def _find_version(conn: Connection, policy: Row[Any], version_id: str, arn: str) -> Row[Any]:
    row = conn.execute(
        sa.select(policy_versions).where(
            policy_versions.c.policy_id == policy.id, policy_versions.c.version_id == version_id
        )
    ).first()
    if row is None:
        raise NoSuchEntity(
            f"Policy {arn} version {version_id} does not exist or is not attachable."
        )
    return row


class PoliciesMixin(StoreBase):
    def create_policy(
        self,
        account_id: str,
        name: str,
        document: str,
        *,
        path: str = "/",
        description: str | None = None,
        tags: TagInput = (),
    ) -> ManagedPolicy:
        """CreatePolicy: the policy and its default version ``v1``."""
        with self._write(account_id) as tx:
            conn = tx.conn
            taken = conn.execute(
                sa.select(policies.c.id).where(
                    policies.c.account_id == account_id, policies.c.name_lower == name.lower()
                )
            ).first()
            if taken is not None:
                raise EntityAlreadyExists(
                    f"A policy called {name} already exists. Duplicate names are not allowed."
                )
            check_account_quota(
                conn, policies, account_id, "PoliciesPerAccount", self._quotas.policies_per_account
            )
            policy_id = self._ids.unique_id(POLICY_PREFIX)
            conn.execute(
                sa.insert(policies).values(
                    id=policy_id,
                    account_id=account_id,
                    name=name,
                    name_lower=name.lower(),
                    path=path,
                    description=description,
                    default_version_id="v1",
                    next_version=2,
                    is_attachable=True,
                    created_at=tx.now,
                    updated_at=tx.now,
                )
            )
            conn.execute(
                sa.insert(policy_versions).values(
                    policy_id=policy_id,
                    version_id="v1",
                    number=1,
                    document=document,
                    created_at=tx.now,
                )
            )
            write_tags(conn, policy_id, tags, "TagsPerPolicy", self._quotas.tags_per_resource)
            row = conn.execute(_policy_query(account_id).where(policies.c.id == policy_id)).one()
            return _with_counts(row)

    def get_policy(self, account_id: str, policy_arn: str) -> ManagedPolicy:
        """GetPolicy: a policy of the account or an AWS managed one. Raises NoSuchEntity."""
        with self._read() as conn:
            found = find_policy(conn, account_id, policy_arn)
            row = conn.execute(_policy_query(account_id).where(policies.c.id == found.id)).one()
            return _with_counts(row)

    def list_policies(
        self,
        account_id: str,
        *,
        scope: Scope = "All",
        only_attached: bool = False,
        usage: Usage | None = None,
        path_prefix: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[ManagedPolicy]:
        """ListPolicies: ``scope`` Local (the account's), AWS or All; by name."""
        owners = {"All": [account_id, AWS_ACCOUNT], "AWS": [AWS_ACCOUNT], "Local": [account_id]}
        if scope not in owners:
            raise InvalidInput(f"Invalid scope {scope}.")
        attached, bounded = usage_counts(account_id)
        query = sa.select(policies, attached, bounded).where(
            policies.c.account_id.in_(owners[scope]),
            path_starts_with(policies.c.path, path_prefix),
        )
        if only_attached or usage == "PermissionsPolicy":
            query = query.where(attached.element > 0)
        if usage == "PermissionsBoundary":
            query = query.where(bounded.element > 0)
        with self._read() as conn:
            order = [policies.c.name_lower, policies.c.id]
            return paginate(conn, query, order, marker, max_items, _with_counts)

    def delete_policy(self, account_id: str, policy_arn: str) -> None:
        """DeletePolicy: only when detached everywhere and down to one version."""
        with self._write(account_id) as tx:
            conn = tx.conn
            found = find_owned_policy(conn, account_id, policy_arn)
            row = conn.execute(_policy_query(account_id).where(policies.c.id == found.id)).one()
            if row.attachment_count or row.boundary_count:
                raise DeleteConflict("Cannot delete a policy attached to entities.")
            versions = conn.execute(
                sa.select(sa.func.count())
                .select_from(policy_versions)
                .where(policy_versions.c.policy_id == found.id)
            ).scalar_one()
            if versions > 1:
                raise DeleteConflict(
                    "This policy has more than one version. Before you delete a policy, you must"
                    " delete the policy's versions. The default version is deleted with the policy."
                )
            delete_tags(conn, found.id)
            conn.execute(sa.delete(policy_versions).where(policy_versions.c.policy_id == found.id))
            conn.execute(sa.delete(policies).where(policies.c.id == found.id))

    def create_policy_version(
        self, account_id: str, policy_arn: str, document: str, *, set_as_default: bool = False
    ) -> PolicyVersion:
        """CreatePolicyVersion. Raises LimitExceeded at 5 versions."""
        with self._write(account_id) as tx:
            conn = tx.conn
            policy = find_owned_policy(conn, account_id, policy_arn)
            count = conn.execute(
                sa.select(sa.func.count())
                .select_from(policy_versions)
                .where(policy_versions.c.policy_id == policy.id)
            ).scalar_one()
            if count >= self._quotas.versions_per_policy:
                raise LimitExceeded(
                    f"A managed policy can have up to {self._quotas.versions_per_policy} versions."
                    " Before you create a new version, you must delete an existing version."
                )
            number = policy.next_version
            version_id = f"v{number}"
            conn.execute(
                sa.insert(policy_versions).values(
                    policy_id=policy.id,
                    version_id=version_id,
                    number=number,
                    document=document,
                    created_at=tx.now,
                )
            )
            values: dict[str, Any] = {"next_version": number + 1, "updated_at": tx.now}
            if set_as_default:
                values["default_version_id"] = version_id
            conn.execute(sa.update(policies).where(policies.c.id == policy.id).values(**values))
            return PolicyVersion(
                policy_arn_of(policy), version_id, document, set_as_default, tx.now
            )

    def get_policy_version(
        self, account_id: str, policy_arn: str, version_id: str
    ) -> PolicyVersion:
        with self._read() as conn:
            policy = find_policy(conn, account_id, policy_arn)
            return _version(_find_version(conn, policy, version_id, policy_arn), policy)

    def list_policy_versions(
        self,
        account_id: str,
        policy_arn: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[PolicyVersion]:
        """ListPolicyVersions, newest first."""
        with self._read() as conn:
            policy = find_policy(conn, account_id, policy_arn)
            query = sa.select(policy_versions).where(policy_versions.c.policy_id == policy.id)
            order = [-policy_versions.c.number]
            return paginate(
                conn, query, order, marker, max_items, lambda row: _version(row, policy)
            )

    def delete_policy_version(self, account_id: str, policy_arn: str, version_id: str) -> None:
        with self._write(account_id) as tx:
            policy = find_owned_policy(tx.conn, account_id, policy_arn)
            _find_version(tx.conn, policy, version_id, policy_arn)
            if version_id == policy.default_version_id:
                raise DeleteConflict("Cannot delete the default version of a policy.")
            tx.conn.execute(
                sa.delete(policy_versions).where(
                    policy_versions.c.policy_id == policy.id,
                    policy_versions.c.version_id == version_id,
                )
            )

    def set_default_policy_version(self, account_id: str, policy_arn: str, version_id: str) -> None:
        with self._write(account_id) as tx:
            policy = find_owned_policy(tx.conn, account_id, policy_arn)
            _find_version(tx.conn, policy, version_id, policy_arn)
            tx.conn.execute(
                sa.update(policies)
                .where(policies.c.id == policy.id)
                .values(default_version_id=version_id)
            )
