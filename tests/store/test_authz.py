"""The authorizer's read paths: key_record and principal_policies."""

from __future__ import annotations

import pytest

from clearance.store import NoSuchEntity, PolicyText, Store, Tag
from clearance.store.errors import InvalidInput
from tests.store.conftest import DOC, OTHER_ACCOUNT, TRUST


def test_unknown_keys(store: Store, account: str) -> None:
    assert store.key_record("AKIAUNKNOWNUNKNOWN00") is None
    assert store.key_record("ASIAUNKNOWNUNKNOWN00") is None


def test_user_key_record(store: Store, account: str) -> None:
    user = store.create_user(account, "alice", path="/eng/")
    key = store.create_access_key(account, "alice")
    record = store.key_record(key.id)
    assert record is not None
    assert (record.kind, record.status, record.account_id) == ("user", "Active", account)
    assert (record.principal_arn, record.principal_id) == (user.arn, user.id)
    assert (record.user_id, record.user_name, record.user_path) == (user.id, "alice", "/eng/")
    assert record.secret_access_key == key.secret_access_key and record.session is None


def test_user_policies(store: Store, account: str) -> None:
    boundary = store.create_policy(account, "Boundary", '{"b":1}')
    user = store.create_user(
        account, "alice", permissions_boundary=boundary.arn, tags=[("team", "a")]
    )
    managed = store.create_policy(account, "Managed", '{"m":1}', path="/x/")
    aws = store.create_policy("aws", "ReadOnlyAccess", '{"aws":1}')
    group_managed = store.create_policy(account, "GroupManaged", '{"gm":1}')
    store.put_user_policy(account, "alice", "z-inline", '{"ui":2}')
    store.put_user_policy(account, "alice", "a-inline", '{"ui":1}')
    store.attach_user_policy(account, "alice", managed.arn)
    store.attach_user_policy(account, "alice", aws.arn)
    for group in ("ops", "devs"):
        store.create_group(account, group)
        store.add_user_to_group(account, group, "alice")
    store.put_group_policy(account, "devs", "g-inline", '{"gi":1}')
    store.attach_group_policy(account, "devs", group_managed.arn)
    store.attach_group_policy(account, "ops", managed.arn)
    store.create_group(account, "other")  # not a member
    store.put_group_policy(account, "other", "nope", "{}")
    found = store.principal_policies(account, user.id)
    assert found.version == store.account_version(account)
    assert found.boundary == PolicyText(boundary.arn, '{"b":1}')
    assert found.tags == (Tag("team", "a"),)
    assert found.identity == (
        PolicyText("user/alice/a-inline", '{"ui":1}'),
        PolicyText("user/alice/z-inline", '{"ui":2}'),
        PolicyText(managed.arn, '{"m":1}'),
        PolicyText(aws.arn, '{"aws":1}'),
        PolicyText("group/devs/g-inline", '{"gi":1}'),
        PolicyText(group_managed.arn, '{"gm":1}'),
        PolicyText(managed.arn, '{"m":1}'),
    )
    store.create_policy_version(account, managed.arn, '{"m":2}', set_as_default=True)
    again = store.principal_policies(account, user.id)
    assert again.version > found.version
    assert PolicyText(managed.arn, '{"m":2}') in again.identity
    assert PolicyText(managed.arn, '{"m":1}') not in again.identity


def test_role_policies(store: Store, account: str) -> None:
    role = store.create_role(account, "r", TRUST)
    policy = store.create_policy(account, "p", DOC)
    store.attach_role_policy(account, "r", policy.arn)
    store.put_role_policy(account, "r", "inline", "{}")
    found = store.principal_policies(account, role.id)
    assert found.identity == (PolicyText("role/r/inline", "{}"), PolicyText(policy.arn, DOC))
    assert found.boundary is None and found.tags == ()


def test_bare_principal_and_errors(store: Store, account: str) -> None:
    user = store.create_user(account, "alice")
    empty = store.principal_policies(account, user.id)
    assert (empty.identity, empty.boundary, empty.tags) == ((), None, ())
    with pytest.raises(NoSuchEntity, match=r"The user with id AIDAAAAAAAAAAAAAAAAAA cannot"):
        store.principal_policies(account, "AIDAAAAAAAAAAAAAAAAAA")
    with pytest.raises(NoSuchEntity):
        store.principal_policies("999999999999", user.id)
    store.create_account(OTHER_ACCOUNT)
    with pytest.raises(NoSuchEntity):  # another account's principal
        store.principal_policies(OTHER_ACCOUNT, user.id)
    with pytest.raises(InvalidInput):
        store.principal_policies(account, "AGPAAAAAAAAAAAAAAAAAA")


def test_managed_policy_documents(store: Store, account: str) -> None:
    one = store.create_policy(account, "one", '{"1":1}', path="/p/")
    two = store.create_policy("aws", "two", '{"2":2}')
    assert store.managed_policy_documents(account, [two.arn, one.arn]) == (
        PolicyText(two.arn, '{"2":2}'),
        PolicyText(one.arn, '{"1":1}'),
    )
    assert store.managed_policy_documents(account, []) == ()
    for bad in (f"arn:aws:iam::{account}:policy/one", f"arn:aws:iam::{OTHER_ACCOUNT}:policy/p/one"):
        with pytest.raises(NoSuchEntity, match=f"Policy {bad} was not found."):
            store.managed_policy_documents(account, [one.arn, bad])
