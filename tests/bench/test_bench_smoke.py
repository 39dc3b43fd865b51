"""The engine benchmark runs end to end on a tiny workload, and Clearance's
decisions agree with the reference on every request.

No timing is asserted: speed is measured by ``bench/engine.py``, not tested.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
REQUESTS = 60
CLEARANCE_ENGINES = (
    "clearance evaluate()",
    "clearance evaluate(explain=True)",
    "clearance simulate.run_case()",
)
RESULT_FIELDS = {
    "engine",
    "requests",
    "seconds",
    "per_second",
    "microseconds",
    "agreement",
    "allow_agreement",
    "outcomes",
    "mismatches",
    "examples",
    "notes",
}


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """``bench/engine.py``, which imports ``workload`` from its own folder."""
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("clearance_bench_engine", BENCH / "engine.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


@pytest.fixture(scope="module")
def report(bench: ModuleType) -> dict[str, Any]:
    families = list(bench.ENGINE_FAMILIES)
    result: dict[str, Any] = bench.run_benchmark(
        REQUESTS, 1, 11, families, slow_limit=15, reference="auto"
    )
    return result


def test_workload_is_deterministic(bench: ModuleType) -> None:
    workload = sys.modules["workload"]
    assert workload.generate_requests(40, 3) == workload.generate_requests(40, 3)
    assert workload.generate_requests(40, 3) != workload.generate_requests(40, 4)
    assert len(workload.POLICIES) == 10
    assert 45 <= workload.statement_count() <= 55


def test_report_structure(report: dict[str, Any]) -> None:
    assert set(report) == {"date", "workload", "reference", "results", "skipped"}
    workload = report["workload"]
    assert workload["requests"] == REQUESTS
    assert sum(workload["outcomes"].values()) == REQUESTS
    assert set(workload["outcomes"]) <= {"allowed", "explicit_deny", "implicit_deny"}
    names = [r["engine"] for r in report["results"]]
    assert names[: len(CLEARANCE_ENGINES)] == list(CLEARANCE_ENGINES)
    assert "plain pure-Python evaluator" in names
    for result in report["results"]:
        assert set(result) == RESULT_FIELDS
        assert 0 < result["requests"] <= REQUESTS
        assert result["seconds"] > 0 and result["per_second"] > 0 and result["microseconds"] > 0
        assert 0 <= result["agreement"] <= result["allow_agreement"] <= 100
        assert sum(result["outcomes"].values()) == result["requests"]


def test_clearance_agrees_with_the_reference(report: dict[str, Any]) -> None:
    results = {r["engine"]: r for r in report["results"]}
    for name in CLEARANCE_ENGINES:
        assert results[name]["agreement"] == 100.0, (name, results[name]["examples"])
        assert results[name]["mismatches"] == {}


def test_render_lists_every_engine(bench: ModuleType, report: dict[str, Any]) -> None:
    text = bench.render(report, bench.machine_info("not pinned") | {"loadavg_before": "n/a"})
    for result in report["results"]:
        assert result["engine"] in text
    assert "decisions/s" in text and "µs/decision" in text and "nproc" in text


def test_cli_json(bench: ModuleType, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "result.txt"
    argv = ["--requests", "20", "--repeat", "1", "--engines", "clearance,plain", "--no-pin"]
    assert bench.main([*argv, "--slow-limit", "5", "--json", "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["machine"]["nproc"] >= 1
    assert [r["engine"] for r in printed["results"]][-1] == "plain pure-Python evaluator"
    assert "clearance evaluate()" in out.read_text(encoding="utf-8")
