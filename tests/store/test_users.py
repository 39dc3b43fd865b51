"""Users: case-insensitive names, paths, rename, DeleteConflict, boundaries, quotas."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from clearance.clock import FixedClock
from clearance.store import (
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
    Quotas,
    Store,
)
from clearance.store.schema import tags
from tests.store.conftest import ACCOUNT, DOC, OTHER_ACCOUNT, START, make_store


def test_create_and_get(store: Store, account: str) -> None:
    user = store.create_user(account, "Alice", path="/eng/")
    assert re.fullmatch(r"AIDA[A-Z2-7]{17}", user.id)
    assert (user.name, user.path, user.created) == ("Alice", "/eng/", START)
    assert user.arn == f"arn:aws:iam::{account}:user/eng/Alice"
    assert user.permissions_boundary_arn is None and user.password_last_used is None
    assert store.get_user(account, "alice") == user
    assert store.get_user(account, "ALICE") == user
    assert store.get_user_by_id(account, user.id) == user


def test_names_are_unique_case_insensitively_per_account(store: Store, account: str) -> None:
    store.create_account(OTHER_ACCOUNT)
    store.create_user(account, "alice")
    with pytest.raises(EntityAlreadyExists, match=r"^User with name ALICE already exists.$"):
        store.create_user(account, "ALICE")
    assert store.create_user(OTHER_ACCOUNT, "alice").account_id == OTHER_ACCOUNT


def test_missing_user(store: Store, account: str) -> None:
    with pytest.raises(NoSuchEntity, match=r"^The user with name bob cannot be found.$"):
        store.get_user(account, "bob")
    with pytest.raises(NoSuchEntity):
        store.get_user_by_id(account, "AIDAAAAAAAAAAAAAAAAAA")
    user = store.create_user(account, "bob")
    with pytest.raises(NoSuchEntity):
        store.get_user_by_id(OTHER_ACCOUNT, user.id)


def test_list_users_by_name_and_path(store: Store, account: str) -> None:
    for name, path in [("carol", "/ops/"), ("Bob", "/eng/"), ("alice", "/eng/team/"), ("dan", "/")]:
        store.create_user(account, name, path=path)
    assert [u.name for u in store.list_users(account).items] == ["alice", "Bob", "carol", "dan"]
    assert [u.name for u in store.list_users(account, path_prefix="/eng/").items] == [
        "alice",
        "Bob",
    ]
    assert [u.name for u in store.list_users(account, path_prefix="/eng/team/").items] == ["alice"]
    assert store.list_users(account, path_prefix="/ENG/").items == ()  # case-sensitive
    assert store.list_users(account, path_prefix="/e%").items == ()  # no LIKE wildcards


def test_update_user(store: Store, account: str) -> None:
    user = store.create_user(account, "alice")
    store.create_user(account, "bob")
    renamed = store.update_user(account, "alice", new_name="Alice2", new_path="/x/")
    assert (renamed.id, renamed.name, renamed.path) == (user.id, "Alice2", "/x/")
    assert store.update_user(account, "alice2", new_name="ALICE2").name == "ALICE2"
    with pytest.raises(EntityAlreadyExists, match=r"User with name BOB already exists."):
        store.update_user(account, "alice2", new_name="BOB")
    with pytest.raises(NoSuchEntity):
        store.get_user(account, "alice")
    with pytest.raises(NoSuchEntity):
        store.update_user(account, "nobody", new_name="x")


def test_delete_user_conflicts_in_order(store: Store, account: str) -> None:
    user = store.create_user(account, "alice", tags=[("team", "a")])
    policy = store.create_policy(account, "p", DOC)
    store.create_group(account, "devs")
    store.attach_user_policy(account, "alice", policy.arn)
    store.put_user_policy(account, "alice", "inline", DOC)
    store.add_user_to_group(account, "devs", "alice")
    key = store.create_access_key(account, "alice")
    store.create_login_profile(account, "alice", "Passw0rd!")
    steps: list[tuple[str, Callable[..., object], tuple[str, ...]]] = [
        ("must detach all policies first.", store.detach_user_policy, ("alice", policy.arn)),
        ("must delete policies first.", store.delete_user_policy, ("alice", "inline")),
        ("must remove users from group first.", store.remove_user_from_group, ("devs", "alice")),
        ("must delete access keys first.", store.delete_access_key, ("alice", key.id)),
        ("must delete login profile first.", store.delete_login_profile, ("alice",)),
    ]
    for message, fix, args in steps:
        with pytest.raises(DeleteConflict, match=f"^Cannot delete entity, {message}$"):
            store.delete_user(account, "alice")
        fix(account, *args)
    store.delete_user(account, "ALICE")
    with pytest.raises(NoSuchEntity):
        store.get_user(account, "alice")
    with store.engine.connect() as conn:
        left = conn.execute(sa.select(tags).where(tags.c.resource_id == user.id)).all()
    assert left == []
    with pytest.raises(NoSuchEntity):
        store.delete_user(account, "alice")


def test_permissions_boundary(store: Store, account: str) -> None:
    policy = store.create_policy(account, "boundary", DOC, path="/b/")
    user = store.create_user(account, "alice", permissions_boundary=policy.arn)
    assert user.permissions_boundary_arn == f"arn:aws:iam::{account}:policy/b/boundary"
    store.delete_user_permissions_boundary(account, "alice")
    assert store.get_user(account, "alice").permissions_boundary_arn is None
    store.put_user_permissions_boundary(account, "alice", policy.arn)
    assert store.get_user(account, "alice").permissions_boundary_arn == policy.arn
    missing = f"arn:aws:iam::{account}:policy/nope"
    with pytest.raises(
        NoSuchEntity, match=f"Policy {missing} does not exist or is not attachable."
    ):
        store.put_user_permissions_boundary(account, "alice", missing)
    with pytest.raises(NoSuchEntity):
        store.create_user(account, "bob", permissions_boundary=missing)
    with pytest.raises(NoSuchEntity):  # path is part of the ARN
        store.put_user_permissions_boundary(
            account, "alice", f"arn:aws:iam::{account}:policy/boundary"
        )


def test_users_per_account_quota(database_url: str, clock: FixedClock) -> None:
    store = make_store(database_url, clock, quotas=Quotas(users_per_account=2))
    try:
        store.create_account(ACCOUNT)
        store.create_user(ACCOUNT, "a")
        store.create_user(ACCOUNT, "b")
        with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for UsersPerAccount: 2$"):
            store.create_user(ACCOUNT, "c")
    finally:
        store.close()
