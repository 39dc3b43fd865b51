"""Objects: PutObject, GetObject (ranges, conditions), HeadObject, DeleteObject,
DeleteObjects, CopyObject and the object tagging operations."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NamedTuple

from clearance.services import s3_authz
from clearance.services.context import CallContext
from clearance.services.errors import AccessDenied
from clearance.services.registry import operation
from clearance.services.s3.authz import authorize, settings_of
from clearance.services.s3.bodies import read_upload
from clearance.services.s3.buckets import existing_bucket
from clearance.services.s3.call import S3Call, call_of
from clearance.services.s3.errors import (
    InvalidArgument,
    InvalidRange,
    InvalidRequest,
    MetadataTooLarge,
    NoSuchKey,
    NotModified,
    PreconditionFailed,
    error_with,
)
from clearance.services.s3.tags import from_header, from_tag_set, tag_set
from clearance.store.s3 import S3Bucket, S3Object
from clearance.wire import FileStream

__all__ = ["checked_headers", "etag_of", "object_headers", "reject_acl"]

DEFAULT_CONTENT_TYPE = "binary/octet-stream"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)", re.ASCII)
_OVERRIDES = {
    "ResponseContentType": "ContentType",
    "ResponseContentDisposition": "ContentDisposition",
    "ResponseContentEncoding": "ContentEncoding",
    "ResponseContentLanguage": "ContentLanguage",
    "ResponseCacheControl": "CacheControl",
    "ResponseExpires": "Expires",
}


MAX_METADATA = 2048  # bytes of user metadata (names and values)
MAX_CONTENT_TYPE = 256


def checked_headers(params: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The object's content type and user metadata, within S3's limits."""
    metadata = dict(params.get("Metadata") or {})
    size = sum(len(k.encode()) + len(v.encode()) for k, v in metadata.items())
    if size > MAX_METADATA:
        raise MetadataTooLarge(Size=str(size), MaxSizeAllowed=str(MAX_METADATA))
    content_type = params.get("ContentType") or DEFAULT_CONTENT_TYPE
    if len(content_type) > MAX_CONTENT_TYPE:
        raise InvalidArgument("The Content-Type header is too long.", ArgumentName="Content-Type")
    return content_type, metadata


def etag_of(md5: bytes) -> str:
    return f'"{md5.hex()}"'


def reject_acl(ctx: CallContext, call: S3Call, operation_name: str, bucket: S3Bucket) -> None:
    """ACL headers under the bucket's object ownership and Block Public Access."""
    refusal = s3_authz.acl_refusal(operation_name, call.headers, bucket.ownership)
    if refusal is not None:
        raise error_with(refusal.code, refusal.status, refusal.message)
    if s3_authz.public_acl_refusal(call.headers, settings_of(ctx.store, bucket)):
        raise AccessDenied("Access Denied")


def _object(ctx: CallContext, bucket: S3Bucket, key: str) -> S3Object | None:
    return ctx.store.s3_object(bucket.name, key)


def _missing(ctx: CallContext, call: S3Call, bucket: S3Bucket, key: str) -> NoSuchKey:
    """NoSuchKey for callers who may list the bucket; others get AccessDenied
    (S3 does not reveal whether a key exists to them)."""
    try:
        authorize(ctx, call, "ListObjectsV2", bucket)
    except AccessDenied:
        raise AccessDenied("Access Denied") from None
    return NoSuchKey(Key=key)


class NewObject(NamedTuple):
    """What a request creating an object (PutObject, CreateMultipartUpload) says of it."""

    call: S3Call
    bucket: S3Bucket
    key: str
    tags: dict[str, str]
    content_type: str
    metadata: dict[str, str]


def authorized_new_object(ctx: CallContext, params: dict[str, Any], s3_operation: str) -> NewObject:
    """The object the request creates, once ``s3_operation`` with its tags is allowed,
    its ACL headers are acceptable and its headers are within S3's limits."""
    call = call_of(params)
    bucket = existing_bucket(ctx.store, params["Bucket"])
    key = params["Key"]
    tags = from_header(params.get("Tagging"))
    authorize(ctx, call, s3_operation, bucket, key=key, request_tags=tags)
    reject_acl(ctx, call, s3_operation, bucket)
    content_type, metadata = checked_headers(params)
    return NewObject(call, bucket, key, tags, content_type, metadata)


@operation("s3", "PutObject")
def put_object(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    new = authorized_new_object(ctx, params, "PutObject")
    written = read_upload(new.call)
    record = S3Object(
        bucket=new.bucket.name,
        key=new.key,
        size=written.size,
        etag=etag_of(written.md5),
        content_type=new.content_type,
        metadata=new.metadata,
        tags=new.tags,
        storage=written.storage,
        parts_count=None,
        last_modified=ctx.now,
    )
    _store_object(ctx, new.call, record)
    return {"ETag": record.etag}


def _store_object(ctx: CallContext, call: S3Call, record: S3Object) -> None:
    """Store the object's record: its new file is deleted when that fails, the
    files of the object it replaced once it succeeds."""
    try:
        replaced = ctx.store.s3_put_object(record)
    except BaseException:
        call.files.delete([record.storage])
        raise
    call.files.delete(replaced)


def object_headers(found: S3Object) -> dict[str, Any]:
    headers: dict[str, Any] = {
        "ETag": found.etag,
        "LastModified": found.last_modified,
        "ContentType": found.content_type or DEFAULT_CONTENT_TYPE,
        "AcceptRanges": "bytes",
    }
    if found.metadata:
        headers["Metadata"] = dict(found.metadata)
    if found.tags:
        headers["TagCount"] = len(found.tags)
    return headers


def _check_conditions(params: dict[str, Any], found: S3Object) -> None:
    """If-Match / If-None-Match / If-(Un)Modified-Since, as S3 orders them."""
    etag = found.etag
    modified = found.last_modified.replace(microsecond=0)
    if_match = params.get("IfMatch")
    if if_match is not None and etag not in _etags(if_match):
        raise PreconditionFailed(Condition="If-Match")
    since: datetime | None = params.get("IfUnmodifiedSince")
    if if_match is None and since is not None and modified > since:
        raise PreconditionFailed(Condition="If-Unmodified-Since")
    if_none = params.get("IfNoneMatch")
    if if_none is not None and (etag in _etags(if_none) or if_none.strip() == "*"):
        raise NotModified()
    since = params.get("IfModifiedSince")
    if if_none is None and since is not None and modified <= since:
        raise NotModified()


def _etags(value: str) -> set[str]:
    found = set()
    for raw in value.split(","):
        part = raw.strip()
        found.add(part if not part or part.startswith('"') else f'"{part}"')
    return found


def _range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single ``bytes=`` range; None for the whole object
    (no header, or one S3 ignores). Raises InvalidRange when unsatisfiable."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        return None
    first_text, last_text = match.groups()
    if not first_text:  # the last N bytes
        count = int(last_text)
        if count == 0:
            raise InvalidRange(RangeRequested=header, ActualObjectSize=str(size))
        return max(size - count, 0), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last < first:
        return None
    if first >= size:
        raise InvalidRange(RangeRequested=header, ActualObjectSize=str(size))
    return first, min(last, size - 1)


def _read(ctx: CallContext, params: dict[str, Any], name: str) -> tuple[S3Call, S3Object]:
    call = call_of(params)
    bucket = existing_bucket(ctx.store, params["Bucket"])
    key = params["Key"]
    found = _object(ctx, bucket, key)
    authorize(ctx, call, name, bucket, key=key, existing_tags=found.tags if found else None)
    if found is None:
        raise _missing(ctx, call, bucket, key)
    _check_conditions(params, found)
    return call, found


@operation("s3", "GetObject")
def get_object(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    call, found = _read(ctx, params, "GetObject")
    result = object_headers(found)
    for param, header in _OVERRIDES.items():
        if params.get(param) is not None:
            result[header] = params[param]
    span = _range(params.get("Range"), found.size)
    handle = call.files.open(found.storage)
    if span is None:
        result["ContentLength"] = found.size
        result["Body"] = FileStream(handle, 0, found.size)
        return result
    first, last = span
    result["ContentLength"] = last - first + 1
    result["ContentRange"] = f"bytes {first}-{last}/{found.size}"
    result["Body"] = FileStream(handle, first, last - first + 1)
    result["__status"] = 206
    return result


@operation("s3", "HeadObject")
def head_object(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    _, found = _read(ctx, params, "HeadObject")
    result = object_headers(found)
    span = _range(params.get("Range"), found.size)
    if span is None:
        result["ContentLength"] = found.size
        return result
    result["ContentLength"] = span[1] - span[0] + 1
    result["ContentRange"] = f"bytes {span[0]}-{span[1]}/{found.size}"
    result["__status"] = 206
    return result


@operation("s3", "DeleteObject")
def delete_object(ctx: CallContext, params: dict[str, Any]) -> None:
    call = call_of(params)
    bucket = existing_bucket(ctx.store, params["Bucket"])
    authorize(ctx, call, "DeleteObject", bucket, key=params["Key"])
    call.files.delete([ctx.store.s3_delete_object(bucket.name, params["Key"])])
    return None


@operation("s3", "DeleteObjects")
def delete_objects(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    call = call_of(params)
    bucket = existing_bucket(ctx.store, params["Bucket"])
    request = params.get("Delete") or {}
    objects = request.get("Objects") or []
    if len(objects) > 1000:
        raise InvalidArgument("The request cannot delete more than 1000 objects.")
    deleted: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for entry in objects:
        key = str(entry.get("Key", ""))
        try:
            authorize(ctx, call, "DeleteObject", bucket, key=key)
        except AccessDenied:
            errors.append({"Key": key, "Code": "AccessDenied", "Message": "Access Denied"})
            continue
        call.files.delete([ctx.store.s3_delete_object(bucket.name, key)])
        deleted.append({"Key": key})
    result: dict[str, Any] = {"Errors": errors} if errors else {}
    if not request.get("Quiet"):
        result["Deleted"] = deleted
    return result


@operation("s3", "CopyObject")
def copy_object(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    call = call_of(params)
    bucket = existing_bucket(ctx.store, params["Bucket"])
    key = params["Key"]
    source = s3_authz.parse_copy_source(params.get("CopySource", ""))
    if source is None:
        raise InvalidArgument(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey"
        )
    existing_bucket(ctx.store, source.bucket)  # NoSuchBucket for a missing source bucket
    original = ctx.store.s3_object(source.bucket, source.key)
    replace_tags = params.get("TaggingDirective") == "REPLACE"
    tags = (
        from_header(params.get("Tagging"))
        if replace_tags
        else (dict(original.tags) if original else {})
    )
    authorize(
        ctx,
        call,
        "CopyObject",
        bucket,
        key=key,
        request_tags=tags if replace_tags else None,
        source_tags=original.tags if original else None,
    )
    reject_acl(ctx, call, "CopyObject", bucket)
    if original is None:
        raise NoSuchKey(Key=source.key)
    replace_metadata = params.get("MetadataDirective") == "REPLACE"
    content_type, metadata = checked_headers(params)
    if (source.bucket, source.key) == (bucket.name, key) and not (replace_metadata or replace_tags):
        raise InvalidRequest(
            "This copy request is illegal because it is trying to copy an object to itself "
            "without changing the object's metadata, storage class, website redirect location "
            "or encryption attributes."
        )
    written = call.files.write(lambda write: call.files.copy_into(original.storage, write))
    record = S3Object(
        bucket=bucket.name,
        key=key,
        size=written.size,
        etag=etag_of(written.md5),  # a copy is one object, whatever the source's parts
        content_type=content_type if replace_metadata else original.content_type,
        metadata=metadata if replace_metadata else original.metadata,
        tags=tags,
        storage=written.storage,
        parts_count=None,
        last_modified=ctx.now,
    )
    _store_object(ctx, call, record)
    return {"CopyObjectResult": {"ETag": record.etag, "LastModified": record.last_modified}}


def _tagged(
    ctx: CallContext, params: dict[str, Any], name: str, tags: dict[str, str] | None = None
) -> tuple[S3Bucket, S3Object]:
    call = call_of(params)
    bucket = existing_bucket(ctx.store, params["Bucket"])
    key = params["Key"]
    found = _object(ctx, bucket, key)
    authorize(
        ctx,
        call,
        name,
        bucket,
        key=key,
        existing_tags=found.tags if found else None,
        request_tags=tags,
    )
    if found is None:
        raise NoSuchKey(Key=key)
    return bucket, found


@operation("s3", "GetObjectTagging")
def get_object_tagging(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    _, found = _tagged(ctx, params, "GetObjectTagging")
    return {"TagSet": tag_set(found.tags)}


@operation("s3", "PutObjectTagging")
def put_object_tagging(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    tags = from_tag_set(params.get("Tagging"))
    bucket, found = _tagged(ctx, params, "PutObjectTagging", tags)
    if not ctx.store.s3_set_object_tags(bucket.name, found.key, tags):
        raise NoSuchKey(Key=found.key)
    return {}


@operation("s3", "DeleteObjectTagging")
def delete_object_tagging(ctx: CallContext, params: dict[str, Any]) -> None:
    bucket, found = _tagged(ctx, params, "DeleteObjectTagging")
    ctx.store.s3_set_object_tags(bucket.name, found.key, {})
    return None
