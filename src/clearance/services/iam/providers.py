"""Identity providers for federation (used by STS's AssumeRoleWith*).

OpenID Connect: CreateOpenIDConnectProvider, GetOpenIDConnectProvider,
ListOpenIDConnectProviders, DeleteOpenIDConnectProvider,
AddClientIDToOpenIDConnectProvider, RemoveClientIDFromOpenIDConnectProvider,
UpdateOpenIDConnectProviderThumbprint, Tag/Untag/ListOpenIDConnectProviderTags.
The provider's ARN is ``arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH``.

SAML: CreateSAMLProvider, GetSAMLProvider, ListSAMLProviders, UpdateSAMLProvider,
DeleteSAMLProvider, Tag/Untag/ListSAMLProviderTags. The metadata document must
be SAML 2.0 metadata, an ``EntityDescriptor`` (``InvalidInput``: ``Could not
parse metadata``); its ``validUntil`` becomes the provider's ValidUntil.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from xml.parsers import expat

from clearance.engine import ContextValue
from clearance.errors import InvalidInput
from clearance.services.context import CallContext
from clearance.services.iam.common import (
    authorize,
    aws_resource_tag_context,
    request_tag_context,
    tag_input,
    tags_out,
)
from clearance.services.iam.tagging import register_tagging
from clearance.services.registry import operation
from clearance.store import LimitExceeded, NoSuchEntity, Tag
from clearance.store.providers import oidc_url

__all__ = ["SAML_METADATA_NS", "THUMBPRINTS_PER_PROVIDER", "parse_saml_metadata"]

THUMBPRINTS_PER_PROVIDER = 5
SAML_METADATA_NS = "urn:oasis:names:tc:SAML:2.0:metadata"


# -- OpenID Connect ---------------------------------------------------------------------


def _oidc_arn(ctx: CallContext, url: str) -> str:
    return f"arn:aws:iam::{ctx.account_id}:oidc-provider/{oidc_url(url)}"


def _check_oidc_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        valid = parts.scheme.lower() == "https" and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        valid = False
    if not valid or parts.query or parts.fragment or any(c.isspace() for c in url):
        raise InvalidInput("Invalid Open ID Connect Provider URL")


def _check_thumbprints(thumbprints: list[str]) -> None:
    if len(thumbprints) > THUMBPRINTS_PER_PROVIDER:
        raise LimitExceeded(
            f"Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: "
            f"{THUMBPRINTS_PER_PROVIDER}"
        )
    for thumbprint in thumbprints:
        if any(c not in "0123456789abcdefABCDEF" for c in thumbprint):
            raise InvalidInput(f"Thumbprint {thumbprint} is not a hexadecimal SHA-1 fingerprint.")


def _provider_tags(ctx: CallContext, kind: str, arn: str) -> tuple[Tag, ...]:
    try:
        if kind == "oidc":
            return ctx.store.list_open_id_connect_provider_tags(ctx.account_id, arn).items
        return ctx.store.list_saml_provider_tags(ctx.account_id, arn).items
    except NoSuchEntity:
        return ()


def _authorize_provider(
    ctx: CallContext,
    kind: str,
    action: str,
    arn: str,
    extra: dict[str, ContextValue] | None = None,
) -> None:
    context = {**aws_resource_tag_context(_provider_tags(ctx, kind, arn)), **(extra or {})}
    authorize(ctx, action, arn, context)


@operation("iam", "CreateOpenIDConnectProvider")
def create_open_id_connect_provider(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    url = params["Url"]
    tags = tag_input(params)
    _check_oidc_url(url)
    arn = _oidc_arn(ctx, url)
    context = request_tag_context(tags)
    authorize(ctx, "iam:CreateOpenIDConnectProvider", arn, context)
    if tags:
        authorize(ctx, "iam:TagOpenIDConnectProvider", arn, context)
    thumbprints = list(params.get("ThumbprintList") or ())
    _check_thumbprints(thumbprints)
    provider = ctx.store.create_open_id_connect_provider(
        ctx.account_id, url, params.get("ClientIDList") or (), thumbprints, tags=tags
    )
    result: dict[str, Any] = {"OpenIDConnectProviderArn": provider.arn}
    if tags:
        result["Tags"] = tags_out(tags)
    return result


@operation("iam", "GetOpenIDConnectProvider")
def get_open_id_connect_provider(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["OpenIDConnectProviderArn"]
    _authorize_provider(ctx, "oidc", "iam:GetOpenIDConnectProvider", arn)
    provider = ctx.store.get_open_id_connect_provider(ctx.account_id, arn)
    result: dict[str, Any] = {
        "Url": provider.url,
        "ClientIDList": list(provider.client_ids),
        "ThumbprintList": list(provider.thumbprints),
        "CreateDate": provider.created,
    }
    tags = _provider_tags(ctx, "oidc", arn)
    if tags:
        result["Tags"] = tags_out(tags)
    return result


@operation("iam", "ListOpenIDConnectProviders")
def list_open_id_connect_providers(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    authorize(
        ctx, "iam:ListOpenIDConnectProviders", f"arn:aws:iam::{ctx.account_id}:oidc-provider/*"
    )
    providers = ctx.store.list_open_id_connect_providers(ctx.account_id)
    return {"OpenIDConnectProviderList": [{"Arn": p.arn} for p in providers]}


@operation("iam", "DeleteOpenIDConnectProvider")
def delete_open_id_connect_provider(ctx: CallContext, params: dict[str, Any]) -> None:
    arn = params["OpenIDConnectProviderArn"]
    _authorize_provider(ctx, "oidc", "iam:DeleteOpenIDConnectProvider", arn)
    ctx.store.delete_open_id_connect_provider(ctx.account_id, arn)
    return None


@operation("iam", "AddClientIDToOpenIDConnectProvider")
def add_client_id(ctx: CallContext, params: dict[str, Any]) -> None:
    arn = params["OpenIDConnectProviderArn"]
    _authorize_provider(ctx, "oidc", "iam:AddClientIDToOpenIDConnectProvider", arn)
    ctx.store.add_client_id_to_open_id_connect_provider(ctx.account_id, arn, params["ClientID"])
    return None


@operation("iam", "RemoveClientIDFromOpenIDConnectProvider")
def remove_client_id(ctx: CallContext, params: dict[str, Any]) -> None:
    arn = params["OpenIDConnectProviderArn"]
    _authorize_provider(ctx, "oidc", "iam:RemoveClientIDFromOpenIDConnectProvider", arn)
    ctx.store.remove_client_id_from_open_id_connect_provider(
        ctx.account_id, arn, params["ClientID"]
    )
    return None


@operation("iam", "UpdateOpenIDConnectProviderThumbprint")
def update_thumbprint(ctx: CallContext, params: dict[str, Any]) -> None:
    arn = params["OpenIDConnectProviderArn"]
    _authorize_provider(ctx, "oidc", "iam:UpdateOpenIDConnectProviderThumbprint", arn)
    thumbprints = list(params["ThumbprintList"])
    _check_thumbprints(thumbprints)
    ctx.store.update_open_id_connect_provider_thumbprint(ctx.account_id, arn, thumbprints)
    return None


register_tagging(
    "OpenIDConnectProvider",
    "OpenIDConnectProviderArn",
    "open_id_connect_provider",
    lambda ctx, action, arn, extra: _authorize_provider(ctx, "oidc", action, arn, extra),
)


# -- SAML -------------------------------------------------------------------------------


class _MetadataError(Exception):
    pass


def parse_saml_metadata(document: str) -> datetime | None:
    """Check that ``document`` is SAML 2.0 metadata with an ``EntityDescriptor``
    root and return its ``validUntil``, if any.

    No DTD is accepted (so no entity expansion, internal or external).

    :raises InvalidInput: ``Could not parse metadata``.
    """
    root: list[tuple[str, dict[str, str]]] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        if not root:
            root.append((name, attributes))

    def no_doctype(*_: object) -> None:
        raise _MetadataError("DTDs are not accepted")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_doctype
    try:
        parser.Parse(document.encode("utf-8"), True)
    except (expat.ExpatError, _MetadataError, UnicodeError, ValueError):
        raise InvalidInput("Could not parse metadata") from None
    if not root or root[0][0] != f"{SAML_METADATA_NS} EntityDescriptor":
        raise InvalidInput("Could not parse metadata")
    valid_until = root[0][1].get("validUntil")
    if valid_until is None:
        return None
    try:
        parsed = datetime.fromisoformat(valid_until.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("Could not parse metadata") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@operation("iam", "CreateSAMLProvider")
def create_saml_provider(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name, document = params["Name"], params["SAMLMetadataDocument"]
    tags = tag_input(params)
    arn = f"arn:aws:iam::{ctx.account_id}:saml-provider/{name}"
    context = request_tag_context(tags)
    authorize(ctx, "iam:CreateSAMLProvider", arn, context)
    if tags:
        authorize(ctx, "iam:TagSAMLProvider", arn, context)
    valid_until = parse_saml_metadata(document)
    provider = ctx.store.create_saml_provider(
        ctx.account_id, name, document, valid_until=valid_until, tags=tags
    )
    result: dict[str, Any] = {"SAMLProviderArn": provider.arn}
    if tags:
        result["Tags"] = tags_out(tags)
    return result


@operation("iam", "GetSAMLProvider")
def get_saml_provider(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["SAMLProviderArn"]
    _authorize_provider(ctx, "saml", "iam:GetSAMLProvider", arn)
    provider = ctx.store.get_saml_provider(ctx.account_id, arn)
    result: dict[str, Any] = {
        "SAMLMetadataDocument": provider.metadata_document,
        "CreateDate": provider.created,
    }
    if provider.valid_until is not None:
        result["ValidUntil"] = provider.valid_until
    tags = _provider_tags(ctx, "saml", arn)
    if tags:
        result["Tags"] = tags_out(tags)
    return result


@operation("iam", "ListSAMLProviders")
def list_saml_providers(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    authorize(ctx, "iam:ListSAMLProviders", f"arn:aws:iam::{ctx.account_id}:saml-provider/*")
    items = []
    for provider in ctx.store.list_saml_providers(ctx.account_id):
        item: dict[str, Any] = {"Arn": provider.arn, "CreateDate": provider.created}
        if provider.valid_until is not None:
            item["ValidUntil"] = provider.valid_until
        items.append(item)
    return {"SAMLProviderList": items}


@operation("iam", "UpdateSAMLProvider")
def update_saml_provider(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["SAMLProviderArn"]
    _authorize_provider(ctx, "saml", "iam:UpdateSAMLProvider", arn)
    document = params.get("SAMLMetadataDocument")
    if document is None:
        current = ctx.store.get_saml_provider(ctx.account_id, arn)
        return {"SAMLProviderArn": current.arn}
    valid_until = parse_saml_metadata(document)
    provider = ctx.store.update_saml_provider(
        ctx.account_id, arn, document, valid_until=valid_until
    )
    return {"SAMLProviderArn": provider.arn}


@operation("iam", "DeleteSAMLProvider")
def delete_saml_provider(ctx: CallContext, params: dict[str, Any]) -> None:
    arn = params["SAMLProviderArn"]
    _authorize_provider(ctx, "saml", "iam:DeleteSAMLProvider", arn)
    ctx.store.delete_saml_provider(ctx.account_id, arn)
    return None


register_tagging(
    "SAMLProvider",
    "SAMLProviderArn",
    "saml_provider",
    lambda ctx, action, arn, extra: _authorize_provider(ctx, "saml", action, arn, extra),
)
