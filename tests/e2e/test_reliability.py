"""Reliability through the real API: acknowledged writes survive kill -9,
quotas hold under concurrent clients, PostgreSQL serves like SQLite, and bad
input never gets a 5xx."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import ACCOUNT_ID, Server, _wait_ready, free_port, start_server


def _allow(action: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": action, "Resource": "*"},
    }


def _spawn(
    data_dir: Path, env_extra: dict[str, str] | None = None
) -> tuple[Server, subprocess.Popen[bytes]]:
    port = free_port()
    env = {
        **os.environ,
        "CLEARANCE_ACCOUNT_ID": ACCOUNT_ID,
        "CLEARANCE_ROOT_ACCESS_KEY_ID": "AKIACLEARANCETEST001",
        "CLEARANCE_ROOT_SECRET_ACCESS_KEY": "cLeArAnCeTeStSeCrEtKeY0123456789abcdefgh",
        **(env_extra or {}),
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
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server(f"http://127.0.0.1:{port}", data_dir, env)
    _wait_ready(server, process)
    return server, process


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server, process = _spawn(data_dir)
    iam = server.client("iam")
    names = [f"durable-{i}" for i in range(20)]
    for name in names:
        iam.create_user(UserName=name)  # acknowledged: the response came back
    iam.put_user_policy(
        UserName=names[0],
        PolicyName="p",
        PolicyDocument=json.dumps(_allow("s3:*")),
    )
    os.killpg(process.pid, signal.SIGKILL)  # no graceful shutdown, no flush
    process.wait(timeout=10)

    restarted, process = _spawn(data_dir)
    try:
        iam = restarted.client("iam")
        listed = {u["UserName"] for u in iam.list_users(MaxItems=1000)["Users"]}
        assert set(names) <= listed
        assert (
            iam.get_user_policy(UserName=names[0], PolicyName="p")["PolicyDocument"]["Statement"][
                "Action"
            ]
            == "s3:*"
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_access_key_quota_holds_under_concurrent_clients(server: Server, unique: Any) -> None:
    name = unique("racer")
    server.client("iam").create_user(UserName=name)

    def create(_: int) -> str:
        try:
            server.client("iam").create_access_key(UserName=name)
            return "ok"
        except ClientError as error:
            return error.response["Error"]["Code"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(create, range(8)))
    assert outcomes.count("ok") == 2, outcomes
    assert set(outcomes) <= {"ok", "LimitExceeded"}
    assert len(server.client("iam").list_access_keys(UserName=name)["AccessKeyMetadata"]) == 2


def test_policy_version_limit_holds_under_concurrent_clients(server: Server, unique: Any) -> None:
    document = json.dumps(_allow("s3:GetObject"))
    arn = server.client("iam").create_policy(
        PolicyName=unique("versions"), PolicyDocument=document
    )["Policy"]["Arn"]

    def create(_: int) -> str:
        try:
            server.client("iam").create_policy_version(PolicyArn=arn, PolicyDocument=document)
            return "ok"
        except ClientError as error:
            return error.response["Error"]["Code"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(create, range(10)))
    assert outcomes.count("ok") == 4, outcomes  # v1 exists: four more make five
    assert len(server.client("iam").list_policy_versions(PolicyArn=arn)["Versions"]) == 5


def _raw_post(endpoint: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    host, port = endpoint.removeprefix("http://").split(":")
    lines = [
        "POST / HTTP/1.1",
        f"Host: {host}:{port}",
        f"Content-Length: {len(body)}",
        "Content-Type: application/x-www-form-urlencoded",
        "Connection: close",
    ]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        status_line = sock.makefile("rb").readline().decode("latin-1")
    return int(status_line.split()[1])


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"Action=GetUser",
        b"\xff\xfe\x00garbage",
        b"Action=" + b"A" * 100_000,
        b"&".join(b"k%d=v" % i for i in range(20_000)),
        quote("Action=CreateUser&Version=2010-05-08&UserName=é" * 100).encode(),
    ],
    ids=["empty", "unsigned", "binary", "huge-value", "many-params", "encoded"],
)
def test_bad_input_gets_a_4xx_never_a_5xx(server: Server, body: bytes) -> None:
    status = _raw_post(server.endpoint, body, {"Authorization": "AWS4-HMAC-SHA256 Credential=x"})
    assert 300 <= status < 500
    status = _raw_post(server.endpoint, body)
    assert 300 <= status < 500


@pytest.mark.skipif(
    not os.environ.get("CLEARANCE_TEST_DATABASE_URL"),
    reason="set CLEARANCE_TEST_DATABASE_URL (CI sets it to the local PostgreSQL) "
    "to run the server on PostgreSQL",
)
def test_server_on_postgresql(tmp_path: Path) -> None:
    import uuid

    import sqlalchemy as sa

    base = os.environ["CLEARANCE_TEST_DATABASE_URL"].replace(
        "postgresql://", "postgresql+psycopg://", 1
    )
    name = f"clearance_e2e_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = os.environ["CLEARANCE_TEST_DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
    try:
        server_gen = start_server(tmp_path / "data", {"CLEARANCE_DATABASE_URL": url})
        server = next(server_gen)
        try:
            iam = server.client("iam")
            iam.create_user(UserName="pg-alice")
            assert iam.get_user(UserName="pg-alice")["User"]["Arn"].endswith(":user/pg-alice")
            key = iam.create_access_key(UserName="pg-alice")["AccessKey"]
            alice = server.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
            assert alice.get_caller_identity()["Arn"].endswith(":user/pg-alice")
        finally:
            server_gen.close()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
