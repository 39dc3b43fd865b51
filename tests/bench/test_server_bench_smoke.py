"""``bench/server.py`` runs end to end on a tiny duration: it starts the servers,
prepares the users, replays pre-signed GetUser requests, and reports every cell
with only 2xx answers.

No timing is asserted: speed is measured by ``bench/server.py``, not tested.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "server.py"
CONCURRENCY = (1, 2)
CELL_FIELDS = {
    "server",
    "operation",
    "concurrency",
    "duration_s",
    "requests",
    "requests_per_s",
    "p50_ms",
    "p99_ms",
    "max_ms",
    "statuses",
    "non_2xx",
    "errors",
    "client_cpu_pct",
    "server_cpu_pct",
    "server_cpu_us",
    "audit",
    "trail",
}


def _moto_server_imports() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("moto", "flask"))


SERVERS = ("clearance", "moto") if _moto_server_imports() else ("clearance",)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "server.txt"
    command = [
        sys.executable,
        str(BENCH),
        "--servers",
        ",".join(SERVERS),
        "--operations",
        "GetUser",
        "--concurrency",
        ",".join(map(str, CONCURRENCY)),
        "--duration",
        "0.3",
        "--warmup",
        "0",
        "--json",
        "--out",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(done.stdout)
    result["text"] = out.read_text()
    return result


def test_report_structure(report: dict[str, Any]) -> None:
    assert set(report) == {"date", "machine", "config", "results", "summary", "text"}
    assert {"cpu", "cores", "python", "loadavg", "packages"} <= set(report["machine"])
    config = report["config"]
    assert config["operations"] == ["GetUser"]
    assert config["concurrency"] == list(CONCURRENCY)
    assert set(config["servers"]) == set(SERVERS)
    assert "SigV4 verified" in config["servers"]["clearance"]["description"]
    cells = [(r["server"], r["operation"], r["concurrency"]) for r in report["results"]]
    assert cells == [(s, "GetUser", n) for s in SERVERS for n in CONCURRENCY]
    for cell in report["results"]:
        assert set(cell) == CELL_FIELDS


def test_every_response_was_2xx(report: dict[str, Any]) -> None:
    for cell in report["results"]:
        assert cell["requests"] > 0, cell
        assert cell["non_2xx"] == 0, cell
        assert all(status.startswith("2") for status in cell["statuses"]), cell
        assert cell["errors"] == {}, cell
        assert 0 < cell["p50_ms"] <= cell["p99_ms"] <= cell["max_ms"]
        if cell["server"] == "clearance":  # audit on (the default): the trail kept up
            assert cell["trail"]["lost"] == 0, cell
            assert cell["trail"]["due"] >= cell["requests"], cell


def test_the_text_report_has_the_table(report: dict[str, Any]) -> None:
    text = report["text"]
    assert text.startswith("Clearance server benchmark")
    assert "req/s" in text and "p99 ms" in text
    for server in SERVERS:
        assert f"\n{server:<19} GetUser" in text
    if "moto" in SERVERS:
        assert "GetUser at concurrency 1: clearance" in text
