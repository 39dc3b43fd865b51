"""Login profiles: Argon2id hashes, reset flag, password checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from clearance.clock import FixedClock
from clearance.store import EntityAlreadyExists, NoSuchEntity, Store, default_hasher
from clearance.store.schema import login_profiles
from tests.store.conftest import START


def test_lifecycle(store: Store, account: str) -> None:
    store.create_user(account, "Alice")
    profile = store.create_login_profile(
        account, "alice", "Tr0ub4dor&3", password_reset_required=True
    )
    assert (profile.user_name, profile.created, profile.password_reset_required) == (
        "Alice",
        START,
        True,
    )
    assert store.get_login_profile(account, "ALICE") == profile
    with pytest.raises(
        EntityAlreadyExists, match=r"^Login Profile for user Alice already exists.$"
    ):
        store.create_login_profile(account, "alice", "x")
    assert store.check_password(account, "alice", "Tr0ub4dor&3")
    assert not store.check_password(account, "alice", "tr0ub4dor&3")
    store.update_login_profile(
        account, "alice", password="correct horse", password_reset_required=False
    )
    assert not store.check_password(account, "alice", "Tr0ub4dor&3")
    assert store.check_password(account, "alice", "correct horse")
    assert not store.get_login_profile(account, "alice").password_reset_required
    store.update_login_profile(account, "alice", password_reset_required=True)
    assert store.get_login_profile(account, "alice").password_reset_required
    store.update_login_profile(account, "alice")  # nothing to change
    store.delete_login_profile(account, "alice")
    missing = "^Login Profile for User Alice cannot be found.$"
    for call in (store.get_login_profile, store.delete_login_profile):
        with pytest.raises(NoSuchEntity, match=missing):
            call(account, "alice")
    with pytest.raises(NoSuchEntity, match=missing):
        store.update_login_profile(account, "alice", password="x")
    with pytest.raises(NoSuchEntity, match=missing):
        store.update_login_profile(account, "alice")
    assert not store.check_password(account, "alice", "correct horse")


def test_password_is_hashed_with_argon2id(store: Store, account: str) -> None:
    user = store.create_user(account, "alice")
    store.create_login_profile(account, "alice", "hunter2-hunter2")
    with store.engine.connect() as conn:
        stored = conn.execute(
            sa.select(login_profiles.c.password_hash).where(login_profiles.c.user_id == user.id)
        ).scalar_one()
    assert stored.startswith("$argon2id$") and "hunter2" not in stored


def test_rehash_on_parameter_change(store: Store, account: str) -> None:
    user = store.create_user(account, "alice")
    store.create_login_profile(account, "alice", "pw-pw-pw-pw")
    store._hasher = default_hasher()  # stronger parameters than the test hasher
    assert store.check_password(account, "alice", "pw-pw-pw-pw")
    with store.engine.connect() as conn:
        stored = conn.execute(
            sa.select(login_profiles.c.password_hash).where(login_profiles.c.user_id == user.id)
        ).scalar_one()
    assert not default_hasher().needs_rehash(stored)
    assert store.check_password(account, "alice", "pw-pw-pw-pw")


def test_record_password_use(store: Store, account: str, clock: FixedClock) -> None:
    store.create_user(account, "alice")
    clock.advance(days=1)
    store.record_password_use(account, "alice")
    assert store.get_user(account, "alice").password_last_used == START + timedelta(days=1)
