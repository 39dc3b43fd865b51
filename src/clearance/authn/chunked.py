"""Decoding an ``aws-chunked`` body, verifying each chunk's signature on the way.

A body sent with ``x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` is
a series of ``hex-size;chunk-signature=SIG\\r\\n DATA \\r\\n`` chunks ending with
an empty one; each chunk's string to sign chains from the previous signature
(the seed is the request's own)::

    AWS4-HMAC-SHA256-PAYLOAD \\n amz-date \\n scope \\n previous-signature \\n
    sha256("") \\n sha256(chunk data)

The ``-TRAILER`` variants end with trailing headers (a checksum); the signed one
signs them too (``AWS4-HMAC-SHA256-TRAILER``). ``STREAMING-UNSIGNED-PAYLOAD-TRAILER``
has bare sizes and no signatures. https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import BinaryIO

from clearance.authn.canonical import EMPTY_SHA256, signature
from clearance.authn.errors import AuthError, SignatureDoesNotMatch
from clearance.authn.model import ChunkSigning

__all__ = ["MAX_CHUNK", "IncompleteBody", "decode_chunked"]

MAX_CHUNK = 16 * 1024 * 1024
_MAX_LINE = 4096


class IncompleteBody(AuthError):
    code = "IncompleteBody"
    http_status = 400
    default_message = "The request body terminated unexpectedly"


def _line(source: BinaryIO) -> bytes:
    line = source.readline(_MAX_LINE)
    if not line.endswith(b"\r\n"):
        raise IncompleteBody()
    return line[:-2]


def _header(line: bytes, signed: bool) -> tuple[int, str | None]:
    size_text, _, extension = line.partition(b";")
    try:
        size = int(size_text, 16)
    except ValueError:
        raise IncompleteBody("The chunk size is not a hexadecimal number.") from None
    if size < 0 or size > MAX_CHUNK:
        raise IncompleteBody("A chunk is larger than allowed.")
    if not signed:
        return size, None
    name, _, value = extension.partition(b"=")
    if name != b"chunk-signature" or not value:
        raise SignatureDoesNotMatch("A chunk carries no chunk-signature.")
    return size, value.decode("ascii", "replace")


def decode_chunked(
    source: BinaryIO,
    write: Callable[[bytes], object],
    signing: ChunkSigning | None,
    *,
    trailer: bool = False,
) -> int:
    """Copy the decoded data of ``source`` to ``write``; return its length.

    ``signing`` None: unsigned chunks. Raises SignatureDoesNotMatch on the
    first chunk whose signature is wrong (nothing after it is read) and
    IncompleteBody on a malformed or truncated body.
    """
    previous = signing.seed_signature if signing else ""
    total = 0
    while True:
        size, claimed = _header(_line(source), signing is not None)
        data = source.read(size) if size else b""
        if len(data) != size:
            raise IncompleteBody()
        if signing is not None:
            to_sign = (
                f"AWS4-HMAC-SHA256-PAYLOAD\n{signing.amz_date}\n{signing.credential_scope}\n"
                f"{previous}\n{EMPTY_SHA256}\n{hashlib.sha256(data).hexdigest()}"
            )
            expected = signature(signing.signing_key, to_sign)
            if not hmac.compare_digest(expected.encode(), (claimed or "").encode()):
                raise SignatureDoesNotMatch(
                    "The chunk signature we calculated does not match the signature you provided.",
                    string_to_sign=to_sign,
                    signature_provided=claimed,
                )
            previous = expected
        if size == 0:
            break
        if source.read(2) != b"\r\n":
            raise IncompleteBody()
        write(data)
        total += size
    if trailer:
        _trailer(source, signing, previous)
    elif source.read(2) != b"\r\n":  # the final chunk ends with its own empty line
        raise IncompleteBody()
    return total


def _trailer(source: BinaryIO, signing: ChunkSigning | None, previous: str) -> None:
    """Trailing headers after the last chunk (a checksum), then an empty line;
    signed with ``x-amz-trailer-signature`` in the signed variant."""
    lines: list[bytes] = []
    claimed = None
    while True:
        line = source.readline(_MAX_LINE)
        if not line or line in (b"\r\n", b"\n"):
            break
        text = line.rstrip(b"\r\n")
        if text.startswith(b"x-amz-trailer-signature:"):
            claimed = text.split(b":", 1)[1].strip().decode("ascii", "replace")
        else:
            lines.append(text)
    if signing is None:
        return
    canonical = b"".join(line + b"\n" for line in lines)
    to_sign = (
        f"AWS4-HMAC-SHA256-TRAILER\n{signing.amz_date}\n{signing.credential_scope}\n"
        f"{previous}\n{hashlib.sha256(canonical).hexdigest()}"
    )
    expected = signature(signing.signing_key, to_sign)
    if not hmac.compare_digest(expected.encode(), (claimed or "").encode()):
        raise SignatureDoesNotMatch(
            "The trailer signature we calculated does not match the signature you provided.",
            string_to_sign=to_sign,
            signature_provided=claimed,
        )
