"""AssumeRole: temporary credentials of a role, for a caller the role trusts.
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html

Who may assume a role is decided by the engine, in one evaluation per action,
with the role's trust policy as the resource policy (ResourcePolicyKind.TRUST:
it must always allow explicitly) and the caller's identity policies, boundary
and session policies on the requester side:

- same account: a trust statement naming the caller itself (its user or
  session ARN) suffices; one naming the account (``arn:aws:iam::A:root``)
  delegates to the caller's identity policies, which must then allow too;
- across accounts: both sides must allow.

The actions are ``sts:AssumeRole``, plus ``sts:TagSession`` when the session
gets tags (passed, or transitive ones inherited in a role chain) and
``sts:SetSourceIdentity`` when it gets a source identity (passed or inherited).
The request context holds the caller's global keys and ``sts:RoleSessionName``,
``sts:ExternalId``, ``sts:SourceIdentity``, ``aws:MultiFactorAuthPresent`` /
``aws:MultiFactorAuthAge`` (MFA now, or carried by the calling session),
``aws:RequestTag/K``, ``aws:TagKeys`` and ``sts:TransitiveTagKeys``.

Denials are AccessDenied with AWS's message. AWS does not reveal trust
policies: when the trust policy is what denies, or the role is in another
account or does not exist, the message is the bare ``User: X is not authorized
to perform: sts:AssumeRole on resource: ROLE``.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock
from typing import Any

from clearance.arn import parse_arn
from clearance.engine import (
    ContextValue,
    Decision,
    NamedPolicy,
    PolicySet,
    PolicyType,
    Request,
    ResourcePolicyKind,
    denial_message,
    evaluate,
    parse_principal,
)
from clearance.policy import PolicyError, read_policy
from clearance.protocol.errors import ValidationError
from clearance.services.context import CallContext, Caller
from clearance.services.errors import AccessDenied
from clearance.services.registry import operation
from clearance.services.sts.credentials import (
    CHAINED_MAX_DURATION,
    ROLE_DEFAULT_DURATION,
    InvalidParameterValue,
    SessionPolicies,
    SessionTags,
    check_packed_size,
    credentials_shape,
    expiry,
    is_root,
    mfa_authentication,
    session_policies,
    session_tags,
    tag_context,
)
from clearance.services.sts.restrictions import check_credential_type
from clearance.store import NoSuchEntity, Role, SessionSpec

__all__ = [
    "ROOT_CANNOT_ASSUME",
    "authorize_assume",
    "role_session_arn",
    "trust_policy_set",
    "trust_request",
]

log = logging.getLogger("clearance.sts")

ROOT_CANNOT_ASSUME = "Roles may not be assumed by root accounts."
EXCEEDS_MAX = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
EXCEEDS_CHAIN = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
    "role chaining."
)
ROLE_USE_DEBOUNCE = timedelta(minutes=1)


def role_session_arn(role: Role, session_name: str) -> str:
    """``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`` (the role's path is dropped)."""
    return f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/{session_name}"


def trust_policy_set(identity_side: PolicySet, trust: NamedPolicy) -> PolicySet:
    """The caller's compiled policy set with the role's trust policy as its
    resource policy. The compiled groups are shared, not recompiled.

    (A candidate for ``PolicySet.with_resource`` in the engine.)"""
    combined = PolicySet(resource=trust)
    combined.identity = identity_side.identity
    combined.boundary = identity_side.boundary
    combined.session = identity_side.session
    combined.scp = identity_side.scp
    combined.rcp = identity_side.rcp
    combined.vpc_endpoint = identity_side.vpc_endpoint
    return combined


def trust_request(
    caller: Caller, role: Role, action: str, context: Mapping[str, ContextValue]
) -> Request:
    """The engine request of ``action`` on the role, judged by its trust policy."""
    return Request(
        principal=parse_principal(caller.arn, caller.account_id, caller.role_arn),
        action=action,
        resource=role.arn,
        context=context,
        resource_account=role.account_id,
        resource_policy_kind=ResourcePolicyKind.TRUST,
    )


def _bare(caller_arn: str, action: str, resource: str) -> str:
    return f"User: {caller_arn} is not authorized to perform: {action} on resource: {resource}"


def _denial(ctx: CallContext, request: Request, decision: Decision) -> str:
    if decision.denied_by in (PolicyType.SCP, PolicyType.RCP):
        # An organization's guardrail is named, as AWS does (its ARN only
        # within the organization).
        return ctx.authorizer.denial_text(ctx.caller, request, decision)
    trust_denied = decision.denied_by is PolicyType.RESOURCE
    if not request.same_account or trust_denied:
        return _bare(request.principal.arn, request.action, request.resource)
    return denial_message(request, decision) or _bare(
        request.principal.arn, request.action, request.resource
    )


def authorize_assume(
    ctx: CallContext,
    role: Role,
    actions: list[str],
    extra: Mapping[str, ContextValue],
) -> list[Decision]:
    """Evaluate each action against the role's trust policy and the caller's
    policies; raise AccessDenied at the first denial."""
    identity_side, principal_tags = ctx.authorizer.policies_of(ctx.caller)
    ctx.authorizer.refuse_closed(ctx.caller, actions[0], role.arn, role.account_id)
    # The caller's SCPs, the role's account's RCPs, and both accounts' org keys.
    identity_side = ctx.authorizer.for_resource(ctx.caller, identity_side, role.account_id)
    context = ctx.authorizer.request_context(ctx, principal_tags, extra, role.account_id)
    try:
        trust = NamedPolicy(role.arn, read_policy(role.assume_role_policy))
    except PolicyError:
        log.warning("the trust policy of %s does not parse", role.arn)
        raise AccessDenied(_bare(ctx.caller.arn, actions[0], role.arn)) from None
    policies = trust_policy_set(identity_side, trust)
    decisions = []
    for action in actions:
        request = trust_request(ctx.caller, role, action, context)
        decision = evaluate(request, policies)
        ctx.record(request, policies, decision)
        if not decision.allowed:
            raise AccessDenied(_denial(ctx, request, decision))
        decisions.append(decision)
    return decisions


# -- the operation ---------------------------------------------------------------------


def _find_role(ctx: CallContext, role_arn: str) -> Role:
    """The role the ARN names (path included); AccessDenied as AWS answers for a
    role that does not exist (it does not reveal which)."""
    arn = parse_arn(role_arn)
    if arn is None:
        raise ValidationError(f"{role_arn} is invalid")
    denied = AccessDenied(_bare(ctx.caller.arn, "sts:AssumeRole", role_arn))
    if arn.service != "iam" or not arn.account or not arn.resource.startswith("role/"):
        raise denied
    name = arn.resource.rsplit("/", 1)[-1]
    try:
        role = ctx.store.get_role(arn.account, name)
    except NoSuchEntity:
        raise denied from None
    if role.path != arn.resource[len("role") : -len(name)]:
        raise denied
    return role


def _duration(params: dict[str, Any], role: Role, chained: bool) -> int:
    requested = params.get("DurationSeconds")
    if requested is None:
        return ROLE_DEFAULT_DURATION
    seconds = int(requested)
    if chained and seconds > CHAINED_MAX_DURATION:
        raise ValidationError(EXCEEDS_CHAIN)
    if seconds > role.max_session_duration:
        raise ValidationError(EXCEEDS_MAX)
    return seconds


def _source_identity(params: dict[str, Any], caller: Caller) -> str | None:
    """The passed SourceIdentity (the model's pattern already excludes ``aws:``),
    else the calling session's: once set it sticks through a role chain."""
    passed = params.get("SourceIdentity")
    inherited = caller.session.source_identity if caller.session else None
    if inherited and passed and passed != inherited:
        raise InvalidParameterValue(
            f"The source identity cannot be changed: the calling session's source identity "
            f"is {inherited}."
        )
    return passed or inherited


@dataclass(frozen=True, slots=True)
class _Mfa:
    present: bool
    authenticated: datetime | None


def _mfa(ctx: CallContext, params: dict[str, Any]) -> _Mfa:
    """MFA verified now, or carried by the calling session."""
    now = mfa_authentication(ctx, params)
    if now is not None:
        return _Mfa(True, now)
    session = ctx.caller.session
    if session is not None and session.mfa_present:
        return _Mfa(True, session.mfa_authenticated)
    return _Mfa(False, None)


def _context(
    ctx: CallContext,
    params: dict[str, Any],
    mfa: _Mfa,
    source_identity: str | None,
    tags: SessionTags,
) -> dict[str, ContextValue]:
    extra: dict[str, ContextValue] = {"sts:RoleSessionName": params["RoleSessionName"]}
    if params.get("ExternalId") is not None:
        extra["sts:ExternalId"] = params["ExternalId"]
    if source_identity:
        extra["sts:SourceIdentity"] = source_identity
    if mfa.present:
        extra["aws:MultiFactorAuthPresent"] = "true"
        if mfa.authenticated is not None:
            age = int((ctx.now - mfa.authenticated).total_seconds())
            extra["aws:MultiFactorAuthAge"] = str(max(age, 0))
    elif ctx.caller.session is not None:
        extra["aws:MultiFactorAuthPresent"] = "false"
    extra.update(tag_context(tags))
    return extra


_recorded: OrderedDict[str, datetime] = OrderedDict()
_recorded_lock = Lock()


def _record_role_use(ctx: CallContext, role: Role) -> None:
    """RoleLastUsed: at most one write a minute per role from this process."""
    with _recorded_lock:
        last = _recorded.get(role.id)
        if last is not None and ctx.now - last < ROLE_USE_DEBOUNCE:
            return
        _recorded[role.id] = ctx.now
        _recorded.move_to_end(role.id)
        while len(_recorded) > 4096:
            _recorded.popitem(last=False)
    try:
        ctx.store.record_role_use(role.id, ctx.region, ctx.now)
    except Exception:
        log.warning("recording the use of role %s failed", role.arn, exc_info=True)


@operation("sts", "AssumeRole")
def assume_role(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    check_credential_type(ctx)  # also in the gateway; kept for these credential issuers
    caller = ctx.caller
    if is_root(caller):
        raise AccessDenied(ROOT_CANNOT_ASSUME)
    role = _find_role(ctx, params["RoleArn"])
    session_name = params["RoleSessionName"]
    seconds = _duration(params, role, chained=caller.kind == "role_session")
    policies: SessionPolicies = session_policies(ctx, params, role.account_id)
    tags = session_tags(params, caller.session)
    source_identity = _source_identity(params, caller)
    mfa = _mfa(ctx, params)

    actions = ["sts:AssumeRole"]
    if tags.tagging:
        actions.append("sts:TagSession")
    if source_identity:
        actions.append("sts:SetSourceIdentity")
    authorize_assume(ctx, role, actions, _context(ctx, params, mfa, source_identity, tags))
    packed = check_packed_size(policies, tags.tags)

    arn = role_session_arn(role, session_name)
    new = ctx.store.create_session(
        SessionSpec(
            account_id=role.account_id,
            kind="AssumedRole",
            principal_arn=arn,
            principal_id=f"{role.id}:{session_name}",
            expires=expiry(ctx.now, seconds),
            role_id=role.id,
            session_name=session_name,
            source_identity=source_identity,
            mfa_present=mfa.present,
            mfa_authenticated=mfa.authenticated,
            session_policy=policies.policy,
            policy_arns=policies.policy_arns,
            tags=tags.tags,
            transitive_tag_keys=tags.transitive_tag_keys,
            source_access_key_id=caller.access_key_id or None,
            attributes={"role_arn": role.arn, "source_arn": caller.arn},
        )
    )
    _record_role_use(ctx, role)
    result: dict[str, Any] = {
        "Credentials": credentials_shape(new),
        "AssumedRoleUser": {"AssumedRoleId": new.session.principal_id, "Arn": arn},
    }
    if policies.given or tags.tags:
        result["PackedPolicySize"] = packed
    if source_identity:
        result["SourceIdentity"] = source_identity
    return result
