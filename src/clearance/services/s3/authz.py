"""The one place an S3 request becomes authorizations: the operation's IAM
actions and resources (:mod:`clearance.services.s3_authz`), its condition keys,
the bucket policy as the resource policy (as Block Public Access lets it bind),
the bucket owner as the resource account, and the root user's bucket-policy
exception (decided by the engine itself).

https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from clearance.engine import (
    ContextValue,
    Decision,
    NamedPolicy,
    PolicySet,
    PolicyType,
    Principal,
)
from clearance.policy import read_policy
from clearance.services import s3_authz
from clearance.services.context import CallContext
from clearance.services.errors import AccessDenied
from clearance.services.s3.call import S3Call
from clearance.services.s3.errors import MethodNotAllowed
from clearance.store import Store
from clearance.store.s3 import S3Bucket

__all__ = ["authorize", "facts_of", "parse_public_access_block", "require", "settings_of"]

_AUTH_TYPES = {
    "sigv4-header": "REST-HEADER",
    "sigv2": "REST-HEADER",
    "sigv4-query": "REST-QUERY-STRING",
    "sigv2-query": "REST-QUERY-STRING",
}


def facts_of(
    call: S3Call,
    bucket: S3Bucket | None,
    *,
    existing_tags: Mapping[str, str] | None = None,
    request_tags: Mapping[str, str] | None = None,
    location_constraint: str | None = None,
) -> s3_authz.S3RequestFacts:
    auth = call.auth
    signed = not auth.anonymous
    return s3_authz.S3RequestFacts(
        method=call.wire.method,
        headers=call.headers,
        query=call.query,
        auth_type=_AUTH_TYPES.get(auth.method) if signed else None,
        signature_version=(
            ("AWS4-HMAC-SHA256" if auth.method.startswith("sigv4") else "AWS") if signed else None
        ),
        signature_age_ms=int(auth.signature_age_seconds * 1000) if signed else None,
        existing_object_tags=existing_tags,
        request_object_tags=request_tags,
        resource_account=bucket.account_id if bucket else None,
        location_constraint=location_constraint,
    )


def parse_public_access_block(text: str | None) -> s3_authz.PublicAccessBlock | None:
    if not text:
        return None
    values = json.loads(text)
    return s3_authz.PublicAccessBlock(
        block_public_acls=bool(values.get("BlockPublicAcls")),
        ignore_public_acls=bool(values.get("IgnorePublicAcls")),
        block_public_policy=bool(values.get("BlockPublicPolicy")),
        restrict_public_buckets=bool(values.get("RestrictPublicBuckets")),
    )


def settings_of(store: Store, bucket: S3Bucket | None) -> s3_authz.PublicAccessBlock:
    """The Block Public Access settings in force for ``bucket``: its own with
    its owner account's (each setting on when either turns it on)."""
    if bucket is None:
        return s3_authz.effective_settings(None, None)
    account = parse_public_access_block(store.s3_account_public_access_block(bucket.account_id))
    return s3_authz.effective_settings(
        account, parse_public_access_block(bucket.public_access_block)
    )


def _bucket_policy(bucket: S3Bucket) -> NamedPolicy | None:
    if not bucket.policy:
        return None
    return NamedPolicy(f"arn:aws:s3:::{bucket.name} (bucket policy)", read_policy(bucket.policy))


def authorize(
    ctx: CallContext,
    call: S3Call,
    operation: str,
    bucket: S3Bucket | None,
    *,
    key: str | None = None,
    existing_tags: Mapping[str, str] | None = None,
    request_tags: Mapping[str, str] | None = None,
    source_tags: Mapping[str, str] | None = None,
    location_constraint: str | None = None,
) -> list[Decision]:
    """Authorize every permission ``operation`` needs, in S3's order; raise
    AccessDenied (or MethodNotAllowed: a bucket policy operation from outside
    the owner's account). ``source_tags``: a copy source's tags."""
    bucket_name = bucket.name if bucket else call.target.bucket
    permissions = s3_authz.required_permissions(
        operation,
        bucket_name,
        key,
        headers=call.headers,
        source_has_tags=bool(source_tags),
    )
    decisions = []
    for permission in permissions:
        owner = bucket
        tags = existing_tags
        if (
            permission.bucket is not None
            and bucket is not None
            and permission.bucket != bucket.name
        ):
            owner = _other_bucket(ctx.store, permission.bucket)
            tags = source_tags
        facts = facts_of(
            call,
            owner,
            existing_tags=tags,
            request_tags=request_tags,
            location_constraint=location_constraint,
        )
        context: dict[str, ContextValue] = dict(
            s3_authz.s3_condition_keys(permission.action, facts)
        )
        decisions.append(require(ctx, permission.action, permission.resource, context, owner))
    return decisions


def _locked_out(ctx: CallContext, bucket: S3Bucket | None) -> bool:
    """The owner's root user, denied by its own bucket policy (not by an SCP/RCP)."""
    if ctx.caller.kind != "root" or bucket is None or bucket.account_id != ctx.account_id:
        return False
    return bool(ctx.checks) and ctx.checks[-1].decision.denied_by is PolicyType.RESOURCE


def _other_bucket(store: Store, name: str) -> S3Bucket | None:
    return store.s3_bucket(name)


def require(
    ctx: CallContext,
    action: str,
    resource: str,
    context: dict[str, ContextValue],
    bucket: S3Bucket | None,
) -> Decision:
    owner = bucket.account_id if bucket else (ctx.account_id or None)
    policy = _bucket_policy(bucket) if bucket else None

    def with_policy(policies: PolicySet, principal: Principal) -> PolicySet:
        if policy is None or bucket is None:
            return policies
        settings = settings_of(ctx.store, bucket)
        in_force = s3_authz.bucket_policy_in_force(policy, settings, principal, bucket.account_id)
        return s3_authz.with_bucket_policy(policies, in_force)

    try:
        decision = ctx.authorizer.require(
            ctx,
            action,
            resource,
            context,
            resource_account=owner,
            resource_policy=with_policy,
        )
    except AccessDenied as error:
        if _locked_out(ctx, bucket):
            assert bucket is not None
            advice = s3_authz.lockout_advice(bucket.name)
            raise AccessDenied(f"{error.message}. {advice}") from None
        raise
    outside = bucket is not None and ctx.account_id != bucket.account_id
    if outside and action.lower() in s3_authz.BUCKET_POLICY_ACTIONS:
        raise MethodNotAllowed(s3_authz.METHOD_NOT_ALLOWED)
    return decision
