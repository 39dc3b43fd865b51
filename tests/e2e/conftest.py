"""A live Clearance server on a free port, and real AWS clients pointed at it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

ACCOUNT_ID = "123456789012"
ROOT_KEY = "AKIACLEARANCETEST001"
ROOT_SECRET = "cLeArAnCeTeStSeCrEtKeY0123456789abcdefgh"


@dataclass(frozen=True)
class Server:
    endpoint: str
    data_dir: Path
    env: dict[str, str]

    def client(
        self, service: str, key: str = ROOT_KEY, secret: str = ROOT_SECRET, token: str | None = None
    ) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=Config(retries={"max_attempts": 1}),
        )

    def cli(
        self, *args: str, key: str = ROOT_KEY, secret: str = ROOT_SECRET
    ) -> subprocess.CompletedProcess[str]:
        """Run the AWS CLI (awscli from PyPI) against the server."""
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        }
        env.pop("AWS_SESSION_TOKEN", None)
        command = [sys.executable, "-m", "awscli", "--endpoint-url", self.endpoint, *args]
        return subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=60, check=False
        )

    def create_account(self, account_id: str | None = None) -> dict[str, str]:
        """``clearance admin create-account`` on the server's data directory: the new
        account's ``AccountId`` and root ``AccessKeyId`` / ``SecretAccessKey``."""
        command = [sys.executable, "-m", "clearance.cli.main", "admin", "create-account"]
        command += ["--data-dir", str(self.data_dir)]
        if account_id is not None:
            command += ["--account-id", account_id]
        created = subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=60, check=True
        )
        return dict(json.loads(created.stdout))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "CLEARANCE_ACCOUNT_ID": ACCOUNT_ID,
        "CLEARANCE_ROOT_ACCESS_KEY_ID": ROOT_KEY,
        "CLEARANCE_ROOT_SECRET_ACCESS_KEY": ROOT_SECRET,
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "clearance.cli.main",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    log = (data_dir.parent / f"server-{port}.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", data_dir, env)
    try:
        _wait_ready(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_ready(server: Server, process: subprocess.Popen[bytes]) -> None:
    """Ready when sts get-caller-identity answers (the documented readiness check)."""
    sts = server.client("sts")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            sts.get_caller_identity()
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError("server did not become ready in 30 s")


def client_error(call: Callable[[], Any]) -> dict[str, Any]:
    """The ``Error`` of the ClientError ``call()`` must raise, with its HTTP ``Status``."""
    with pytest.raises(ClientError) as raised:
        call()
    error: dict[str, Any] = raised.value.response["Error"]
    error["Status"] = raised.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return error


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("clearance") / "data")


@pytest.fixture()
def iam(server: Server) -> Any:
    return server.client("iam")


@pytest.fixture()
def unique() -> Callable[[str], str]:
    """Names unique within the session's shared server."""
    counter = iter(range(10**9))
    stamp = f"{os.getpid()}{time.monotonic_ns() % 10**6}"
    return lambda prefix: f"{prefix}-{stamp}-{next(counter)}"
