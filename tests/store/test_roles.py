"""Roles: trust policy, description, session duration, boundary, last use, deletion."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest

from clearance.store import DeleteConflict, EntityAlreadyExists, NoSuchEntity, SessionSpec, Store
from tests.store.conftest import DOC, START, TRUST


def test_create_and_read(store: Store, account: str) -> None:
    boundary = store.create_policy(account, "boundary", DOC)
    role = store.create_role(
        account,
        "Deployer",
        TRUST,
        path="/ci/",
        description="CI deploys",
        max_session_duration=7200,
        permissions_boundary=boundary.arn,
        tags=[("env", "prod")],
    )
    assert re.fullmatch(r"AROA[A-Z2-7]{17}", role.id)
    assert role.arn == f"arn:aws:iam::{account}:role/ci/Deployer"
    assert (role.assume_role_policy, role.description, role.max_session_duration) == (
        TRUST,
        "CI deploys",
        7200,
    )
    assert role.permissions_boundary_arn == boundary.arn and role.created == START
    assert store.get_role(account, "deployer") == role
    assert store.get_role_by_id(account, role.id) == role
    assert [tag.key for tag in store.list_role_tags(account, "deployer").items] == ["env"]
    with pytest.raises(EntityAlreadyExists, match=r"^Role with name DEPLOYER already exists.$"):
        store.create_role(account, "DEPLOYER", TRUST)
    with pytest.raises(NoSuchEntity, match=r"^The role with name x cannot be found.$"):
        store.get_role(account, "x")
    with pytest.raises(NoSuchEntity):
        store.get_role_by_id(account, "AROAAAAAAAAAAAAAAAAAA")


def test_list_roles(store: Store, account: str) -> None:
    store.create_role(account, "b", TRUST, path="/svc/")
    store.create_role(account, "A", TRUST)
    assert [r.name for r in store.list_roles(account).items] == ["A", "b"]
    assert [r.name for r in store.list_roles(account, path_prefix="/svc/").items] == ["b"]


def test_updates(store: Store, account: str) -> None:
    store.create_role(account, "r", TRUST, description="old")
    role = store.update_role(account, "r", max_session_duration=43200)
    assert (role.description, role.max_session_duration) == ("old", 43200)
    role = store.update_role(account, "R", description="new")
    assert (role.description, role.max_session_duration) == ("new", 43200)
    assert store.update_role(account, "r", description=None).description is None
    store.update_assume_role_policy(account, "r", DOC)
    assert store.get_role(account, "r").assume_role_policy == DOC
    boundary = store.create_policy(account, "bp", DOC)
    store.put_role_permissions_boundary(account, "r", boundary.arn)
    assert store.get_role(account, "r").permissions_boundary_arn == boundary.arn
    store.delete_role_permissions_boundary(account, "r")
    assert store.get_role(account, "r").permissions_boundary_arn is None


def test_record_role_use(store: Store, account: str) -> None:
    role = store.create_role(account, "r", TRUST)
    version = store.account_version(account)
    store.record_role_use(role.id, "eu-west-1", START + timedelta(days=1))
    used = store.get_role(account, "r")
    assert (used.last_used, used.last_used_region) == (START + timedelta(days=1), "eu-west-1")
    assert store.account_version(account) == version


def test_delete_role_conflicts_and_sessions(store: Store, account: str) -> None:
    role = store.create_role(account, "r", TRUST)
    policy = store.create_policy(account, "p", DOC)
    store.create_instance_profile(account, "ip")
    store.add_role_to_instance_profile(account, "ip", "r")
    store.attach_role_policy(account, "r", policy.arn)
    store.put_role_policy(account, "r", "inline", DOC)
    session = store.create_session(
        SessionSpec(
            account,
            "AssumedRole",
            f"arn:aws:sts::{account}:assumed-role/r/s",
            f"{role.id}:s",
            START + timedelta(hours=1),
            role_id=role.id,
            session_name="s",
        )
    )
    steps: list[tuple[str, Callable[..., object], tuple[str, ...]]] = [
        (
            "must remove roles from instance profile first.",
            store.remove_role_from_instance_profile,
            ("ip", "r"),
        ),
        ("must detach all policies first.", store.detach_role_policy, ("r", policy.arn)),
        ("must delete policies first.", store.delete_role_policy, ("r", "inline")),
    ]
    for message, fix, args in steps:
        with pytest.raises(DeleteConflict, match=f"^Cannot delete entity, {message}$"):
            store.delete_role(account, "r")
        fix(account, *args)
    store.delete_role(account, "r")
    assert store.key_record(session.session.access_key_id) is None  # its sessions end with it
    with pytest.raises(NoSuchEntity):
        store.delete_role(account, "r")
