"""S3 Object Ownership: "bucket owner enforced" (ACLs disabled) is the default.

With BucketOwnerEnforced the bucket owner owns every object and ACLs grant
nothing: access comes from policies alone. Requests that would set an ACL
fail — but ``bucket-owner-full-control`` (and no ACL at all) is still
accepted on object writes, so cross-account uploaders that send it keep
working. Reading ACLs still works (they show the owner's full control).

https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

__all__ = [
    "BUCKET_OWNER_ENFORCED",
    "GRANT_HEADERS",
    "OWNERSHIP_SETTINGS",
    "AclRefusal",
    "acl_refusal",
]

BUCKET_OWNER_ENFORCED = "BucketOwnerEnforced"
OWNERSHIP_SETTINGS = frozenset({BUCKET_OWNER_ENFORCED, "BucketOwnerPreferred", "ObjectWriter"})

# The request headers that grant an ACL permission.
GRANT_HEADERS = (
    "x-amz-grant-read",
    "x-amz-grant-write",
    "x-amz-grant-read-acp",
    "x-amz-grant-write-acp",
    "x-amz-grant-full-control",
)
_OBJECT_ACL_OK = frozenset({"bucket-owner-full-control"})
# CreateBucket keeps accepting the default ACL with ACLs disabled.
_BUCKET_ACL_OK = frozenset({"private", "bucket-owner-full-control"})


class AclRefusal(NamedTuple):
    code: str
    message: str
    status: int = 400


_NOT_SUPPORTED = AclRefusal("AccessControlListNotSupported", "The bucket does not allow ACLs")
_BUCKET_CONFLICT = AclRefusal(
    "InvalidBucketAclWithObjectOwnership",
    "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
)


def acl_refusal(
    operation: str, headers: Mapping[str, str], ownership: str = BUCKET_OWNER_ENFORCED
) -> AclRefusal | None:
    """The error for a request that sets an ACL the bucket's ownership forbids.

    ``operation``: ``CreateBucket`` (``ownership`` is then the requested
    ``x-amz-object-ownership``, default BucketOwnerEnforced), ``PutBucketAcl``,
    ``PutObjectAcl`` (refused unless they send only the owner's canned ACL:
    ``private`` for a bucket, ``bucket-owner-full-control`` for an object; an
    XML body counts as a refused ACL), or an object write (``PutObject``,
    ``CopyObject``, ``CreateMultipartUpload``).
    """
    if ownership != BUCKET_OWNER_ENFORCED:
        return None
    lowered = {name.lower(): value for name, value in headers.items()}
    canned = lowered.get("x-amz-acl", "").strip().lower()
    grants = any(lowered.get(name) for name in GRANT_HEADERS)
    if operation == "CreateBucket":
        if grants or (canned and canned not in _BUCKET_ACL_OK):
            return _BUCKET_CONFLICT
        return None
    if operation == "PutBucketAcl":
        return None if canned == "private" and not grants else _NOT_SUPPORTED
    if operation == "PutObjectAcl":
        return None if canned in _OBJECT_ACL_OK and not grants else _NOT_SUPPORTED
    if grants or (canned and canned not in _OBJECT_ACL_OK):
        return _NOT_SUPPORTED
    return None
