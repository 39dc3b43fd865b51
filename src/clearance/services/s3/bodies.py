"""Reading an upload's bytes into an object file: plain, spooled (moved into
place), or ``aws-chunked`` (decoded while each chunk's signature is checked)."""

from __future__ import annotations

import base64
import hmac

from clearance.authn import IncompleteBody, SignatureDoesNotMatch, decode_chunked
from clearance.services.s3.call import S3Call
from clearance.services.s3.errors import BadDigest, EntityTooLarge, InvalidArgument
from clearance.services.s3.files import Written

__all__ = ["MAX_OBJECT", "read_upload"]

MAX_OBJECT = 5 * 1024**3  # S3's single PUT limit
_STREAMING = frozenset(
    {
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    }
)


def _chunked(call: S3Call) -> bool:
    encoding = call.headers.get("content-encoding", "")
    return (call.auth.payload_hash or "") in _STREAMING or "aws-chunked" in encoding


def read_upload(call: S3Call) -> Written:
    """The request body as a new object file (the caller records or deletes it)."""
    wire = call.wire
    files = call.files
    if _chunked(call):
        payload = call.auth.payload_hash or "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
        signing = call.auth.chunk_signing
        if payload.startswith("STREAMING-AWS4-HMAC") and signing is None:
            raise SignatureDoesNotMatch("Chunk signatures need a SigV4 Authorization header.")
        trailer = payload.endswith("TRAILER")
        with wire.open_body() as source:
            written = files.write(
                lambda write: decode_chunked(
                    source,
                    write,
                    signing if payload.startswith("STREAMING-AWS4") else None,
                    trailer=trailer,
                )
            )
        declared = call.headers.get("x-amz-decoded-content-length")
        if declared is not None and declared.strip() != str(written.size):
            files.delete([written.storage])
            raise IncompleteBody(
                "The decoded length of the body does not match x-amz-decoded-content-length."
            )
    elif wire.spooled is not None:
        written = files.adopt(wire.spooled) or _copy(call)
    else:
        body = wire.body
        written = files.write(lambda write: write(body))
    if written.size > MAX_OBJECT:
        files.delete([written.storage])
        raise EntityTooLarge(MaxSizeAllowed=str(MAX_OBJECT))
    _check_md5(call, written)
    return written


def _copy(call: S3Call) -> Written:
    with call.wire.open_body() as source:
        return call.files.write(lambda write: _pump(source.read, write))


def _pump(read: object, write: object) -> None:
    assert callable(read) and callable(write)
    while chunk := read(1024 * 1024):
        write(chunk)


def _check_md5(call: S3Call, written: Written) -> None:
    claimed = call.headers.get("content-md5")
    if claimed is None:
        return
    try:
        digest = base64.b64decode(claimed.strip(), validate=True)
    except ValueError:
        call.files.delete([written.storage])
        raise InvalidArgument("The Content-MD5 you specified was invalid.") from None
    if len(digest) != 16:
        call.files.delete([written.storage])
        raise InvalidArgument("The Content-MD5 you specified was invalid.")
    if not hmac.compare_digest(digest, written.md5):
        call.files.delete([written.storage])
        raise BadDigest(
            ExpectedDigest=claimed,
            CalculatedDigest=base64.b64encode(written.md5).decode(),
        )
