"""S3 metadata in the store (SQLite and PostgreSQL): global bucket names,
listing in UTF-8 byte order with literal prefixes, replaced and abandoned
storage returned for deletion, multipart bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime

from clearance.store import Store
from clearance.store.s3 import S3Object, S3Part, S3Upload

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _object(key: str, storage: str, bucket: str = "bkt") -> S3Object:
    return S3Object(bucket, key, 1, '"e"', "text/plain", {"m": "1"}, {"t": "v"}, storage, None, NOW)


def test_bucket_names_are_global(store: Store, account: str) -> None:
    store.create_account("210987654321")
    created = store.s3_create_bucket(account, "bkt", "us-east-1", "BucketOwnerEnforced")
    assert created is not None and created.account_id == account
    assert store.s3_create_bucket("210987654321", "bkt", "us-east-1", "BucketOwnerEnforced") is None
    assert [b.name for b in store.s3_buckets(account)] == ["bkt"]
    assert store.s3_buckets("210987654321") == []
    store.s3_set_bucket("bkt", policy='{"x":1}', public_access_block='{"BlockPublicAcls":true}')
    found = store.s3_bucket("bkt")
    assert found is not None and found.policy == '{"x":1}'
    store.s3_set_bucket("bkt", policy=None)
    assert store.s3_bucket("bkt").policy is None  # type: ignore[union-attr]


def test_listing_order_and_literal_prefixes(store: Store, account: str) -> None:
    store.s3_create_bucket(account, "bkt", "us-east-1", "BucketOwnerEnforced")
    keys = ["b", "B", "a/b", "a", "a%c", "a_c", "ä", "z", "\U0001f600", "a/"]
    for number, key in enumerate(keys):
        assert store.s3_put_object(_object(key, f"objects/{number}")) == []
    listed = [o.key for o in store.s3_list_objects("bkt", "", None, 100)]
    assert listed == sorted(keys, key=lambda k: k.encode())
    assert [o.key for o in store.s3_list_objects("bkt", "a%", None, 100)] == ["a%c"]
    assert [o.key for o in store.s3_list_objects("bkt", "a_", None, 100)] == ["a_c"]
    assert [o.key for o in store.s3_list_objects("bkt", "a", "a/", 2)] == ["a/b", "a_c"]
    got = store.s3_object("bkt", "ä")
    assert got is not None and (got.metadata, got.tags) == ({"m": "1"}, {"t": "v"})


def test_replaced_and_deleted_storage(store: Store, account: str) -> None:
    store.s3_create_bucket(account, "bkt", "us-east-1", "BucketOwnerEnforced")
    store.s3_put_object(_object("k", "objects/old"))
    assert store.s3_put_object(_object("k", "objects/new")) == ["objects/old"]
    assert store.s3_set_object_tags("bkt", "k", {"a": "b"})
    assert not store.s3_set_object_tags("bkt", "missing", {})
    assert store.s3_delete_bucket("bkt") == (False, [])
    assert store.s3_delete_object("bkt", "k") == "objects/new"
    assert store.s3_delete_object("bkt", "k") is None
    assert store.s3_delete_bucket("bkt") == (True, [])
    assert store.s3_bucket("bkt") is None


def test_multipart_bookkeeping(store: Store, account: str) -> None:
    store.s3_create_bucket(account, "bkt", "us-east-1", "BucketOwnerEnforced")
    upload = S3Upload("u1", "bkt", "k", "a/b", {}, {}, NOW, "arn:aws:iam::1:root")
    store.s3_create_upload(upload)
    assert store.s3_upload("u1") == upload
    assert store.s3_put_part("u1", S3Part(2, 5, '"p2"', "parts/2", NOW)) == []
    assert store.s3_put_part("u1", S3Part(1, 5, '"p1"', "parts/1", NOW)) == []
    assert store.s3_put_part("u1", S3Part(1, 6, '"p1b"', "parts/1b", NOW)) == ["parts/1"]
    assert [p.part_number for p in store.s3_parts("u1")] == [1, 2]
    assert store.s3_put_part("nope", S3Part(1, 1, '"x"', "parts/x", NOW)) is None
    unused = store.s3_finish_upload("u1", _object("k", "objects/whole"))
    assert sorted(unused or []) == ["parts/1b", "parts/2"]
    assert store.s3_upload("u1") is None
    assert store.s3_finish_upload("u1", None) is None
    store.s3_create_upload(S3Upload("u2", "bkt", "k2", None, {}, {}, NOW, "x"))
    store.s3_put_part("u2", S3Part(1, 1, '"q"', "parts/q", NOW))
    store.s3_delete_object("bkt", "k")
    assert store.s3_delete_bucket("bkt") == (True, ["parts/q"])


def test_account_public_access_block(store: Store, account: str) -> None:
    assert store.s3_account_public_access_block(account) is None
    store.s3_set_account_public_access_block(account, '{"BlockPublicPolicy": true}')
    store.s3_set_account_public_access_block(account, '{"BlockPublicAcls": true}')
    assert store.s3_account_public_access_block(account) == '{"BlockPublicAcls": true}'
    store.s3_set_account_public_access_block(account, None)
    assert store.s3_account_public_access_block(account) is None
