"""A caller's policy set with a bucket policy in place of its resource policy.

The Authorizer caches each caller's compiled set without a resource policy;
an S3 request adds the bucket's. Every other group is shared, not copied.
"""

from __future__ import annotations

from clearance.engine import NamedPolicy, PolicySet

__all__ = ["with_bucket_policy", "without_bucket_policy"]


def with_bucket_policy(base: PolicySet, bucket_policy: NamedPolicy | None) -> PolicySet:
    """``base`` with ``bucket_policy`` (compiled here: cache the result per
    policy version when it is reused) as its resource policy."""
    derived = without_bucket_policy(base)
    if bucket_policy is not None:
        derived.resource = PolicySet(resource=bucket_policy).resource
    return derived


def without_bucket_policy(policies: PolicySet) -> PolicySet:
    """``policies`` without its resource policy."""
    derived = PolicySet()
    derived.identity = policies.identity
    derived.boundary = policies.boundary
    derived.session = policies.session
    derived.vpc_endpoint = policies.vpc_endpoint
    derived.scp = policies.scp
    derived.rcp = policies.rcp
    return derived
