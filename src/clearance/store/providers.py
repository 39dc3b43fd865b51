"""Identity providers for federation: OpenID Connect and SAML (used by STS).

An OIDC provider is known by its issuer URL without ``https://`` (as its ARN
and GetOpenIDConnectProvider show it); a SAML provider by its name. Client
ids and thumbprints are kept as JSON lists, in the order given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from clearance.store.base import StoreBase, check_account_quota
from clearance.store.errors import EntityAlreadyExists, NoSuchEntity, quota_exceeded
from clearance.store.ids import OIDC_PROVIDER_PREFIX, SAML_PROVIDER_PREFIX
from clearance.store.lookup import find_oidc_provider, find_saml_provider
from clearance.store.records import OidcProvider, SamlProvider
from clearance.store.schema import oidc_providers, saml_providers
from clearance.store.tags import TagInput, delete_tags, write_tags

__all__ = ["CLIENT_IDS_PER_PROVIDER", "ProvidersMixin", "oidc_url"]

CLIENT_IDS_PER_PROVIDER = 100


def oidc_url(url: str) -> str:
    """The form AWS keeps: no scheme, no trailing slash."""
    for scheme in ("https://", "http://"):
        if url.lower().startswith(scheme):
            url = url[len(scheme) :]
    return url.rstrip("/")


def _oidc(row: Row[Any]) -> OidcProvider:
    return OidcProvider(
        account_id=row.account_id,
        url=row.url,
        client_ids=tuple(json.loads(row.client_ids)),
        thumbprints=tuple(json.loads(row.thumbprints)),
        created=row.created_at,
    )


def _saml(row: Row[Any]) -> SamlProvider:
    return SamlProvider(
        row.account_id, row.name, row.metadata_document, row.created_at, row.valid_until
    )


class ProvidersMixin(StoreBase):
    # OpenID Connect
    def create_open_id_connect_provider(
        self,
        account_id: str,
        url: str,
        client_ids: Sequence[str] = (),
        thumbprints: Sequence[str] = (),
        *,
        tags: TagInput = (),
    ) -> OidcProvider:
        """CreateOpenIDConnectProvider. Raises EntityAlreadyExists for a known URL."""
        stored = oidc_url(url)
        with self._write(account_id) as tx:
            conn = tx.conn
            exists = conn.execute(
                sa.select(oidc_providers.c.id).where(
                    oidc_providers.c.account_id == account_id, oidc_providers.c.url == stored
                )
            ).first()
            if exists is not None:
                raise EntityAlreadyExists(f"Provider with url https://{stored} already exists.")
            check_account_quota(
                conn,
                oidc_providers,
                account_id,
                "OpenIdConnectProvidersPerAccount",
                self._quotas.oidc_providers_per_account,
            )
            clients = list(dict.fromkeys(client_ids))
            if len(clients) > CLIENT_IDS_PER_PROVIDER:
                raise quota_exceeded("ClientIdsPerOpenIdConnectProvider", CLIENT_IDS_PER_PROVIDER)
            provider_id = self._ids.unique_id(OIDC_PROVIDER_PREFIX)
            conn.execute(
                sa.insert(oidc_providers).values(
                    id=provider_id,
                    account_id=account_id,
                    url=stored,
                    client_ids=json.dumps(clients),
                    thumbprints=json.dumps(list(thumbprints)),
                    created_at=tx.now,
                )
            )
            write_tags(
                conn,
                provider_id,
                tags,
                "TagsPerOpenIDConnectProvider",
                self._quotas.tags_per_resource,
            )
            return OidcProvider(account_id, stored, tuple(clients), tuple(thumbprints), tx.now)

    def get_open_id_connect_provider(self, account_id: str, arn: str) -> OidcProvider:
        with self._read() as conn:
            return _oidc(find_oidc_provider(conn, account_id, arn))

    def find_open_id_connect_provider(self, account_id: str, issuer: str) -> OidcProvider | None:
        """The provider whose URL is the token's ``iss`` (for AssumeRoleWithWebIdentity)."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(oidc_providers).where(
                    oidc_providers.c.account_id == account_id,
                    oidc_providers.c.url == oidc_url(issuer),
                )
            ).first()
            return None if row is None else _oidc(row)

    def list_open_id_connect_providers(self, account_id: str) -> tuple[OidcProvider, ...]:
        with self._read() as conn:
            rows = conn.execute(
                sa.select(oidc_providers)
                .where(oidc_providers.c.account_id == account_id)
                .order_by(oidc_providers.c.url)
            )
            return tuple(_oidc(row) for row in rows)

    def delete_open_id_connect_provider(self, account_id: str, arn: str) -> None:
        """Idempotent, as AWS's: deleting an absent provider succeeds."""
        with self._write(account_id) as tx:
            try:
                row = find_oidc_provider(tx.conn, account_id, arn)
            except NoSuchEntity:
                return
            delete_tags(tx.conn, row.id)
            tx.conn.execute(sa.delete(oidc_providers).where(oidc_providers.c.id == row.id))

    def _change_clients(self, account_id: str, arn: str, client_id: str, add: bool) -> None:
        with self._write(account_id) as tx:
            row = find_oidc_provider(tx.conn, account_id, arn)
            clients: list[str] = json.loads(row.client_ids)
            if add and client_id not in clients:
                if len(clients) >= CLIENT_IDS_PER_PROVIDER:
                    raise quota_exceeded(
                        "ClientIdsPerOpenIdConnectProvider", CLIENT_IDS_PER_PROVIDER
                    )
                clients.append(client_id)
            elif not add and client_id in clients:
                clients.remove(client_id)
            else:
                return
            tx.conn.execute(
                sa.update(oidc_providers)
                .where(oidc_providers.c.id == row.id)
                .values(client_ids=json.dumps(clients))
            )

    def add_client_id_to_open_id_connect_provider(
        self, account_id: str, arn: str, client_id: str
    ) -> None:
        self._change_clients(account_id, arn, client_id, add=True)

    def remove_client_id_from_open_id_connect_provider(
        self, account_id: str, arn: str, client_id: str
    ) -> None:
        """Idempotent: removing an absent client id succeeds."""
        self._change_clients(account_id, arn, client_id, add=False)

    def update_open_id_connect_provider_thumbprint(
        self, account_id: str, arn: str, thumbprints: Sequence[str]
    ) -> None:
        with self._write(account_id) as tx:
            row = find_oidc_provider(tx.conn, account_id, arn)
            tx.conn.execute(
                sa.update(oidc_providers)
                .where(oidc_providers.c.id == row.id)
                .values(thumbprints=json.dumps(list(thumbprints)))
            )

    # SAML
    def create_saml_provider(
        self,
        account_id: str,
        name: str,
        metadata_document: str,
        *,
        valid_until: datetime | None = None,
        tags: TagInput = (),
    ) -> SamlProvider:
        with self._write(account_id) as tx:
            conn = tx.conn
            exists = conn.execute(
                sa.select(saml_providers.c.id).where(
                    saml_providers.c.account_id == account_id,
                    saml_providers.c.name_lower == name.lower(),
                )
            ).first()
            if exists is not None:
                raise EntityAlreadyExists(f"SAMLProvider {name} already exists.")
            check_account_quota(
                conn,
                saml_providers,
                account_id,
                "SAMLProvidersPerAccount",
                self._quotas.saml_providers_per_account,
            )
            provider_id = self._ids.unique_id(SAML_PROVIDER_PREFIX)
            conn.execute(
                sa.insert(saml_providers).values(
                    id=provider_id,
                    account_id=account_id,
                    name=name,
                    name_lower=name.lower(),
                    metadata_document=metadata_document,
                    created_at=tx.now,
                    valid_until=valid_until,
                )
            )
            write_tags(
                conn, provider_id, tags, "TagsPerSAMLProvider", self._quotas.tags_per_resource
            )
            return SamlProvider(account_id, name, metadata_document, tx.now, valid_until)

    def get_saml_provider(self, account_id: str, arn: str) -> SamlProvider:
        with self._read() as conn:
            return _saml(find_saml_provider(conn, account_id, arn))

    def list_saml_providers(self, account_id: str) -> tuple[SamlProvider, ...]:
        with self._read() as conn:
            rows = conn.execute(
                sa.select(saml_providers)
                .where(saml_providers.c.account_id == account_id)
                .order_by(saml_providers.c.name_lower)
            )
            return tuple(_saml(row) for row in rows)

    def update_saml_provider(
        self,
        account_id: str,
        arn: str,
        metadata_document: str,
        *,
        valid_until: datetime | None = None,
    ) -> SamlProvider:
        with self._write(account_id) as tx:
            row = find_saml_provider(tx.conn, account_id, arn)
            tx.conn.execute(
                sa.update(saml_providers)
                .where(saml_providers.c.id == row.id)
                .values(metadata_document=metadata_document, valid_until=valid_until)
            )
            return SamlProvider(
                account_id, row.name, metadata_document, row.created_at, valid_until
            )

    def delete_saml_provider(self, account_id: str, arn: str) -> None:
        with self._write(account_id) as tx:
            row = find_saml_provider(tx.conn, account_id, arn)
            delete_tags(tx.conn, row.id)
            tx.conn.execute(sa.delete(saml_providers).where(saml_providers.c.id == row.id))
