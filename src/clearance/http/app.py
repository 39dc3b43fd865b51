"""The ASGI application: HTTP in, :class:`~clearance.wire.WireRequest` to the
gateway, :class:`~clearance.wire.WireResponse` back out.

Plain ASGI (no framework): the whole request is one callable, and this module
is the only place that knows about ASGI scopes and messages. Raw bytes become
text with UTF-8 and ``surrogateescape``, so authentication can recover exactly
the bytes the client signed.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from clearance.wire import BodyHasher, SpooledBody, WireRequest, WireResponse

__all__ = [
    "HEALTH_PATHS",
    "MAX_BODY",
    "MAX_UPLOAD",
    "SPOOL_THRESHOLD",
    "App",
    "Gateway",
    "create_app",
    "health",
    "spool_dir",
    "too_large",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("clearance.http")

MAX_BODY = 8 * 1024 * 1024
# S3 uploads (PUT, the only method IAM/STS/JSON calls never use): up to S3's
# 5 GiB single-PUT limit plus the aws-chunked framing (~0.2%), spooled to a
# file in the gateway's spool directory past SPOOL_THRESHOLD.
MAX_UPLOAD = 5 * 1024**3 + 64 * 1024**2
SPOOL_THRESHOLD = 1024 * 1024
HEALTH_PATHS = frozenset({"/_clearance/health", "/health"})
_HEALTHY = json.dumps({"status": "ok"}).encode()


class Gateway(Protocol):
    def handle(self, request: WireRequest) -> WireResponse: ...


def spool_dir(gateway: object) -> str:
    """Where uploads are spooled: the gateway's ``spool_dir`` (in the data
    directory, so a handler can rename the file into place), else the system's."""
    found = getattr(gateway, "spool_dir", None)
    return str(found) if found else tempfile.gettempdir()


class App:
    """The ASGI application; ``gateway`` is also what :mod:`clearance.http.protocol`
    calls directly when uvicorn runs with it."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            if scope["path"] in HEALTH_PATHS and scope["method"] in ("GET", "HEAD"):
                await _respond(send, health())
                return
            upload = scope["method"] == "PUT"
            read = await _read_body(receive, upload, spool_dir(self.gateway) if upload else "")
            if read is None:
                await _respond(send, too_large())
                return
            body, spooled = read
            # The gateway is synchronous (SQL and CPU work); uvicorn runs one event
            # loop per worker process, so scale-out is by processes.
            try:
                response = self.gateway.handle(_wire_request(scope, body, spooled))
            finally:
                if spooled is not None:
                    spooled.discard()
            await _respond(send, response)
        elif kind == "lifespan":
            await _lifespan(receive, send)


def create_app(gateway: Gateway) -> App:
    return App(gateway)


def _wire_request(scope: Scope, body: bytes, spooled: SpooledBody | None = None) -> WireRequest:
    raw_path = scope.get("raw_path")
    path = raw_path.decode("utf-8", "surrogateescape") if raw_path else scope["path"]
    path = path.split("?", 1)[0]
    headers = tuple(
        (name.decode("utf-8", "surrogateescape").lower(), value.decode("utf-8", "surrogateescape"))
        for name, value in scope["headers"]
    )
    client = scope.get("client")
    return WireRequest(
        method=scope["method"],
        path=path or "/",
        query=scope.get("query_string", b"").decode("utf-8", "surrogateescape"),
        headers=headers,
        body=body,
        source_ip=client[0] if client else None,
        secure=scope.get("scheme") == "https",
        spooled=spooled,
    )


async def _read_body(
    receive: Receive, upload: bool, directory: str
) -> tuple[bytes, SpooledBody | None] | None:
    """The body in memory, or (an upload past SPOOL_THRESHOLD) in a spooled file."""
    chunks: list[bytes] = []
    size = 0
    limit = MAX_UPLOAD if upload else MAX_BODY
    spool: Any = None
    hasher = BodyHasher()
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                if spool is not None:
                    spool.close()
                    os.unlink(spool.name)
                return None
            if spool is None and upload and size > SPOOL_THRESHOLD:
                spool = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below)
                    dir=directory, prefix="upload-", delete=False
                )
                for held in chunks:
                    spool.write(held)
                    hasher.update(held)
                chunks = []
            if spool is not None:
                spool.write(chunk)
                hasher.update(chunk)
            else:
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
    except BaseException:
        if spool is not None:
            spool.close()
            os.unlink(spool.name)
        raise
    if spool is None:
        return b"".join(chunks), None
    spool.close()
    spooled = SpooledBody(
        spool.name, hasher.size, hasher.sha256.hexdigest(), hasher.md5.hexdigest()
    )
    return b"", spooled


async def _respond(send: Send, response: WireResponse) -> None:
    headers = [
        (k.encode("latin-1"), v.encode("utf-8", "surrogateescape")) for k, v in response.headers
    ]
    if not any(name == "content-length" for name, _ in response.headers):
        headers.append((b"content-length", str(response.content_length).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    if response.stream is None:
        await send({"type": "http.response.body", "body": response.body})
        return
    try:
        for chunk in response.stream.chunks():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    finally:
        response.stream.close()
    await send({"type": "http.response.body", "body": b""})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def health() -> WireResponse:
    return WireResponse(200, (("content-type", "application/json"),), _HEALTHY)


def too_large() -> WireResponse:
    body = (
        b"<ErrorResponse><Error><Type>Sender</Type><Code>RequestEntityTooLarge</Code>"
        b"<Message>Request body exceeds the maximum size.</Message></Error></ErrorResponse>"
    )
    return WireResponse(413, (("content-type", "text/xml"),), body)
