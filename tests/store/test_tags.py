"""Tags on users, roles, policies, instance profiles and identity providers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from clearance.store import LimitExceeded, NoSuchEntity, Store, Tag
from clearance.store.errors import InvalidInput
from clearance.store.schema import tags
from tests.store.conftest import DOC, TRUST

# kind → (method suffix, quota name, create (returns the reference), delete)
Setup = Callable[[Store, str], str]
RESOURCES: dict[str, tuple[str, str, Setup, Callable[[Store, str, str], None]]] = {
    "user": (
        "user",
        "TagsPerUser",
        lambda s, a: s.create_user(a, "Res").name,
        lambda s, a, ref: s.delete_user(a, ref),
    ),
    "role": (
        "role",
        "TagsPerRole",
        lambda s, a: s.create_role(a, "Res", TRUST).name,
        lambda s, a, ref: s.delete_role(a, ref),
    ),
    "policy": (
        "policy",
        "TagsPerPolicy",
        lambda s, a: s.create_policy(a, "Res", DOC).arn,
        lambda s, a, ref: s.delete_policy(a, ref),
    ),
    "instance_profile": (
        "instance_profile",
        "TagsPerInstanceProfile",
        lambda s, a: s.create_instance_profile(a, "Res").name,
        lambda s, a, ref: s.delete_instance_profile(a, ref),
    ),
    "oidc": (
        "open_id_connect_provider",
        "TagsPerOpenIDConnectProvider",
        lambda s, a: s.create_open_id_connect_provider(a, "https://idp.example.com", ["c"]).arn,
        lambda s, a, ref: s.delete_open_id_connect_provider(a, ref),
    ),
    "saml": (
        "saml_provider",
        "TagsPerSAMLProvider",
        lambda s, a: s.create_saml_provider(a, "Res", "<md/>").arn,
        lambda s, a, ref: s.delete_saml_provider(a, ref),
    ),
}


def _methods(store: Store, suffix: str) -> tuple[Any, Any, Any]:
    list_name = f"list_{suffix}_tags"
    return (
        getattr(store, f"tag_{suffix}"),
        getattr(store, f"untag_{suffix}"),
        getattr(store, list_name),
    )


@pytest.mark.parametrize("kind", RESOURCES)
def test_tag_untag_list(store: Store, account: str, kind: str) -> None:
    suffix, quota, create, delete = RESOURCES[kind]
    tag, untag, listed = _methods(store, suffix)
    ref = create(store, account)
    tag(account, ref, [("Env", "prod"), ("team", "a")])
    tag(account, ref, [Tag("ENV", "dev")])  # same key, case-insensitively: replaced
    assert listed(account, ref).items == (Tag("ENV", "dev"), Tag("team", "a"))
    with pytest.raises(InvalidInput, match=r"Duplicate tag keys found."):
        tag(account, ref, [("k", "1"), ("K", "2")])
    untag(account, ref, ["env", "absent"])
    assert listed(account, ref).items == (Tag("team", "a"),)
    tag(account, ref, [(f"k{i:02}", "v") for i in range(49)])
    tag(account, ref, [("K00", "replaced")])  # at the quota, replacing is fine
    with pytest.raises(LimitExceeded, match=f"^Cannot exceed quota for {quota}: 50$"):
        tag(account, ref, [("one-more", "v")])
    page = listed(account, ref, max_items=30)
    rest = listed(account, ref, marker=page.marker)
    assert len(page.items) == 30 and page.is_truncated and len(rest.items) == 20
    for key, _ in page.items + rest.items:
        untag(account, ref, [key])
    assert listed(account, ref).items == ()
    tag(account, ref, [("left", "behind")])
    delete(store, account, ref)
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(tags)).scalar_one() == 0
    with pytest.raises(NoSuchEntity):
        listed(account, ref)


def test_tags_at_creation(store: Store, account: str) -> None:
    store.create_user(account, "alice", tags=[("a", "1"), ("b", "2")])
    assert [t.key for t in store.list_user_tags(account, "alice").items] == ["a", "b"]
    with pytest.raises(InvalidInput):
        store.create_user(account, "bob", tags=[("a", "1"), ("A", "2")])
    with pytest.raises(NoSuchEntity):  # the failed create left nothing behind
        store.get_user(account, "bob")
    with pytest.raises(LimitExceeded):
        store.create_role(account, "r", TRUST, tags=[(f"k{i}", "v") for i in range(51)])
