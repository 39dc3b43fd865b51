"""SigV2 for the query APIs: ``SignatureVersion=2`` with ``HmacSHA256`` or ``HmacSHA1``.

The parameters travel in the query string (GET) or the form body (POST). The
string to sign is ``METHOD\\nhost\\npath\\nsorted-params``, the signature its
base64 HMAC (AWS General Reference, "Signature Version 2 signing process").
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterable
from datetime import datetime

from clearance.authn.canonical import parse_query, uri_encode, utf8
from clearance.authn.errors import (
    IncompleteSignature,
    RequestExpired,
    SignatureDoesNotMatch,
    echo,
)
from clearance.authn.keys import resolve_key
from clearance.authn.model import Authenticated, SecretLookup
from clearance.authn.timestamps import aware, check_skew, parse_iso8601
from clearance.wire import WireRequest

__all__ = [
    "DIGESTS",
    "canonical_params",
    "looks_signed",
    "params_of",
    "signature",
    "string_to_sign",
    "verify",
]

DIGESTS = {"HmacSHA256": "sha256", "HmacSHA1": "sha1"}
FORM = "application/x-www-form-urlencoded"


def params_of(request: WireRequest, query_pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The parameters a SigV2 signature covers: the form body of a POST, else the query."""
    content_type = request.header("content-type") or ""
    if request.method == "POST" and request.body and content_type.lower().startswith(FORM):
        return parse_query(request.body.decode("utf-8", "surrogateescape"))
    return query_pairs


def looks_signed(params: Iterable[tuple[str, str]]) -> bool:
    names = {name for name, _ in params}
    return "SignatureVersion" in names or {"AWSAccessKeyId", "Signature"} <= names


def canonical_params(params: Iterable[tuple[str, str]]) -> str:
    """``name=value`` sorted by name (then value), RFC 3986-encoded, without ``Signature``."""
    kept = sorted((name, value) for name, value in params if name != "Signature")
    return "&".join(f"{uri_encode(name)}={uri_encode(value)}" for name, value in kept)


def string_to_sign(method: str, host: str, path: str, params: Iterable[tuple[str, str]]) -> str:
    return f"{method}\n{host.lower()}\n{path or '/'}\n{canonical_params(params)}"


def signature(secret: str, to_sign: str, method: str = "HmacSHA256") -> str:
    digest = hmac.digest(utf8(secret), utf8(to_sign), DIGESTS[method])
    return base64.b64encode(digest).decode("ascii")


def _required(values: dict[str, str]) -> None:
    for name in ("AWSAccessKeyId", "SignatureVersion", "SignatureMethod", "Signature"):
        if not values.get(name):
            raise IncompleteSignature(f"The request must contain the parameter {name}.")
    if not values.get("Timestamp") and not values.get("Expires"):
        raise IncompleteSignature("The request must contain the parameter Timestamp or Expires.")
    if values["SignatureVersion"] != "2":
        raise IncompleteSignature(
            f"Value ({echo(values['SignatureVersion'])}) for parameter SignatureVersion is "
            "invalid. Valid values are 2 or AWS Signature Version 4."
        )
    if values["SignatureMethod"] not in DIGESTS:
        raise IncompleteSignature(
            f"Value ({echo(values['SignatureMethod'])}) for parameter SignatureMethod is "
            "invalid. Unknown signature method."
        )


def _moment(values: dict[str, str], name: str) -> datetime | None:
    raw = values.get(name)
    if not raw:
        return None
    moment = parse_iso8601(raw)
    if moment is None:
        raise IncompleteSignature(
            f"Value ({echo(raw)}) for parameter {name} is invalid. Must be in ISO8601 format."
        )
    return moment


def verify(
    request: WireRequest,
    params: list[tuple[str, str]],
    lookup: SecretLookup,
    now: datetime,
    *,
    s3: bool = False,
) -> Authenticated:
    """Verify a SigV2-signed request whose signed parameters are ``params``."""
    now = aware(now)
    values: dict[str, str] = {}
    for name, value in params:
        values.setdefault(name, value)
    _required(values)
    timestamp = _moment(values, "Timestamp")
    expires = _moment(values, "Expires")
    if timestamp is not None:
        check_skew(timestamp, now, s3=s3)
    if expires is not None and now > expires:
        raise RequestExpired()
    access_key_id = values["AWSAccessKeyId"]
    token = values.get("SecurityToken") or None
    record = resolve_key(lookup, access_key_id, token, now, s3=s3)
    to_sign = string_to_sign(request.method, request.header("host") or "", request.path, params)
    expected = signature(record.secret_access_key, to_sign, values["SignatureMethod"])
    provided = values["Signature"].replace(" ", "+")  # an unencoded '+' decodes as a space
    if not hmac.compare_digest(expected.encode(), utf8(provided)):
        raise SignatureDoesNotMatch(
            string_to_sign=to_sign, signature_provided=echo(provided), access_key_id=access_key_id
        )
    signed_at = timestamp or now
    return Authenticated(
        access_key_id=access_key_id,
        method="sigv2",
        region=None,
        service=None,
        signed_at=signed_at,
        session_token=token,
        signed_headers=(),
        signature_age_seconds=(now - signed_at).total_seconds(),
        payload_hash=None,
    )
