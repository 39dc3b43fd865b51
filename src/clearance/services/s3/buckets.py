"""Buckets: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation.

Bucket names are global across accounts. Naming rules:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from clearance.services import s3_authz
from clearance.services.context import CallContext
from clearance.services.errors import AccessDenied
from clearance.services.registry import operation
from clearance.services.s3.authz import authorize
from clearance.services.s3.call import call_of
from clearance.services.s3.errors import (
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    IllegalLocationConstraint,
    InvalidBucketName,
    InvalidLocationConstraint,
    InvalidRequest,
    NoSuchBucket,
    error_with,
)
from clearance.store import Store
from clearance.store.s3 import S3Bucket

__all__ = ["canonical_user_id", "existing_bucket", "owner_of", "valid_bucket_name"]

_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", re.ASCII)
_IP = re.compile(r"\d+\.\d+\.\d+\.\d+", re.ASCII)
_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
DEFAULT_REGION = "us-east-1"


def valid_bucket_name(name: str) -> bool:
    return (
        _NAME.fullmatch(name) is not None
        and ".." not in name
        and ".-" not in name
        and "-." not in name
        and _IP.fullmatch(name) is None
        and not name.startswith(_BAD_PREFIXES)
        and not name.endswith(_BAD_SUFFIXES)
    )


def canonical_user_id(account_id: str) -> str:
    """A stable 64-hex canonical user id for an account (S3's Owner ID)."""
    return hashlib.sha256(f"clearance-s3-owner:{account_id}".encode()).hexdigest()


def owner_of(account_id: str) -> dict[str, str]:
    return {"ID": canonical_user_id(account_id), "DisplayName": account_id}


def existing_bucket(store: Store, name: str) -> S3Bucket:
    bucket = store.s3_bucket(name)
    if bucket is None:
        raise NoSuchBucket(BucketName=name)
    return bucket


def authorized_bucket(ctx: CallContext, params: dict[str, Any], s3_operation: str) -> S3Bucket:
    """The request's existing bucket, once the permissions ``s3_operation`` needs on
    the bucket itself are allowed."""
    call = call_of(params)
    bucket = existing_bucket(ctx.store, params["Bucket"])
    authorize(ctx, call, s3_operation, bucket)
    return bucket


@operation("s3", "CreateBucket")
def create_bucket(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    call = call_of(params)
    name = params["Bucket"]
    if not valid_bucket_name(name):
        raise InvalidBucketName(BucketName=name)
    configuration = params.get("CreateBucketConfiguration") or {}
    constraint = configuration.get("LocationConstraint") or None
    authorize(ctx, call, "CreateBucket", None, location_constraint=constraint)
    if not ctx.account_id:
        raise AccessDenied("Anonymous users cannot create buckets")
    if constraint is not None:
        if constraint == DEFAULT_REGION and ctx.region == DEFAULT_REGION:
            raise InvalidLocationConstraint()
        if constraint != ctx.region:
            raise IllegalLocationConstraint(
                f"The {constraint} location constraint is incompatible for the region "
                "specific endpoint this request was sent to."
            )
    ownership = params.get("ObjectOwnership") or s3_authz.BUCKET_OWNER_ENFORCED
    if ownership not in ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"):
        raise InvalidRequest(f"Invalid x-amz-object-ownership header: {ownership}")
    refusal = s3_authz.acl_refusal("CreateBucket", call.headers, ownership)
    if refusal is not None:
        raise error_with(refusal.code, refusal.status, refusal.message)
    created = ctx.store.s3_create_bucket(ctx.account_id, name, constraint or ctx.region, ownership)
    if created is None:
        existing = ctx.store.s3_bucket(name)
        if existing is not None and existing.account_id == ctx.account_id:
            raise BucketAlreadyOwnedByYou(BucketName=name)
        raise BucketAlreadyExists(BucketName=name)
    return {"Location": f"/{name}"}


@operation("s3", "HeadBucket")
def head_bucket(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    bucket = authorized_bucket(ctx, params, "HeadBucket")
    return {"BucketRegion": bucket.region}


@operation("s3", "DeleteBucket")
def delete_bucket(ctx: CallContext, params: dict[str, Any]) -> None:
    call = call_of(params)
    bucket = existing_bucket(ctx.store, params["Bucket"])
    authorize(ctx, call, "DeleteBucket", bucket)
    deleted, orphans = ctx.store.s3_delete_bucket(bucket.name)
    if not deleted:
        raise BucketNotEmpty(BucketName=bucket.name)
    call.files.delete(orphans)
    return None


@operation("s3", "ListBuckets")
def list_buckets(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    call = call_of(params)
    authorize(ctx, call, "ListBuckets", None)
    if not ctx.account_id:
        raise AccessDenied("Access Denied")
    buckets = ctx.store.s3_buckets(ctx.account_id)
    return {
        "Buckets": [
            {"Name": b.name, "CreationDate": b.created_at, "BucketRegion": b.region}
            for b in buckets
        ],
        "Owner": owner_of(ctx.account_id),
    }


@operation("s3", "GetBucketLocation")
def get_bucket_location(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    bucket = authorized_bucket(ctx, params, "GetBucketLocation")
    return {"LocationConstraint": None if bucket.region == DEFAULT_REGION else bucket.region}
