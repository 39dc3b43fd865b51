"""OIDC and SAML identity providers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clearance.store import EntityAlreadyExists, LimitExceeded, NoSuchEntity, Store
from tests.store.conftest import OTHER_ACCOUNT, START


def test_oidc_provider(store: Store, account: str) -> None:
    provider = store.create_open_id_connect_provider(
        account, "https://token.example.com/realms/x/", ["app", "app", "cli"], ["a" * 40]
    )
    assert provider.url == "token.example.com/realms/x"
    assert provider.arn == f"arn:aws:iam::{account}:oidc-provider/token.example.com/realms/x"
    assert (provider.client_ids, provider.thumbprints, provider.created) == (
        ("app", "cli"),
        ("a" * 40,),
        START,
    )
    assert store.get_open_id_connect_provider(account, provider.arn) == provider
    with pytest.raises(
        EntityAlreadyExists,
        match=r"^Provider with url https://token.example.com/realms/x already exists.$",
    ):
        store.create_open_id_connect_provider(account, "https://token.example.com/realms/x")
    store.add_client_id_to_open_id_connect_provider(account, provider.arn, "web")
    store.add_client_id_to_open_id_connect_provider(account, provider.arn, "web")
    store.remove_client_id_from_open_id_connect_provider(account, provider.arn, "app")
    store.remove_client_id_from_open_id_connect_provider(account, provider.arn, "absent")
    store.update_open_id_connect_provider_thumbprint(account, provider.arn, ["b" * 40, "c" * 40])
    current = store.get_open_id_connect_provider(account, provider.arn)
    assert (current.client_ids, current.thumbprints) == (("cli", "web"), ("b" * 40, "c" * 40))
    assert store.find_open_id_connect_provider(account, "https://token.example.com/realms/x") == (
        current
    )
    assert store.find_open_id_connect_provider(account, "https://other.example.com") is None
    store.create_open_id_connect_provider(account, "https://a.example.com")
    assert [p.url for p in store.list_open_id_connect_providers(account)] == [
        "a.example.com",
        "token.example.com/realms/x",
    ]
    store.create_account(OTHER_ACCOUNT)
    missing = f"^OpenIDConnect Provider not found for arn {provider.arn}$"
    with pytest.raises(NoSuchEntity, match=missing):
        store.get_open_id_connect_provider(OTHER_ACCOUNT, provider.arn)
    store.delete_open_id_connect_provider(account, provider.arn)
    store.delete_open_id_connect_provider(account, provider.arn)  # idempotent, as on AWS
    with pytest.raises(NoSuchEntity, match=missing):
        store.get_open_id_connect_provider(account, provider.arn)


def test_oidc_client_id_quota(store: Store, account: str) -> None:
    provider = store.create_open_id_connect_provider(
        account, "https://idp.example.com", [f"c{i}" for i in range(100)]
    )
    with pytest.raises(LimitExceeded):
        store.add_client_id_to_open_id_connect_provider(account, provider.arn, "one-more")
    with pytest.raises(LimitExceeded):
        store.create_open_id_connect_provider(
            account, "https://idp2.example.com", [f"c{i}" for i in range(101)]
        )


def test_saml_provider(store: Store, account: str) -> None:
    until = START + timedelta(days=365)
    provider = store.create_saml_provider(account, "Okta", "<md1/>", valid_until=until)
    assert provider.arn == f"arn:aws:iam::{account}:saml-provider/Okta"
    assert (provider.metadata_document, provider.valid_until) == ("<md1/>", until)
    assert store.get_saml_provider(account, provider.arn) == provider
    with pytest.raises(EntityAlreadyExists):
        store.create_saml_provider(account, "OKTA", "<md/>")
    updated = store.update_saml_provider(account, provider.arn, "<md2/>")
    assert (updated.metadata_document, updated.valid_until) == ("<md2/>", None)
    assert store.get_saml_provider(account, provider.arn) == updated
    store.create_saml_provider(account, "adfs", "<md/>")
    assert [p.name for p in store.list_saml_providers(account)] == ["adfs", "Okta"]
    store.delete_saml_provider(account, provider.arn)
    with pytest.raises(NoSuchEntity, match=f"SAMLProvider {provider.arn} not found."):
        store.get_saml_provider(account, provider.arn)
    with pytest.raises(NoSuchEntity):
        store.delete_saml_provider(account, provider.arn)
