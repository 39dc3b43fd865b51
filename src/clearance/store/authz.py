"""The read paths of every request: an access key → its owner and secret (and
its account's version, for caches); a principal → its policy documents. Each is
one indexed query (plus the version and tags in the same read transaction for
the policies).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from clearance.errors import InvalidInput
from clearance.store.base import StoreBase
from clearance.store.errors import NoSuchEntity
from clearance.store.ids import ROLE_PREFIX, SESSION_KEY_PREFIX, USER_PREFIX
from clearance.store.lookup import AWS_ACCOUNT, split_policy_arn
from clearance.store.principals import GROUP, ROLE, USER, PrincipalKind
from clearance.store.records import KeyRecord, PolicyText, PrincipalPolicies, iam_arn
from clearance.store.schema import (
    access_keys,
    accounts,
    group_members,
    groups,
    policies,
    policy_versions,
    sessions,
    users,
)
from clearance.store.sessions import session_record
from clearance.store.tags import load_tags

__all__ = ["AuthzMixin"]

_SELF, _INLINE, _MANAGED = 0, 1, 2


def _default_version() -> Any:
    return policy_versions.join(
        policies,
        sa.and_(
            policies.c.id == policy_versions.c.policy_id,
            policies.c.default_version_id == policy_versions.c.version_id,
        ),
    )


def _managed_columns(rank: int, source: str, owner: sa.ColumnElement[str]) -> list[Any]:
    return [
        sa.literal_column(str(rank)).label("rank"),
        sa.literal_column(f"'{source}'", sa.String).label("source"),
        owner.label("owner"),
        policies.c.name.label("name"),
        policies.c.account_id.label("policy_account"),
        policies.c.path.label("policy_path"),
        policy_versions.c.document.label("document"),
    ]


def _inline_columns(kind: PrincipalKind, owner: sa.ColumnElement[str]) -> list[Any]:
    return [
        sa.literal_column(str(_INLINE)).label("rank"),
        sa.literal_column(f"'{kind.name}'", sa.String).label("source"),
        owner.label("owner"),
        kind.inline.c.name.label("name"),
        sa.null().label("policy_account"),
        sa.null().label("policy_path"),
        kind.inline.c.document.label("document"),
    ]


# The statements are built once, with bound parameters: building and hashing a
# union of five joins costs more than running it.
_PRINCIPAL = sa.bindparam("principal_id", type_=sa.String)
_ACCOUNT = sa.bindparam("account_id", type_=sa.String)
_ACCESS_KEY = sa.bindparam("access_key_id", type_=sa.String)


def _own_policies(kind: PrincipalKind) -> list[sa.Select[Any]]:
    """The principal's row (rank 0, with its boundary's document if any), its inline
    and its attached policies."""
    principal_id, account_id = _PRINCIPAL, _ACCOUNT
    table = kind.table
    boundary = (
        sa.select(
            sa.literal_column(str(_SELF)).label("rank"),
            sa.literal_column(f"'{kind.name}'", sa.String).label("source"),
            table.c.name.label("owner"),
            policies.c.name.label("name"),
            policies.c.account_id.label("policy_account"),
            policies.c.path.label("policy_path"),
            policy_versions.c.document.label("document"),
        )
        .select_from(
            table.outerjoin(_default_version(), policies.c.id == table.c.permissions_boundary_id)
        )
        .where(table.c.id == principal_id, table.c.account_id == account_id)
    )
    inline = (
        sa.select(*_inline_columns(kind, table.c.name))
        .select_from(table.join(kind.inline, kind.inline_fk == table.c.id))
        .where(table.c.id == principal_id)
    )
    attached = (
        sa.select(*_managed_columns(_MANAGED, kind.name, table.c.name))
        .select_from(
            table.join(kind.attachments, kind.fk == table.c.id).join(
                _default_version(), policies.c.id == kind.attachments.c.policy_id
            )
        )
        .where(table.c.id == principal_id)
    )
    return [boundary, inline, attached]


def _group_policies() -> list[sa.Select[Any]]:
    user_id = _PRINCIPAL
    members = groups.join(group_members, group_members.c.group_id == groups.c.id)
    inline = (
        sa.select(*_inline_columns(GROUP, groups.c.name))
        .select_from(members.join(GROUP.inline, GROUP.inline_fk == groups.c.id))
        .where(group_members.c.user_id == user_id)
    )
    attached = (
        sa.select(*_managed_columns(_MANAGED, "group", groups.c.name))
        .select_from(
            members.join(GROUP.attachments, GROUP.fk == groups.c.id).join(
                _default_version(), policies.c.id == GROUP.attachments.c.policy_id
            )
        )
        .where(group_members.c.user_id == user_id)
    )
    return [inline, attached]


def _principal_query(kind: PrincipalKind) -> Any:
    parts = _own_policies(kind)
    if kind is USER:
        parts += _group_policies()
    return sa.union_all(*parts)


_PRINCIPAL_QUERIES = {USER.name: _principal_query(USER), ROLE.name: _principal_query(ROLE)}
_VERSION_QUERY = sa.select(accounts.c.version).where(accounts.c.id == _ACCOUNT)
_KEY_QUERY = (
    sa.select(
        access_keys.c.account_id,
        access_keys.c.status,
        access_keys.c.secret,
        access_keys.c.user_id,
        users.c.name,
        users.c.path,
        accounts.c.version.label("account_version"),
    )
    .select_from(
        access_keys.join(accounts, accounts.c.id == access_keys.c.account_id).outerjoin(
            users, users.c.id == access_keys.c.user_id
        )
    )
    .where(access_keys.c.id == _ACCESS_KEY)
)
_SESSION_KEY_QUERY = (
    sa.select(
        sessions,
        users.c.name.label("user_name"),
        users.c.path.label("user_path"),
        accounts.c.version.label("account_version"),
    )
    .select_from(
        sessions.join(accounts, accounts.c.id == sessions.c.account_id).outerjoin(
            users, users.c.id == sessions.c.user_id
        )
    )
    .where(sessions.c.access_key_id == _ACCESS_KEY)
)


def _policy_order(row: Any) -> tuple[Any, ...]:
    """The principal's row, its inline then attached policies, then per group (by
    name) the group's inline then attached policies."""
    if row.rank == _SELF:
        return (0,)
    group = row.source == "group"
    return (1, group, row.owner.lower() if group else "", row.rank, row.name)


class AuthzMixin(StoreBase):
    def key_record(self, access_key_id: str) -> KeyRecord | None:
        """The key, its owner and its decrypted secret; None for an unknown key id.

        Inactive keys and expired sessions are returned too: the caller decides
        (and answers with AWS's error for each case)."""
        found = self.versioned_key_record(access_key_id)
        return None if found is None else found[0]

    def versioned_key_record(self, access_key_id: str) -> tuple[KeyRecord, int] | None:
        """:meth:`key_record` and its account's version, read in one statement.

        A cache may keep the record while the account's version is unchanged:
        every write that deletes, deactivates or re-owns a key bumps it."""
        if access_key_id.startswith(SESSION_KEY_PREFIX):
            return self._session_key(access_key_id)
        with self._read_once() as conn:
            row = conn.execute(_KEY_QUERY, {"access_key_id": access_key_id}).first()
        if row is None:
            return None
        secret = self._box.open(row.secret, access_key_id)
        version = int(row.account_version)
        if row.user_id is None:
            root = KeyRecord(
                access_key_id,
                row.account_id,
                "root",
                row.status,
                f"arn:aws:iam::{row.account_id}:root",
                row.account_id,
                None,
                None,
                None,
                secret,
            )
            return root, version
        user = KeyRecord(
            access_key_id,
            row.account_id,
            "user",
            row.status,
            iam_arn(row.account_id, "user", row.path, row.name),
            row.user_id,
            row.user_id,
            row.name,
            row.path,
            secret,
        )
        return user, version

    def _session_key(self, access_key_id: str) -> tuple[KeyRecord, int] | None:
        with self._read_once() as conn:
            row = conn.execute(_SESSION_KEY_QUERY, {"access_key_id": access_key_id}).first()
        if row is None:
            return None
        session = session_record(row._mapping)
        record = KeyRecord(
            access_key_id,
            session.account_id,
            "session",
            "Active",
            session.principal_arn,
            session.principal_id,
            session.user_id,
            row.user_name,
            row.user_path,
            self._box.open(row.secret, access_key_id),
            session,
        )
        return record, int(row.account_version)

    def principal_policies(self, account_id: str, principal_id: str) -> PrincipalPolicies:
        """The identity policies, boundary and tags of a user (``AIDA…``, with its
        groups' policies) or a role (``AROA…``). Raises NoSuchEntity."""
        if principal_id.startswith(USER_PREFIX):
            kind = USER
        elif principal_id.startswith(ROLE_PREFIX):
            kind = ROLE
        else:
            raise InvalidInput(f"{principal_id} is neither a user id nor a role id.")
        values = {"account_id": account_id, "principal_id": principal_id}
        with self._read() as conn:
            version = conn.execute(_VERSION_QUERY, values).scalar()
            rows = sorted(
                conn.execute(_PRINCIPAL_QUERIES[kind.name], values).all(), key=_policy_order
            )
            if version is None or not rows or rows[0].rank != _SELF:
                raise NoSuchEntity(f"The {kind.name} with id {principal_id} cannot be found.")
            principal_tags = load_tags(conn, principal_id)
        boundary = None
        identity: list[PolicyText] = []
        for row in rows:
            if row.rank == _SELF:
                if row.name is not None:
                    boundary = PolicyText(
                        iam_arn(row.policy_account, "policy", row.policy_path, row.name),
                        row.document,
                    )
            elif row.rank == _INLINE:
                identity.append(PolicyText(f"{row.source}/{row.owner}/{row.name}", row.document))
            else:
                arn = iam_arn(row.policy_account, "policy", row.policy_path, row.name)
                identity.append(PolicyText(arn, row.document))
        return PrincipalPolicies(int(version), tuple(identity), boundary, principal_tags)

    def managed_policy_documents(
        self, account_id: str, policy_arns: Iterable[str]
    ) -> tuple[PolicyText, ...]:
        """Default-version documents of managed policies (session ``PolicyArns``), in
        the order given. Raises NoSuchEntity for an unknown or foreign ARN."""
        wanted = list(policy_arns)
        keys: dict[tuple[str, str], str] = {}
        for arn in wanted:
            found = split_policy_arn(arn)
            if found is None or found[0] not in (account_id, AWS_ACCOUNT):
                raise NoSuchEntity(f"Policy {arn} was not found.")
            keys[(found[0], found[2].lower())] = arn
        if not keys:
            return ()
        with self._read() as conn:
            rows = conn.execute(
                sa.select(
                    policies.c.account_id,
                    policies.c.name_lower,
                    policies.c.path,
                    policies.c.name,
                    policy_versions.c.document,
                )
                .select_from(_default_version())
                .where(sa.tuple_(policies.c.account_id, policies.c.name_lower).in_(list(keys)))
            ).all()
        documents = {iam_arn(r.account_id, "policy", r.path, r.name): r.document for r in rows}
        missing = [arn for arn in wanted if arn not in documents]
        if missing:
            raise NoSuchEntity(f"Policy {missing[0]} was not found.")
        return tuple(PolicyText(arn, documents[arn]) for arn in wanted)
