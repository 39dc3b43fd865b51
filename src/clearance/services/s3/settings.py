"""Bucket policies (validated as resource policies, in S3's words), Block Public
Access (bucket level), object ownership, and ACLs (disabled under
"bucket owner enforced", the default: only the owner's canned ACL is accepted)."""

from __future__ import annotations

import json
from typing import Any

from clearance.policy import PolicyKind, check_policy
from clearance.services import s3_authz
from clearance.services.context import CallContext
from clearance.services.errors import AccessDenied
from clearance.services.registry import operation
from clearance.services.s3.account import PAB_FIELDS
from clearance.services.s3.authz import authorize, settings_of
from clearance.services.s3.buckets import authorized_bucket, existing_bucket, owner_of
from clearance.services.s3.call import call_of
from clearance.services.s3.errors import (
    MalformedPolicy,
    MalformedXMLError,
    NoSuchBucketPolicy,
    NoSuchKey,
    NoSuchPublicAccessBlockConfiguration,
    error_with,
)
from clearance.wildcard import compile_wildcard

__all__ = ["check_bucket_policy"]

MAX_POLICY_BYTES = 20 * 1024  # S3's bucket policy size limit
_OWNERSHIP = frozenset({"BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"})


def check_bucket_policy(text: str, bucket: str) -> None:
    """Raise MalformedPolicy with S3's message for the first problem."""
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise MalformedPolicy("Policies must be less than 20480 bytes")
    if not text.lstrip().startswith("{"):
        raise MalformedPolicy()
    result = check_policy(text, PolicyKind.RESOURCE)
    if result.policy is None or result.errors:
        message = result.errors[0].message if result.errors else MalformedPolicy.default_message
        raise MalformedPolicy(message)
    document = json.loads(text)
    statements = document.get("Statement")
    for statement in statements if isinstance(statements, list) else [statements]:
        resources = statement.get("Resource", []) if isinstance(statement, dict) else []
        for resource in resources if isinstance(resources, list) else [resources]:
            if not _names_bucket(str(resource), bucket):
                raise MalformedPolicy("Policy has invalid resource")


def _names_bucket(resource: str, bucket: str) -> bool:
    """S3 accepts resources of the bucket itself or its objects."""
    prefix = "arn:aws:s3:::"
    if not resource.startswith(prefix):
        return False
    name = resource[len(prefix) :].split("/", 1)[0]
    return compile_wildcard(name)(bucket)


@operation("s3", "PutBucketPolicy")
def put_bucket_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    bucket = authorized_bucket(ctx, params, "PutBucketPolicy")
    text = params.get("Policy") or ""
    check_bucket_policy(text, bucket.name)
    policy = check_policy(text, PolicyKind.RESOURCE).policy
    assert policy is not None
    refusal = s3_authz.public_policy_refusal(
        policy, settings_of(ctx.store, bucket), ctx.caller.arn, f"arn:aws:s3:::{bucket.name}"
    )
    if refusal is not None:
        raise AccessDenied(refusal)
    ctx.store.s3_set_bucket(bucket.name, policy=text)
    return None


@operation("s3", "GetBucketPolicy")
def get_bucket_policy(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    bucket = authorized_bucket(ctx, params, "GetBucketPolicy")
    if not bucket.policy:
        raise NoSuchBucketPolicy(BucketName=bucket.name)
    return {"Policy": bucket.policy}


@operation("s3", "DeleteBucketPolicy")
def delete_bucket_policy(ctx: CallContext, params: dict[str, Any]) -> None:
    bucket = authorized_bucket(ctx, params, "DeleteBucketPolicy")
    ctx.store.s3_set_bucket(bucket.name, policy=None)
    return None


@operation("s3", "PutPublicAccessBlock")
def put_public_access_block(ctx: CallContext, params: dict[str, Any]) -> None:
    bucket = authorized_bucket(ctx, params, "PutPublicAccessBlock")
    configuration = params.get("PublicAccessBlockConfiguration")
    if not isinstance(configuration, dict):
        raise MalformedXMLError()
    values = {name: bool(configuration.get(name, False)) for name in PAB_FIELDS}
    ctx.store.s3_set_bucket(bucket.name, public_access_block=json.dumps(values))
    return None


@operation("s3", "GetPublicAccessBlock")
def get_public_access_block(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    bucket = authorized_bucket(ctx, params, "GetPublicAccessBlock")
    if not bucket.public_access_block:
        raise NoSuchPublicAccessBlockConfiguration(BucketName=bucket.name)
    return {"PublicAccessBlockConfiguration": json.loads(bucket.public_access_block)}


@operation("s3", "DeletePublicAccessBlock")
def delete_public_access_block(ctx: CallContext, params: dict[str, Any]) -> None:
    bucket = authorized_bucket(ctx, params, "DeletePublicAccessBlock")
    ctx.store.s3_set_bucket(bucket.name, public_access_block=None)
    return None


@operation("s3", "GetBucketOwnershipControls")
def get_bucket_ownership_controls(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    bucket = authorized_bucket(ctx, params, "GetBucketOwnershipControls")
    return {"OwnershipControls": {"Rules": [{"ObjectOwnership": bucket.ownership}]}}


@operation("s3", "PutBucketOwnershipControls")
def put_bucket_ownership_controls(ctx: CallContext, params: dict[str, Any]) -> None:
    bucket = authorized_bucket(ctx, params, "PutBucketOwnershipControls")
    rules = (params.get("OwnershipControls") or {}).get("Rules") or []
    if len(rules) != 1 or rules[0].get("ObjectOwnership") not in _OWNERSHIP:
        raise MalformedXMLError()
    ctx.store.s3_set_bucket(bucket.name, ownership=rules[0]["ObjectOwnership"])
    return None


def _owner_acl(account_id: str) -> dict[str, Any]:
    owner = owner_of(account_id)
    grantee = {"Type": "CanonicalUser", **owner}
    return {"Owner": owner, "Grants": [{"Grantee": grantee, "Permission": "FULL_CONTROL"}]}


@operation("s3", "GetBucketAcl")
def get_bucket_acl(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    bucket = authorized_bucket(ctx, params, "GetBucketAcl")
    return _owner_acl(bucket.account_id)


@operation("s3", "PutBucketAcl")
def put_bucket_acl(ctx: CallContext, params: dict[str, Any]) -> None:
    call = call_of(params)
    bucket = existing_bucket(ctx.store, params["Bucket"])
    authorize(ctx, call, "PutBucketAcl", bucket)
    headers = dict(call.headers)
    if call.wire.body_size:
        headers["x-amz-grant-full-control"] = "(an ACL document)"  # a body is an ACL too
    refusal = s3_authz.acl_refusal("PutBucketAcl", headers, bucket.ownership)
    if refusal is not None:
        raise error_with(refusal.code, refusal.status, refusal.message)
    return None


@operation("s3", "GetObjectAcl")
def get_object_acl(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    call = call_of(params)
    bucket = existing_bucket(ctx.store, params["Bucket"])
    authorize(ctx, call, "GetObjectAcl", bucket, key=params["Key"])
    if ctx.store.s3_object(bucket.name, params["Key"]) is None:
        raise NoSuchKey(Key=params["Key"])
    return _owner_acl(bucket.account_id)


@operation("s3", "PutObjectAcl")
def put_object_acl(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    call = call_of(params)
    bucket = existing_bucket(ctx.store, params["Bucket"])
    authorize(ctx, call, "PutObjectAcl", bucket, key=params["Key"])
    headers = dict(call.headers)
    if call.wire.body_size:
        headers["x-amz-grant-full-control"] = "(an ACL document)"
    refusal = s3_authz.acl_refusal("PutObjectAcl", headers, bucket.ownership)
    if refusal is not None:
        raise error_with(refusal.code, refusal.status, refusal.message)
    if ctx.store.s3_object(bucket.name, params["Key"]) is None:
        raise NoSuchKey(Key=params["Key"])
    return {}
