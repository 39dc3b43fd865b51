"""ListObjectsV2 and ListObjects: prefix, delimiter (CommonPrefixes), max-keys,
continuation tokens / markers, start-after, and ``encoding-type=url``."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import quote

from clearance.services.context import CallContext
from clearance.services.registry import operation
from clearance.services.s3.buckets import authorized_bucket, owner_of
from clearance.services.s3.errors import InvalidArgument
from clearance.store import Store
from clearance.store.s3 import S3Object

__all__ = ["MAX_KEYS", "list_keys"]

MAX_KEYS = 1000
_PAGE = 1000
_AFTER_EVERY_CHAR = "\U0010ffff"


def list_keys(
    store: Store, bucket: str, prefix: str, delimiter: str, after: str | None, limit: int
) -> tuple[list[S3Object], list[str], bool, str | None]:
    """(objects, common prefixes, truncated, last entry returned) after ``after``
    (a key, or a common prefix returned before: everything under it is skipped)."""
    objects: list[S3Object] = []
    prefixes: list[str] = []
    marker = after
    rest = after[len(prefix) :] if after is not None and after.startswith(prefix) else ""
    if after is not None and delimiter and rest.endswith(delimiter):
        marker = after + _AFTER_EVERY_CHAR  # a common prefix: skip every key under it
    last: str | None = None
    while True:
        page = store.s3_list_objects(bucket, prefix, marker, _PAGE)
        skipped = False
        for found in page:
            if len(objects) + len(prefixes) >= limit:
                return objects, prefixes, True, last
            rest = found.key[len(prefix) :]
            cut = rest.find(delimiter) if delimiter else -1
            if cut >= 0:
                common = prefix + rest[: cut + len(delimiter)]
                prefixes.append(common)
                last = common
                marker = common + _AFTER_EVERY_CHAR
                skipped = True
                break  # the next page starts after every key under the common prefix
            objects.append(found)
            last = marker = found.key
        if not skipped and len(page) < _PAGE:
            return objects, prefixes, False, last


def _max_keys(params: dict[str, Any]) -> int:
    value = int(params.get("MaxKeys", MAX_KEYS))
    if value < 0:
        raise InvalidArgument("max-keys cannot be negative", ArgumentName="max-keys")
    return min(value, MAX_KEYS)


def _encode(value: str, url: bool) -> str:
    return quote(value, safe="/") if url else value


def _contents(
    objects: list[S3Object], url: bool, owner: dict[str, str] | None
) -> list[dict[str, Any]]:
    entries = []
    for found in objects:
        entry: dict[str, Any] = {
            "Key": _encode(found.key, url),
            "LastModified": found.last_modified,
            "ETag": found.etag,
            "Size": found.size,
            "StorageClass": "STANDARD",
        }
        if owner is not None:
            entry["Owner"] = owner
        entries.append(entry)
    return entries


def _token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode()


def _untoken(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode("utf-8", "surrogatepass")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidArgument(
            "The continuation token provided is incorrect", ArgumentName="continuation-token"
        ) from None


@operation("s3", "ListObjectsV2")
def list_objects_v2(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    bucket = authorized_bucket(ctx, params, "ListObjectsV2")
    prefix = params.get("Prefix") or ""
    delimiter = params.get("Delimiter") or ""
    limit = _max_keys(params)
    token = params.get("ContinuationToken")
    start_after = params.get("StartAfter")
    after = _untoken(token) if token else start_after
    objects, prefixes, truncated, last = list_keys(
        ctx.store, bucket.name, prefix, delimiter, after, limit
    )
    url = params.get("EncodingType") == "url"
    owner = owner_of(bucket.account_id) if params.get("FetchOwner") else None
    result: dict[str, Any] = {
        "Name": bucket.name,
        "Prefix": _encode(prefix, url),
        "MaxKeys": limit,
        "KeyCount": len(objects) + len(prefixes),
        "IsTruncated": truncated,
        "Contents": _contents(objects, url, owner) or None,
        "CommonPrefixes": [{"Prefix": _encode(p, url)} for p in prefixes] or None,
    }
    if delimiter:
        result["Delimiter"] = _encode(delimiter, url)
    if url:
        result["EncodingType"] = "url"
    if token:
        result["ContinuationToken"] = token
    if start_after:
        result["StartAfter"] = _encode(start_after, url)
    if truncated and last is not None:
        result["NextContinuationToken"] = _token(last)
    return result


@operation("s3", "ListObjects")
def list_objects(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    bucket = authorized_bucket(ctx, params, "ListObjects")
    prefix = params.get("Prefix") or ""
    delimiter = params.get("Delimiter") or ""
    limit = _max_keys(params)
    marker = params.get("Marker") or None
    objects, prefixes, truncated, last = list_keys(
        ctx.store, bucket.name, prefix, delimiter, marker, limit
    )
    url = params.get("EncodingType") == "url"
    result: dict[str, Any] = {
        "Name": bucket.name,
        "Prefix": _encode(prefix, url),
        "Marker": _encode(marker or "", url),
        "MaxKeys": limit,
        "IsTruncated": truncated,
        "Contents": _contents(objects, url, owner_of(bucket.account_id)) or None,
        "CommonPrefixes": [{"Prefix": _encode(p, url)} for p in prefixes] or None,
    }
    if delimiter:
        result["Delimiter"] = _encode(delimiter, url)
        if truncated and last is not None:
            result["NextMarker"] = _encode(last, url)
    if url:
        result["EncodingType"] = "url"
    return result
