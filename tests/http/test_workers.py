"""``clearance serve --workers 2``: one SO_REUSEPORT socket per worker, a dead
worker is replaced on its socket, SIGTERM stops everything cleanly."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not hasattr(socket, "SO_REUSEPORT") or not Path("/proc").exists(), reason="Linux only"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_clearance/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:  # the thread ended while we looked
            continue
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # the process was reaped between listing and reading
        return b""


def _workers(pid: int) -> list[int]:
    """The uvicorn workers (multiprocessing also starts a resource tracker)."""
    commands = {child: _cmdline(child) for child in _children(pid)}
    return [
        child
        for child, command in commands.items()
        if b"spawn_main" in command and b"resource_tracker" not in command
    ]


def _wait(condition: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_two_workers_serve_survive_a_crash_and_stop(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "CLEARANCE_ROOT_ACCESS_KEY_ID": "AKIACLEARANCEWORKERS",
        "CLEARANCE_ROOT_SECRET_ACCESS_KEY": "wOrKeRsSeCrEtKeY0123456789abcdefghijklmn",
    }
    command = [sys.executable, "-m", "clearance.cli.main", "serve", "--port", str(port)]
    command += ["--data-dir", str(tmp_path / "data"), "--workers", "2"]
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: _healthy(port) and len(_workers(server.pid)) == 2)
        assert all(_healthy(port) for _ in range(20))  # a new connection each time
        first, second = _workers(server.pid)
        os.kill(first, signal.SIGKILL)
        _wait(lambda: first not in _workers(server.pid) and len(_workers(server.pid)) == 2)
        assert second in _workers(server.pid)
        # Both sockets are served again: every new connection is answered.
        assert all(_healthy(port) for _ in range(20))
        workers = _workers(server.pid)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        for pid in workers:
            assert not Path(f"/proc/{pid}").exists() or "Z" in _state(pid)
        assert not _healthy(port)
    finally:
        if server.poll() is None:
            leftover = _workers(server.pid)
            server.kill()
            server.wait()
            for pid in leftover:  # never leave workers behind a failed run
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        log.close()


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
