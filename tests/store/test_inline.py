"""Inline policies and their aggregate size quota."""

from __future__ import annotations

import json

import pytest

from clearance.errors import PolicySizeExceeded
from clearance.store import NoSuchEntity, Store
from tests.store.conftest import DOC, TRUST

LIMITS = {"user": 2048, "group": 5120, "role": 10240}


def _create(store: Store, account: str, kind: str, name: str) -> None:
    if kind == "user":
        store.create_user(account, name)
    elif kind == "group":
        store.create_group(account, name)
    else:
        store.create_role(account, name, TRUST)


def _sized(characters: int) -> str:
    """A document IAM counts as ``characters`` long (white space is not counted)."""
    text = json.dumps({"Sid": "x" * (characters - 10)}, separators=(",", ":"))
    assert len(text) == characters
    return text.replace(":", " :   ")  # white space: free


@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_put_get_list_delete(store: Store, account: str, kind: str) -> None:
    _create(store, account, kind, "Owner")
    put = getattr(store, f"put_{kind}_policy")
    get = getattr(store, f"get_{kind}_policy")
    delete = getattr(store, f"delete_{kind}_policy")
    listed = getattr(store, f"list_{kind}_policies")
    put(account, "owner", "b", DOC)
    put(account, "owner", "a", "{}")
    put(account, "owner", "b", "{ }")  # replaced
    policy = get(account, "OWNER", "b")
    assert (policy.owner_name, policy.name, policy.document) == ("Owner", "b", "{ }")
    assert listed(account, "owner").items == ("a", "b")
    delete(account, "owner", "a")
    missing = f"^The {kind} policy with name a cannot be found.$"
    with pytest.raises(NoSuchEntity, match=missing):
        get(account, "owner", "a")
    with pytest.raises(NoSuchEntity, match=missing):
        delete(account, "owner", "a")
    with pytest.raises(NoSuchEntity):
        put(account, "nobody", "a", DOC)


@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_aggregate_size_quota(store: Store, account: str, kind: str) -> None:
    _create(store, account, kind, "owner")
    put = getattr(store, f"put_{kind}_policy")
    limit = LIMITS[kind]
    put(account, "owner", "one", _sized(limit - 100))
    put(account, "owner", "two", _sized(100))  # exactly at the limit
    put(account, "owner", "one", _sized(limit - 100))  # replacing does not count twice
    message = f"^Maximum policy size of {limit} bytes exceeded for {kind} owner$"
    with pytest.raises(PolicySizeExceeded, match=message) as raised:
        put(account, "owner", "three", "{}")
    assert raised.value.code == "LimitExceeded"
    getattr(store, f"delete_{kind}_policy")(account, "owner", "two")
    put(account, "owner", "three", "{}")
