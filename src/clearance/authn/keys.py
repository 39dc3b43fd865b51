"""Resolving the access key a request names: format, existence, status, session token, expiry."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from clearance.authn.canonical import utf8
from clearance.authn.errors import ExpiredToken, InvalidAccessKeyId, InvalidClientTokenId
from clearance.authn.model import KeyRecord, SecretLookup
from clearance.authn.timestamps import aware

__all__ = ["MAX_SESSION_TOKEN_LENGTH", "resolve_key"]

MAX_ACCESS_KEY_ID_LENGTH = 128
MAX_SESSION_TOKEN_LENGTH = 8192
_ACCESS_KEY_ID = re.compile(r"[\w+=,.@-]+", re.ASCII)


def _invalid_key(s3: bool) -> InvalidClientTokenId:
    return InvalidAccessKeyId() if s3 else InvalidClientTokenId()


def _token_matches(record: KeyRecord, presented: str | None) -> bool:
    if not record.temporary:
        return not presented
    if not presented:
        return False
    if record.session_token is not None:
        return hmac.compare_digest(utf8(presented), utf8(record.session_token))
    digest = hashlib.sha256(utf8(presented)).hexdigest().encode()
    return hmac.compare_digest(digest, utf8((record.session_token_sha256 or "").lower()))


def resolve_key(
    lookup: SecretLookup,
    access_key_id: str,
    session_token: str | None,
    now: datetime,
    *,
    s3: bool = False,
) -> KeyRecord:
    """The record of ``access_key_id``, if the request may use it.

    Unknown, malformed or inactive keys, and a session token that is missing,
    unexpected or wrong, are ``InvalidClientTokenId`` (S3: ``InvalidAccessKeyId``
    for the key); a key past its ``expires_at`` is ``ExpiredToken``. Absurd
    inputs never reach the lookup.
    """
    if (
        len(access_key_id) > MAX_ACCESS_KEY_ID_LENGTH
        or _ACCESS_KEY_ID.fullmatch(access_key_id) is None
    ):
        raise _invalid_key(s3)
    if session_token is not None and len(session_token) > MAX_SESSION_TOKEN_LENGTH:
        raise InvalidClientTokenId()
    record = lookup(access_key_id)
    if record is None or not record.active:
        raise _invalid_key(s3)
    if not _token_matches(record, session_token):
        raise InvalidClientTokenId()
    if record.expires_at is not None and aware(now) >= aware(record.expires_at):
        raise ExpiredToken()
    return record
