"""``authenticate``: which scheme signed the request, and is the signature good?"""

from __future__ import annotations

from datetime import datetime

from clearance.authn import s3v2, sigv2, sigv4
from clearance.authn.canonical import parse_query
from clearance.authn.errors import MissingAuthenticationToken, SignatureDoesNotMatch
from clearance.authn.model import Authenticated, SecretLookup
from clearance.authn.timestamps import aware
from clearance.wire import WireRequest

__all__ = ["authenticate"]

BOTH = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."


def authenticate(
    request: WireRequest,
    lookup: SecretLookup,
    now: datetime,
    *,
    s3: bool = False,
    allow_anonymous: bool = False,
    expected_service: str | None = None,
    bucket: str | None = None,
) -> Authenticated:
    """Verify the request's signature and return who signed it.

    SigV4 in the ``Authorization`` header, SigV4 presigned (``X-Amz-Algorithm``
    in the query), or SigV2 (``SignatureVersion=2`` in the query or form body).
    ``s3`` switches to S3's canonicalization (no path normalization, single
    encoding, payload-hash literals) and S3's error codes. A request with no
    signature is anonymous when ``allow_anonymous``, else
    ``MissingAuthenticationToken``. ``expected_service``, when given, must be
    the credential scope's service. ``bucket`` names the bucket of a
    virtual-hosted S3 request (S3 SigV2 signs it). Every failure is an
    :class:`~clearance.authn.errors.AuthError`.
    """
    now = aware(now)
    rules = sigv4.S3_RULES if s3 else sigv4.DEFAULT_RULES
    header = request.header("authorization")
    if header is not None and not header.strip():
        header = None
    pairs = parse_query(request.query) if request.query else []
    if s3 and (header.startswith("AWS ") if header is not None else s3v2.is_presigned(pairs)):
        return s3v2.verify(request, pairs, lookup, now, bucket=bucket)
    presigned = any(name == "X-Amz-Algorithm" for name, _ in pairs)
    if header is not None:
        if presigned:
            raise SignatureDoesNotMatch(BOTH)
        return sigv4.verify_header(request, header, lookup, now, rules, expected_service)
    if presigned:
        return sigv4.verify_query(request, pairs, lookup, now, rules, expected_service)
    params = sigv2.params_of(request, pairs)
    if sigv2.looks_signed(params):
        return sigv2.verify(request, params, lookup, now, s3=s3)
    if allow_anonymous:
        return Authenticated(
            access_key_id="",
            method="anonymous",
            region=None,
            service=None,
            signed_at=now,
            session_token=None,
            signed_headers=(),
            signature_age_seconds=0.0,
        )
    raise MissingAuthenticationToken()
