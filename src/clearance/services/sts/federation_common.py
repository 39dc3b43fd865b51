"""What AssumeRoleWithWebIdentity and AssumeRoleWithSAML share: their errors, the
anonymous caller, the role and its trust policy, session tags passed by an
identity provider, and issuing the session.

Both operations are unsigned: the caller is anonymous, and what it proves comes
from the token or assertion, verified against a provider registered in the role's
account. The trust policy alone decides (there is no requester side), with the
provider's ARN as the principal (``Principal: {"Federated": ...}``) and the
context keys AWS derives from the token. Session policies, the packed size and
the ``Credentials`` shape are AssumeRole's (:mod:`clearance.services.sts.credentials`).
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html

Integration (outside this package):

- the gateway's ``_caller`` returns :func:`anonymous_caller` when
  ``auth.anonymous`` (today it raises InvalidClientTokenId for the missing key);
  ``CallerKind`` gains ``"anonymous"`` and the Authorizer's principal types
  ``"anonymous": "Anonymous"``;
- ``Authorizer.context_of`` adds the keys a federated session keeps,
  ``session.attributes["context"]`` (``<provider>:sub``, ``saml:sub``...; lists
  become tuples), so that permission policies can use them as AWS allows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from clearance.arn import parse_arn
from clearance.engine import (
    ANONYMOUS,
    ContextValue,
    NamedPolicy,
    PolicySet,
    Request,
    ResourcePolicyKind,
    evaluate,
    parse_principal,
)
from clearance.errors import ClearanceError
from clearance.policy import read_policy
from clearance.protocol.errors import ValidationError
from clearance.services.authorize import with_chains
from clearance.services.context import CallContext, Caller
from clearance.services.errors import AccessDenied
from clearance.services.sts.credentials import (
    ROLE_DEFAULT_DURATION,
    PackedPolicyTooLarge,
    SessionPolicies,
    SessionTags,
    check_packed_size,
    credentials_shape,
    expiry,
    session_policies,
    tag_context,
)
from clearance.store import NoSuchEntity, Role, SessionSpec, Tag

__all__ = [
    "SESSION_NAME",
    "ExpiredTokenException",
    "FederatedSession",
    "IDPCommunicationError",
    "IDPRejectedClaim",
    "InvalidIdentityToken",
    "PackedPolicyTooLarge",
    "SessionPolicies",
    "SessionTags",
    "anonymous_caller",
    "authorize_trust",
    "check_source_identity",
    "find_role",
    "idp_session_tags",
    "issue_session",
    "request_context",
    "role_account",
    "role_duration",
    "session_policies",
]

log = logging.getLogger("clearance.sts")

MAX_SESSION_TAGS = 50
_TAG_KEY = re.compile(r"[\w\s.:/=+\-@]{1,128}")
_TAG_VALUE = re.compile(r"[\w\s.:/=+\-@]{0,256}")
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
SOURCE_IDENTITY = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)


# -- errors (codes and statuses from botocore's STS model) ------------------------------


class InvalidIdentityToken(ClearanceError):
    """The token or assertion is malformed, unsigned, badly signed or not for AWS."""

    code = "InvalidIdentityToken"
    http_status = 400


class ExpiredTokenException(ClearanceError):
    """The web identity token or SAML assertion has expired."""

    code = "ExpiredTokenException"
    http_status = 400


class IDPRejectedClaim(ClearanceError):
    """The identity provider reported that authentication failed."""

    code = "IDPRejectedClaim"
    http_status = 403


class IDPCommunicationError(ClearanceError):
    """The identity provider could not be reached (transient: clients retry)."""

    code = "IDPCommunicationError"
    http_status = 400


# -- the caller ----------------------------------------------------------------------------


def anonymous_caller() -> Caller:
    """The Caller of an unsigned request (AssumeRoleWithWebIdentity / WithSAML).

    The gateway's ``_caller`` returns this when the request is unsigned."""
    return Caller(
        account_id="",
        arn=ANONYMOUS,
        kind="anonymous",
        principal_id=ANONYMOUS,
        access_key_id="",
    )


# -- the role --------------------------------------------------------------------------


def role_account(role_arn: str) -> str:
    """The account of the role a RoleArn names (where the provider must be)."""
    parsed = parse_arn(role_arn)
    if parsed is None or parsed.service != "iam" or not parsed.resource.startswith("role/"):
        raise ValidationError(f"{role_arn} is invalid")
    return parsed.account


def find_role(ctx: CallContext, role_arn: str, action: str) -> Role:
    """The role a RoleArn names, path included. AWS answers a missing role as a
    trust denial (it does not reveal which)."""
    account = role_account(role_arn)
    resource = role_arn.split(":", 5)[5]
    name = resource.rsplit("/", 1)[-1]
    try:
        role = ctx.store.get_role(account, name)
    except NoSuchEntity:
        raise AccessDenied(f"Not authorized to perform {action}") from None
    if role.path != resource[len("role") : -len(name)]:
        raise AccessDenied(f"Not authorized to perform {action}")
    return role


def role_duration(role: Role, requested: int | None) -> int:
    """DurationSeconds: 900 s (the model's minimum) up to the role's maximum."""
    duration = ROLE_DEFAULT_DURATION if requested is None else int(requested)
    if duration > role.max_session_duration:
        raise ValidationError(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )
    return duration


# -- session tags ------------------------------------------------------------------------


def idp_session_tags(
    pairs: Iterable[tuple[object, object]], transitive: Iterable[object]
) -> SessionTags:
    """Session tags an identity provider passes (a token claim, ``PrincipalTag:``
    attributes), validated as STS validates the ``Tags`` parameter.

    :raises InvalidIdentityToken: a bad key or value, ``aws:``, duplicates,
        more than 50, or a transitive key that is not a tag."""
    tags: list[Tag] = []
    seen: set[str] = set()
    for key, value in pairs:
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidIdentityToken("Session tag keys and values must be strings.")
        if not _TAG_KEY.fullmatch(key) or not _TAG_VALUE.fullmatch(value):
            raise InvalidIdentityToken(f"Session tag {key!r} has an invalid key or value.")
        if key.lower().startswith("aws:"):
            raise InvalidIdentityToken("Session tag keys cannot start with 'aws:'.")
        if key.lower() in seen:
            raise InvalidIdentityToken(
                f"Duplicate session tag key {key!r} (tag keys are case-insensitive)."
            )
        seen.add(key.lower())
        tags.append(Tag(key, value))
    if len(tags) > MAX_SESSION_TAGS:
        raise InvalidIdentityToken(f"Cannot pass more than {MAX_SESSION_TAGS} session tags.")
    keys: list[str] = []
    for key in transitive:
        if not isinstance(key, str) or key.lower() not in seen:
            raise InvalidIdentityToken(f"Transitive tag key {key!r} is not a session tag.")
        if key not in keys:
            keys.append(key)
    passed, transitive_keys = tuple(tags), tuple(keys)
    return SessionTags(passed, transitive_keys, passed, transitive_keys)


def check_source_identity(value: object, error: type[ClearanceError]) -> str:
    """A source identity set by an identity provider: 2–64 of ``[\\w+=,.@-]``, not ``aws:``."""
    if (
        not isinstance(value, str)
        or not SOURCE_IDENTITY.fullmatch(value)
        or value.lower().startswith("aws:")
    ):
        raise error('Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"')
    return value


# -- the trust policy ----------------------------------------------------------------------


def request_context(ctx: CallContext) -> dict[str, ContextValue]:
    """The global keys every request carries (lower-cased, as the engine reads them)."""
    now = ctx.now
    values: dict[str, ContextValue] = {
        "aws:currenttime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:epochtime": str(int(now.timestamp())),
        "aws:securetransport": "true" if ctx.secure else "false",
        "aws:requestedregion": ctx.region,
    }
    if ctx.source_ip:
        values["aws:sourceip"] = ctx.source_ip
    if ctx.user_agent:
        values["aws:useragent"] = ctx.user_agent
    return values


def authorize_trust(
    ctx: CallContext,
    role: Role,
    principals: Sequence[str],
    action: str,
    context: Mapping[str, ContextValue],
    *,
    tags: SessionTags,
    source_identity: str | None,
) -> None:
    """The role's trust policy must allow ``action`` (and ``sts:TagSession`` when
    the provider passes tags, ``sts:SetSourceIdentity`` when it sets a source
    identity) for one of ``principals`` (the provider's ARN, or a well-known
    provider's name as well).

    :raises AccessDenied: ``Not authorized to perform <action>``, AWS's wording.
    """
    extra: dict[str, ContextValue] = dict(tag_context(tags))
    if source_identity is not None:
        extra["sts:SourceIdentity"] = source_identity
    # The role's account's organization keys (aws:ResourceOrgID...); the
    # caller, an identity provider's user, is in no organization.
    values = ctx.authorizer.org_keys(None, role.account_id)
    values.update((key.lower(), value) for key, value in {**context, **extra}.items())
    actions = [action]
    if tags.tagging:
        actions.append("sts:TagSession")
    if source_identity is not None:
        actions.append("sts:SetSourceIdentity")
    try:
        policies = PolicySet(resource=NamedPolicy(role.arn, read_policy(role.assume_role_policy)))
        # RCPs bind sts:AssumeRoleWith* on a member account's roles.
        policies = with_chains(policies, (), ctx.authorizer.standing(role.account_id).rcp)
    except ClearanceError:
        log.warning("the trust policy of %s does not parse", role.arn)
        raise AccessDenied(f"Not authorized to perform {action}") from None
    for needed in actions:
        if not any(_allows(ctx, policies, p, needed, role, values) for p in principals):
            raise AccessDenied(f"Not authorized to perform {action}")


def _allows(
    ctx: CallContext,
    policies: PolicySet,
    principal_arn: str,
    action: str,
    role: Role,
    context: Mapping[str, ContextValue],
) -> bool:
    request = Request(
        principal=parse_principal(principal_arn, role.account_id),
        action=action,
        resource=role.arn,
        context=context,
        resource_account=role.account_id,
        resource_policy_kind=ResourcePolicyKind.TRUST,
    )
    decision = evaluate(request, policies)
    ctx.record(request, policies, decision)
    return decision.allowed


# -- issuing the session -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FederatedSession:
    """What the two operations decided; :func:`issue_session` stores it."""

    role: Role
    session_name: str
    seconds: int
    provider: str  # aws:FederatedProvider: the provider's ARN (or a well-known name)
    policies: SessionPolicies
    tags: SessionTags
    source_identity: str | None = None
    # Condition keys the session keeps for later requests (``<provider>:sub``...).
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)


def issue_session(ctx: CallContext, decided: FederatedSession) -> dict[str, Any]:
    """Check the packed size, store the session; the result members both
    operations return."""
    packed = check_packed_size(decided.policies, decided.tags.tags)
    role = decided.role
    arn = f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/{decided.session_name}"
    attributes: dict[str, Any] = {
        "role_arn": role.arn,
        "context": {k: list(v) if isinstance(v, tuple) else v for k, v in decided.context.items()},
        "federation": dict(decided.details),
    }
    new = ctx.store.create_session(
        SessionSpec(
            account_id=role.account_id,
            kind="AssumedRole",
            principal_arn=arn,
            principal_id=f"{role.id}:{decided.session_name}",
            expires=expiry(ctx.now, decided.seconds),
            role_id=role.id,
            session_name=decided.session_name,
            source_identity=decided.source_identity,
            session_policy=decided.policies.policy,
            policy_arns=decided.policies.policy_arns,
            tags=decided.tags.tags,
            transitive_tag_keys=decided.tags.transitive_tag_keys,
            federated_provider=decided.provider,
            attributes=attributes,
        )
    )
    _record_role_use(ctx, role)
    result: dict[str, Any] = {
        "Credentials": credentials_shape(new),
        "AssumedRoleUser": {"AssumedRoleId": new.session.principal_id, "Arn": arn},
    }
    if decided.policies.given or decided.tags.tags:
        result["PackedPolicySize"] = packed
    if decided.source_identity is not None:
        result["SourceIdentity"] = decided.source_identity
    return result


def _record_role_use(ctx: CallContext, role: Role) -> None:
    """RoleLastUsed (GetRole), at most once a minute per role: AWS reports it to the day."""
    last = role.last_used
    if last is not None and (ctx.now - last).total_seconds() < 60:
        return
    try:
        ctx.store.record_role_use(role.id, ctx.region, ctx.now)
    except Exception:
        log.warning("recording the use of role %s failed", role.arn, exc_info=True)
