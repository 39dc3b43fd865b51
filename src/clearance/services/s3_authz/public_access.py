"""S3 Block Public Access: the four settings, how the levels combine, and
what each one does to a request.

* Account and bucket settings combine setting by setting: the most
  restrictive wins (a setting on at either level is on).
* ``BlockPublicPolicy``: ``PutBucketPolicy`` with a public policy fails with
  AccessDenied (:func:`public_policy_refusal`); existing policies stay.
* ``RestrictPublicBuckets``: while the bucket policy is public, it grants
  only to AWS service principals and to principals of the bucket owner's
  account; cross-account and anonymous access through it — even a
  statement naming another account — is ignored (its Deny statements still
  apply) (:func:`bucket_policy_in_force`).
* ``BlockPublicAcls`` / ``IgnorePublicAcls`` govern ACLs, which the default
  object ownership (BucketOwnerEnforced) disables altogether: a request that
  sets any ACL but ``bucket-owner-full-control`` fails with
  AccessControlListNotSupported before these settings matter
  (:mod:`clearance.services.s3_authz.ownership`). :func:`public_acl_refusal`
  covers buckets whose ACLs are enabled.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from clearance.engine import NamedPolicy, Principal, PrincipalKind
from clearance.policy import Effect, Policy
from clearance.services.s3_authz.ownership import GRANT_HEADERS
from clearance.services.s3_authz.public_policy import is_public_policy

__all__ = [
    "BLOCKED_PUBLIC_POLICY",
    "PublicAccessBlock",
    "bucket_policy_in_force",
    "effective_settings",
    "public_acl_refusal",
    "public_policy_refusal",
]

# AWS's message when BlockPublicPolicy refuses a policy (HTTP 403 AccessDenied).
BLOCKED_PUBLIC_POLICY = (
    'User: {principal} is not authorized to perform: s3:PutBucketPolicy on resource: "{bucket}" '
    "because public policies are blocked by the BlockPublicPolicy block public access setting."
)
_PUBLIC_CANNED = frozenset({"public-read", "public-read-write", "authenticated-read"})
_PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/allusers",
    "http://acs.amazonaws.com/groups/global/authenticatedusers",
)


@dataclass(frozen=True, slots=True)
class PublicAccessBlock:
    """One level's PublicAccessBlockConfiguration (absent settings are off)."""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False

    @classmethod
    def all_on(cls) -> PublicAccessBlock:
        """What S3 gives every new bucket since April 2023."""
        return cls(True, True, True, True)

    def combine(self, other: PublicAccessBlock | None) -> PublicAccessBlock:
        """The most restrictive combination of two levels."""
        if other is None:
            return self
        return PublicAccessBlock(
            self.block_public_acls or other.block_public_acls,
            self.ignore_public_acls or other.ignore_public_acls,
            self.block_public_policy or other.block_public_policy,
            self.restrict_public_buckets or other.restrict_public_buckets,
        )


_NONE = PublicAccessBlock()


def effective_settings(
    account: PublicAccessBlock | None, bucket: PublicAccessBlock | None
) -> PublicAccessBlock:
    """The settings in force for a bucket: its own combined with its owner account's."""
    return (account or _NONE).combine(bucket)


def public_policy_refusal(
    policy: Policy, settings: PublicAccessBlock, principal_arn: str, bucket_arn: str
) -> str | None:
    """AWS's AccessDenied message when ``PutBucketPolicy`` must refuse ``policy``
    (BlockPublicPolicy is on and the policy is public), else None. The bucket
    owner's root user is refused like anyone else."""
    if not settings.block_public_policy or not is_public_policy(policy):
        return None
    return BLOCKED_PUBLIC_POLICY.format(principal=principal_arn, bucket=bucket_arn)


def bucket_policy_in_force(
    bucket_policy: NamedPolicy,
    settings: PublicAccessBlock,
    principal: Principal,
    bucket_owner: str,
    *,
    public: bool | None = None,
) -> NamedPolicy:
    """The bucket policy as it binds ``principal``: under RestrictPublicBuckets
    a public policy keeps only its Deny statements for callers outside the
    owner's account that are not AWS services. ``public``: the policy's
    :func:`is_public_policy`, when the caller has it already."""
    if not settings.restrict_public_buckets:
        return bucket_policy
    if principal.kind is PrincipalKind.SERVICE:
        return bucket_policy
    if principal.kind is not PrincipalKind.ANONYMOUS and principal.account == bucket_owner:
        return bucket_policy
    if not (is_public_policy(bucket_policy.policy) if public is None else public):
        return bucket_policy
    policy = bucket_policy.policy
    denies = tuple(s for s in policy.statements if s.effect is Effect.DENY)
    return NamedPolicy(bucket_policy.id, Policy(denies, policy.version, policy.id))


def public_acl_refusal(headers: Mapping[str, str], settings: PublicAccessBlock) -> bool:
    """Whether BlockPublicAcls refuses a request that sets this ACL (a canned
    ACL or grant naming AllUsers or AuthenticatedUsers): AccessDenied."""
    if not settings.block_public_acls:
        return False
    lowered = {name.lower(): value for name, value in headers.items()}
    if lowered.get("x-amz-acl", "").strip().lower() in _PUBLIC_CANNED:
        return True
    grants = " ".join(lowered.get(name, "") for name in GRANT_HEADERS).lower()
    return any(group in grants for group in _PUBLIC_GROUPS)
