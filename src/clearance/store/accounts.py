"""Accounts: creation with root credentials, version counters, alias, password policy,
summary counts.

``account_version(account_id)`` is one primary-key read: servers compare it
with the version their cached policy sets were built at. On PostgreSQL every
bump is also announced with ``NOTIFY clearance_account_version,
'<account>:<version>'`` (delivered at commit), for servers that LISTEN instead
of polling. AWS managed policies live in the pseudo-account ``aws``: a cache
of a principal's policies is current while both its account's version and
``aws``'s are unchanged (:meth:`account_versions` reads both at once).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from clearance.store.access_keys import AccessKeysMixin, check_importable
from clearance.store.errors import EntityAlreadyExists, InvalidInput, NoSuchEntity
from clearance.store.lookup import AWS_ACCOUNT
from clearance.store.records import Account, NewAccessKey, PasswordPolicy
from clearance.store.schema import (
    access_keys,
    accounts,
    groups,
    instance_profiles,
    oidc_providers,
    password_policies,
    policies,
    policy_versions,
    roles,
    saml_providers,
    users,
)

__all__ = ["AccountsMixin"]

_ACCOUNT_ID = re.compile(r"\d{12}")


def _account(row: Any) -> Account:
    return Account(row.id, row.created_at, row.alias, row.version)


class AccountsMixin(AccessKeysMixin):
    def create_account(
        self,
        account_id: str,
        *,
        root_access_key_id: str | None = None,
        root_secret_access_key: str | None = None,
    ) -> tuple[Account, NewAccessKey]:
        """A new account and its root user's access key (given, or generated), atomically.

        Raises EntityAlreadyExists when the account exists."""
        if not _ACCOUNT_ID.fullmatch(account_id):
            raise InvalidInput(f"An account id is 12 digits, not {account_id!r}.")
        if (root_access_key_id is None) != (root_secret_access_key is None):
            raise InvalidInput("Give both the root access key id and its secret, or neither.")
        if root_access_key_id is not None and root_secret_access_key is not None:
            check_importable(root_access_key_id, root_secret_access_key)
        exists = EntityAlreadyExists(f"Account {account_id} already exists.")
        with self._write(None, bump=False) as tx:
            conn = tx.conn
            if conn.execute(sa.select(accounts.c.id).where(accounts.c.id == account_id)).first():
                raise exists
            try:
                conn.execute(
                    sa.insert(accounts).values(id=account_id, version=1, created_at=tx.now)
                )
            except IntegrityError:
                raise exists from None
            key = self._add_key(
                tx, account_id, None, None, root_access_key_id, root_secret_access_key
            )
            return Account(account_id, tx.now, None, 1), key

    def get_account(self, account_id: str) -> Account:
        with self._read() as conn:
            row = conn.execute(sa.select(accounts).where(accounts.c.id == account_id)).first()
            if row is None:
                raise NoSuchEntity(f"The account with id {account_id} cannot be found.")
            return _account(row)

    def list_accounts(self) -> tuple[Account, ...]:
        """Every customer account (not ``aws``), by id."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(accounts).where(accounts.c.id != AWS_ACCOUNT).order_by(accounts.c.id)
            )
            return tuple(_account(row) for row in rows)

    def account_version(self, account_id: str) -> int:
        """The account's change counter: bumped by every authorization-relevant write."""
        with self._read_once() as conn:
            version = conn.execute(
                sa.select(accounts.c.version).where(accounts.c.id == account_id)
            ).scalar()
            if version is None:
                raise NoSuchEntity(f"The account with id {account_id} cannot be found.")
            return int(version)

    def account_versions(self, account_ids: Iterable[str]) -> dict[str, int]:
        """Several versions in one read (e.g. the caller's account and ``aws``)."""
        with self._read_once() as conn:
            rows = conn.execute(
                sa.select(accounts.c.id, accounts.c.version).where(
                    accounts.c.id.in_(list(account_ids))
                )
            )
            return {row.id: int(row.version) for row in rows}

    # Alias (one per account, unique across accounts)
    def create_account_alias(self, account_id: str, alias: str) -> None:
        """CreateAccountAlias: sets the account's only alias (replacing another one).

        Raises EntityAlreadyExists when another account uses it."""
        taken = EntityAlreadyExists(f"The account alias {alias} already exists.")
        with self._write(account_id) as tx:
            owner = tx.conn.execute(
                sa.select(accounts.c.id).where(accounts.c.alias == alias)
            ).scalar()
            if owner == account_id:
                return
            if owner is not None:
                raise taken
            try:
                tx.conn.execute(
                    sa.update(accounts).where(accounts.c.id == account_id).values(alias=alias)
                )
            except IntegrityError:
                raise taken from None

    def delete_account_alias(self, account_id: str, alias: str) -> None:
        with self._write(account_id) as tx:
            removed = tx.conn.execute(
                sa.update(accounts)
                .where(accounts.c.id == account_id, accounts.c.alias == alias)
                .values(alias=None)
            ).rowcount
            if not removed:
                raise NoSuchEntity(f"The account alias {alias} cannot be found.")

    def list_account_aliases(self, account_id: str) -> tuple[str, ...]:
        alias = self.get_account(account_id).alias
        return () if alias is None else (alias,)

    def find_account_by_alias(self, alias: str) -> str | None:
        """The id of the account with this alias (console sign-in URLs)."""
        with self._read() as conn:
            return conn.execute(sa.select(accounts.c.id).where(accounts.c.alias == alias)).scalar()

    # Password policy
    def get_account_password_policy(self, account_id: str) -> PasswordPolicy:
        with self._read() as conn:
            row = conn.execute(
                sa.select(password_policies).where(password_policies.c.account_id == account_id)
            ).first()
            if row is None:
                raise NoSuchEntity(
                    f"The Password Policy with domain name {account_id} cannot be found."
                )
            values = dict(row._mapping)
            del values["account_id"]
            return PasswordPolicy(**values)

    def update_account_password_policy(self, account_id: str, policy: PasswordPolicy) -> None:
        """UpdateAccountPasswordPolicy: replaces the whole policy."""
        with self._write(account_id) as tx:
            values = asdict(policy)
            changed = tx.conn.execute(
                sa.update(password_policies)
                .where(password_policies.c.account_id == account_id)
                .values(**values)
            ).rowcount
            if not changed:
                tx.conn.execute(
                    sa.insert(password_policies).values(account_id=account_id, **values)
                )

    def delete_account_password_policy(self, account_id: str) -> None:
        with self._write(account_id) as tx:
            removed = tx.conn.execute(
                sa.delete(password_policies).where(password_policies.c.account_id == account_id)
            ).rowcount
            if not removed:
                raise NoSuchEntity(
                    f"The Password Policy with domain name {account_id} cannot be found."
                )

    def get_account_summary(self, account_id: str) -> dict[str, int]:
        """GetAccountSummary's usage counts (the IAM layer adds the quota entries)."""

        def count(table: sa.Table, *conditions: sa.ColumnElement[bool]) -> sa.ScalarSelect[Any]:
            query = sa.select(sa.func.count()).select_from(table)
            return query.where(table.c.account_id == account_id, *conditions).scalar_subquery()

        versions_in_use = (
            sa.select(sa.func.count())
            .select_from(
                policy_versions.join(policies, policies.c.id == policy_versions.c.policy_id)
            )
            .where(policies.c.account_id == account_id)
            .scalar_subquery()
        )
        with self._read() as conn:
            if (
                conn.execute(sa.select(accounts.c.id).where(accounts.c.id == account_id)).first()
                is None
            ):
                raise NoSuchEntity(f"The account with id {account_id} cannot be found.")
            row = conn.execute(
                sa.select(
                    count(users).label("Users"),
                    count(groups).label("Groups"),
                    count(roles).label("Roles"),
                    count(policies).label("Policies"),
                    count(instance_profiles).label("InstanceProfiles"),
                    (count(oidc_providers) + count(saml_providers)).label("Providers"),
                    count(access_keys, access_keys.c.user_id.is_(None)).label("RootKeys"),
                    versions_in_use.label("PolicyVersionsInUse"),
                )
            ).one()
            summary = {key: int(value) for key, value in row._mapping.items()}
            summary["AccountAccessKeysPresent"] = 1 if summary.pop("RootKeys") else 0
            return summary
