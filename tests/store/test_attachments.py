"""Attaching managed policies to users, groups and roles (10 each)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from clearance.store import LimitExceeded, NoSuchEntity, Store
from tests.store.conftest import DOC, OTHER_ACCOUNT, TRUST

KINDS = ["user", "group", "role"]


def _create(store: Store, account: str, kind: str, name: str) -> None:
    if kind == "user":
        store.create_user(account, name)
    elif kind == "group":
        store.create_group(account, name)
    else:
        store.create_role(account, name, TRUST)


def _ops(
    store: Store, kind: str
) -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
    return (
        getattr(store, f"attach_{kind}_policy"),
        getattr(store, f"detach_{kind}_policy"),
        getattr(store, f"list_attached_{kind}_policies"),
    )


@pytest.mark.parametrize("kind", KINDS)
def test_attach_detach_list(store: Store, account: str, kind: str) -> None:
    attach, detach, listed = _ops(store, kind)
    _create(store, account, kind, "Owner")
    b = store.create_policy(account, "B", DOC, path="/x/")
    a = store.create_policy(account, "a", DOC)
    aws = store.create_policy("aws", "ReadOnlyAccess", DOC)
    for policy in (b, a, aws, b):  # attaching again changes nothing
        attach(account, "owner", policy.arn)
    assert [(p.name, p.arn) for p in listed(account, "OWNER").items] == [
        ("a", a.arn),
        ("B", b.arn),
        ("ReadOnlyAccess", aws.arn),
    ]
    assert [p.name for p in listed(account, "owner", path_prefix="/x/").items] == ["B"]
    assert store.get_policy(account, b.arn).attachment_count == 1
    detach(account, "owner", b.arn)
    with pytest.raises(NoSuchEntity, match=f"^Policy {b.arn} was not found.$"):
        detach(account, "owner", b.arn)
    missing = f"arn:aws:iam::{account}:policy/missing"
    with pytest.raises(
        NoSuchEntity, match=f"^Policy {missing} does not exist or is not attachable.$"
    ):
        attach(account, "owner", missing)
    with pytest.raises(NoSuchEntity, match=f"The {kind} with name nobody cannot be found."):
        attach(account, "nobody", a.arn)


@pytest.mark.parametrize("kind", KINDS)
def test_attached_policies_quota(store: Store, account: str, kind: str) -> None:
    attach, _, listed = _ops(store, kind)
    _create(store, account, kind, "owner")
    policies = [store.create_policy(account, f"p{i:02}", DOC) for i in range(11)]
    for policy in policies[:10]:
        attach(account, "owner", policy.arn)
    attach(account, "owner", policies[0].arn)  # already attached: fine at the quota
    quota = f"Policies{'Per' + kind.capitalize()}"
    with pytest.raises(LimitExceeded, match=f"^Cannot exceed quota for {quota}: 10$"):
        attach(account, "owner", policies[10].arn)
    assert len(listed(account, "owner").items) == 10


def test_cannot_attach_another_accounts_policy(store: Store, account: str) -> None:
    store.create_account(OTHER_ACCOUNT)
    foreign = store.create_policy(OTHER_ACCOUNT, "p", DOC)
    store.create_user(account, "alice")
    with pytest.raises(NoSuchEntity, match=r"does not exist or is not attachable."):
        store.attach_user_policy(account, "alice", foreign.arn)


def test_list_entities_for_policy(store: Store, account: str) -> None:
    policy = store.create_policy(account, "p", DOC)
    store.create_user(account, "bob", path="/eng/")
    store.create_user(account, "alice", permissions_boundary=policy.arn)
    store.create_group(account, "devs")
    store.create_role(account, "deployer", TRUST, path="/eng/", permissions_boundary=policy.arn)
    store.attach_user_policy(account, "bob", policy.arn)
    store.attach_group_policy(account, "devs", policy.arn)
    store.attach_role_policy(account, "deployer", policy.arn)

    def names(**options: Any) -> list[tuple[str, str]]:
        page = store.list_entities_for_policy(account, policy.arn, **options)
        return [(e.kind, e.name) for e in page.items]

    everything = [("group", "devs"), ("role", "deployer"), ("user", "alice"), ("user", "bob")]
    assert names() == everything
    assert names(usage="PermissionsPolicy") == [
        ("group", "devs"),
        ("role", "deployer"),
        ("user", "bob"),
    ]
    assert names(usage="PermissionsBoundary") == [("role", "deployer"), ("user", "alice")]
    assert names(entity_filter="User") == [("user", "alice"), ("user", "bob")]
    assert names(entity_filter="Group", usage="PermissionsBoundary") == []
    assert names(path_prefix="/eng/") == [("role", "deployer"), ("user", "bob")]
    first = store.list_entities_for_policy(account, policy.arn, max_items=3)
    assert first.is_truncated and first.marker
    rest = store.list_entities_for_policy(account, policy.arn, marker=first.marker)
    assert [(e.kind, e.name) for e in first.items + rest.items] == everything
    assert not rest.is_truncated
