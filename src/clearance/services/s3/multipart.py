"""Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload
(ETag ``md5-of-part-md5s-N``), AbortMultipartUpload, ListParts.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html (parts 1..10000,
every part but the last at least 5 MiB)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from clearance.services.context import CallContext
from clearance.services.registry import operation
from clearance.services.s3.authz import authorize
from clearance.services.s3.bodies import read_upload
from clearance.services.s3.buckets import existing_bucket, owner_of
from clearance.services.s3.call import S3Call, call_of
from clearance.services.s3.errors import (
    EntityTooSmall,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    MalformedXMLError,
    NoSuchUpload,
)
from clearance.services.s3.objects import authorized_new_object, etag_of
from clearance.store.s3 import S3Bucket, S3Object, S3Part, S3Upload

__all__ = ["MAX_PART_NUMBER", "MIN_PART_SIZE"]

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_NUMBER = 10000


def _upload(ctx: CallContext, params: dict[str, Any]) -> tuple[S3Call, S3Bucket, S3Upload | None]:
    call = call_of(params)
    bucket = existing_bucket(ctx.store, params["Bucket"])
    upload = ctx.store.s3_upload(params.get("UploadId") or "")
    if upload is not None and (upload.bucket, upload.key) != (bucket.name, params["Key"]):
        upload = None
    return call, bucket, upload


def _authorized_upload(
    ctx: CallContext, params: dict[str, Any], action: str
) -> tuple[S3Call, S3Bucket, S3Upload]:
    """The request's upload once ``s3:<action>`` on its key is allowed; NoSuchUpload
    (after the authorization, so its existence is not revealed) when there is none."""
    call, bucket, upload = _upload(ctx, params)
    authorize(ctx, call, action, bucket, key=params["Key"])
    if upload is None:
        raise NoSuchUpload(UploadId=params.get("UploadId"))
    return call, bucket, upload


@operation("s3", "CreateMultipartUpload")
def create_multipart_upload(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    new = authorized_new_object(ctx, params, "CreateMultipartUpload")
    upload_id = secrets.token_urlsafe(32)
    ctx.store.s3_create_upload(
        S3Upload(
            upload_id=upload_id,
            bucket=new.bucket.name,
            key=new.key,
            content_type=new.content_type,
            metadata=new.metadata,
            tags=new.tags,
            initiated=ctx.now,
            initiator=ctx.caller.arn,
        )
    )
    return {"Bucket": new.bucket.name, "Key": new.key, "UploadId": upload_id}


@operation("s3", "UploadPart")
def upload_part(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    call, bucket, upload = _upload(ctx, params)
    number = params.get("PartNumber", 0)
    if not 1 <= number <= MAX_PART_NUMBER:
        raise InvalidArgument(
            "Part number must be an integer between 1 and 10000, inclusive",
            ArgumentName="partNumber",
            ArgumentValue=str(number),
        )
    authorize(ctx, call, "UploadPart", bucket, key=params["Key"])
    if upload is None:
        raise NoSuchUpload(UploadId=params.get("UploadId"))
    written = read_upload(call)
    part = S3Part(number, written.size, etag_of(written.md5), written.storage, ctx.now)
    try:
        replaced = ctx.store.s3_put_part(upload.upload_id, part)
    except BaseException:
        call.files.delete([written.storage])
        raise
    if replaced is None:
        call.files.delete([written.storage])
        raise NoSuchUpload(UploadId=upload.upload_id)
    call.files.delete(replaced)
    return {"ETag": part.etag}


def _chosen(requested: list[dict[str, Any]], stored: dict[int, S3Part]) -> list[S3Part]:
    if not requested:
        raise MalformedXMLError()
    chosen: list[S3Part] = []
    previous = 0
    for entry in requested:
        number = int(entry.get("PartNumber") or 0)
        if number <= previous:
            raise InvalidPartOrder()
        previous = number
        part = stored.get(number)
        etag = str(entry.get("ETag") or "").strip()
        if not etag.startswith('"'):
            etag = f'"{etag}"'
        if part is None or part.etag != etag:
            raise InvalidPart(UploadId=None, PartNumber=str(number), ETag=etag)
        chosen.append(part)
    for part in chosen[:-1]:
        if part.size < MIN_PART_SIZE:
            raise EntityTooSmall(
                ProposedSize=str(part.size),
                MinSizeAllowed=str(MIN_PART_SIZE),
                PartNumber=str(part.part_number),
            )
    return chosen


@operation("s3", "CompleteMultipartUpload")
def complete_multipart_upload(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    call, bucket, upload = _authorized_upload(ctx, params, "CompleteMultipartUpload")
    requested = (params.get("MultipartUpload") or {}).get("Parts") or []
    stored = {part.part_number: part for part in ctx.store.s3_parts(upload.upload_id)}
    chosen = _chosen(requested, stored)

    def concatenate(write: Any) -> None:
        for part in chosen:
            call.files.copy_into(part.storage, write)

    written = call.files.write(concatenate)
    digest = hashlib.md5(usedforsecurity=False)
    for part in chosen:
        digest.update(bytes.fromhex(part.etag.strip('"')))
    record = S3Object(
        bucket=bucket.name,
        key=upload.key,
        size=written.size,
        etag=f'"{digest.hexdigest()}-{len(chosen)}"',
        content_type=upload.content_type,
        metadata=upload.metadata,
        tags=upload.tags,
        storage=written.storage,
        parts_count=len(chosen),
        last_modified=ctx.now,
    )
    unused = ctx.store.s3_finish_upload(upload.upload_id, record)
    if unused is None:
        call.files.delete([written.storage])
        raise NoSuchUpload(UploadId=upload.upload_id)
    call.files.delete(unused)
    return {
        "Location": f"/{bucket.name}/{upload.key}",
        "Bucket": bucket.name,
        "Key": upload.key,
        "ETag": record.etag,
    }


@operation("s3", "AbortMultipartUpload")
def abort_multipart_upload(ctx: CallContext, params: dict[str, Any]) -> None:
    call, _, upload = _authorized_upload(ctx, params, "AbortMultipartUpload")
    call.files.delete(ctx.store.s3_finish_upload(upload.upload_id, None) or [])
    return None


@operation("s3", "ListParts")
def list_parts(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    _, bucket, upload = _authorized_upload(ctx, params, "ListParts")
    marker = params.get("PartNumberMarker") or 0
    limit = min(params.get("MaxParts") or 1000, 1000)
    parts = [p for p in ctx.store.s3_parts(upload.upload_id) if p.part_number > marker]
    shown = parts[:limit]
    result: dict[str, Any] = {
        "Bucket": bucket.name,
        "Key": upload.key,
        "UploadId": upload.upload_id,
        "PartNumberMarker": marker,
        "MaxParts": limit,
        "IsTruncated": len(parts) > limit,
        "Initiator": {"ID": upload.initiator, "DisplayName": upload.initiator},
        "Owner": owner_of(bucket.account_id),
        "StorageClass": "STANDARD",
        "Parts": [
            {
                "PartNumber": p.part_number,
                "LastModified": p.last_modified,
                "ETag": p.etag,
                "Size": p.size,
            }
            for p in shown
        ]
        or None,
    }
    if shown:
        result["NextPartNumberMarker"] = shown[-1].part_number
    return result
