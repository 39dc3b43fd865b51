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
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from clearance.wire import WireRequest, WireResponse

__all__ = ["HEALTH_PATHS", "MAX_BODY", "App", "Gateway", "create_app", "health", "too_large"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("clearance.http")

MAX_BODY = 8 * 1024 * 1024
HEALTH_PATHS = frozenset({"/_clearance/health", "/health"})
_HEALTHY = json.dumps({"status": "ok"}).encode()


class Gateway(Protocol):
    def handle(self, request: WireRequest) -> WireResponse: ...


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
            body = await _read_body(receive)
            if body is None:
                await _respond(send, too_large())
                return
            # The gateway is synchronous (SQL and CPU work); uvicorn runs one event
            # loop per worker process, so scale-out is by processes.
            response = self.gateway.handle(_wire_request(scope, body))
            await _respond(send, response)
        elif kind == "lifespan":
            await _lifespan(receive, send)


def create_app(gateway: Gateway) -> App:
    return App(gateway)


def _wire_request(scope: Scope, body: bytes) -> WireRequest:
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
    )


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _respond(send: Send, response: WireResponse) -> None:
    headers = [
        (k.encode("latin-1"), v.encode("utf-8", "surrogateescape")) for k, v in response.headers
    ]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


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
