"""The audit trail keeps up with a loaded server (issue 7): every request becomes
exactly one event.

A live server with two worker processes and audit on (the default) takes a few
thousand concurrent signed requests (allowed, denied, failed authentication,
failed validation, IAM and STS) from many threads; each response's
``x-amzn-RequestId`` is collected. After a graceful stop (SIGTERM), the events
table holds exactly one event per collected request id and nothing else. After
``kill -9`` only the last moments may be missing: every event older than the
loss window (0.2 s, :class:`clearance.audit.BatchingSink`) is there.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.e2e.conftest import ACCOUNT_ID, ROOT_KEY, ROOT_SECRET, free_port

THREADS = 12
REQUESTS_PER_THREAD = 250
LOSS_WINDOW = 0.2  # BatchingSink's max_delay: the documented bound on kill -9
FORM = "application/x-www-form-urlencoded; charset=utf-8"
READER_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:ListRoles", "Resource": "*"},
        ],
    }
)


@dataclass
class LiveServer:
    """``clearance serve --workers 2`` in its own process group (so that kill -9
    reaches the workers too)."""

    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path

    def stop(self) -> None:
        """A graceful shutdown, as a service manager does it."""
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=60) == 0

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@dataclass
class Caller:
    """Signs and sends raw requests on a shared connection pool, collecting the
    request id of every response."""

    port: int
    key: str = ROOT_KEY
    secret: str = ROOT_SECRET
    pool: urllib3.PoolManager = field(
        default_factory=lambda: urllib3.PoolManager(maxsize=THREADS, retries=False)
    )
    request_ids: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(
        self,
        service: str,
        params: dict[str, str],
        key: str | None = None,
        secret: str | None = None,
    ) -> tuple[int, bytes]:
        version = "2010-05-08" if service == "iam" else "2011-06-15"
        body = urllib.parse.urlencode({**params, "Version": version})
        url = f"http://127.0.0.1:{self.port}/"
        request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": FORM})
        credentials = Credentials(key or self.key, secret or self.secret)
        SigV4Auth(credentials, service, "us-east-1").add_auth(request)
        prepared = request.prepare()
        response = self.pool.request(
            "POST", url, body=body.encode(), headers=dict(prepared.headers.items())
        )
        request_id = response.headers.get("x-amzn-RequestId")
        assert request_id, (response.status, response.data[:300])
        with self.lock:
            self.request_ids.append(request_id)
            self.statuses[response.status] += 1
        return response.status, response.data


def _start(data_dir: Path) -> LiveServer:
    port = free_port()
    env = {
        **os.environ,
        "CLEARANCE_ACCOUNT_ID": ACCOUNT_ID,
        "CLEARANCE_ROOT_ACCESS_KEY_ID": ROOT_KEY,
        "CLEARANCE_ROOT_SECRET_ACCESS_KEY": ROOT_SECRET,
    }
    for name in ("CLEARANCE_AUDIT", "CLEARANCE_DATABASE_URL"):
        env.pop(name, None)  # the defaults: audit on, SQLite in the data directory
    command = [sys.executable, "-m", "clearance.cli.main", "serve", "--port", str(port)]
    command += ["--data-dir", str(data_dir), "--workers", "2"]
    log = (data_dir.parent / f"server-{port}.log").open("w")
    process = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    log.close()
    server = LiveServer(process, port, data_dir)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the health check is not an API call: no event
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_clearance/health", timeout=2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("server did not become ready in 60 s")


@pytest.fixture()
def live(tmp_path: Path) -> Iterator[LiveServer]:
    server = _start(tmp_path / "data")
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.kill()


def _reader(caller: Caller) -> tuple[str, str]:
    """An IAM user allowed to read IAM except ListRoles; its access key."""
    assert caller.call("iam", {"Action": "CreateUser", "UserName": "reader"})[0] == 200
    status, _ = caller.call(
        "iam",
        {
            "Action": "PutUserPolicy",
            "UserName": "reader",
            "PolicyName": "read",
            "PolicyDocument": READER_POLICY,
        },
    )
    assert status == 200
    status, body = caller.call("iam", {"Action": "CreateAccessKey", "UserName": "reader"})
    assert status == 200
    text = body.decode()
    key = text.split("<AccessKeyId>")[1].split("<")[0]
    secret = text.split("<SecretAccessKey>")[1].split("<")[0]
    return key, secret


def _mixed_load(
    caller: Caller,
    key: str,
    secret: str,
    per_thread: int,
    stop_after: tuple[int, LiveServer] | None = None,
) -> None:
    """Allowed, denied, failed-authentication and failed-validation calls, concurrently.
    With ``stop_after=(n, server)``, the server is stopped (SIGTERM) after n calls
    while the others are still being sent; the threads end at their first failure."""
    calls = [
        ("iam", {"Action": "GetUser", "UserName": "reader"}, key, secret),  # allowed
        ("iam", {"Action": "ListUsers"}, key, secret),  # allowed
        ("iam", {"Action": "ListRoles"}, key, secret),  # explicit deny
        ("iam", {"Action": "DeleteUser", "UserName": "reader"}, key, secret),  # implicit deny
        ("iam", {"Action": "GetUser", "UserName": "nobody"}, key, secret),  # NoSuchEntity
        ("iam", {"Action": "ListUsers"}, key, "not-the-secret"),  # SignatureDoesNotMatch
        ("iam", {"Action": "ListUsers"}, "AKIANOSUCHKEY0000000", secret),  # unknown key
        ("sts", {"Action": "GetCallerIdentity"}, key, secret),
        ("iam", {"Action": "GetUser"}, None, None),  # root
    ]

    stopping = threading.Event()

    def run(thread: int) -> None:
        for n in range(per_thread):
            service, params, k, s = calls[(thread + n) % len(calls)]
            try:
                caller.call(service, params, k, s)
            except (urllib3.exceptions.HTTPError, OSError):
                assert stopping.is_set()  # only a stopping server may fail to answer
                return
            if stop_after and len(caller.request_ids) >= stop_after[0] and not stopping.is_set():
                stopping.set()
                threading.Thread(target=stop_after[1].stop).start()

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(run, range(THREADS)))


def _stored(data_dir: Path) -> Counter[str]:
    """Events per request id in the server's SQLite store."""
    with closing(sqlite3.connect(data_dir / "clearance.db")) as db:
        rows = db.execute("SELECT request_id, count(*) FROM audit_events GROUP BY request_id")
        return Counter({request_id: count for request_id, count in rows})


def test_every_request_is_one_event_after_a_graceful_stop(live: LiveServer) -> None:
    caller = Caller(live.port)
    key, secret = _reader(caller)
    _mixed_load(caller, key, secret, REQUESTS_PER_THREAD)
    sent = Counter(caller.request_ids)
    assert sum(sent.values()) == THREADS * REQUESTS_PER_THREAD + 3
    assert max(sent.values()) == 1  # request ids are unique
    assert {200, 403, 404} <= set(caller.statuses)  # the mix really was mixed

    live.stop()

    stored = _stored(live.data_dir)
    assert stored == sent  # exactly one event per request, and no other


def test_a_shutdown_under_load_writes_every_queued_event(live: LiveServer) -> None:
    """SIGTERM while requests keep arriving: the events still queued in each worker
    (up to the last 0.2 s of calls) are written before it exits."""
    caller = Caller(live.port)
    key, secret = _reader(caller)
    _mixed_load(caller, key, secret, REQUESTS_PER_THREAD, stop_after=(1500, live))
    assert live.process.wait(timeout=60) == 0
    sent = Counter(caller.request_ids)
    assert 1500 <= sum(sent.values()) < THREADS * REQUESTS_PER_THREAD + 3

    stored = _stored(live.data_dir)
    assert [request_id for request_id in sent if stored[request_id] != 1] == []
    # Answered but never read (the connection closed first): at most one per thread.
    assert len(set(stored) - set(sent)) <= THREADS
    assert max(stored.values()) == 1


def test_kill_9_loses_at_most_the_last_moments(live: LiveServer) -> None:
    caller = Caller(live.port)
    key, secret = _reader(caller)
    _mixed_load(caller, key, secret, 60)
    settled = list(caller.request_ids)
    time.sleep(10 * LOSS_WINDOW)  # these are now well past the loss window
    _mixed_load(caller, key, secret, 20)  # the last moments: may be lost

    live.kill()

    stored = _stored(live.data_dir)
    assert max(stored.values()) == 1
    missing = [request_id for request_id in settled if request_id not in stored]
    assert missing == []
    assert set(stored) <= set(caller.request_ids)
