"""ACLs under the default object ownership, BucketOwnerEnforced."""

from __future__ import annotations

import pytest

from clearance.services.s3_authz import AclRefusal, acl_refusal

NOT_SUPPORTED = "AccessControlListNotSupported"
CONFLICT = "InvalidBucketAclWithObjectOwnership"


@pytest.mark.parametrize(
    ("operation", "headers", "code"),
    [
        ("PutObject", {}, None),
        ("PutObject", {"x-amz-acl": "bucket-owner-full-control"}, None),
        ("PutObject", {"x-amz-acl": "public-read"}, NOT_SUPPORTED),
        ("PutObject", {"x-amz-acl": "private"}, NOT_SUPPORTED),
        ("PutObject", {"x-amz-grant-read": 'id="abc"'}, NOT_SUPPORTED),
        ("CopyObject", {"X-Amz-Acl": "public-read"}, NOT_SUPPORTED),
        ("CreateMultipartUpload", {"x-amz-acl": "bucket-owner-full-control"}, None),
        ("PutObjectAcl", {"x-amz-acl": "bucket-owner-full-control"}, None),
        ("PutObjectAcl", {"x-amz-acl": "public-read"}, NOT_SUPPORTED),
        ("PutObjectAcl", {}, NOT_SUPPORTED),
        ("PutBucketAcl", {"x-amz-acl": "private"}, None),
        ("PutBucketAcl", {"x-amz-acl": "public-read"}, NOT_SUPPORTED),
        ("CreateBucket", {}, None),
        ("CreateBucket", {"x-amz-acl": "private"}, None),
        ("CreateBucket", {"x-amz-acl": "public-read"}, CONFLICT),
        ("CreateBucket", {"x-amz-grant-read": 'id="abc"'}, CONFLICT),
    ],
)
def test_bucket_owner_enforced(operation: str, headers: dict[str, str], code: str | None) -> None:
    found = acl_refusal(operation, headers)
    assert (found.code if found else None) == code
    if found:
        assert found.status == 400
        assert found.message


def test_acls_enabled_are_not_refused_here() -> None:
    assert acl_refusal("PutObject", {"x-amz-acl": "public-read"}, "ObjectWriter") is None
    assert acl_refusal("CreateBucket", {"x-amz-acl": "public-read"}, "BucketOwnerPreferred") is None


def test_messages_are_aws_messages() -> None:
    assert acl_refusal("PutObject", {"x-amz-acl": "public-read"}) == AclRefusal(
        NOT_SUPPORTED, "The bucket does not allow ACLs"
    )
