"""The SigV4 signing steps, one function each, so each can be checked against the vectors.

    canonical_uri      path → canonical path (non-S3: remove dot segments, collapse ``//``,
                       encode the sent path again; S3: each segment decoded and encoded once)
    canonical_query    raw query → sorted, RFC 3986-encoded ``k=v&...``
    canonical_headers  the signed headers → ``name:value\\n`` lines
    canonical_request  the six parts joined by newlines
    string_to_sign     ``AWS4-HMAC-SHA256``, date, scope, hash of the canonical request
    signing_key        the four-HMAC chain, cached per (secret, date, region, service)
    signature          hex HMAC of the string to sign

Facts from AWS's SigV4 documentation and botocore's ``auth.py`` (the signer clients use),
code written here.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from functools import lru_cache
from urllib.parse import quote, unquote_to_bytes

from clearance.wire import WireRequest

__all__ = [
    "ALGORITHM",
    "EMPTY_SHA256",
    "TERMINATOR",
    "canonical_headers",
    "canonical_query",
    "canonical_request",
    "canonical_uri",
    "credential_scope",
    "hash_payload",
    "parse_query",
    "remove_dot_segments",
    "signature",
    "signing_key",
    "string_to_sign",
    "uri_encode",
    "utf8",
]

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
SIGNING_KEY_CACHE_SIZE = 512


def utf8(text: str) -> bytes:
    """UTF-8 bytes of ``text``; never raises.

    Lone surrogates come from bytes that were not UTF-8 (decoded with
    ``surrogateescape``, as the ``http`` layer should): they turn back into
    those bytes.
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return text.encode("utf-8", "surrogatepass")


def uri_encode(data: str | bytes, safe: str = "") -> str:
    """RFC 3986 percent-encoding: ``A-Za-z0-9-_.~`` (and ``safe``) stay, the rest is ``%XX``.

    Text is encoded as UTF-8 first; hex digits are upper case.
    """
    return quote(utf8(data) if isinstance(data, str) else data, safe=safe)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 dot-segment removal, plus AWS's collapsing of empty segments."""
    if not path:
        return "/"
    kept: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if kept:
                kept.pop()
        elif segment and segment != ".":
            kept.append(segment)
    lead = "/" if path.startswith("/") else ""
    trail = "/" if path.endswith("/") and kept else ""
    return lead + "/".join(kept) + trail


def canonical_uri(path: str, *, normalize: bool = True, double_encode: bool = True) -> str:
    """The canonical path of a request whose path was sent as ``path``.

    ``double_encode`` (every service but S3): the path as sent — already
    percent-encoded by the client — is encoded once more (``%20`` → ``%2520``).
    Otherwise (S3) each segment is decoded and encoded once, which keeps what
    a conforming client sent and repairs a sloppy one (``%7e``, raw spaces).
    """
    if normalize:
        path = remove_dot_segments(path)
    if not path:
        return "/"
    if double_encode:
        return uri_encode(path, safe="/")
    return "/".join(uri_encode(unquote_to_bytes(utf8(part))) for part in path.split("/"))


def parse_query(query: str) -> list[tuple[str, str]]:
    """Decode a raw query string into (name, value) pairs, in order.

    ``+`` is a space (as AWS's own test suite decodes it), a malformed ``%``
    escape stays literal, bytes that are not UTF-8 become lone surrogates
    (``surrogateescape``, so :func:`utf8` gives them back). Empty pieces are dropped.
    """
    pairs: list[tuple[str, str]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((_decode(name), _decode(value)))
    return pairs


def _decode(component: str) -> str:
    if "%" not in component and "+" not in component:
        return component
    return unquote_to_bytes(utf8(component.replace("+", " "))).decode("utf-8", "surrogateescape")


def _encode_component(component: str) -> str:
    if "%" not in component and "+" not in component:
        return uri_encode(component)
    return uri_encode(unquote_to_bytes(utf8(component.replace("+", " "))))


def canonical_query(query: str, *, exclude: Iterable[str] = ()) -> str:
    """The canonical query string: each name and value decoded and RFC 3986-encoded,
    sorted by name then value, ``name=`` for a valueless parameter.

    ``exclude`` lists (decoded) parameter names left out — ``X-Amz-Signature``
    for presigned requests.
    """
    excluded = frozenset(exclude)
    pairs: list[tuple[str, str]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if excluded and _decode(name) in excluded:
            continue
        pairs.append((_encode_component(name), _encode_component(value)))
    pairs.sort()
    return "&".join(f"{name}={value}" for name, value in pairs)


def _trim_all(value: str) -> str:
    return " ".join(value.split())


def canonical_headers(request: WireRequest, signed: Sequence[str]) -> str:
    """``name:value`` lines for the signed headers, each ending in a newline.

    Values are trimmed and inner whitespace runs become one space; a repeated
    header's values are joined with ``,`` in the order received. A signed
    header missing from the request canonicalizes as an empty value.
    """
    lines = []
    for name in signed:
        values = request.header_values(name)
        lines.append(f"{name}:{','.join(_trim_all(value) for value in values)}\n")
    return "".join(lines)


def canonical_request(
    method: str,
    uri: str,
    query: str,
    headers: str,
    signed_headers: str,
    payload_hash: str,
) -> str:
    """``METHOD\\nURI\\nQUERY\\nHEADERS\\nSIGNEDHEADERS\\nPAYLOADHASH``.

    ``headers`` is :func:`canonical_headers`' output (each line newline-ended),
    which gives the blank line AWS's format has after the headers.
    """
    return f"{method}\n{uri}\n{query}\n{headers}\n{signed_headers}\n{payload_hash}"


def credential_scope(date: str, region: str, service: str) -> str:
    return f"{date}/{region}/{service}/{TERMINATOR}"


def string_to_sign(amz_date: str, scope: str, canonical: str) -> str:
    digest = hashlib.sha256(utf8(canonical)).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.digest(key, utf8(message), "sha256")


@lru_cache(maxsize=SIGNING_KEY_CACHE_SIZE)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """HMAC("AWS4"+secret, date) → region → service → ``aws4_request``; cached (bounded LRU)."""
    key = _hmac(utf8(f"AWS4{secret}"), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, TERMINATOR)


def signature(key: bytes, to_sign: str) -> str:
    return hmac.new(key, utf8(to_sign), hashlib.sha256).hexdigest()


def hash_payload(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
