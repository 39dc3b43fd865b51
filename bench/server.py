"""Clearance's server against moto's on the same IAM calls, over loopback HTTP.

Starts ``clearance serve`` (SQLite, ``--workers 2`` by default) and moto's
server (``python -m moto.server``, no signature checks) on free loopback ports,
creates the users the calls need, then for each operation (``GetUser``,
``ListUsers``, ``CreateUser+DeleteUser``) and each concurrency (1, 8, 32)
measures requests per second and p50/p99 latency for a fixed duration.

The load generator replays pre-signed requests: botocore signs each request
once (SigV4 in the Authorization header, valid for 15 minutes), the bytes are
kept, and an asyncio raw-socket HTTP/1.1 client (uvloop when installed) sends
them on keep-alive connections, one request in flight per connection. Every
response is checked for completeness and its status counted. See README.md.

    .venv/bin/python bench/server.py                       # the full run (about 2 min)
    .venv/bin/python bench/server.py --json                # the report as JSON
    .venv/bin/python bench/server.py --out bench/results/server-$(date -u +%F).txt
    .venv/bin/python bench/server.py --servers clearance --operations GetUser \\
        --concurrency 1,2 --duration 0.3 --warmup 0
    .venv/bin/python bench/server.py --servers clearance --audit on,off \\
        --operations GetUser,CreateUser+DeleteUser --out bench/results/server-audit.txt

``--audit`` says how Clearance runs: ``on`` (its default: every call recorded in
the store's events table), ``off`` (``CLEARANCE_AUDIT=0``), or both in turn. With
audit on, each cell also checks the trail: the events it should hold (every
response the client read, warm-up included), how many were still queued when the
load stopped (backlog), how long the writers took to drain them, and how many
never arrived (lost).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCOUNT_ID = "123456789012"
ROOT_KEY = "AKIACLEARANCEBENCH01"
ROOT_SECRET = "cLeArAnCeBeNcHsEcReTkEy0123456789abcdefgh"
REGION = "us-east-1"
TARGET_USER = "bench-target"
CALLER_USER = "bench-caller"
CALLER_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "iam:DeleteUser",
                "Resource": f"arn:aws:iam::{ACCOUNT_ID}:user/{CALLER_USER}",
            },
        ],
    }
)
OPERATIONS = ("GetUser", "ListUsers", "CreateUser+DeleteUser")
NAMES_PER_CONNECTION = 8  # CreateUser+DeleteUser: each connection cycles through its own names
SERVERS = ("clearance", "moto")
AUDIT_MODES = ("on", "off")
DRAIN_TIMEOUT = 60.0  # seconds to wait for the audit writers to catch up after a cell
FORM = "application/x-www-form-urlencoded; charset=utf-8"
STOP_TIMEOUT = 30.0


# -- servers ---------------------------------------------------------------------------


@dataclass
class Target:
    """A running server and the credentials the measured calls are signed with."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    key: str = ROOT_KEY
    secret: str = ROOT_SECRET
    caller: str = "root"
    description: str = ""
    audit: str | None = None  # Clearance: "on" / "off"
    events_db: Path | None = None  # Clearance with audit on: the SQLite file of the trail

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                response.read()
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


def start_clearance(data_dir: Path, workers: int, log: Path, audit: str = "on") -> Target:
    port = free_port()
    env = {
        **os.environ,
        "CLEARANCE_ACCOUNT_ID": ACCOUNT_ID,
        "CLEARANCE_ROOT_ACCESS_KEY_ID": ROOT_KEY,
        "CLEARANCE_ROOT_SECRET_ACCESS_KEY": ROOT_SECRET,
        "CLEARANCE_AUDIT": "1" if audit == "on" else "0",
    }
    env.pop("CLEARANCE_DATABASE_URL", None)  # the trail is counted in the SQLite file
    command = [sys.executable, "-m", "clearance.cli.main", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--data-dir", str(data_dir), "--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    name = "clearance" if audit == "on" else "clearance-audit-off"
    target = Target(name, port, process, audit=audit)
    if audit == "on":
        target.events_db = data_dir / "clearance.db"
    _wait_http(f"{target.endpoint}/_clearance/health", process)
    return target


def start_moto(log: Path) -> Target:
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    target = Target("moto", port, process, key="AKIAIOSFODNN7EXAMPLE", secret="x" * 40)
    _wait_http(f"{target.endpoint}/moto-api/", process)
    return target


def stop(target: Target) -> None:
    target.process.terminate()
    try:
        target.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        target.process.kill()
        target.process.wait()


def prepare(target: Target) -> None:
    """The user GetUser reads, and an IAM user with an inline ``iam:*`` policy whose
    access key signs the measured calls (so Clearance evaluates a real policy)."""
    import boto3
    from botocore.config import Config

    iam = boto3.client(
        "iam",
        endpoint_url=target.endpoint,
        region_name=REGION,
        aws_access_key_id=target.key,
        aws_secret_access_key=target.secret,
        config=Config(retries={"max_attempts": 1}),
    )
    iam.create_user(UserName=TARGET_USER)
    iam.create_user(UserName=CALLER_USER)
    iam.put_user_policy(UserName=CALLER_USER, PolicyName="iam-admin", PolicyDocument=CALLER_POLICY)
    key = iam.create_access_key(UserName=CALLER_USER)["AccessKey"]
    target.key, target.secret = key["AccessKeyId"], key["SecretAccessKey"]
    target.caller = f"IAM user {CALLER_USER} (inline policy: iam:* allowed, one Deny)"


# -- pre-signed requests ---------------------------------------------------------------


def signed(target: Target, params: dict[str, str]) -> bytes:
    """One SigV4-signed POST as raw HTTP/1.1 bytes, replayable for 15 minutes."""
    body = "&".join(f"{k}={v}" for k, v in {**params, "Version": "2010-05-08"}.items())
    request = AWSRequest(
        method="POST", url=f"{target.endpoint}/", data=body, headers={"Content-Type": FORM}
    )
    SigV4Auth(Credentials(target.key, target.secret), "iam", REGION).add_auth(request)
    prepared = request.prepare()
    lines = ["POST / HTTP/1.1", f"Host: 127.0.0.1:{target.port}"]
    lines += [f"{name}: {value}" for name, value in prepared.headers.items()]
    head = "\r\n".join(lines) + "\r\n\r\n"
    payload = prepared.body if isinstance(prepared.body, bytes) else str(prepared.body).encode()
    return head.encode("latin-1") + payload


def request_sets(target: Target, operation: str, connections: int, tag: str) -> list[list[bytes]]:
    """Per connection, the requests it replays in order (cycling)."""
    if operation == "GetUser":
        one = signed(target, {"Action": "GetUser", "UserName": TARGET_USER})
        return [[one] for _ in range(connections)]
    if operation == "ListUsers":
        one = signed(target, {"Action": "ListUsers"})
        return [[one] for _ in range(connections)]
    if operation == "CreateUser+DeleteUser":
        sets = []
        for c in range(connections):
            requests = []
            for k in range(NAMES_PER_CONNECTION):
                name = f"bench-{tag}-{c}-{k}"
                requests.append(signed(target, {"Action": "CreateUser", "UserName": name}))
                requests.append(signed(target, {"Action": "DeleteUser", "UserName": name}))
            sets.append(requests)
        return sets
    raise ValueError(f"unknown operation {operation!r}")


# -- the load generator ----------------------------------------------------------------


@dataclass
class Cell:
    """What one (server, operation, concurrency) run observed in its window."""

    window_start: float
    window_end: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    running: bool = True
    answered: int = 0  # every complete response, warm-up and tail included (the trail's due)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class Connection(asyncio.Protocol):
    """One client: send a request, read the whole response, repeat, on a keep-alive
    connection — or on a new one when the server answers ``Connection: close``
    (moto's server does, every time: the reconnect is part of its latency)."""

    def __init__(
        self,
        requests: list[bytes],
        cell: Cell,
        pairs: bool,
        done: asyncio.Future[None],
        port: int,
    ) -> None:
        self.requests = requests
        self.cell = cell
        self.pairs = pairs  # stop only after a DeleteUser (never leave a user behind)
        self.done = done
        self.port = port
        self.index = 0
        self.buffer = bytearray()
        self.started = 0.0
        self.transport: asyncio.Transport | None = None
        self.reconnecting = False
        self.connecting: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  (uvloop's is not a subclass)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.reconnecting:
            self.reconnecting = False
            assert self.transport is not None
            self.transport.write(self.requests[self.index - 1 if self.index else -1])
        else:
            self.send()

    def send(self) -> None:
        request = self.requests[self.index]
        self.index = (self.index + 1) % len(self.requests)
        self.started = time.perf_counter()
        if self.transport is None:
            self._reconnect()
        else:
            self.transport.write(request)

    def _reconnect(self) -> None:
        self.reconnecting = True
        loop = asyncio.get_running_loop()

        async def connect() -> None:
            try:
                await loop.create_connection(lambda: self, "127.0.0.1", self.port)
            except OSError:
                self.finish("connect failed")

        self.connecting = loop.create_task(connect())

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end])
        length, close = _framing(head)
        if length is None:
            self.finish("no content-length")
            return
        if len(self.buffer) < end + 4 + length:
            return
        now = time.perf_counter()
        status = int(self.buffer[9:12])
        if len(self.buffer) > end + 4 + length:
            self.finish("unexpected bytes")
            return
        self.buffer.clear()
        cell = self.cell
        cell.answered += 1
        if cell.window_start <= now <= cell.window_end:
            cell.latencies.append(now - self.started)
            cell.statuses[status] = cell.statuses.get(status, 0) + 1
        more = cell.running or (self.pairs and self.index % 2 == 1)
        if close and self.transport is not None:
            transport, self.transport = self.transport, None
            transport.close()
        if more:
            self.send()
        else:
            self.finish(None)

    def finish(self, error: str | None) -> None:
        if error is not None:
            self.cell.error(error)
        if self.transport is not None:
            self.transport.close()
            self.transport = None
        if not self.done.done():
            self.done.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is None or self.done.done():
            return  # closed on purpose
        self.transport = None
        self.finish("connection lost")


def _framing(head: bytes) -> tuple[int | None, bool]:
    """Content-Length (None when absent) and whether the server closes after this."""
    length, close = None, head.startswith(b"HTTP/1.0")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"connection":
            close = value.strip().lower() == b"close"
    return length, close


async def _drive(
    port: int, sets: list[list[bytes]], pairs: bool, warmup: float, duration: float
) -> tuple[Cell, float]:
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    cell = Cell(start + warmup, start + warmup + duration)
    futures: list[asyncio.Future[None]] = []
    for requests in sets:
        done: asyncio.Future[None] = loop.create_future()
        futures.append(done)
        await loop.create_connection(
            lambda r=requests, d=done: Connection(r, cell, pairs, d, port),  # type: ignore[misc]
            "127.0.0.1",
            port,
        )
    await asyncio.sleep(max(cell.window_start - time.perf_counter(), 0))
    cpu_start = time.process_time()
    await asyncio.sleep(max(cell.window_end - time.perf_counter(), 0))
    client_cpu = time.process_time() - cpu_start
    cell.running = False
    try:
        await asyncio.wait_for(asyncio.gather(*futures), STOP_TIMEOUT)
    except TimeoutError:
        cell.error("stuck at the end")
    return cell, client_cpu


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()  # type: ignore[no-any-return]


def measure(
    target: Target,
    operation: str,
    concurrency: int,
    warmup: float,
    duration: float,
    tag: str,
) -> dict[str, Any]:
    sets = request_sets(target, operation, concurrency, tag)
    pairs = operation == "CreateUser+DeleteUser"
    events_before = settled_events(target)
    started = time.perf_counter()
    server_cpu_start = process_tree_cpu(target.process.pid)
    loop = _new_loop()
    try:
        cell, client_cpu = loop.run_until_complete(
            _drive(target.port, sets, pairs, warmup, duration)
        )
    finally:
        loop.close()
    server_cpu = process_tree_cpu(target.process.pid) - server_cpu_start
    trail = check_trail(target, events_before, cell.answered, started)
    window = warmup + duration + 0.0  # server CPU covers the warm-up too
    latencies = sorted(cell.latencies)
    count = len(latencies)
    ok = sum(n for status, n in cell.statuses.items() if 200 <= status < 300)
    return {
        "server": target.name,
        "operation": operation,
        "concurrency": concurrency,
        "duration_s": duration,
        "requests": count,
        "requests_per_s": round(count / duration, 1) if duration else 0.0,
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 3),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 3),
        "max_ms": round(latencies[-1] * 1000, 3) if latencies else 0.0,
        "statuses": {str(k): v for k, v in sorted(cell.statuses.items())},
        "non_2xx": count - ok,
        "errors": cell.errors,
        "client_cpu_pct": round(100 * client_cpu / duration, 1) if duration else 0.0,
        "server_cpu_pct": round(100 * server_cpu / window, 1) if window else 0.0,
        # Robust to a busy machine: the server's CPU per answered request (warm-up included).
        "server_cpu_us": round(server_cpu / cell.answered * 1e6, 1) if cell.answered else 0.0,
        "audit": target.audit,
        "trail": trail,
    }


def stored_events(target: Target) -> int | None:
    """Rows in the trail's events table (None: no trail to count)."""
    if target.events_db is None:
        return None
    with contextlib.closing(sqlite3.connect(f"file:{target.events_db}?mode=ro", uri=True)) as db:
        db.execute("PRAGMA busy_timeout = 5000")
        return int(db.execute("SELECT count(*) FROM audit_events").fetchone()[0])


def settled_events(target: Target) -> int | None:
    """The row count once the writers are idle (the previous calls' events stored)."""
    count = stored_events(target)
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while count is not None and time.monotonic() < deadline:
        time.sleep(0.5)  # over twice the writers' 0.2 s batching delay
        again = stored_events(target)
        if again == count:
            break
        count = again
    return count


def check_trail(
    target: Target, before: int | None, answered: int, started: float
) -> dict[str, Any] | None:
    """Did the trail keep up? One event is due per answered request: how many were
    still queued when the load stopped, how long the writers took to drain them,
    and how many never arrived."""
    at_end = stored_events(target)
    if before is None or at_end is None:
        return None
    ended = time.perf_counter()
    due = before + answered
    stored, deadline = at_end, ended + DRAIN_TIMEOUT
    while stored < due and time.perf_counter() < deadline:
        time.sleep(0.05)
        stored = stored_events(target) or 0
    drained = time.perf_counter()
    return {
        "due": answered,
        "backlog_at_end": max(due - at_end, 0),
        "drain_s": round(drained - ended, 2),
        "lost": due - stored,
        "events_per_s": round((stored - before) / (drained - started), 1),
    }


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest rank."""
    if not sorted_values:
        return 0.0
    rank = max(int(-(-q * len(sorted_values) // 1)), 1)
    return sorted_values[min(rank, len(sorted_values)) - 1]


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its descendants, from /proc."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for each in _tree(pid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _tree(pid: int) -> Iterator[int]:
    yield pid
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                yield from _tree(int(child))


# -- the run ---------------------------------------------------------------------------


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], capture_output=True, text=True, check=True, cwd=cwd)
    return done.stdout.strip()


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = "unknown"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        here = Path(__file__).parent
        commit = _git(here, "rev-parse", "--short", "HEAD")
        if _git(here, "status", "--porcelain", "--untracked-files=no", "--", "../src"):
            commit += " with uncommitted changes in src/"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "loadavg": _loadavg(),
        "commit": commit,
        "packages": {
            name: _version(name)
            for name in ("uvicorn", "uvloop", "httptools", "sqlalchemy", "moto", "botocore")
        },
    }


def moto_available() -> bool:
    try:
        import flask  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError:
        return False
    return True


def run_benchmark(
    servers: Sequence[str],
    operations: Sequence[str],
    concurrency: Sequence[int],
    *,
    duration: float,
    warmup: float,
    workers: int,
    audit: Sequence[str] = ("on",),
) -> dict[str, Any]:
    load_before = _loadavg()
    results: list[dict[str, Any]] = []
    config: dict[str, Any] = {
        "operations": list(operations),
        "concurrency": list(concurrency),
        "duration_s": duration,
        "warmup_s": warmup,
        "workers": workers,
        "audit": list(audit),
        "load_generator": (
            "asyncio raw-socket HTTP/1.1 client"
            + (" on uvloop" if _version("uvloop") != "not installed" else "")
            + ", pre-signed SigV4 requests replayed, keep-alive, one request in flight"
            " per connection, connections = concurrency"
        ),
        "servers": {},
        "skipped": {},
    }
    with tempfile.TemporaryDirectory(prefix="clearance-bench-") as scratch:
        root = Path(scratch)
        modes = {name: audit if name == "clearance" else ("-",) for name in servers}
        runs = [(name, mode) for name in servers for mode in modes[name]]
        for name, mode in runs:
            if name == "moto" and not moto_available():
                config["skipped"]["moto"] = "moto[server] is not installed"
                continue
            log = root / f"{name}-{mode}.log"
            if name == "clearance":
                target = start_clearance(root / f"data-{mode}", workers, log, mode)
                target.description = (
                    f"clearance serve, SQLite, {workers} worker(s); SigV4 verified, "
                    "policies enforced; "
                    + ("every call recorded (audit on)" if mode == "on" else "CLEARANCE_AUDIT=0")
                )
            else:
                target = start_moto(log)
                target.description = f"moto.server {_version('moto')} (no signature checks)"
            try:
                prepare(target)
                described = {"description": target.description, "caller": target.caller}
                config["servers"][target.name] = described
                for operation in operations:
                    for n in concurrency:
                        tag = f"{name[0]}{mode[-1]}{operations.index(operation)}{n}"
                        results.append(measure(target, operation, n, warmup, duration, tag))
            finally:
                stop(target)
    machine = {**machine_info(), "loadavg_before": load_before}
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine,
        "config": config,
        "results": results,
        "summary": summarize(results),
    }


def summarize(results: list[dict[str, Any]]) -> list[str]:
    lines = []
    cells = {(r["server"], r["operation"], r["concurrency"]): r for r in results}
    for (server, operation, n), mine in cells.items():
        if server != "clearance":
            continue
        theirs = cells.get(("moto", operation, n))
        if theirs and theirs["requests_per_s"]:
            ratio = mine["requests_per_s"] / theirs["requests_per_s"]
            lines.append(
                f"{operation} at concurrency {n}: clearance {mine['requests_per_s']:,.0f} req/s"
                f" (p99 {mine['p99_ms']:.1f} ms), moto {theirs['requests_per_s']:,.0f} req/s"
                f" (p99 {theirs['p99_ms']:.1f} ms): {ratio:.1f}x"
            )
    for (server, operation, n), off in cells.items():
        on = cells.get(("clearance", operation, n))
        if server != "clearance-audit-off" or not on or not off["requests_per_s"]:
            continue
        change = on["requests_per_s"] / off["requests_per_s"] - 1
        cpu = on["server_cpu_us"] / off["server_cpu_us"] - 1 if off["server_cpu_us"] else 0.0
        lines.append(
            f"{operation} at concurrency {n}: audit on {on['requests_per_s']:,.0f} req/s"
            f" (p50 {on['p50_ms']:.2f} ms, p99 {on['p99_ms']:.1f} ms), audit off"
            f" {off['requests_per_s']:,.0f} req/s (p50 {off['p50_ms']:.2f} ms,"
            f" p99 {off['p99_ms']:.1f} ms): {change:+.1%} throughput,"
            f" {cpu:+.1%} server CPU per request"
        )
    trails = [r for r in results if r.get("trail")]
    if trails:
        kept = [r for r in trails if r["trail"]["lost"] == 0]
        if kept:
            best = max(kept, key=lambda r: r["requests_per_s"])
            lines.append(
                f"trail: kept up (no event lost, queue drained) in {len(kept)} of"
                f" {len(trails)} cells; highest rate {best['requests_per_s']:,.0f} req/s"
                f" ({best['operation']}, concurrency {best['concurrency']}), written at"
                f" {best['trail']['events_per_s']:,.0f} events/s"
            )
        else:
            lines.append(f"trail: events lost in all {len(trails)} audited cells")
    return lines


def render(report: dict[str, Any]) -> str:
    machine, config = report["machine"], report["config"]
    out = [f"Clearance server benchmark, {report['date']}"]
    out.append(
        f"machine: {machine['cpu']}, {machine['cores']} cores, {machine['python']},"
        f" {machine['platform']}; load average before {machine['loadavg_before']},"
        f" after {machine['loadavg']}; commit {machine['commit']}"
    )
    out.append("packages: " + ", ".join(f"{k} {v}" for k, v in machine["packages"].items()))
    for name, server in config["servers"].items():
        out.append(f"{name}: {server['description']}; calls signed by {server['caller']}")
    for name, why in config["skipped"].items():
        out.append(f"{name}: skipped ({why})")
    out.append(
        f"load: {config['load_generator']}; {config['duration_s']:g} s per cell after a"
        f" {config['warmup_s']:g} s warm-up; all on loopback"
    )
    out.append("")
    header = (
        f"{'server':<19} {'operation':<22} {'conc':>4} {'requests':>9} {'req/s':>9}"
        f" {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'client CPU':>10} {'server CPU':>10}"
        f" {'us/req':>7}"
    )
    out.append(header)
    for r in report["results"]:
        out.append(
            f"{r['server']:<19} {r['operation']:<22} {r['concurrency']:>4} {r['requests']:>9}"
            f" {r['requests_per_s']:>9,.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}"
            f" {r['non_2xx']:>8} {r['client_cpu_pct']:>9.0f}% {r['server_cpu_pct']:>9.0f}%"
            f" {r.get('server_cpu_us', 0):>7.0f}"
            + (f"  errors: {r['errors']}" if r["errors"] else "")
            + (_trail_text(r["trail"]) if r.get("trail") else "")
        )
    if report["summary"]:
        out.append("")
        out.extend(report["summary"])
    out.append("")
    out.append(
        "CreateUser+DeleteUser: each request counts (a pair is two); each connection creates"
        " and deletes its own users in turn. CPU: % of one core over the cell (server: all"
        " its processes, including the warm-up); us/req: server CPU microseconds per"
        " answered request (warm-up included), the figure least moved by other load."
    )
    if any(r.get("trail") for r in report["results"]):
        out.append(
            "trail (audit on): due = events the store should gain (every response the client"
            " read, warm-up included); backlog = not yet stored when the load stopped;"
            " drain = seconds until all were stored; lost = never stored."
        )
    return "\n".join(out) + "\n"


def _trail_text(trail: dict[str, Any]) -> str:
    return (
        f"  trail: {trail['due']} due, backlog {trail['backlog_at_end']},"
        f" drain {trail['drain_s']:.2f} s, lost {trail['lost']}"
    )


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default=",".join(SERVERS), help="clearance,moto")
    parser.add_argument("--operations", default=",".join(OPERATIONS), help=",".join(OPERATIONS))
    parser.add_argument("--concurrency", default="1,8,32", help="connections per cell (1,8,32)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured per cell")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring")
    parser.add_argument("--workers", type=int, default=2, help="clearance serve --workers (2)")
    parser.add_argument("--audit", default="on", help="Clearance's audit trail: on, off or on,off")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--out", type=Path, help="also write the text report to this file")
    args = parser.parse_args(argv)
    servers = _csv(args.servers)
    operations = _csv(args.operations)
    for name in servers:
        if name not in SERVERS:
            parser.error(f"unknown server {name!r}")
    for operation in operations:
        if operation not in OPERATIONS:
            parser.error(f"unknown operation {operation!r}")
    audit = _csv(args.audit)
    if not audit or any(mode not in AUDIT_MODES for mode in audit):
        parser.error("--audit: on, off or on,off")
    concurrency = [int(n) for n in _csv(args.concurrency)]
    if not concurrency or min(concurrency) < 1 or max(concurrency) > 1024:
        parser.error("concurrency: between 1 and 1024 connections")
    if not 0 < args.duration <= 600 or not 0 <= args.warmup <= 60:
        parser.error("--duration: (0, 600] seconds; --warmup: [0, 60] seconds")
    report = run_benchmark(
        servers,
        operations,
        concurrency,
        duration=args.duration,
        warmup=args.warmup,
        workers=args.workers,
        audit=audit,
    )
    text = render(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    print(json.dumps(report, indent=2) if args.json else text, end="" if not args.json else "\n")
    return 0


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # run the finally blocks: stop the servers


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    sys.exit(main())
