"""Managed policies: versions (at most 5, ids never reused), defaults, deletion, AWS managed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from clearance.clock import FixedClock
from clearance.store import (
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
    Store,
    UnmodifiableEntity,
)
from tests.store.conftest import DOC, OTHER_ACCOUNT, START


def test_create_and_get(store: Store, account: str) -> None:
    policy = store.create_policy(account, "ReadS3", DOC, path="/team/", description="reads")
    assert re.fullmatch(r"ANPA[A-Z2-7]{17}", policy.id)
    assert policy.arn == f"arn:aws:iam::{account}:policy/team/ReadS3"
    assert (policy.default_version_id, policy.description) == ("v1", "reads")
    assert (policy.created, policy.updated, policy.attachment_count) == (START, START, 0)
    assert policy.is_attachable
    assert store.get_policy(account, policy.arn) == policy
    assert store.get_policy(account, f"arn:aws:iam::{account}:policy/team/reads3") == policy
    version = store.get_policy_version(account, policy.arn, "v1")
    assert (version.document, version.is_default, version.policy_arn) == (DOC, True, policy.arn)
    with pytest.raises(
        EntityAlreadyExists,
        match=r"^A policy called READS3 already exists. Duplicate names are not allowed.$",
    ):
        store.create_policy(account, "READS3", DOC, path="/other/")


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:policy/ReadS3",  # wrong path
        "arn:aws:iam::123456789012:policy/team/Nope",
        "arn:aws:iam::210987654321:policy/team/ReadS3",  # another account
        "not-an-arn",
        "arn:aws:iam::123456789012:user/team/ReadS3",
    ],
)
def test_policy_not_found(store: Store, account: str, arn: str) -> None:
    store.create_account(OTHER_ACCOUNT)
    store.create_policy(OTHER_ACCOUNT, "ReadS3", DOC, path="/team/")
    store.create_policy(account, "ReadS3", DOC, path="/team/")
    with pytest.raises(NoSuchEntity, match=f"^Policy {re.escape(arn)} was not found.$"):
        store.get_policy(account, arn)


def test_versions(store: Store, account: str, clock: FixedClock) -> None:
    policy = store.create_policy(account, "p", DOC)
    created = []
    for i in range(2, 6):
        clock.advance(minutes=1)
        created.append(store.create_policy_version(account, policy.arn, f'{{"v":{i}}}'))
    assert [v.version_id for v in created] == ["v2", "v3", "v4", "v5"]
    assert not any(v.is_default for v in created)
    assert store.get_policy(account, policy.arn).updated == START + timedelta(minutes=4)
    message = (
        "^A managed policy can have up to 5 versions. Before you create a new version, "
        "you must delete an existing version.$"
    )
    with pytest.raises(LimitExceeded, match=message):
        store.create_policy_version(account, policy.arn, "{}")
    listed = store.list_policy_versions(account, policy.arn).items
    assert [v.version_id for v in listed] == ["v5", "v4", "v3", "v2", "v1"]
    assert [v.is_default for v in listed] == [False, False, False, False, True]
    store.set_default_policy_version(account, policy.arn, "v3")
    assert store.get_policy(account, policy.arn).default_version_id == "v3"
    with pytest.raises(DeleteConflict, match=r"^Cannot delete the default version of a policy.$"):
        store.delete_policy_version(account, policy.arn, "v3")
    store.delete_policy_version(account, policy.arn, "v2")
    store.delete_policy_version(account, policy.arn, "v5")
    new = store.create_policy_version(account, policy.arn, "{}", set_as_default=True)
    assert (new.version_id, new.is_default) == ("v6", True)  # ids are never reused
    assert store.get_policy(account, policy.arn).default_version_id == "v6"
    missing = f"^Policy {policy.arn} version v2 does not exist or is not attachable.$"
    for call in (
        store.get_policy_version,
        store.delete_policy_version,
        store.set_default_policy_version,
    ):
        with pytest.raises(NoSuchEntity, match=missing):
            call(account, policy.arn, "v2")


def test_delete_policy_conflicts(store: Store, account: str) -> None:
    policy = store.create_policy(account, "p", DOC)
    store.create_policy_version(account, policy.arn, DOC)
    store.create_user(account, "alice", permissions_boundary=policy.arn)
    store.create_role(account, "r", "{}")
    store.attach_role_policy(account, "r", policy.arn)
    attached = "^Cannot delete a policy attached to entities.$"
    with pytest.raises(DeleteConflict, match=attached):
        store.delete_policy(account, policy.arn)
    store.detach_role_policy(account, "r", policy.arn)
    with pytest.raises(DeleteConflict, match=attached):  # still a boundary
        store.delete_policy(account, policy.arn)
    store.delete_user_permissions_boundary(account, "alice")
    with pytest.raises(DeleteConflict, match=r"This policy has more than one version."):
        store.delete_policy(account, policy.arn)
    store.delete_policy_version(account, policy.arn, "v2")
    store.tag_policy(account, policy.arn, [("k", "v")])
    store.delete_policy(account, policy.arn)
    with pytest.raises(NoSuchEntity):
        store.get_policy(account, policy.arn)
    assert store.create_policy(account, "p", DOC).default_version_id == "v1"


def test_aws_managed_policies(store: Store, account: str) -> None:
    store.create_account(OTHER_ACCOUNT)
    admin = store.create_policy("aws", "AdministratorAccess", DOC)
    assert admin.arn == "arn:aws:iam::aws:policy/AdministratorAccess"
    local = store.create_policy(account, "AdministratorAccess", DOC)  # same name: allowed
    assert store.get_policy(OTHER_ACCOUNT, admin.arn) == admin
    store.create_user(account, "alice")
    store.create_user(OTHER_ACCOUNT, "bob")
    store.create_role(OTHER_ACCOUNT, "r", "{}", permissions_boundary=admin.arn)
    store.attach_user_policy(account, "alice", admin.arn)
    store.attach_user_policy(OTHER_ACCOUNT, "bob", admin.arn)
    # counts are per asking account
    seen = store.get_policy(account, admin.arn)
    assert (seen.attachment_count, seen.permissions_boundary_usage_count) == (1, 0)
    seen = store.get_policy(OTHER_ACCOUNT, admin.arn)
    assert (seen.attachment_count, seen.permissions_boundary_usage_count) == (1, 1)
    assert store.get_policy("aws", admin.arn).attachment_count == 0
    scopes = {
        scope: [p.arn for p in store.list_policies(account, scope=scope).items]
        for scope in ("All", "AWS", "Local")
    }
    assert scopes["AWS"] == [admin.arn]
    assert scopes["Local"] == [local.arn]
    assert sorted(scopes["All"]) == sorted([admin.arn, local.arn])
    assert [p.arn for p in store.list_policies(account, only_attached=True).items] == [admin.arn]
    assert [
        p.arn for p in store.list_policies(OTHER_ACCOUNT, usage="PermissionsBoundary").items
    ] == [admin.arn]
    for write in (
        lambda: store.create_policy_version(account, admin.arn, "{}"),
        lambda: store.delete_policy(account, admin.arn),
        lambda: store.set_default_policy_version(account, admin.arn, "v1"),
        lambda: store.delete_policy_version(account, admin.arn, "v1"),
        lambda: store.tag_policy(account, admin.arn, [("k", "v")]),
    ):
        with pytest.raises(UnmodifiableEntity):
            write()
    store.create_policy_version("aws", admin.arn, "{}", set_as_default=True)  # seeding may
    assert store.get_policy(account, admin.arn).default_version_id == "v2"
    with pytest.raises(NoSuchEntity):  # another customer's policy is invisible
        store.get_policy(OTHER_ACCOUNT, local.arn)


def test_list_policies_by_path(store: Store, account: str) -> None:
    store.create_policy(account, "b", DOC, path="/x/")
    store.create_policy(account, "a", DOC, path="/y/")
    assert [p.name for p in store.list_policies(account).items] == ["a", "b"]
    assert [p.name for p in store.list_policies(account, path_prefix="/x/").items] == ["b"]
