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

import logging
import re
from collections.abc import Iterable
from dataclasses import asdict
from threading import Lock
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
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

log = logging.getLogger("clearance.store")

_ACCOUNT_ID = re.compile(r"\d{12}")


class _VersionReader:
    """``SELECT id, version FROM accounts WHERE id IN (...)`` on raw DBAPI connections.

    The connections come from the engine (so they get its connect-time settings:
    SQLite's pragmas) and are then detached from its pool: a few idle ones are
    kept here, each in autocommit mode, where the driver keeps the statement
    prepared (sqlite3's statement cache; psycopg prepares after a few runs).
    Any error discards the connection and propagates; ``close`` closes them all.
    """

    MAX_IDLE = 8

    def __init__(self, engine: Engine, *, postgres: bool) -> None:
        self._engine = engine
        self._postgres = postgres
        self._mark = "%s" if postgres else "?"
        self._sql: dict[int, str] = {}
        self._idle: list[Any] = []
        self._lock = Lock()
        self._closed = False

    def read(self, account_ids: list[str]) -> dict[str, int]:
        sql = self._sql.get(len(account_ids))
        if sql is None:
            marks = ", ".join([self._mark] * len(account_ids))
            sql = f"SELECT id, version FROM accounts WHERE id IN ({marks})"
            self._sql[len(account_ids)] = sql
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._connect()
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(sql, account_ids)
                rows = cursor.fetchall()
            finally:
                cursor.close()
        except BaseException:
            _close_quietly(conn)
            raise
        with self._lock:
            if not self._closed and len(self._idle) < self.MAX_IDLE:
                self._idle.append(conn)
                conn = None
        if conn is not None:
            _close_quietly(conn)
        return {row[0]: int(row[1]) for row in rows}

    def _connect(self) -> Any:
        proxied = self._engine.raw_connection()
        try:
            proxied.detach()
            conn: Any = proxied.dbapi_connection
            if self._postgres:
                conn.rollback()
                conn.autocommit = True
            return conn
        except BaseException:
            proxied.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            _close_quietly(conn)


def _close_quietly(conn: Any) -> None:
    try:
        conn.close()
    except Exception:
        log.debug("closing a raw connection failed", exc_info=True)


def _account(row: Any) -> Account:
    return Account(row.id, row.created_at, row.alias, row.version)


class AccountsMixin(AccessKeysMixin):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._version_reader = _VersionReader(self._engine, postgres=self._postgres)

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
        """Every customer account (not the pseudo-accounts ``aws`` and ``org``), by id."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(accounts)
                .where(accounts.c.id.not_in((AWS_ACCOUNT, "org")))
                .order_by(accounts.c.id)
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
        """Several versions in one read (e.g. the caller's account and ``aws``).

        Every request makes this read, so it skips SQLAlchemy: one prepared
        statement on a raw DBAPI connection kept for it (see :class:`_VersionReader`),
        falling back to the ordinary path if that connection fails."""
        wanted = list(account_ids)
        if not wanted:
            return {}
        try:
            return self._version_reader.read(wanted)
        except Exception:
            log.debug("fast version read failed; using the pooled path", exc_info=True)
        with self._read_once() as conn:
            rows = conn.execute(
                sa.select(accounts.c.id, accounts.c.version).where(accounts.c.id.in_(wanted))
            )
            return {row.id: int(row.version) for row in rows}

    def close(self) -> None:
        self._version_reader.close()
        super().close()

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
