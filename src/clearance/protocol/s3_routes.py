"""Which S3 operation a REST request is: bucket and key from the path or the
``Host`` (virtual-hosted style), the operation from method, key and sub-resource.

Virtual-hosted style is recognized when the ``Host`` (without its port) is
``BUCKET.localhost``, ``BUCKET.s3.<anything>`` or ``BUCKET.s3-<region>.<anything>``
(the first label, up to ``.s3.``, is the bucket; bucket names may hold dots).
Every other host is path style: ``/BUCKET/KEY``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["S3Target", "operation_of", "target_of", "virtual_bucket"]

_S3_HOST = re.compile(r"^(?P<bucket>.+?)\.s3(?:[.-][^.]+)*\.[^.]+.*$", re.ASCII)


@dataclass(frozen=True, slots=True)
class S3Target:
    bucket: str | None
    key: str | None
    virtual: bool  # the bucket came from the Host


def virtual_bucket(host: str | None) -> str | None:
    """The bucket a virtual-hosted request names in its ``Host``, or None."""
    if not host:
        return None
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.lower().rstrip(".")
    if name.endswith(".localhost"):
        bucket = name[: -len(".localhost")]
        return bucket if bucket and bucket != "s3" else None
    if ".s3." in name or ".s3-" in name:
        bucket = name.split(".s3.", 1)[0] if ".s3." in name else name.split(".s3-", 1)[0]
        return bucket or None
    return None


def target_of(path: str, host: str | None) -> S3Target:
    """Bucket and (decoded) key of a request whose raw path is ``path``."""
    bucket = virtual_bucket(host)
    if bucket is not None:
        key = unquote(path[1:], errors="surrogateescape") if len(path) > 1 else None
        return S3Target(bucket, key or None, True)
    rest = path[1:] if path.startswith("/") else path
    if not rest:
        return S3Target(None, None, False)
    name, slash, key = rest.partition("/")
    decoded = unquote(key, errors="surrogateescape") if slash else ""
    return S3Target(unquote(name) or None, decoded or None, False)


# (method, has key) → [(sub-resource or header condition, operation)], first match wins.
_BUCKET: dict[str, tuple[tuple[str, str], ...]] = {
    "GET": (
        ("policy", "GetBucketPolicy"),
        ("publicAccessBlock", "GetPublicAccessBlock"),
        ("location", "GetBucketLocation"),
        ("ownershipControls", "GetBucketOwnershipControls"),
        ("acl", "GetBucketAcl"),
        ("uploads", "ListMultipartUploads"),
        ("versioning", "GetBucketVersioning"),
        ("tagging", "GetBucketTagging"),
        ("list-type", "ListObjectsV2"),
        ("", "ListObjects"),
    ),
    "PUT": (
        ("policy", "PutBucketPolicy"),
        ("publicAccessBlock", "PutPublicAccessBlock"),
        ("ownershipControls", "PutBucketOwnershipControls"),
        ("acl", "PutBucketAcl"),
        ("", "CreateBucket"),
    ),
    "DELETE": (
        ("policy", "DeleteBucketPolicy"),
        ("publicAccessBlock", "DeletePublicAccessBlock"),
        ("ownershipControls", "DeleteBucketOwnershipControls"),
        ("", "DeleteBucket"),
    ),
    "HEAD": (("", "HeadBucket"),),
    "POST": (("delete", "DeleteObjects"),),
}
_OBJECT: dict[str, tuple[tuple[str, str], ...]] = {
    "GET": (
        ("uploadId", "ListParts"),
        ("tagging", "GetObjectTagging"),
        ("acl", "GetObjectAcl"),
        ("", "GetObject"),
    ),
    "PUT": (
        ("tagging", "PutObjectTagging"),
        ("acl", "PutObjectAcl"),
        ("uploadId", "UploadPart"),
        ("", "PutObject"),
    ),
    "DELETE": (
        ("uploadId", "AbortMultipartUpload"),
        ("tagging", "DeleteObjectTagging"),
        ("", "DeleteObject"),
    ),
    "HEAD": (("", "HeadObject"),),
    "POST": (("uploads", "CreateMultipartUpload"), ("uploadId", "CompleteMultipartUpload")),
}


def operation_of(method: str, target: S3Target, query_names: set[str], copy: bool) -> str | None:
    """The operation's name, or None when S3 has no such request (``copy``: an
    ``x-amz-copy-source`` header turns a PutObject/UploadPart into a copy)."""
    if target.bucket is None:
        return "ListBuckets" if method == "GET" else None
    table = _OBJECT if target.key is not None else _BUCKET
    for sub, name in table.get(method, ()):
        if not sub or sub in query_names:
            if copy and name in ("PutObject", "UploadPart"):
                return "CopyObject" if name == "PutObject" else "UploadPartCopy"
            return name
    return None
