"""Accounts: creation with root keys, version counter, alias, password policy, summary."""

from __future__ import annotations

import re

import pytest

from clearance.store import (
    EntityAlreadyExists,
    NoSuchEntity,
    PasswordPolicy,
    SessionSpec,
    Store,
)
from clearance.store.errors import InvalidInput
from tests.store.conftest import ACCOUNT, DOC, OTHER_ACCOUNT, START


def test_create_account_makes_a_root_key(store: Store) -> None:
    account, key = store.create_account(ACCOUNT)
    assert (account.id, account.created, account.alias) == (ACCOUNT, START, None)
    assert account.root_arn == f"arn:aws:iam::{ACCOUNT}:root"
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", key.id)
    assert re.fullmatch(r"[A-Za-z0-9+/]{40}", key.secret_access_key)
    assert key.user_name is None and key.status == "Active"
    assert store.get_account(ACCOUNT) == account
    record = store.key_record(key.id)
    assert record is not None and record.kind == "root"
    assert record.secret_access_key == key.secret_access_key
    assert record.principal_arn == f"arn:aws:iam::{ACCOUNT}:root"
    assert record.principal_id == ACCOUNT


def test_create_account_with_given_root_credentials(store: Store) -> None:
    _, key = store.create_account(
        ACCOUNT, root_access_key_id="AKIAEXAMPLEROOT00001", root_secret_access_key="s" * 40
    )
    assert key.id == "AKIAEXAMPLEROOT00001"
    record = store.key_record("AKIAEXAMPLEROOT00001")
    assert record is not None and record.secret_access_key == "s" * 40


@pytest.mark.parametrize(
    ("key_id", "secret"),
    [("AKIAEXAMPLE", None), (None, "x" * 40), ("short", "x" * 40), ("ASIA" + "A" * 16, "x")],
)
def test_create_account_rejects_bad_root_credentials(
    store: Store, key_id: str | None, secret: str | None
) -> None:
    with pytest.raises(InvalidInput):
        store.create_account(ACCOUNT, root_access_key_id=key_id, root_secret_access_key=secret)
    assert store.list_accounts() == ()


def test_create_account_twice_and_bad_ids(store: Store) -> None:
    store.create_account(ACCOUNT)
    with pytest.raises(EntityAlreadyExists, match=f"Account {ACCOUNT} already exists."):
        store.create_account(ACCOUNT)
    for bad in ("12345678901", "aws", "12345678901x"):
        with pytest.raises(InvalidInput):
            store.create_account(bad)


def test_list_accounts_hides_the_aws_pseudo_account(store: Store) -> None:
    store.create_account(OTHER_ACCOUNT)
    store.create_account(ACCOUNT)
    assert [a.id for a in store.list_accounts()] == [ACCOUNT, OTHER_ACCOUNT]
    assert store.get_account("aws").id == "aws"


def test_unknown_account(store: Store) -> None:
    with pytest.raises(NoSuchEntity, match=r"The account with id 999999999999 cannot be found."):
        store.get_account("999999999999")
    with pytest.raises(NoSuchEntity):
        store.account_version("999999999999")
    with pytest.raises(NoSuchEntity):
        store.create_user("999999999999", "alice")


def test_version_bumps_on_authorization_writes_only(store: Store, account: str) -> None:
    versions = [store.account_version(account)]

    def bumped() -> bool:
        versions.append(store.account_version(account))
        return versions[-1] > versions[-2]

    user = store.create_user(account, "alice")
    assert bumped()
    policy = store.create_policy(account, "p", DOC)
    assert bumped()
    store.attach_user_policy(account, "alice", policy.arn)
    assert bumped()
    store.tag_user(account, "alice", [("k", "v")])
    assert bumped()
    key = store.create_access_key(account, "alice")
    assert bumped()
    store.update_access_key(account, "alice", key.id, "Inactive")
    assert bumped()
    store.get_user(account, "alice")
    store.list_users(account)
    store.principal_policies(account, user.id)
    assert not bumped()
    store.record_access_key_use(key.id, "iam", "us-east-1")
    assert not bumped()
    role = store.create_role(account, "r", "{}")
    assert bumped()
    store.create_session(
        SessionSpec(account, "AssumedRole", "arn", f"{role.id}:s", START, role_id=role.id)
    )
    assert not bumped()
    with pytest.raises(NoSuchEntity):
        store.delete_user(account, "nobody")
    assert not bumped()  # a failed write rolls its bump back
    assert store.account_versions([account, "aws", "000000000000"]) == {
        account: versions[-1],
        "aws": store.account_version("aws"),
    }


def test_alias(store: Store, account: str) -> None:
    store.create_account(OTHER_ACCOUNT)
    assert store.list_account_aliases(account) == ()
    store.create_account_alias(account, "acme")
    store.create_account_alias(account, "acme")  # again: no change
    assert store.list_account_aliases(account) == ("acme",)
    assert store.find_account_by_alias("acme") == account
    with pytest.raises(EntityAlreadyExists, match=r"The account alias acme already exists."):
        store.create_account_alias(OTHER_ACCOUNT, "acme")
    store.create_account_alias(account, "acme-corp")  # one alias: replaced
    assert store.get_account(account).alias == "acme-corp"
    assert store.find_account_by_alias("acme") is None
    with pytest.raises(NoSuchEntity, match=r"The account alias acme cannot be found."):
        store.delete_account_alias(account, "acme")
    store.delete_account_alias(account, "acme-corp")
    assert store.list_account_aliases(account) == ()
    store.create_account_alias(OTHER_ACCOUNT, "acme")
    assert store.find_account_by_alias("acme") == OTHER_ACCOUNT


def test_password_policy(store: Store, account: str) -> None:
    message = f"The Password Policy with domain name {account} cannot be found."
    with pytest.raises(NoSuchEntity, match=message):
        store.get_account_password_policy(account)
    policy = PasswordPolicy(minimum_password_length=14, require_symbols=True, max_password_age=90)
    store.update_account_password_policy(account, policy)
    assert store.get_account_password_policy(account) == policy
    replaced = PasswordPolicy(password_reuse_prevention=5, hard_expiry=True)
    store.update_account_password_policy(account, replaced)
    assert store.get_account_password_policy(account) == replaced
    store.delete_account_password_policy(account)
    with pytest.raises(NoSuchEntity, match=message):
        store.delete_account_password_policy(account)


def test_account_summary(store: Store, account: str) -> None:
    store.create_user(account, "alice")
    store.create_user(account, "bob")
    store.create_group(account, "devs")
    store.create_role(account, "r", "{}")
    policy = store.create_policy(account, "p", DOC)
    store.create_policy_version(account, policy.arn, DOC)
    store.create_instance_profile(account, "ip")
    store.create_open_id_connect_provider(account, "https://issuer.example.com", ["app"])
    store.create_saml_provider(account, "okta", "<md/>")
    assert store.get_account_summary(account) == {
        "Users": 2,
        "Groups": 1,
        "Roles": 1,
        "Policies": 1,
        "InstanceProfiles": 1,
        "Providers": 2,
        "PolicyVersionsInUse": 2,
        "AccountAccessKeysPresent": 1,
    }
    root_key = store.list_access_keys(account, None).items[0]
    store.delete_access_key(account, None, root_key.id)
    assert store.get_account_summary(account)["AccountAccessKeysPresent"] == 0
