"""Shared steps of the end-to-end ``clearance explain`` tests: run the CLI on the
server's data directory, wait for a request's audit event, pick a report's layer."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from clearance.clock import SystemClock
from clearance.services.bootstrap import open_server_store
from tests.e2e.conftest import Server


def explain(server: Server, *args: str) -> tuple[int, dict[str, Any]]:
    """``clearance explain ARGS --format json``: its exit code (0 allowed, 1 denied) and report."""
    command = [
        sys.executable,
        "-m",
        "clearance.cli.main",
        "explain",
        *args,
        "--data-dir",
        str(server.data_dir),
        "--format",
        "json",
    ]
    done = subprocess.run(
        command, env=server.env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def wait_for_event(server: Server, request_id: str) -> None:
    """Wait for the batched event (0.2 s window) to reach the store."""
    store = open_server_store(
        server.data_dir, f"sqlite:///{server.data_dir / 'clearance.db'}", None, SystemClock()
    )
    try:
        deadline = time.monotonic() + 10
        while store.event_by_request_id(request_id) is None:
            assert time.monotonic() < deadline, f"no event for {request_id}"
            time.sleep(0.1)
    finally:
        store.close()


def explain_request_id(server: Server, request_id: str, expected_code: int = 1) -> dict[str, Any]:
    """``clearance explain --request-id ID --format json`` once the event is stored."""
    wait_for_event(server, request_id)
    code, report = explain(server, "--request-id", request_id)
    assert code == expected_code, report
    assert report["source"] == "request-id"
    assert report["event"]["request_id"] == request_id
    return report


def denied_error(call: Callable[..., Any], **kwargs: Any) -> ClientError:
    """The ClientError that ``call(**kwargs)`` must raise."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value


def report_layer(report: dict[str, Any], name: str) -> dict[str, Any]:
    """The one layer of an explain report named ``name``."""
    [layer] = [layer for layer in report["layers"] if layer["layer"] == name]
    return layer
