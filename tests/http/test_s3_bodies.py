"""Large bodies in the http layer: PUT uploads spool to a file (hashed on the
way, removed after the response unless the gateway kept it), other requests
keep the 8 MiB limit, and file-backed responses stream chunk by chunk with flow
control — through ``GatewayProtocol`` and the plain ASGI ``App``."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from clearance.http.app import MAX_BODY, SPOOL_THRESHOLD, create_app
from clearance.http.protocol import GatewayProtocol
from clearance.wire import FileStream, WireRequest, WireResponse
from tests.http.test_protocol import Transport, responses
from tests.http.test_protocol import loop as loop  # the fixture


class FileGateway:
    """Keeps what it received; answers GET /file by streaming ``source``."""

    def __init__(self, spool: Path, source: Path) -> None:
        self.spool_dir = str(spool)
        self.source = source
        self.seen: list[tuple[WireRequest, bytes | None]] = []

    def handle(self, request: WireRequest) -> WireResponse:
        content = None
        if request.spooled is not None:
            assert Path(request.spooled.path).parent == Path(self.spool_dir)
            content = Path(request.spooled.path).read_bytes()
        self.seen.append((request, content))
        if request.method in ("GET", "HEAD") and request.path == "/file":
            size = self.source.stat().st_size
            return WireResponse(200, (), stream=FileStream(self.source.open("rb"), 3, size - 3))
        if request.path == "/sized":
            return WireResponse(200, (("content-length", "12345"),))
        return WireResponse(200, (), b"ok")


def _make(loop: asyncio.AbstractEventLoop, tmp_path: Path) -> tuple[Any, Transport, FileGateway]:
    spool = tmp_path / "spool"
    spool.mkdir()
    source = tmp_path / "source.bin"
    source.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    gateway = FileGateway(spool, source)
    config = SimpleNamespace(
        loaded=True,
        loaded_app=create_app(gateway),
        timeout_keep_alive=5,
        proxy_headers=False,
        forwarded_allow_ips=None,
    )
    state = SimpleNamespace(connections=set(), total_requests=0)
    proto = GatewayProtocol(config, state, {}, _loop=loop)
    transport = Transport()
    proto.connection_made(transport)  # type: ignore[arg-type]
    return proto, transport, gateway


def _put(body: bytes, method: bytes = b"PUT") -> bytes:
    return method + b" /b/k HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % len(body) + body


def test_uploads_spool_to_a_file_while_hashing(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    proto, transport, gateway = _make(loop, tmp_path)
    body = os.urandom(SPOOL_THRESHOLD * 2 + 5)
    message = _put(body)
    for start in range(0, len(message), 65536):
        proto.data_received(message[start : start + 65536])
    [(status, _, _)] = responses(transport.writes[0])
    assert status == 200
    request, content = gateway.seen[0]
    assert request.body == b""
    assert request.spooled is not None
    assert content == body
    assert request.spooled.size == len(body)
    assert request.spooled.sha256 == hashlib.sha256(body).hexdigest()
    assert request.spooled.md5 == hashlib.md5(body).hexdigest()
    assert request.body_sha256() == hashlib.sha256(body).hexdigest()
    assert list(Path(gateway.spool_dir).iterdir()) == []  # removed after the response


def test_small_uploads_stay_in_memory(loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    proto, _, gateway = _make(loop, tmp_path)
    proto.data_received(_put(b"small"))
    request, _ = gateway.seen[0]
    assert (request.body, request.spooled) == (b"small", None)


def test_other_methods_keep_the_8_mib_limit(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    proto, transport, gateway = _make(loop, tmp_path)
    proto.data_received(_put(b"x" * (MAX_BODY + 1), b"POST"))
    [(status, _, _)] = responses(transport.writes[0])
    assert status == 413
    assert gateway.seen == []


def test_downloads_stream_with_flow_control(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    proto, transport, gateway = _make(loop, tmp_path)
    expected = gateway.source.read_bytes()[3:]

    async def scenario() -> None:
        proto.pause_writing()  # the client is slow: the stream waits after one chunk
        proto.data_received(b"GET /file HTTP/1.1\r\nHost: h\r\n\r\n")
        proto.data_received(b"GET /other HTTP/1.1\r\nHost: h\r\n\r\n")  # pipelined behind it
        for _ in range(5):
            await asyncio.sleep(0)
        assert len(transport.writes) == 2  # the head and one chunk
        assert transport.paused
        proto.resume_writing()
        for _ in range(100):
            await asyncio.sleep(0)

    loop.run_until_complete(scenario())
    data = b"".join(transport.writes)
    head, _, rest = data.partition(b"\r\n\r\n")
    assert b"content-length: %d" % len(expected) in head
    assert rest[: len(expected)] == expected
    [(status, _, body)] = responses(rest[len(expected) :])
    assert (status, body) == (200, b"ok")
    assert not transport.paused
    assert not transport.closed


def test_head_keeps_the_content_length_it_was_given(
    loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    proto, transport, _ = _make(loop, tmp_path)
    proto.data_received(b"HEAD /sized HTTP/1.1\r\nHost: h\r\n\r\n")
    head = transport.writes[0]
    assert head.count(b"content-length") == 1 and b"content-length: 12345" in head
    proto.data_received(b"HEAD /file HTTP/1.1\r\nHost: h\r\n\r\n")
    assert transport.writes[1].endswith(b"\r\n\r\n")  # no body for HEAD


def test_asgi_app_spools_and_streams(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    source = tmp_path / "source.bin"
    source.write_bytes(os.urandom(600_000))
    gateway = FileGateway(spool, source)
    app = create_app(gateway)
    body = os.urandom(SPOOL_THRESHOLD + 10)

    async def call(method: str, path: str, payload: bytes) -> list[dict[str, Any]]:
        pieces = [payload[i : i + 100_000] for i in range(0, len(payload), 100_000)] or [b""]
        messages = [
            {"type": "http.request", "body": p, "more_body": i < len(pieces) - 1}
            for i, p in enumerate(pieces)
        ]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return messages.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": method, "path": path, "headers": [], "query_string": b""}
        await app(scope, receive, send)
        return sent

    sent = asyncio.run(call("PUT", "/b/k", body))
    assert sent[0]["status"] == 200
    request, content = gateway.seen[0]
    assert request.spooled is not None and content == body
    assert list(spool.iterdir()) == []
    sent = asyncio.run(call("GET", "/file", b""))
    assert dict(sent[0]["headers"])[b"content-length"] == b"%d" % (600_000 - 3)
    assert b"".join(m.get("body", b"") for m in sent[1:]) == source.read_bytes()[3:]
    assert len(sent) > 3  # in chunks
    assert asyncio.run(call("POST", "/x", b"y" * (MAX_BODY + 1)))[0]["status"] == 413
