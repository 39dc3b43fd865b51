"""Whether a bucket policy is "public", as S3 Block Public Access defines it.

S3 starts from "public" and looks for a reason the policy is not: every
Allow statement must grant only to fixed values (no wildcard, no policy
variable) of

* the principal (an AWS account, user, role, or a service principal), or
* one of these condition keys: ``aws:SourceIp`` (CIDR blocks no broader than
  /8 for IPv4 and /32 for IPv6),
  ``aws:SourceArn``, ``aws:SourceVpc``, ``aws:SourceVpce``,
  ``aws:SourceOwner``, ``aws:SourceAccount``, ``aws:userid`` (not
  ``AROLEID:*``), ``aws:PrincipalOrgID`` (and the other principal keys
  ``aws:PrincipalArn``, ``aws:PrincipalAccount``),
  ``s3:x-amz-server-side-encryption-aws-kms-key-id``,
  ``s3:DataAccessPointArn`` (its access point name may be a wildcard when
  the account is fixed) and ``s3:DataAccessPointAccount``.

A condition restricts only when it must hold for a match: a positive string,
ARN or IP operator, without ``IfExists`` and not ``ForAllValues`` (both
match a request that lacks the key). Deny statements never make a policy
non-public, and ``NotPrincipal`` in an Allow grants to everyone else.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
"""

from __future__ import annotations

import ipaddress
from typing import NamedTuple

from clearance.arn import parse_arn
from clearance.policy import Condition, Effect, Policy, Statement
from clearance.policy.conditions import SetQualifier, parse_operator
from clearance.policy.variables import has_variables
from clearance.wildcard import has_wildcard

__all__ = ["PublicGrant", "is_public_policy", "public_grants"]

_FIXED_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceowner",
        "aws:sourceaccount",
        "aws:userid",
        "aws:principalorgid",
        "aws:principalarn",
        "aws:principalaccount",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3:dataaccesspointaccount",
    }
)
_SOURCE_IP = "aws:sourceip"
_ACCESS_POINT_ARN = "s3:dataaccesspointarn"
_MATCHING = frozenset(
    {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}
)


class PublicGrant(NamedTuple):
    """An Allow statement that makes the policy public, and why."""

    statement: int  # its index in the policy
    sid: str | None
    reason: str


def is_public_policy(policy: Policy) -> bool:
    return bool(public_grants(policy))


def public_grants(policy: Policy) -> tuple[PublicGrant, ...]:
    """Every Allow statement that grants beyond fixed values, in document order."""
    found = []
    for index, statement in enumerate(policy.statements):
        if statement.effect is not Effect.ALLOW:
            continue
        reason = _public_reason(statement)
        if reason is not None:
            found.append(PublicGrant(index, statement.sid, reason))
    return tuple(found)


def _public_reason(statement: Statement) -> str | None:
    if statement.not_principal is not None:
        return "an Allow with NotPrincipal grants to every principal it does not list"
    block = statement.principal
    if block is None:
        return None  # names no one: grants nothing in a bucket policy
    values = [value for _, listed in block.entries for value in listed]
    if not block.wildcard and values and all(_fixed(v) for v in values):
        return None
    if any(_restricts(condition) for condition in statement.conditions):
        return None
    return (
        'the principal is "*" (or a wildcard) and no condition limits it to fixed values '
        "of aws:SourceIp, aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, "
        "aws:SourceAccount, aws:userid, aws:PrincipalOrgID or similar keys"
    )


def _fixed(value: str) -> bool:
    return bool(value) and not has_wildcard(value) and not has_variables(value)


def _restricts(condition: Condition) -> bool:
    """Whether the condition must hold with one of a fixed set of values."""
    operator = parse_operator(condition.operator)
    if operator is None or operator.if_exists:
        return False
    if operator.qualifier is SetQualifier.FOR_ALL_VALUES:
        return False
    key = condition.key.lower()
    values = condition.values
    if not values:
        return False
    name = operator.base.name
    if key == _SOURCE_IP:
        return name == "IpAddress" and all(_narrow_network(v) for v in values)
    if name not in _MATCHING:
        return False
    if key == _ACCESS_POINT_ARN:
        return all(_fixed_access_point(v) for v in values)
    return key in _FIXED_KEYS and all(_fixed(v) for v in values)


def _narrow_network(value: str) -> bool:
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    # Every RFC 1918 range is /8 or narrower, so "excepted" changes nothing here.
    return network.prefixlen >= (8 if network.version == 4 else 32)


def _fixed_access_point(value: str) -> bool:
    """An access point ARN whose account is fixed; its name may be a wildcard."""
    if has_variables(value):
        return False
    arn = parse_arn(value)
    if arn is None:
        return False
    fixed_part = f"arn:{arn.partition}:{arn.service}:{arn.region}:{arn.account}:"
    return _fixed(fixed_part) and bool(arn.account) and arn.resource.startswith("accesspoint/")
