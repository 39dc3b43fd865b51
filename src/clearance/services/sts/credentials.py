"""What the STS operations that issue credentials share: durations, the
``Credentials`` shape, session policies and tags, the packed-size check, MFA
codes, and STS's errors.

Durations (seconds, STS API reference)::

    AssumeRole             900 .. role's MaxSessionDuration, default 3600;
                           role chaining at most 3600
    GetSessionToken        900 .. 129600, default 43200; root user at most 3600
    GetFederationToken     900 .. 129600, default 43200; root user at most 3600

The model's bounds (900 and the operation's maximum) are checked by the wire
layer with AWS's ValidationError wording; the role's maximum and role chaining
here. The root user's longer durations are cut to an hour, as AWS does.

Packed size. STS packs the session policies and session tags of a request into
the session token in a compressed binary form whose size it limits and reports
(``PackedPolicySize``, a percentage). AWS does not publish the encoding;
Clearance packs the minified inline policy, the managed policy ARNs and the
tags with DEFLATE and reports the share of :data:`PACKED_BUDGET` bytes,
calibrated on AWS's documented GetFederationToken example (36 %). Over 100 %
answers ``PackedPolicyTooLarge``.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from clearance.errors import ClearanceError, MalformedPolicyDocument
from clearance.policy import PolicyKind, parse_policy
from clearance.protocol.constraints import show_value
from clearance.protocol.errors import ValidationError
from clearance.services.context import CallContext, Caller
from clearance.services.errors import AccessDenied
from clearance.services.iam.mfa import MfaCheck, use_token_code
from clearance.store import NewSession, NoSuchEntity, Session, Tag

__all__ = [
    "CHAINED_MAX_DURATION",
    "MAX_POLICY_ARNS",
    "MIN_DURATION",
    "PACKED_BUDGET",
    "ROLE_DEFAULT_DURATION",
    "ROOT_MAX_DURATION",
    "TOKEN_DEFAULT_DURATION",
    "InvalidParameterValue",
    "PackedPolicyTooLarge",
    "SessionPolicies",
    "SessionTags",
    "check_packed_size",
    "credentials_shape",
    "expiry",
    "is_root",
    "mfa_authentication",
    "packed_percent",
    "session_policies",
    "session_tags",
    "tag_context",
]

MIN_DURATION = 900
ROLE_DEFAULT_DURATION = 3600
CHAINED_MAX_DURATION = 3600
TOKEN_DEFAULT_DURATION = 43200
ROOT_MAX_DURATION = 3600
MAX_POLICY_ARNS = 10
PACKED_BUDGET = 560  # DEFLATE bytes of policies and tags that fill 100 %

MFA_MISSING = (
    "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code."
)
MFA_NOT_ASSOCIATED = (
    "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA "
    "serial number is valid and associated with this user."
)
MFA_INVALID = "MultiFactorAuthentication failed with invalid MFA one time pass code. "


class PackedPolicyTooLarge(ClearanceError):
    code = "PackedPolicyTooLarge"
    http_status = 400


class InvalidParameterValue(ClearanceError):
    code = "InvalidParameterValue"
    http_status = 400


def is_root(caller: Caller) -> bool:
    """The root user, with its long-term keys or a GetSessionToken session."""
    return caller.kind == "root" or caller.arn == f"arn:aws:iam::{caller.account_id}:root"


def expiry(now: datetime, seconds: int) -> datetime:
    """When credentials issued ``now`` for ``seconds`` expire (whole seconds, as AWS shows)."""
    return (now + timedelta(seconds=seconds)).replace(microsecond=0)


def credentials_shape(new: NewSession) -> dict[str, Any]:
    return {
        "AccessKeyId": new.session.access_key_id,
        "SecretAccessKey": new.secret_access_key,
        "SessionToken": new.session_token,
        "Expiration": new.session.expires,
    }


# -- session policies ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionPolicies:
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()

    @property
    def given(self) -> bool:
        return self.policy is not None or bool(self.policy_arns)


def session_policies(ctx: CallContext, params: dict[str, Any], account_id: str) -> SessionPolicies:
    """``Policy`` (validated as a session policy) and ``PolicyArns`` (at most ten
    managed policies of ``account_id``, the role's, or AWS managed ones)."""
    policy = params.get("Policy")
    if policy is not None:
        parse_policy(policy, PolicyKind.SESSION)
    described = params.get("PolicyArns") or []
    arns = tuple(str(item.get("arn") or "") for item in described)
    if len(arns) > MAX_POLICY_ARNS:
        raise ValidationError(
            f"1 validation error detected: Value {show_value(described, False)} at 'policyArns' "
            f"failed to satisfy constraint: Member must have length less than or equal to "
            f"{MAX_POLICY_ARNS}"
        )
    if arns:
        try:
            ctx.store.managed_policy_documents(account_id, arns)
        except NoSuchEntity as missing:
            raise MalformedPolicyDocument(
                f"{missing.message} Session policy ARNs must name managed policies of the "
                "role's account or AWS managed policies."
            ) from None
    return SessionPolicies(policy, arns)


# -- session tags ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionTags:
    """The tags a new session carries and which of them are transitive.

    ``passed``: the request's own ``Tags``; ``tags`` adds the transitive tags
    inherited from the calling session (role chaining)."""

    tags: tuple[Tag, ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    passed: tuple[Tag, ...] = ()
    passed_transitive: tuple[str, ...] = ()

    @property
    def tagging(self) -> bool:
        """Whether the request sets session tags (sts:TagSession must allow it)."""
        return bool(self.tags)


def session_tags(params: dict[str, Any], calling: Session | None = None) -> SessionTags:
    passed = tuple(Tag(t["Key"], t["Value"]) for t in params.get("Tags") or ())
    keys = [tag.key.lower() for tag in passed]
    if len(set(keys)) != len(keys):
        raise InvalidParameterValue(
            "Duplicate tag keys found. Please note that Tag keys are case insensitive."
        )
    transitive = tuple(params.get("TransitiveTagKeys") or ())
    if any(key.lower() not in keys for key in transitive):
        raise InvalidParameterValue(
            "The specified transitive tag key must be included in the requested tags."
        )
    inherited_keys: tuple[str, ...] = ()
    inherited: tuple[Tag, ...] = ()
    if calling is not None and calling.transitive_tag_keys:
        wanted = {key.lower() for key in calling.transitive_tag_keys}
        inherited = tuple(t for t in calling.tags if t.key.lower() in wanted)
        inherited_keys = tuple(calling.transitive_tag_keys)
        if wanted & set(keys):
            raise InvalidParameterValue(
                "One of the specified transitive tag keys can't be set because it conflicts "
                "with a transitive tag key from the calling session."
            )
    return SessionTags(
        inherited + passed,
        _unique(inherited_keys + transitive),
        passed,
        transitive,
    )


def _unique(keys: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for key in keys:
        seen.setdefault(key.lower(), key)
    return tuple(seen.values())


def tag_context(tags: SessionTags) -> dict[str, Any]:
    """``aws:RequestTag/K``, ``aws:TagKeys`` and ``sts:TransitiveTagKeys`` of the request."""
    context: dict[str, Any] = {}
    for tag in tags.passed:
        context[f"aws:RequestTag/{tag.key}"] = tag.value
    if tags.passed:
        context["aws:TagKeys"] = tuple(tag.key for tag in tags.passed)
    if tags.passed_transitive:
        context["sts:TransitiveTagKeys"] = tuple(tags.passed_transitive)
    return context


# -- packed size -----------------------------------------------------------------------


def _minified(policy: str) -> str:
    try:
        return json.dumps(json.loads(policy), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        return policy


def _packed_bytes(text: str) -> int:
    if not text:
        return 0
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return len(packer.compress(text.encode("utf-8")) + packer.flush())


def packed_percent(policies: SessionPolicies, tags: Iterable[Tag] = ()) -> tuple[int, int]:
    """(policies', tags') shares of the packed budget, in percent (rounded up)."""
    policy_text = _minified(policies.policy) if policies.policy else ""
    policy_text += "".join(policies.policy_arns)
    tag_text = "".join(f"{tag.key}={tag.value};" for tag in tags)
    return (
        math.ceil(100 * _packed_bytes(policy_text) / PACKED_BUDGET),
        math.ceil(100 * _packed_bytes(tag_text) / PACKED_BUDGET),
    )


def check_packed_size(policies: SessionPolicies, tags: Iterable[Tag] = ()) -> int:
    """``PackedPolicySize``; raises PackedPolicyTooLarge beyond 100 %."""
    tag_list = tuple(tags)
    policy_share, tag_share = packed_percent(policies, tag_list)
    total = policy_share + tag_share
    if total > 100:
        if tag_share > policy_share:
            raise PackedPolicyTooLarge(
                f"Packed size of session tags consumes {total}% of allotted space."
            )
        raise PackedPolicyTooLarge(
            f"Packed policy consumes {total}% of allotted space, please use smaller policy."
        )
    return total


# -- MFA -------------------------------------------------------------------------------


def mfa_authentication(ctx: CallContext, params: dict[str, Any]) -> datetime | None:
    """Verify ``SerialNumber`` + ``TokenCode`` against the calling user's device.

    None when neither is given; the time of authentication when the code is
    good (and now used up); AccessDenied with STS's words otherwise."""
    serial, code = params.get("SerialNumber"), params.get("TokenCode")
    if not serial and not code:
        return None
    if not serial or not code:
        raise AccessDenied(MFA_MISSING)
    caller = ctx.caller
    user_id = caller.entity_id if caller.kind == "user" else None
    check, when = use_token_code(ctx.store, ctx.account_id, user_id, serial, code, ctx.now)
    if check is MfaCheck.NOT_ASSOCIATED:
        raise AccessDenied(MFA_NOT_ASSOCIATED)
    if check is MfaCheck.INVALID_CODE:
        raise AccessDenied(MFA_INVALID)
    return when
