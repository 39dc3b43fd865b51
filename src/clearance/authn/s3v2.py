"""S3's own Signature Version 2: ``Authorization: AWS AKID:signature`` and the
presigned ``AWSAccessKeyId`` / ``Expires`` / ``Signature`` query.

The string to sign (https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html)::

    METHOD \\n Content-MD5 \\n Content-Type \\n Date (or Expires) \\n
    CanonicalizedAmzHeaders  (x-amz-* lower-cased, sorted, ``name:v1,v2\\n``)
    CanonicalizedResource    (``/bucket`` + path as sent, + the sub-resources, sorted)

The resource always names the bucket, also for a virtual-hosted request
(``bucket`` is given by the router). An ``x-amz-date`` header empties the Date
line. The signature is the base64 HMAC-SHA1 of that string.
"""

from __future__ import annotations

import base64
import hmac
from datetime import UTC, datetime
from urllib.parse import unquote

from clearance.authn.canonical import utf8
from clearance.authn.errors import (
    SIGNATURE_MISMATCH_S3,
    AuthorizationQueryParametersError,
    IncompleteSignature,
    PresignedRequestExpired,
    SignatureDoesNotMatch,
    echo,
)
from clearance.authn.keys import resolve_key
from clearance.authn.model import Authenticated, SecretLookup
from clearance.authn.timestamps import check_skew, parse_http_date
from clearance.wire import WireRequest

__all__ = ["SUB_RESOURCES", "is_presigned", "signature", "string_to_sign", "verify"]

# The query parameters that are part of the signed resource (botocore's list).
SUB_RESOURCES = frozenset(
    {
        "accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete", "inventory",
        "lifecycle", "location", "logging", "metrics", "notification", "object-lock",
        "partNumber", "policy", "replication", "requestPayment", "response-cache-control",
        "response-content-disposition", "response-content-encoding", "response-content-language",
        "response-content-type", "response-expires", "restore", "select", "select-type",
        "storageClass", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning",
        "versions", "website",
    }
)  # fmt: skip


def is_presigned(pairs: list[tuple[str, str]]) -> bool:
    names = {name for name, _ in pairs}
    return {"AWSAccessKeyId", "Signature"} <= names and "SignatureVersion" not in names


def _amz_headers(request: WireRequest, query: dict[str, str]) -> str:
    found: dict[str, list[str]] = {}
    for name, value in request.headers:
        if name.startswith("x-amz-"):
            found.setdefault(name, []).append(value.strip())
    for name, value in query.items():  # a presigned URL carries them in the query
        lowered = name.lower()
        if lowered.startswith("x-amz-") and lowered not in found:
            found[lowered] = [value.strip()]
    return "".join(f"{name}:{','.join(found[name])}\n" for name in sorted(found))


def _resource(request: WireRequest, bucket: str | None) -> str:
    path = request.path
    if bucket is not None:
        path = f"/{bucket}{path}"
    kept = []
    for piece in request.query.split("&") if request.query else ():
        name, equals, value = piece.partition("=")
        if name in SUB_RESOURCES:
            kept.append((name, f"{name}={unquote(value)}" if equals else name))
    kept.sort(key=lambda pair: pair[0])
    return path + ("?" + "&".join(text for _, text in kept) if kept else "")


def string_to_sign(
    request: WireRequest, date_line: str, bucket: str | None, query: dict[str, str]
) -> str:
    """``bucket``: the virtual-hosted bucket (None for a path-style request)."""
    md5 = query.get("Content-MD5") or request.header("content-md5") or ""
    content_type = query.get("Content-Type") or request.header("content-type") or ""
    return (
        f"{request.method}\n{md5.strip()}\n{content_type.strip()}\n{date_line}\n"
        f"{_amz_headers(request, query)}{_resource(request, bucket)}"
    )


def signature(secret: str, to_sign: str) -> str:
    digest = hmac.digest(utf8(secret), utf8(to_sign), "sha1")
    return base64.b64encode(digest).decode("ascii")


def verify(
    request: WireRequest,
    pairs: list[tuple[str, str]],
    lookup: SecretLookup,
    now: datetime,
    *,
    bucket: str | None,
) -> Authenticated:
    """Verify an S3 SigV2 request: the ``AWS`` header or a presigned query."""
    query = dict(pairs)
    header = request.header("authorization")
    if header is not None:
        credential = header.strip()[4:]
        access_key_id, colon, provided = credential.rpartition(":")
        if not colon or not access_key_id or not provided:
            raise IncompleteSignature(
                f"Authorization header is invalid -- one and only one ' ' (space) required: "
                f"'{echo(header)}'"
            )
        token = request.header("x-amz-security-token") or None
        stamp = request.header("x-amz-date") or request.header("date")
        signed_at = parse_http_date(stamp) if stamp else None
        if signed_at is None:
            raise AccessDeniedDate()
        check_skew(signed_at, now, s3=True)
        date_line = "" if request.header("x-amz-date") else (request.header("date") or "")
        method: str = "sigv2"
    else:
        access_key_id, provided = query["AWSAccessKeyId"], query["Signature"]
        raw_expires = query.get("Expires", "")
        if not raw_expires.isdigit() or len(raw_expires) > 12:
            raise AuthorizationQueryParametersError(
                "Query-string authentication requires the Signature, Expires and "
                "AWSAccessKeyId parameters"
            )
        if now.timestamp() > int(raw_expires):
            raise PresignedRequestExpired()
        token = query.get("x-amz-security-token") or request.header("x-amz-security-token")
        signed_at = now
        date_line = raw_expires
        method = "sigv2-query"
    record = resolve_key(lookup, access_key_id, token or None, now, s3=True)
    to_sign = string_to_sign(request, date_line, bucket, query)
    expected = signature(record.secret_access_key, to_sign)
    if not hmac.compare_digest(expected.encode(), utf8(provided.replace(" ", "+"))):
        raise SignatureDoesNotMatch(
            SIGNATURE_MISMATCH_S3,
            string_to_sign=to_sign,
            signature_provided=echo(provided),
            access_key_id=access_key_id,
        )
    return Authenticated(
        access_key_id=access_key_id,
        method="sigv2" if method == "sigv2" else "sigv2-query",
        region=None,
        service="s3",
        signed_at=signed_at.astimezone(UTC),
        session_token=token or None,
        signed_headers=(),
        signature_age_seconds=max((now - signed_at).total_seconds(), 0.0),
    )


class AccessDeniedDate(SignatureDoesNotMatch):
    """S3 SigV2 without a usable date."""

    code = "AccessDenied"
    http_status = 403

    def __init__(self) -> None:
        super().__init__("AWS authentication requires a valid Date or x-amz-date header")
