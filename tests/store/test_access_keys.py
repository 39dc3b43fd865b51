"""Access keys: quota, status, root keys, last use, secrets encrypted at rest."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from clearance.clock import FixedClock
from clearance.store import (
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
    ServiceFailure,
    Store,
    open_store,
    seeded_ids,
)
from clearance.store.errors import InvalidInput
from clearance.store.schema import access_keys
from tests.store.conftest import START


def test_create_list_update_delete(store: Store, account: str) -> None:
    store.create_user(account, "Alice")
    first = store.create_access_key(account, "alice")
    second = store.create_access_key(account, "ALICE")
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", first.id) and first.id != second.id
    assert (first.user_name, first.status, first.created) == ("Alice", "Active", START)
    assert first.secret_access_key != second.secret_access_key
    with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for AccessKeysPerUser: 2$"):
        store.create_access_key(account, "alice")
    listed = store.list_access_keys(account, "alice").items
    assert sorted(k.id for k in listed) == sorted([first.id, second.id])
    assert all(not hasattr(k, "secret_access_key") for k in listed)
    store.update_access_key(account, "alice", first.id, "Inactive")
    assert {k.id: k.status for k in store.list_access_keys(account, "alice").items}[first.id] == (
        "Inactive"
    )
    record = store.key_record(first.id)
    assert record is not None and record.status == "Inactive"  # returned: the caller rejects it
    with pytest.raises(InvalidInput):
        store.update_access_key(account, "alice", first.id, "Disabled")  # type: ignore[arg-type]
    store.delete_access_key(account, "alice", first.id)
    assert store.key_record(first.id) is None
    store.create_access_key(account, "alice")  # room again


def test_keys_belong_to_their_owner(store: Store, account: str) -> None:
    store.create_user(account, "alice")
    store.create_user(account, "bob")
    key = store.create_access_key(account, "alice")
    message = f"^The Access Key with id {key.id} cannot be found.$"
    with pytest.raises(NoSuchEntity, match=message):
        store.delete_access_key(account, "bob", key.id)
    with pytest.raises(NoSuchEntity, match=message):
        store.update_access_key(account, None, key.id, "Inactive")
    with pytest.raises(NoSuchEntity, match=r"The user with name carol cannot be found."):
        store.create_access_key(account, "carol")


def test_root_keys(store: Store, account: str) -> None:
    (root,) = store.list_access_keys(account, None).items
    assert root.user_name is None
    second = store.create_access_key(account, None)
    with pytest.raises(LimitExceeded, match=r"AccessKeysPerUser: 2"):
        store.create_access_key(account, None)
    store.update_access_key(account, None, second.id, "Inactive")
    store.delete_access_key(account, None, second.id)
    assert [k.id for k in store.list_access_keys(account, None).items] == [root.id]


def test_import_access_key(store: Store, account: str) -> None:
    store.create_user(account, "alice")
    key = store.import_access_key(account, "alice", "AKIAIMPORTED00000001", "secret/value+1")
    record = store.key_record(key.id)
    assert record is not None and record.secret_access_key == "secret/value+1"
    with pytest.raises(EntityAlreadyExists):
        store.import_access_key(account, None, "AKIAIMPORTED00000001", "x")
    for bad_id, secret in [("ASIA" + "A" * 16, "x"), ("AKIA-bad-characters!", "x"), ("A" * 16, "")]:
        with pytest.raises(InvalidInput):
            store.import_access_key(account, "alice", bad_id, secret)


def test_last_used(store: Store, account: str, clock: FixedClock) -> None:
    store.create_user(account, "alice")
    key = store.create_access_key(account, "alice")
    never = store.get_access_key_last_used(account, key.id)
    assert (never.user_name, never.last_used, never.service_name, never.region) == (
        "alice",
        None,
        None,
        None,
    )
    clock.advance(hours=2)
    store.record_access_key_use(key.id, "iam", "us-east-1")
    used = store.get_access_key_last_used(account, key.id)
    assert (used.last_used, used.service_name, used.region) == (
        START + timedelta(hours=2),
        "iam",
        "us-east-1",
    )
    with pytest.raises(NoSuchEntity):
        store.get_access_key_last_used("210987654321", key.id)


def test_secrets_are_encrypted_at_rest(store: Store, account: str) -> None:
    store.create_user(account, "alice")
    key = store.create_access_key(account, "alice")
    assert key.secret_access_key not in repr(key)
    with store.engine.connect() as conn:
        raw = conn.execute(sa.select(access_keys).where(access_keys.c.id == key.id)).one()
    as_text = repr(tuple(raw))
    stored = bytes(raw.secret)
    assert key.secret_access_key.encode() not in stored
    assert key.secret_access_key not in as_text
    assert len(stored) == 1 + 12 + 40 + 16  # version, nonce, ciphertext, GCM tag
    record = store.key_record(key.id)
    assert record is not None and key.secret_access_key not in repr(record)


def test_wrong_master_key_fails_loudly(store: Store, account: str, database_url: str) -> None:
    store.create_user(account, "alice")
    key = store.create_access_key(account, "alice")
    other = open_store(database_url, bytes(32), FixedClock(START), seeded_ids(1))
    try:
        with pytest.raises(ServiceFailure, match=r"cannot be decrypted") as raised:
            other.key_record(key.id)
        assert key.secret_access_key not in str(raised.value)
    finally:
        other.close()


def test_ciphertext_is_bound_to_its_row(store: Store, account: str) -> None:
    store.create_user(account, "alice")
    one = store.create_access_key(account, "alice")
    two = store.create_access_key(account, "alice")
    with store.engine.begin() as conn:
        secret = conn.execute(
            sa.select(access_keys.c.secret).where(access_keys.c.id == one.id)
        ).scalar_one()
        conn.execute(sa.update(access_keys).where(access_keys.c.id == two.id).values(secret=secret))
    with pytest.raises(ServiceFailure):
        store.key_record(two.id)


def test_another_account_cannot_see_keys(store: Store, account: str) -> None:
    store.create_account("210987654321")
    (root,) = store.list_access_keys(account, None).items
    with pytest.raises(NoSuchEntity):
        store.delete_access_key("210987654321", None, root.id)
