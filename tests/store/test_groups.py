"""Groups and membership (10 groups per user)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from clearance.store import DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity, Store
from tests.store.conftest import DOC, START


def test_create_get_list_update(store: Store, account: str) -> None:
    group = store.create_group(account, "Devs", path="/eng/")
    assert re.fullmatch(r"AGPA[A-Z2-7]{17}", group.id)
    assert (group.name, group.path, group.created) == ("Devs", "/eng/", START)
    assert group.arn == f"arn:aws:iam::{account}:group/eng/Devs"
    assert store.get_group(account, "devs") == group
    with pytest.raises(EntityAlreadyExists, match=r"^Group with name DEVS already exists.$"):
        store.create_group(account, "DEVS")
    store.create_group(account, "admins")
    assert [g.name for g in store.list_groups(account).items] == ["admins", "Devs"]
    assert [g.name for g in store.list_groups(account, path_prefix="/eng").items] == ["Devs"]
    updated = store.update_group(account, "devs", new_name="developers", new_path="/x/")
    assert (updated.id, updated.name, updated.path) == (group.id, "developers", "/x/")
    with pytest.raises(EntityAlreadyExists, match=r"Group with name Admins already exists."):
        store.update_group(account, "developers", new_name="Admins")
    with pytest.raises(NoSuchEntity, match=r"^The group with name devs cannot be found.$"):
        store.get_group(account, "devs")


def test_membership(store: Store, account: str) -> None:
    store.create_group(account, "devs")
    store.create_group(account, "ops")
    for name in ("carol", "alice", "bob"):
        store.create_user(account, name)
    store.add_user_to_group(account, "devs", "alice")
    store.add_user_to_group(account, "DEVS", "Alice")  # again: no change
    store.add_user_to_group(account, "devs", "carol")
    store.add_user_to_group(account, "ops", "alice")
    assert [u.name for u in store.list_group_users(account, "devs").items] == ["alice", "carol"]
    assert [g.name for g in store.list_groups_for_user(account, "alice").items] == ["devs", "ops"]
    assert store.list_groups_for_user(account, "bob").items == ()
    with pytest.raises(NoSuchEntity):
        store.remove_user_from_group(account, "devs", "bob")
    with pytest.raises(NoSuchEntity, match=r"The user with name zed cannot be found."):
        store.add_user_to_group(account, "devs", "zed")
    with pytest.raises(NoSuchEntity, match=r"The group with name qa cannot be found."):
        store.add_user_to_group(account, "qa", "alice")
    store.remove_user_from_group(account, "devs", "alice")
    assert [u.name for u in store.list_group_users(account, "devs").items] == ["carol"]


def test_groups_per_user_quota(store: Store, account: str) -> None:
    store.create_user(account, "alice")
    for i in range(11):
        store.create_group(account, f"g{i:02}")
    for i in range(10):
        store.add_user_to_group(account, f"g{i:02}", "alice")
    store.add_user_to_group(account, "g00", "alice")  # already a member: fine at the quota
    with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for GroupsPerUser: 10$"):
        store.add_user_to_group(account, "g10", "alice")


def test_delete_group_conflicts(store: Store, account: str) -> None:
    store.create_group(account, "devs")
    store.create_user(account, "alice")
    policy = store.create_policy(account, "p", DOC)
    store.add_user_to_group(account, "devs", "alice")
    store.attach_group_policy(account, "devs", policy.arn)
    store.put_group_policy(account, "devs", "inline", DOC)
    steps: list[tuple[str, Callable[..., object], tuple[str, ...]]] = [
        ("must remove users from group first.", store.remove_user_from_group, ("devs", "alice")),
        ("must detach all policies first.", store.detach_group_policy, ("devs", policy.arn)),
        ("must delete policies first.", store.delete_group_policy, ("devs", "inline")),
    ]
    for message, fix, args in steps:
        with pytest.raises(DeleteConflict, match=f"^Cannot delete entity, {message}$"):
            store.delete_group(account, "devs")
        fix(account, *args)
    store.delete_group(account, "devs")
    with pytest.raises(NoSuchEntity):
        store.delete_group(account, "devs")
