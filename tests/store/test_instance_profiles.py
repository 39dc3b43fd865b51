"""Instance profiles and their single role."""

from __future__ import annotations

import re

import pytest

from clearance.store import DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity, Store
from tests.store.conftest import TRUST


def test_lifecycle(store: Store, account: str) -> None:
    profile = store.create_instance_profile(account, "Web", path="/apps/", tags=[("a", "b")])
    assert re.fullmatch(r"AIPA[A-Z2-7]{17}", profile.id)
    assert profile.arn == f"arn:aws:iam::{account}:instance-profile/apps/Web"
    assert profile.roles == ()
    with pytest.raises(EntityAlreadyExists, match=r"^Instance Profile WEB already exists.$"):
        store.create_instance_profile(account, "WEB")
    role = store.create_role(account, "web-role", TRUST)
    store.create_role(account, "other", TRUST)
    store.add_role_to_instance_profile(account, "web", "web-role")
    assert store.get_instance_profile(account, "web").roles == (role,)
    with pytest.raises(
        LimitExceeded, match=r"^Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1$"
    ):
        store.add_role_to_instance_profile(account, "web", "other")
    with pytest.raises(LimitExceeded):  # the same role again: still over the quota
        store.add_role_to_instance_profile(account, "web", "web-role")
    store.create_instance_profile(account, "batch")
    assert [p.name for p in store.list_instance_profiles(account).items] == ["batch", "Web"]
    assert [p.name for p in store.list_instance_profiles(account, path_prefix="/apps").items] == [
        "Web"
    ]
    listed = store.list_instance_profiles_for_role(account, "web-role").items
    assert [(p.name, p.roles) for p in listed] == [("Web", (role,))]
    with pytest.raises(DeleteConflict, match=r"must remove roles from instance profile first."):
        store.delete_instance_profile(account, "web")
    with pytest.raises(NoSuchEntity):
        store.remove_role_from_instance_profile(account, "web", "other")
    store.remove_role_from_instance_profile(account, "web", "web-role")
    store.add_role_to_instance_profile(account, "web", "other")
    store.remove_role_from_instance_profile(account, "web", "other")
    store.delete_instance_profile(account, "web")
    with pytest.raises(NoSuchEntity, match=r"^Instance Profile web cannot be found.$"):
        store.get_instance_profile(account, "web")
