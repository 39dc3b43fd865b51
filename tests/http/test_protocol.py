"""``GatewayProtocol``: HTTP/1.1 framing around the gateway, driven byte by byte
through a fake transport (no sockets): one write per response, pipelining,
limits, keep-alive and shutdown as uvicorn expects."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from clearance.http import protocol as module
from clearance.http.app import create_app
from clearance.http.protocol import GatewayProtocol
from clearance.wire import WireRequest, WireResponse


class EchoGateway:
    """Answers every request with what it received."""

    def __init__(self) -> None:
        self.requests: list[WireRequest] = []

    def handle(self, request: WireRequest) -> WireResponse:
        self.requests.append(request)
        body = f"{request.method} {request.path}?{request.query} {len(request.body)}".encode()
        return WireResponse(200, (("content-type", "text/plain"), ("x-amzn-requestid", "r")), body)


class Transport:
    def __init__(self, peer: str = "10.0.0.7") -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.paused = False
        self.peer = peer

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": (self.peer, 5555)}.get(name, default)

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def make(
    loop: asyncio.AbstractEventLoop,
    peer: str = "10.0.0.7",
    trusted: str = "127.0.0.1",
    keep_alive: float = 5,
) -> tuple[GatewayProtocol, Transport, EchoGateway, Any]:
    gateway = EchoGateway()
    config = SimpleNamespace(
        loaded=True,
        loaded_app=SimpleNamespace(app=create_app(gateway)),  # as under uvicorn's middleware
        timeout_keep_alive=keep_alive,
        proxy_headers=True,
        forwarded_allow_ips=trusted,
    )
    state = SimpleNamespace(connections=set(), total_requests=0)
    proto = GatewayProtocol(config, state, {}, _loop=loop)
    transport = Transport(peer)
    proto.connection_made(transport)  # type: ignore[arg-type]
    return proto, transport, gateway, state


def responses(data: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    out = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:])
        length = int(headers["content-length"])
        out.append((int(lines[0].split()[1]), headers, rest[:length]))
        data = rest[length:]
    return out


POST = (
    b"POST /a%20b?x=1 HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 11\r\n\r\nAction=List"
)


def test_one_request_one_write(loop: asyncio.AbstractEventLoop) -> None:
    proto, transport, gateway, state = make(loop)
    proto.data_received(POST)
    assert len(transport.writes) == 1
    [(status, headers, body)] = responses(transport.writes[0])
    assert status == 200
    assert body == b"POST /a%20b?x=1 11"
    assert headers["x-amzn-requestid"] == "r"
    assert "date" in headers
    request = gateway.requests[0]
    assert request.headers[0] == ("host", "h")
    assert request.body == b"Action=List"
    assert request.source_ip == "10.0.0.7"
    assert state.total_requests == 1
    assert not transport.closed
    assert proto in state.connections


def test_requests_split_anywhere_and_pipelined(loop: asyncio.AbstractEventLoop) -> None:
    proto, transport, _, _ = make(loop)
    stream = POST + POST.replace(b"x=1", b"x=2")
    for i in range(len(stream)):
        proto.data_received(stream[i : i + 1])
    answers = [r for w in transport.writes for r in responses(w)]
    assert [body for _, _, body in answers] == [b"POST /a%20b?x=1 11", b"POST /a%20b?x=2 11"]


def test_health_and_head(loop: asyncio.AbstractEventLoop) -> None:
    proto, transport, gateway, _ = make(loop)
    proto.data_received(b"GET /_clearance/health HTTP/1.1\r\nHost: h\r\n\r\n")
    [(status, _, body)] = responses(transport.writes[0])
    assert (status, body) == (200, b'{"status": "ok"}')
    proto.data_received(b"HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n")
    head = transport.writes[1]
    assert head.endswith(b"\r\n\r\n") and b"content-length: 10" in head  # of "HEAD /x? 0"
    assert not gateway.requests[0].body


def test_connection_close_and_http10(loop: asyncio.AbstractEventLoop) -> None:
    proto, transport, _, _ = make(loop)
    proto.data_received(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    assert b"connection: close" in transport.writes[0]
    assert transport.closed
    proto, transport, _, _ = make(loop)
    proto.data_received(b"GET / HTTP/1.0\r\n\r\n")
    assert transport.closed


def test_malformed_input_is_a_400_and_closes(loop: asyncio.AbstractEventLoop) -> None:
    proto, transport, gateway, _ = make(loop)
    proto.data_received(b"NOT HTTP AT ALL\r\n\r\n")
    [(status, _, _)] = responses(transport.writes[0])
    assert status == 400
    assert transport.closed
    assert not gateway.requests


def test_oversized_body_is_refused_early(
    loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "MAX_BODY", 10)
    proto, transport, gateway, _ = make(loop)
    proto.data_received(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n" + b"x" * 20)
    [(status, _, body)] = responses(transport.writes[0])
    assert status == 413 and b"RequestEntityTooLarge" in body
    assert transport.closed
    assert not gateway.requests


def test_huge_headers_and_urls_are_refused(loop: asyncio.AbstractEventLoop) -> None:
    proto, transport, _, _ = make(loop)
    proto.data_received(b"GET /" + b"a" * (module.MAX_URL + 1) + b" HTTP/1.1\r\n\r\n")
    assert responses(transport.writes[0])[0][0] == 414
    proto, transport, _, _ = make(loop)
    proto.data_received(b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * (module.MAX_HEADERS + 1) + b"\r\n")
    assert responses(transport.writes[0])[0][0] == 431


def test_expect_100_continue(loop: asyncio.AbstractEventLoop) -> None:
    proto, transport, _, _ = make(loop)
    proto.data_received(
        b"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"
    )
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    proto.data_received(b"ok")
    assert responses(transport.writes[1])[0][2] == b"POST /? 2"


def test_forwarded_headers_only_from_trusted_peers(loop: asyncio.AbstractEventLoop) -> None:
    forwarded = (
        b"GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.9, 10.0.0.1\r\n"
        b"X-Forwarded-Proto: https\r\n\r\n"
    )
    proto, _, gateway, _ = make(loop, peer="127.0.0.1", trusted="127.0.0.1,10.0.0.0/8")
    proto.data_received(forwarded)
    assert gateway.requests[0].source_ip == "203.0.113.9"
    assert gateway.requests[0].secure
    proto, _, gateway, _ = make(loop, peer="192.0.2.1")
    proto.data_received(forwarded)
    assert gateway.requests[0].source_ip == "192.0.2.1"
    assert not gateway.requests[0].secure


def test_raw_bytes_survive_as_surrogates(loop: asyncio.AbstractEventLoop) -> None:
    proto, _, gateway, _ = make(loop)
    proto.data_received(b"GET /caf%C3%A9?q=%FF HTTP/1.1\r\nHost: h\r\nX-V: \xfe\r\n\r\n")
    request = gateway.requests[0]
    assert (request.path, request.query) == ("/caf%C3%A9", "q=%FF")  # as sent: SigV4 needs it
    assert request.header("x-v") == "\udcfe"


def test_flow_control(loop: asyncio.AbstractEventLoop) -> None:
    proto, transport, _, _ = make(loop)
    proto.pause_writing()
    assert transport.paused
    proto.resume_writing()
    assert not transport.paused


def test_shutdown_and_idle_timeout(loop: asyncio.AbstractEventLoop) -> None:
    proto, transport, _, state = make(loop)
    proto.shutdown()
    assert transport.closed
    proto.connection_lost(None)
    assert proto not in state.connections

    proto, transport, _, _ = make(loop)
    proto.data_received(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n")
    proto.shutdown()  # mid-request: answer it, then close
    assert not transport.closed
    proto.data_received(b"ok")
    assert len(transport.writes) == 1 and transport.closed

    proto, transport, _, _ = make(loop, keep_alive=0.01)
    loop.run_until_complete(asyncio.sleep(0.05))
    assert transport.closed
