"""AWS's size limits on policy documents, per policy kind.

How AWS counts:

- IAM (managed, inline and trust policies) "does not count white space when
  calculating the size of a policy against these limits": :func:`policy_size`
  counts every character except JSON white space outside strings.
- AWS Organizations counts every character of an SCP or RCP: "All characters in
  your SCP count against its maximum size" (orgs_manage_policies_scps_syntax.html,
  the same for RCPs) — white space included.
- VPC endpoint policies: "The size of an endpoint policy cannot exceed 20,480
  characters, including white space" (vpc/latest/privatelink/vpc-endpoints-access.html).
- STS session policies: "The plaintext that you use for both inline and managed
  session policies can't exceed 2,048 characters" (the ``Policy`` parameter of
  AssumeRole; STS also limits the packed, compressed form of policies and tags
  together, which depends on AWS's encoding and is not modelled).

The limits (IAM: reference_iam-quotas.html, "IAM and AWS STS quotas"; Organizations:
orgs_reference_limits.html):

=====================================  ======  ==========================================
managed policy (identity, boundary)     6,144  ``Cannot exceed quota for PolicySize: 6144``
role trust policy                       2,048  default; adjustable (ACLSizePerRole)
inline policies of a user (aggregate)   2,048
inline policies of a group (aggregate)  5,120
inline policies of a role (aggregate)  10,240
session policy                          2,048  characters, white space included
service control policy                  5,120  characters, white space included
resource control policy                 5,120  characters, white space included
VPC endpoint policy                    20,480  characters, white space included
=====================================  ======  ==========================================

Resource-based policies have no kind-wide limit: each service sets its own (S3
bucket policies 20 KB, KMS key policies 32 KB, ...); pass ``limit`` for them.

Where AWS answers ``LimitExceeded`` (IAM) :func:`check_size` raises
:class:`~clearance.errors.PolicySizeExceeded` with IAM's message. STS reports an
oversized session policy as a ``ValidationError`` and Organizations as a
``ConstraintViolationException`` (POLICY_CONTENT_LIMIT_EXCEEDED); Clearance raises
the same :class:`~clearance.errors.PolicySizeExceeded` for them, with a message
that says which limit was exceeded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clearance.errors import PolicySizeExceeded
from clearance.policy.model import PolicyKind

__all__ = [
    "GROUP_INLINE_POLICIES",
    "LIMITS",
    "MANAGED_POLICY",
    "RESOURCE_CONTROL_POLICY",
    "ROLE_INLINE_POLICIES",
    "ROLE_TRUST_POLICY",
    "SERVICE_CONTROL_POLICY",
    "SESSION_POLICY",
    "USER_INLINE_POLICIES",
    "VPC_ENDPOINT_POLICY",
    "SizeLimit",
    "check_inline_size",
    "check_size",
    "policy_size",
]

_JSON_WHITESPACE = frozenset(" \t\n\r")


@dataclass(frozen=True, slots=True)
class SizeLimit:
    """One of AWS's limits: how many characters, how they are counted, what AWS says."""

    name: str
    characters: int
    counts_whitespace: bool
    message: str  # str.format template: {limit}, {size}, {entity}

    def size(self, text: str) -> int:
        return len(text) if self.counts_whitespace else policy_size(text)

    def exceeded(self, size: int, limit: int, entity: str = "") -> PolicySizeExceeded:
        return PolicySizeExceeded(self.message.format(limit=limit, size=size, entity=entity))


MANAGED_POLICY = SizeLimit("PolicySize", 6144, False, "Cannot exceed quota for PolicySize: {limit}")
ROLE_TRUST_POLICY = SizeLimit(
    "ACLSizePerRole", 2048, False, "Cannot exceed quota for ACLSizePerRole: {limit}"
)
USER_INLINE_POLICIES = SizeLimit(
    "UserPolicySize", 2048, False, "Maximum policy size of {limit} bytes exceeded for user {entity}"
)
GROUP_INLINE_POLICIES = SizeLimit(
    "GroupPolicySize",
    5120,
    False,
    "Maximum policy size of {limit} bytes exceeded for group {entity}",
)
ROLE_INLINE_POLICIES = SizeLimit(
    "RolePolicySize",
    10240,
    False,
    "Maximum policy size of {limit} bytes exceeded for role {entity}",
)
SESSION_POLICY = SizeLimit(
    "SessionPolicySize",
    2048,
    True,
    "The session policy has {size} characters; the limit is {limit}.",
)
SERVICE_CONTROL_POLICY = SizeLimit(
    "ServiceControlPolicySize",
    5120,
    True,
    "The service control policy has {size} characters; the limit is {limit}.",
)
RESOURCE_CONTROL_POLICY = SizeLimit(
    "ResourceControlPolicySize",
    5120,
    True,
    "The resource control policy has {size} characters; the limit is {limit}.",
)
VPC_ENDPOINT_POLICY = SizeLimit(
    "VpcEndpointPolicySize",
    20480,
    True,
    "The endpoint policy has {size} characters; the limit is {limit}.",
)

LIMITS: dict[PolicyKind, SizeLimit | None] = {
    PolicyKind.IDENTITY: MANAGED_POLICY,
    PolicyKind.PERMISSIONS_BOUNDARY: MANAGED_POLICY,
    PolicyKind.TRUST: ROLE_TRUST_POLICY,
    PolicyKind.SESSION: SESSION_POLICY,
    PolicyKind.SCP: SERVICE_CONTROL_POLICY,
    PolicyKind.RCP: RESOURCE_CONTROL_POLICY,
    PolicyKind.VPC_ENDPOINT: VPC_ENDPOINT_POLICY,
    PolicyKind.RESOURCE: None,
}

_GENERIC = SizeLimit(
    "PolicySize", 0, False, "The policy has {size} characters; the limit is {limit}."
)


def policy_size(text: str | bytes) -> int:
    """Characters as IAM counts them: all but JSON white space outside strings.

    Works on any text (invalid JSON included): a string runs from a quote to the
    next unescaped quote.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    size = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            size += 1
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char not in _JSON_WHITESPACE:
            size += 1
            in_string = char == '"'
    return size


def check_size(text: str | bytes, kind: PolicyKind, limit: int | SizeLimit | None = None) -> int:
    """The document's size as AWS counts it for ``kind``; raises if over the limit.

    ``limit`` overrides the kind's limit: a number keeps the kind's way of
    counting (e.g. a raised trust-policy quota), a :class:`SizeLimit` replaces it
    (e.g. :data:`ROLE_INLINE_POLICIES` for an inline policy). Resource-based
    policies are only checked when ``limit`` is given.

    :raises PolicySizeExceeded: ``LimitExceeded``, with AWS's message.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    rule = limit if isinstance(limit, SizeLimit) else LIMITS[kind] or _GENERIC
    maximum = limit if isinstance(limit, int) else rule.characters
    size = rule.size(text)
    if (limit is not None or LIMITS[kind] is not None) and size > maximum:
        raise rule.exceeded(size, maximum)
    return size


def check_inline_size(texts: Iterable[str | bytes], limit: SizeLimit, entity: str) -> int:
    """The aggregate size of an entity's inline policies; raises if over ``limit``.

    IAM limits the sum of all inline policies of a user, group or role.
    """
    total = sum(policy_size(text) for text in texts)
    if total > limit.characters:
        raise limit.exceeded(total, limit.characters, entity)
    return total
