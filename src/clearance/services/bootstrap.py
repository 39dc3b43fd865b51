"""Opening the store for a server and creating the first account."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from clearance.clock import Clock
from clearance.store import Store, load_or_create_master_key, open_store

__all__ = ["NewAccount", "create_account", "ensure_account", "open_server_store"]

CREDENTIALS_FILE = "root-credentials"


@dataclass(frozen=True, slots=True)
class NewAccount:
    account_id: str
    access_key_id: str
    secret_access_key: str

    def lines(self) -> str:
        """Ready-to-paste configuration for the AWS CLI and SDKs."""
        return (
            f"export AWS_ACCESS_KEY_ID={self.access_key_id}\n"
            f"export AWS_SECRET_ACCESS_KEY={self.secret_access_key}\n"
            "export AWS_DEFAULT_REGION=us-east-1\n"
            f"# or: aws configure set aws_access_key_id {self.access_key_id}\n"
            f"#     aws configure set aws_secret_access_key {self.secret_access_key}\n"
        )


def open_server_store(
    data_dir: Path, database_url: str, master_key: str | None, clock: Clock
) -> Store:
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = load_or_create_master_key(data_dir, master_key)
    return open_store(database_url, key, clock)


def create_account(
    store: Store, account_id: str, access_key_id: str | None = None, secret: str | None = None
) -> NewAccount:
    _, key = store.create_account(
        account_id, root_access_key_id=access_key_id, root_secret_access_key=secret
    )
    return NewAccount(account_id, key.id, key.secret_access_key)


def ensure_account(
    store: Store,
    data_dir: Path,
    account_id: str,
    access_key_id: str | None,
    secret: str | None,
) -> NewAccount | None:
    """Create the bootstrap account on first start; None when it exists.

    Generated root credentials are written to a 0600 file in the data
    directory, so they can be found again; given ones are not written anywhere.
    """
    if any(account.id == account_id for account in store.list_accounts()):
        return None
    account = create_account(store, account_id, access_key_id, secret)
    if access_key_id is None:
        path = data_dir / CREDENTIALS_FILE
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(account.lines())
    return account
