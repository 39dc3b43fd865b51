"""The store's machinery shared by every entity family: transactions, quotas, time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from clearance.clock import Clock
from clearance.store.crypto import AUTHORIZATION_MESSAGES, SecretBox, TokenSealer
from clearance.store.database import SINGLE_READ_OPTION, WRITE_OPTION, translate_errors
from clearance.store.errors import NoSuchEntity, quota_exceeded
from clearance.store.ids import IdGenerator
from clearance.store.passwords import PasswordHasher
from clearance.store.schema import accounts

__all__ = [
    "NOTIFY_CHANNEL",
    "Quotas",
    "StoreBase",
    "Tx",
    "check_account_quota",
    "path_starts_with",
]

NOTIFY_CHANNEL = "clearance_account_version"


@dataclass(frozen=True, slots=True)
class Quotas:
    """IAM's default quotas (reference_iam-quotas); a per-account quota of None is no limit."""

    access_keys_per_user: int = 2
    groups_per_user: int = 10
    policies_per_user: int = 10
    policies_per_group: int = 10
    policies_per_role: int = 10
    versions_per_policy: int = 5
    tags_per_resource: int = 50
    users_per_account: int | None = 5000
    groups_per_account: int | None = 300
    roles_per_account: int | None = 1000
    policies_per_account: int | None = 1500
    instance_profiles_per_account: int | None = 1000
    oidc_providers_per_account: int | None = 100
    saml_providers_per_account: int | None = 100


@dataclass(frozen=True, slots=True)
class Tx:
    """An open write transaction: its connection and the one time it writes."""

    conn: Connection
    now: datetime
    account_id: str | None


class StoreBase:
    """Holds the engine and the injected clock, ids, master key and hasher."""

    def __init__(
        self,
        engine: Engine,
        master_key: bytes,
        clock: Clock,
        ids: IdGenerator,
        password_hasher: PasswordHasher,
        quotas: Quotas,
    ) -> None:
        self._engine = engine
        self._box = SecretBox(master_key)
        self._authorization_messages = TokenSealer(master_key, AUTHORIZATION_MESSAGES)
        self._clock = clock
        self._ids = ids
        self._hasher = password_hasher
        self._quotas = quotas
        self._postgres = engine.dialect.name == "postgresql"

    def __repr__(self) -> str:
        return f"Store({self._engine.url.render_as_string(hide_password=True)!r})"

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def quotas(self) -> Quotas:
        return self._quotas

    @property
    def authorization_messages(self) -> TokenSealer:
        """Seals and opens encoded authorization messages (a key derived from
        the master key); services never handle the key."""
        return self._authorization_messages

    def close(self) -> None:
        """Close the pooled connections."""
        self._engine.dispose()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A read transaction: one consistent snapshot on SQLite."""
        with translate_errors(), self._engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _read_once(self) -> Iterator[Connection]:
        """For a single SELECT (the per-request reads): no BEGIN/COMMIT round trips."""
        with translate_errors(), self._engine.connect() as conn:
            if self._postgres:
                conn.execution_options(isolation_level="AUTOCOMMIT")
            else:
                conn.execution_options(**{SINGLE_READ_OPTION: True})
            yield conn

    @contextmanager
    def _write(self, account_id: str | None, *, bump: bool = True) -> Iterator[Tx]:
        """A write transaction, committed (durably) when the block ends.

        With ``bump``, the account's row is locked and its version incremented
        first: writes of one account are serialized, so quotas counted inside
        the block hold, and caches keyed by the version see the change.
        """
        with translate_errors(), self._engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                if bump:
                    assert account_id is not None
                    self._bump(conn, account_id)
                yield Tx(conn, self._clock.now(), account_id)

    def _bump(self, conn: Connection, account_id: str) -> int:
        version = conn.execute(
            sa.update(accounts)
            .where(accounts.c.id == account_id)
            .values(version=accounts.c.version + 1)
            .returning(accounts.c.version)
        ).scalar()
        if version is None:
            raise NoSuchEntity(f"The account with id {account_id} cannot be found.")
        if self._postgres:
            # Delivered at commit to every LISTENer (see Store.account_version).
            conn.execute(sa.select(sa.func.pg_notify(NOTIFY_CHANNEL, f"{account_id}:{version}")))
        return int(version)


def path_starts_with(column: sa.ColumnElement[str], prefix: str | None) -> sa.ColumnElement[bool]:
    """A case-sensitive prefix test that needs no LIKE escaping."""
    if not prefix or prefix == "/":
        return sa.true()
    return sa.func.substr(column, 1, len(prefix)) == prefix


def check_account_quota(
    conn: Connection, table: sa.Table, account_id: str, quota: str, limit: int | None
) -> None:
    """Raise LimitExceeded if the account already holds ``limit`` rows of ``table``.

    Called inside a write transaction that holds the account's lock."""
    if limit is None or account_id == "aws":
        return
    count = conn.execute(
        sa.select(sa.func.count()).select_from(table).where(table.c.account_id == account_id)
    ).scalar_one()
    if count >= limit:
        raise quota_exceeded(quota, limit)
