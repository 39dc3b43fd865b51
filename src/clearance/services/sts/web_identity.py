"""AssumeRoleWithWebIdentity: temporary credentials for the holder of an OpenID
Connect ID token (a JWT) from a provider registered in the role's account.

The token's ``iss`` names the IAM OIDC provider; its signature must verify with
one of the provider's keys (:mod:`~clearance.services.sts.oidc_keys`), RS256/384/512
or ES256/384/512; its ``aud`` (or ``azp``) must be one of the provider's client
ids; ``exp`` must be in the future and ``nbf`` past. The role's trust policy then
decides, with the provider's ARN as the federated principal and the keys
``<provider>:aud``, ``:sub``, ``:amr``, ``aws:FederatedProvider``,
``sts:RoleSessionName`` and the session tags of the token's
``https://aws.amazon.com/tags`` claim.
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, TypeGuard

import jwt
from jwt.types import Options

from clearance.engine import ContextValue
from clearance.services.context import CallContext
from clearance.services.registry import operation
from clearance.services.sts import oidc_keys
from clearance.services.sts.federation_common import (
    ExpiredTokenException,
    FederatedSession,
    IDPCommunicationError,
    InvalidIdentityToken,
    SessionTags,
    authorize_trust,
    check_source_identity,
    find_role,
    idp_session_tags,
    issue_session,
    request_context,
    role_account,
    role_duration,
    session_policies,
)
from clearance.store import OidcProvider

__all__ = ["assume_role_with_web_identity", "verified_claims"]

ACTION = "sts:AssumeRoleWithWebIdentity"
TAGS_CLAIM = "https://aws.amazon.com/tags"
SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity"
GOOGLE = "accounts.google.com"
# Providers AWS names by host in trust policies and aws:FederatedProvider.
WELL_KNOWN = frozenset(
    {GOOGLE, "cognito-identity.amazonaws.com", "graph.facebook.com", "www.amazon.com"}
)
NOT_BEFORE_SKEW = timedelta(minutes=5)  # an identity provider's clock may run ahead

NO_KEY = (
    "Couldn't retrieve verification key from your identity provider,  please reference "
    "AssumeRoleWithWebIdentity documentation for requirements"
)
_DECODE_OPTIONS: Options = {
    "verify_signature": True,
    "verify_exp": False,  # times are checked against the request's clock, not the system's
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "verify_sub": False,
    "verify_jti": False,
}


@operation("sts", "AssumeRoleWithWebIdentity", unsigned=True)
def assume_role_with_web_identity(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("ProviderId"):
        raise InvalidIdentityToken(
            "Clearance accepts OpenID Connect ID tokens only: OAuth 2.0 access tokens "
            "(ProviderId www.amazon.com, graph.facebook.com) are not supported."
        )
    role_arn = params["RoleArn"]
    session_name = params["RoleSessionName"]
    provider, claims = verified_claims(ctx, role_account(role_arn), params["WebIdentityToken"])
    audience = _audience(provider, claims)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidIdentityToken("The web identity token has no subject (sub).")
    tags = _tags_claim(claims.get(TAGS_CLAIM))
    source_identity = claims.get(SOURCE_IDENTITY_CLAIM)
    if source_identity is not None:
        source_identity = check_source_identity(source_identity, InvalidIdentityToken)
    role = find_role(ctx, role_arn, ACTION)
    policies = session_policies(ctx, params, role.account_id)
    duration = role_duration(role, params.get("DurationSeconds"))
    name = _provider_name(provider)
    keys = _provider_keys(provider, claims, audience, subject)
    context: dict[str, ContextValue] = {
        **request_context(ctx),
        **keys,
        "aws:federatedprovider": name,
        "sts:rolesessionname": session_name,
    }
    principals = [provider.arn, provider.url] if provider.url in WELL_KNOWN else [provider.arn]
    authorize_trust(
        ctx, role, principals, ACTION, context, tags=tags, source_identity=source_identity
    )
    result = issue_session(
        ctx,
        FederatedSession(
            role=role,
            session_name=session_name,
            seconds=duration,
            provider=name,
            policies=policies,
            tags=tags,
            source_identity=source_identity,
            context=keys,
            details={
                "type": "WebIdentity",
                "provider": name,
                "subject": subject,
                "audience": audience,
            },
        ),
    )
    result.update(SubjectFromWebIdentityToken=subject, Provider=name, Audience=audience)
    return result


def verified_claims(
    ctx: CallContext, account_id: str, token: str, keys: oidc_keys.KeyCache | None = None
) -> tuple[OidcProvider, dict[str, Any]]:
    """The provider a token names and the token's claims, once its signature,
    ``exp`` and ``nbf`` check out.

    :raises InvalidIdentityToken: malformed, unknown issuer, bad signature, not yet valid.
    :raises ExpiredTokenException: ``exp`` has passed.
    :raises IDPCommunicationError: the provider's keys could not be fetched.
    """
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise InvalidIdentityToken("The web identity token is not a valid JWT.") from None
    issuer = unverified.get("iss")
    provider = _provider(ctx, account_id, issuer)
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in oidc_keys.ALGORITHMS:
        raise InvalidIdentityToken(
            f"Unsupported signing algorithm {algorithm!r}: "
            f"use one of {', '.join(oidc_keys.ALGORITHMS)}."
        )
    kid = header.get("kid")
    claims = _verify(
        ctx,
        provider,
        token,
        algorithm,
        kid if isinstance(kid, str) else None,
        keys or oidc_keys.KEYS,
    )
    _check_times(claims, ctx.now)
    return provider, claims


def _provider(ctx: CallContext, account_id: str, issuer: object) -> OidcProvider:
    if not isinstance(issuer, str) or not issuer:
        raise InvalidIdentityToken("The web identity token has no issuer (iss).")
    # Google's ID tokens may carry "accounts.google.com" without a scheme.
    scheme = issuer.partition("://")[0].lower() if "://" in issuer else "https"
    provider = (
        ctx.store.find_open_id_connect_provider(account_id, issuer) if scheme == "https" else None
    )
    if provider is None:
        shown = issuer if "://" in issuer else f"https://{issuer}"
        raise InvalidIdentityToken(f"No OpenIDConnect provider found in your account for {shown}")
    return provider


def _verify(
    ctx: CallContext,
    provider: OidcProvider,
    token: str,
    algorithm: str,
    kid: str | None,
    cache: oidc_keys.KeyCache,
) -> dict[str, Any]:
    tags = {tag.key: tag.value for tag in _provider_tags(ctx, provider)}
    source = oidc_keys.key_source(provider.url, provider.thumbprints, tags)
    try:
        candidates = cache.candidates(source, kid, ctx.now)
    except oidc_keys.KeyUnreachable as error:
        raise IDPCommunicationError(
            f"Couldn't connect to the identity provider to retrieve its keys ({error})."
        ) from None
    except oidc_keys.KeyUnavailable:
        raise InvalidIdentityToken(NO_KEY) from None
    fitting = [key for key in candidates if key.fits(algorithm)]
    if not fitting:
        raise InvalidIdentityToken(NO_KEY)
    for key in fitting:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key.key, algorithms=[algorithm], options=_DECODE_OPTIONS
            )
        except jwt.PyJWTError:
            continue
        return claims
    raise InvalidIdentityToken(
        "The signature of the web identity token does not verify with the provider's keys."
    )


def _provider_tags(ctx: CallContext, provider: OidcProvider) -> tuple[Any, ...]:
    page = ctx.store.list_open_id_connect_provider_tags(provider.account_id, provider.arn)
    return tuple(page.items)


def _check_times(claims: Mapping[str, Any], now: datetime) -> None:
    current = now.timestamp()
    expires = claims.get("exp")
    if not _is_number(expires):
        raise InvalidIdentityToken("The web identity token has no expiration time (exp).")
    if current >= expires:
        # AWS's wording, missing space included.
        raise ExpiredTokenException(
            f"Token expired: current date/time {int(current)} must be before the "
            f"expiration date/time{int(expires)}"
        )
    not_before = claims.get("nbf")
    if not_before is not None:
        if not _is_number(not_before):
            raise InvalidIdentityToken("The web identity token's nbf is not a NumericDate.")
        if current + NOT_BEFORE_SKEW.total_seconds() < not_before:
            raise InvalidIdentityToken(
                f"Token is not valid yet: current date/time {int(current)} is before the "
                f"not-before date/time {int(not_before)}"
            )


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _audience(provider: OidcProvider, claims: Mapping[str, Any]) -> str:
    """The audience STS checks against the provider's client ids: ``aud`` (any of
    a list), or ``azp`` — only ``azp`` for Google when it is set."""
    raw = claims.get("aud")
    audiences = [raw] if isinstance(raw, str) else [a for a in raw or () if isinstance(a, str)]
    azp = claims.get("azp")
    if isinstance(azp, str):
        audiences = [azp] if provider.url == GOOGLE else [*audiences, azp]
    for audience in audiences:
        if audience in provider.client_ids:
            return audience
    raise InvalidIdentityToken("Incorrect token audience")


def _provider_name(provider: OidcProvider) -> str:
    """``aws:FederatedProvider`` and the result's Provider: the provider's ARN, or
    a well-known provider's host name."""
    return provider.url if provider.url in WELL_KNOWN else provider.arn


def _provider_keys(
    provider: OidcProvider, claims: Mapping[str, Any], audience: str, subject: str
) -> dict[str, ContextValue]:
    """``<provider url>:aud``, ``:sub``, ``:amr`` (and Google's ``:oaud``)."""
    prefix = provider.url.lower()
    keys: dict[str, ContextValue] = {f"{prefix}:aud": audience, f"{prefix}:sub": subject}
    amr = claims.get("amr")
    if isinstance(amr, str):
        keys[f"{prefix}:amr"] = (amr,)
    elif isinstance(amr, list):
        keys[f"{prefix}:amr"] = tuple(str(v) for v in amr)
    raw_aud = claims.get("aud")
    if provider.url == GOOGLE and isinstance(claims.get("azp"), str):
        keys[f"{prefix}:oaud"] = raw_aud if isinstance(raw_aud, str) else audience
    return keys


def _tags_claim(value: object) -> SessionTags:
    """``{"principal_tags": {"K": ["v"]}, "transitive_tag_keys": ["K"]}``."""
    if value is None:
        return SessionTags()
    if not isinstance(value, dict):
        raise InvalidIdentityToken(f"The {TAGS_CLAIM} claim must be an object.")
    principal = value.get("principal_tags") or {}
    transitive = value.get("transitive_tag_keys") or []
    if not isinstance(principal, dict) or not isinstance(transitive, list):
        raise InvalidIdentityToken(f"The {TAGS_CLAIM} claim is malformed.")
    pairs = []
    for key, values in principal.items():
        single = values[0] if isinstance(values, list) and len(values) == 1 else values
        if not isinstance(single, str):
            raise InvalidIdentityToken(f"Session tag {key!r} must have exactly one string value.")
        pairs.append((key, single))
    return idp_session_tags(pairs, transitive)
