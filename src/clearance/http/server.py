"""Building and running the server: settings → store → gateway → ASGI app, and
uvicorn with :class:`~clearance.http.protocol.GatewayProtocol` in one or more
worker processes (:func:`run_server`)."""

from __future__ import annotations

import atexit
import functools
import gc
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from uvicorn._subprocess import get_subprocess
from uvicorn.config import STARTUP_FAILURE

from clearance.clock import SystemClock
from clearance.http.app import create_app
from clearance.services.audit_setup import build_audit_sink
from clearance.services.bootstrap import open_server_store
from clearance.services.gateway import Gateway
from clearance.settings import Settings

__all__ = ["app_from_environment", "build_app", "http_protocol", "run_server"]

log = logging.getLogger("clearance.http")

App = Callable[[Any, Any, Any], Awaitable[None]]


def build_app(settings: Settings) -> App:
    clock = SystemClock()
    store = open_server_store(settings.data_dir, settings.database_url, settings.master_key, clock)
    encoded = settings.encoded_messages
    if not settings.audit:
        return create_app(
            Gateway(store, clock, encoded_messages=encoded, data_dir=settings.data_dir)
        )
    # Every call is recorded; events reach their sinks in batches within 0.2 s
    # (the loss window on kill -9), and all of them on a graceful shutdown
    # (SIGTERM/SIGINT end the process normally: see _exit_normally_on_signals).
    sink, close_audit = build_audit_sink(settings, store, clock)
    atexit.register(close_audit)
    return create_app(
        Gateway(store, clock, sink=sink, encoded_messages=encoded, data_dir=settings.data_dir)
    )


def app_from_environment() -> App:
    """The factory uvicorn's worker processes call (``--workers N``)."""
    logging.basicConfig(level=os.environ.get("CLEARANCE_LOG_LEVEL", "INFO"))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = build_app(Settings.load())
    # What startup built lives as long as the process: keep it out of the
    # collector's full passes. The audit queue's events survive long enough to
    # reach the oldest generation and set those passes off every few thousand
    # requests; each one then walks ~10^5 startup objects (tens of ms) otherwise.
    gc.collect()
    gc.freeze()
    return app


def http_protocol() -> Any:
    """What ``uvicorn.run(http=...)`` should use: :class:`~clearance.http.protocol.GatewayProtocol`
    (one synchronous call and one socket write per request) when httptools is
    installed, else uvicorn's own choice over the ASGI app."""
    try:
        from clearance.http.protocol import GatewayProtocol
    except ImportError:  # httptools missing
        return "auto"
    return GatewayProtocol


def run_server(app: str, *, workers: int = 1, **options: Any) -> None:
    """``uvicorn.run(app, workers=workers, **options)``, except that with several
    workers each one listens on its own socket bound with ``SO_REUSEPORT``.

    uvicorn's workers share one listening socket, and an event loop accepts every
    pending connection when it wakes: a burst of new connections (a client's pool
    opening) often lands on a single worker while the others idle. With a socket
    per worker the kernel spreads connections evenly. A worker that dies is
    replaced on the same socket; one that fails at startup stops the server.
    """
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT") or options.get("uds"):
        _exit_normally_on_signals()
        uvicorn.run(app, workers=workers, **options)
        return
    config = uvicorn.Config(app, workers=workers, **options)
    try:
        sockets = _listening_sockets(config.host, config.port, workers, config.backlog)
    except OSError as error:
        log.error("cannot listen on %s:%s: %s", config.host, config.port, error)
        sys.exit(STARTUP_FAILURE)
    _Workers(config, sockets).run()


def _exit_normally_on_signals() -> None:
    """Make SIGTERM and SIGINT end this process with a normal exit, so that
    atexit handlers run (the audit writer's close: every queued event written).

    uvicorn handles both signals while it serves, shuts down gracefully, then
    restores the handlers it found and raises the signal again; with the
    default handlers that second delivery kills the process before atexit.
    """

    def leave(signum: int, frame: Any) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)  # let the exit handlers finish
        raise SystemExit(0)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, leave)


def _serve_worker(server: uvicorn.Server, sockets: list[socket.socket]) -> None:
    """A worker process's main: uvicorn, then a normal exit (atexit runs)."""
    _exit_normally_on_signals()
    server.run(sockets=sockets)


def _listening_sockets(host: str, port: int, count: int, backlog: int) -> list[socket.socket]:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]  # port 0: the others join the one chosen
            sock.listen(backlog)
            sock.set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class _Workers:
    """A minimal supervisor: one uvicorn server process per socket."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        self.config = config
        self.sockets = sockets
        self.stop = threading.Event()

    def _start(self, index: int) -> Any:
        server = uvicorn.Server(self.config)
        target = functools.partial(_serve_worker, server)
        process = get_subprocess(self.config, target=target, sockets=[self.sockets[index]])
        process.start()
        return process

    def run(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stop.set())
        processes = [self._start(i) for i in range(len(self.sockets))]
        failed = False
        while not self.stop.wait(0.5):
            for index, process in enumerate(processes):
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    log.error("worker %s failed to start; stopping", process.pid)
                    failed = True
                    self.stop.set()
                    break
                log.warning("worker %s exited (%s); replacing it", process.pid, process.exitcode)
                processes[index] = self._start(index)
        for process in processes:
            if process.is_alive():
                process.terminate()  # uvicorn's graceful shutdown
        grace = (self.config.timeout_graceful_shutdown or 25) + 5
        for process in processes:
            process.join(grace)
            if process.is_alive():
                process.kill()
                process.join()
        for sock in self.sockets:
            sock.close()
        if failed:
            sys.exit(STARTUP_FAILURE)
