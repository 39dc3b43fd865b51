"""A lean HTTP/1.1 protocol for uvicorn that hands requests straight to the gateway.

uvicorn's own protocols turn every request into ASGI messages, run the app in a
new task, and write the status line with the headers and then the body in two
socket writes. The gateway is synchronous, so this protocol skips all of that:
httptools parses, :meth:`Gateway.handle` answers inside ``data_received``, and
the whole response goes out in one write. uvicorn still owns the sockets, the
worker processes, signals, lifespan and graceful shutdown (this class follows
its protocol contract: ``server_state.connections``, ``shutdown()``,
``total_requests``); select it with ``uvicorn.run(..., http=GatewayProtocol)``.

Behaviour matches the ASGI adapter (:mod:`clearance.http.app`): the health
endpoint, the body limit (413), raw bytes to text with UTF-8 and
``surrogateescape``; ``X-Forwarded-For`` / ``X-Forwarded-Proto`` from the
addresses uvicorn trusts (``--forwarded-allow-ips``, loopback by default).
Pipelined requests are answered in order; a client that does not read its
responses stops being read (flow control); idle keep-alive connections close
after uvicorn's ``timeout_keep_alive``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import tempfile
import time
from collections import deque
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

import httptools

from clearance.http.app import (
    HEALTH_PATHS,
    MAX_BODY,
    MAX_UPLOAD,
    SPOOL_THRESHOLD,
    Gateway,
    health,
    spool_dir,
    too_large,
)
from clearance.wire import BodyHasher, SpooledBody, WireRequest, WireResponse

__all__ = ["GatewayProtocol", "find_gateway"]

log = logging.getLogger("clearance.http")

MAX_URL = 16 * 1024
MAX_HEADER_BYTES = 64 * 1024
MAX_HEADERS = 200


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode("latin-1")
    except ValueError:
        return b"Unknown"


_STATUS_LINES = {s.value: b"HTTP/1.1 %d %s\r\n" % (s.value, _reason(s.value)) for s in HTTPStatus}


def find_gateway(app: Any) -> Gateway:
    """The gateway behind uvicorn's loaded app (through its middleware's ``.app``)."""
    seen = 0
    while app is not None and seen < 16:
        gateway = getattr(app, "gateway", None)
        if gateway is not None:
            return gateway  # type: ignore[no-any-return]
        app = getattr(app, "app", None)
        seen += 1
    raise RuntimeError("GatewayProtocol needs the app from clearance.http.app.create_app")


class _Trusted:
    """uvicorn's ``forwarded_allow_ips``: addresses and networks, or ``*``."""

    def __init__(self, allowed: list[str] | str | None) -> None:
        if allowed is None:
            allowed = "127.0.0.1"
        entries = allowed.split(",") if isinstance(allowed, str) else list(allowed)
        entries = [e.strip() for e in entries if e.strip()]
        self.everyone = "*" in entries
        self.hosts: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in entries:
            try:
                if "/" in entry:
                    self.networks.append(ipaddress.ip_network(entry, strict=False))
                else:
                    self.hosts.add(str(ipaddress.ip_address(entry)))
            except ValueError:
                self.hosts.add(entry)

    def __contains__(self, host: str) -> bool:
        if self.everyone or host in self.hosts:
            return True
        if not self.networks:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def client(self, forwarded_for: str) -> str:
        hosts = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        if not hosts:
            return ""
        if self.everyone:
            return hosts[0]
        for host in reversed(hosts):
            if host not in self:
                return host
        return hosts[0]


class _Clock:
    """The ``Date`` header, formatted once a second."""

    __slots__ = ("header", "second")

    def __init__(self) -> None:
        self.second = -1
        self.header = b""

    def date(self) -> bytes:
        now = int(time.time())
        if now != self.second:
            self.second = now
            self.header = b"date: " + formatdate(now, usegmt=True).encode("ascii") + b"\r\n"
        return self.header


_DATE = _Clock()


class GatewayProtocol(asyncio.Protocol):
    def __init__(
        self,
        config: Any,
        server_state: Any,
        app_state: dict[str, Any] | None = None,
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        if not config.loaded:
            config.load()
        self.gateway = find_gateway(config.loaded_app)
        self.loop = _loop or asyncio.get_event_loop()
        self.server_state = server_state
        self.connections: set[Any] = server_state.connections
        self.timeout_keep_alive: float = config.timeout_keep_alive
        self.trusted = _Trusted(config.forwarded_allow_ips) if config.proxy_headers else None
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.client: str | None = None
        self.secure = False
        self.keep_alive_timer: asyncio.TimerHandle | None = None
        self.in_message = False  # between the start of a request and its response
        self.closing = False
        # The request being received.
        self.url = b""
        self.headers: list[tuple[str, str]] = []
        self.header_bytes = 0
        self.body: list[bytes] = []
        self.body_size = 0
        self.body_limit = MAX_BODY
        # An upload (PUT) past SPOOL_THRESHOLD goes to a file, hashed as it arrives.
        self.spool: Any = None
        self.spool_hasher: BodyHasher | None = None
        self.spool_dir = spool_dir(self.gateway)
        # A response streaming from a file, and the responses queued behind it.
        self.streaming: asyncio.Task[None] | None = None
        self.queued: deque[tuple[WireResponse, bool, bool]] = deque()
        self.write_paused = False
        self.drained: asyncio.Future[None] | None = None

    # -- connection --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.connections.add(self)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, list | tuple) and len(peer) >= 2:
            self.client = str(peer[0])
        self.secure = bool(transport.get_extra_info("sslcontext"))
        self._arm_keep_alive()

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.discard(self)
        self._disarm_keep_alive()
        self.transport = None
        self._drop_spool()
        self._wake_writer()
        for response, _, _ in self.queued:
            if response.stream is not None:
                response.stream.close()
        self.queued.clear()

    def eof_received(self) -> None:
        pass

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.write_paused = False
        self._wake_writer()
        if self.transport is not None and self.streaming is None:
            self.transport.resume_reading()

    def _wake_writer(self) -> None:
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown: finish the request being received, then close."""
        if self.in_message:
            self.closing = True
        elif self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        self._disarm_keep_alive()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(400, b"Upgrades are not supported.")
        except httptools.HttpParserError as error:
            # A limit enforced in a callback arrives wrapped (HttpParserCallbackError).
            refused = error.__context__ or error.__cause__
            if isinstance(refused, _Refused):
                self._refuse(refused.response)
            else:
                self._fail(400, b"Invalid HTTP request received.")
        except _Refused as refused:
            self._refuse(refused.response)

    def _fail(self, status: int, message: bytes) -> None:
        self._refuse(_plain(status, message))

    def _refuse(self, response: WireResponse) -> None:
        """Answer and close: the rest of the input is not read."""
        self.in_message = False
        self.closing = True
        if self.transport is not None:
            self.transport.write(_encode(response, False, False))
            self.transport.close()

    def _arm_keep_alive(self) -> None:
        if self.timeout_keep_alive and self.transport is not None:
            self.keep_alive_timer = self.loop.call_later(
                self.timeout_keep_alive, self._idle_timeout
            )

    def _disarm_keep_alive(self) -> None:
        if self.keep_alive_timer is not None:
            self.keep_alive_timer.cancel()
            self.keep_alive_timer = None

    def _idle_timeout(self) -> None:
        self.keep_alive_timer = None
        if self.transport is not None and not self.in_message:
            self.transport.close()

    # -- httptools callbacks -----------------------------------------------------------

    def on_message_begin(self) -> None:
        self.in_message = True
        self.url = b""
        self.headers = []
        self.header_bytes = 0
        self.body = []
        self.body_size = 0
        self.body_limit = MAX_BODY
        self._drop_spool()

    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > MAX_URL:
            raise _Refused(_plain(414, b"The request URL is too long."))

    def on_header(self, name: bytes, value: bytes) -> None:
        self.header_bytes += len(name) + len(value)
        if self.header_bytes > MAX_HEADER_BYTES or len(self.headers) >= MAX_HEADERS:
            raise _Refused(_plain(431, b"The request headers are too large."))
        self.headers.append(
            (name.decode("latin-1").lower(), value.decode("utf-8", "surrogateescape"))
        )

    def on_headers_complete(self) -> None:
        if self.parser.get_method() == b"PUT":  # S3 uploads: IAM/STS/JSON calls are POSTs
            self.body_limit = MAX_UPLOAD
        for name, value in self.headers:
            if name == "expect" and value.lower() == "100-continue":
                if self.transport is not None:
                    self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                break

    def on_body(self, body: bytes) -> None:
        self.body_size += len(body)
        if self.body_size > self.body_limit:
            raise _Refused(too_large())
        if self.spool is not None:
            self._spool_write(body)
            return
        self.body.append(body)
        if self.body_limit > MAX_BODY and self.body_size > SPOOL_THRESHOLD:
            self.spool = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in _spooled)
                dir=self.spool_dir, prefix="upload-", delete=False
            )
            self.spool_hasher = BodyHasher()
            held, self.body = self.body, []
            for piece in held:
                self._spool_write(piece)

    def _spool_write(self, data: bytes) -> None:
        assert self.spool is not None and self.spool_hasher is not None
        self.spool.write(data)
        self.spool_hasher.update(data)

    def _spooled(self) -> SpooledBody | None:
        """The spooled body, its file closed (and flushed) for the gateway to read."""
        spool, hasher = self.spool, self.spool_hasher
        if spool is None or hasher is None:
            return None
        self.spool, self.spool_hasher = None, None
        spool.close()
        return SpooledBody(
            spool.name, hasher.size, hasher.sha256.hexdigest(), hasher.md5.hexdigest()
        )

    def _drop_spool(self) -> None:
        spool = self.spool
        if spool is not None:
            self.spool, self.spool_hasher = None, None
            spool.close()
            with contextlib.suppress(OSError):
                os.unlink(spool.name)

    def on_message_complete(self) -> None:
        keep_alive = self.parser.should_keep_alive() and not self.closing
        method = self.parser.get_method().decode("ascii", "replace")
        spooled = self._spooled()
        try:
            response = self._answer(method, spooled)
        except Exception:  # the gateway answers every error itself: this is a bug
            log.exception("the gateway failed")
            response = _plain(500, b"Internal error")
        finally:
            if spooled is not None:
                spooled.discard()  # unless a handler kept it (moved it away)
        self.in_message = False
        self.server_state.total_requests += 1
        if self.streaming is not None:  # behind a download still being written
            self.queued.append((response, method == "HEAD", keep_alive))
            return
        self._send(response, method == "HEAD", keep_alive)

    def _send(self, response: WireResponse, head: bool, keep_alive: bool) -> None:
        transport = self.transport
        if transport is None:
            if response.stream is not None:
                response.stream.close()
            return
        if response.stream is not None and not head:
            transport.write(_encode(response, head, keep_alive))  # the status and headers
            transport.pause_reading()  # pipelined requests wait for the download
            self.streaming = self.loop.create_task(self._stream(response, keep_alive))
            return
        if response.stream is not None:
            response.stream.close()
        transport.write(_encode(response, head, keep_alive))
        self._after(keep_alive)

    def _after(self, keep_alive: bool) -> None:
        transport = self.transport
        if transport is None:
            return
        if keep_alive:
            self._arm_keep_alive()
        else:
            transport.close()
            self.closing = True

    async def _stream(self, response: WireResponse, keep_alive: bool) -> None:
        """Write a file-backed body chunk by chunk, waiting while the client's
        buffer is full (never more than a few chunks in memory)."""
        assert response.stream is not None
        try:
            for chunk in response.stream.chunks():
                if self.transport is None:
                    break
                self.transport.write(chunk)
                if self.write_paused:
                    self.drained = self.loop.create_future()
                    await self.drained
                    self.drained = None
        except Exception:
            log.exception("streaming a response failed")
            keep_alive = False
        finally:
            response.stream.close()
            self.streaming = None
        if self.transport is None:
            return
        self.transport.resume_reading()
        self._after(keep_alive)
        while self.queued and self.streaming is None and self.transport is not None:
            queued, head, alive = self.queued.popleft()
            self._send(queued, head, alive)

    # -- the request -------------------------------------------------------------------

    def _answer(self, method: str, spooled: SpooledBody | None = None) -> WireResponse:
        url = self.url
        mark = url.find(b"?")
        raw_path, query = (url, b"") if mark < 0 else (url[:mark], url[mark + 1 :])
        if raw_path.startswith(b"http://") or raw_path.startswith(b"https://"):
            raw_path = httptools.parse_url(url).path or b"/"  # absolute-form target
        path = raw_path.decode("utf-8", "surrogateescape") or "/"
        if path in HEALTH_PATHS and method in ("GET", "HEAD"):
            return health()
        client, secure = self.client, self.secure
        if self.trusted is not None and client is not None and client in self.trusted:
            for name, value in self.headers:
                if name == "x-forwarded-for":
                    client = self.trusted.client(value) or client
                elif name == "x-forwarded-proto":
                    secure = value.strip().lower() in ("https", "wss")
        request = WireRequest(
            method=method,
            path=path,
            query=query.decode("utf-8", "surrogateescape"),
            headers=tuple(self.headers),
            body=b"".join(self.body),
            source_ip=client,
            secure=secure,
            spooled=spooled,
        )
        return self.gateway.handle(request)


class _Refused(Exception):
    """Raised from a parser callback: answer this and close the connection."""

    def __init__(self, response: WireResponse) -> None:
        super().__init__(response.status)
        self.response = response


def _plain(status: int, message: bytes) -> WireResponse:
    return WireResponse(status, (("content-type", "text/plain; charset=utf-8"),), message)


def _encode(response: WireResponse, head: bool, keep_alive: bool) -> bytes:
    """The status line and headers, and the body unless it streams (or HEAD).

    A response that sets its own ``content-length`` (S3's HeadObject: the
    object's size) keeps it."""
    status = response.status
    parts = [_STATUS_LINES.get(status) or b"HTTP/1.1 %d Unknown\r\n" % status, _DATE.date()]
    sized = False
    for name, value in response.headers:
        if name == "content-length":
            sized = True
        parts += (name.encode("latin-1"), b": ", value.encode("utf-8", "surrogateescape"), b"\r\n")
    if not keep_alive:
        parts.append(b"connection: close\r\n")
    if sized:
        parts.append(b"\r\n")
    else:
        parts.append(b"content-length: %d\r\n\r\n" % response.content_length)
    if not head and response.stream is None:
        parts.append(response.body)
    return b"".join(parts)
