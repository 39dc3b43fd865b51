"""The gateway's S3 front door: which requests are S3's, their decoding into an
operation and parameters (with the :class:`~clearance.services.s3.call.S3Call`),
and S3's wire answers (REST-XML results, ``<Error>`` documents, no body for HEAD).

A request is S3's when its SigV4 scope names ``s3``; or, unsigned or signed with
S3's SigV2, when it names a bucket (virtual-hosted ``Host``, or a path other
than ``/``) or uses a method the query and JSON APIs never use (PUT, DELETE, HEAD).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from clearance.authn import Authenticated
from clearance.authn.canonical import parse_query
from clearance.clock import Clock
from clearance.errors import ClearanceError
from clearance.protocol import DecodedRequest
from clearance.protocol.rest_xml import decode_s3, encode_s3_error, encode_s3_result
from clearance.protocol.s3_routes import S3Target, operation_of, target_of, virtual_bucket
from clearance.services.errors import NotImplementedOperation
from clearance.services.s3.call import CALL, S3Call
from clearance.services.s3.errors import KeyTooLongError
from clearance.services.s3.files import ObjectFiles
from clearance.wire import WireRequest, WireResponse

__all__ = ["S3Front", "is_s3_request"]

MAX_KEY = 1024  # bytes of UTF-8
_NOT_S3_PATHS = ("/imds/", "/latest/", "/_clearance/")
# S3 Control, as far as Clearance serves it: the account's Block Public Access.
CONTROL_PREFIX = "/v20180820/"
_CONTROL = {
    ("GET", "/v20180820/configuration/publicAccessBlock"): "GetPublicAccessBlock",
    ("PUT", "/v20180820/configuration/publicAccessBlock"): "PutPublicAccessBlock",
    ("DELETE", "/v20180820/configuration/publicAccessBlock"): "DeletePublicAccessBlock",
}
# Presigned URLs' signature parameters: never recorded as request parameters.
_SIGNATURE_PARAMS = frozenset({"Signature", "AWSAccessKeyId", "Expires"})


def is_s3_request(request: WireRequest, scope: tuple[str, str] | None) -> bool:
    if scope is not None:
        return scope[1] == "s3"
    if request.path.startswith(_NOT_S3_PATHS):
        return False
    authorization = request.header("authorization") or ""
    if authorization.startswith("AWS "):
        return True
    if "Signature=" in request.query and "AWSAccessKeyId=" in request.query:
        return "SignatureVersion=" not in request.query
    if virtual_bucket(request.header("host")) is not None:
        return True
    return request.method in ("PUT", "DELETE", "HEAD") or request.path not in ("/", "")


class S3Front:
    def __init__(self, data_dir: Path | None, clock: Clock | None = None) -> None:
        self._data_dir = data_dir
        self._clock = clock
        self._files: ObjectFiles | None = None

    @property
    def files(self) -> ObjectFiles:
        if self._files is None:
            root = (self._data_dir or Path(tempfile.mkdtemp(prefix="clearance-s3-"))) / "s3"
            self._files = ObjectFiles(root)
            if self._clock is not None:
                self._files.purge_stale(self._clock.now().timestamp())
        return self._files

    @property
    def spool_dir(self) -> str:
        """Where the http layer spools uploads: beside the objects (a rename away)."""
        return str(self.files.tmp)

    @staticmethod
    def target(request: WireRequest) -> S3Target:
        if request.path.startswith(CONTROL_PREFIX):  # its Host names the account, no bucket
            return S3Target(None, None, False)
        return target_of(request.path, request.header("host"))

    @staticmethod
    def operation_name(request: WireRequest) -> str | None:
        """The operation a request asks for (None: none S3 has), before it is authenticated."""
        if request.path.startswith(CONTROL_PREFIX):
            return _CONTROL.get((request.method, request.path))
        query = dict(parse_query(request.query)) if request.query else {}
        copy = request.header("x-amz-copy-source") is not None
        return operation_of(request.method, S3Front.target(request), set(query), copy)

    def decode(
        self, request: WireRequest, auth: Authenticated
    ) -> tuple[DecodedRequest, dict[str, Any]]:
        """The operation and its parameters (with the S3Call under ``CALL``), and
        the parameters as the audit trail records them."""
        target = self.target(request)
        query = dict(parse_query(request.query)) if request.query else {}
        name = self.operation_name(request)
        service = "s3control" if request.path.startswith(CONTROL_PREFIX) else "s3"
        if name is None:
            raise NotImplementedOperation(
                f"Clearance does not implement this S3 request ({request.method} "
                f"{'object' if target.key else 'bucket' if target.bucket else 'service'})."
            )
        if target.key is not None and len(target.key.encode("utf-8", "surrogateescape")) > MAX_KEY:
            raise KeyTooLongError(Size=str(len(target.key.encode("utf-8", "surrogateescape"))))
        params = decode_s3(name, request, target, query, service)
        audit: dict[str, Any] = {"bucketName": target.bucket, "key": target.key}
        audit.update(
            (k, v)
            for k, v in query.items()
            if not k.lower().startswith("x-amz-") and k not in _SIGNATURE_PARAMS
        )
        audit = {k: v for k, v in audit.items() if v is not None}
        params[CALL] = S3Call.of(request, target, query, auth, self.files)
        return DecodedRequest(service, name, params, "2006-03-01"), audit

    @staticmethod
    def result(
        operation: str, result: dict[str, Any] | None, request_id: str, service: str = "s3"
    ) -> WireResponse:
        status, headers, body, stream = encode_s3_result(operation, result, request_id, service)
        return WireResponse(status, tuple(headers), body, stream)

    @staticmethod
    def error(request: WireRequest, error: ClearanceError, request_id: str) -> WireResponse:
        head = request.method == "HEAD" or error.http_status == 304
        status, headers, body, _ = encode_s3_error(error, request_id, head=head)
        return WireResponse(status, tuple(headers), body)
