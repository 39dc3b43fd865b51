"""Runner for the named evaluation corpus in tests/cases/evaluate/*.jsonl.

Every line is one `clearance simulate` case with a name, the AWS documentation page that states
the rule it pins (`doc`), a one-sentence `why`, and the expected decision, deciding policy type and,
optionally, the deciding statements. See tests/cases/README.md for the format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clearance.simulate import run_case

CASES_DIR = Path(__file__).parent / "cases" / "evaluate"
REQUIRED = ("name", "doc", "why", "request", "policies", "expect")
DECISIONS = {"allowed", "explicit_deny", "implicit_deny"}
POLICY_TYPES = {
    "service control policy",
    "resource control policy",
    "identity-based policy",
    "resource-based policy",
    "permissions boundary",
    "session policy",
    "VPC endpoint policy",
}


def _load() -> list[tuple[str, int, dict[str, Any]]]:
    loaded = []
    for path in sorted(CASES_DIR.glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                loaded.append((path.name, lineno, json.loads(line)))
    return loaded


LOADED = _load()
CASES = [case for _, _, case in LOADED]


def test_corpus_is_present() -> None:
    assert len(CASES) >= 250, f"only {len(CASES)} cases under {CASES_DIR}"


def test_case_names_are_unique() -> None:
    seen: dict[str, str] = {}
    for file, lineno, case in LOADED:
        where = f"{file}:{lineno}"
        name = str(case.get("name"))
        assert name not in seen, f"duplicate case name {name!r} at {where} and {seen[name]}"
        seen[name] = where


@pytest.mark.parametrize(("file", "lineno", "case"), LOADED, ids=[f"{f}:{n}" for f, n, _ in LOADED])
def test_case_is_well_formed(file: str, lineno: int, case: dict[str, Any]) -> None:
    missing = [key for key in REQUIRED if key not in case]
    assert not missing, f"{file}:{lineno} lacks {missing}"
    topic = file.removesuffix(".jsonl")
    assert case["name"].startswith(topic + "/"), f"{case['name']!r} should start with {topic}/"
    assert case["doc"].startswith("https://docs.aws.amazon.com/"), case["doc"]
    assert isinstance(case["why"], str) and case["why"].strip()
    request = case["request"]
    for key in ("principal", "action", "resource", "resource_account"):
        assert key in request, f"{case['name']}: request lacks {key}"
    expect = case["expect"]
    assert expect["decision"] in DECISIONS, expect
    if "denied_by" in expect:
        denied_by = expect["denied_by"]
        if expect["decision"] == "allowed":
            assert denied_by is None, expect
        else:
            assert denied_by in POLICY_TYPES, expect
    if expect["decision"] == "explicit_deny":
        assert expect.get("denied_by") in POLICY_TYPES, (
            f"{case['name']}: name the denying policy type"
        )
    for item in expect.get("determining", []):
        assert set(item) == {"policy", "statement"} and isinstance(item["statement"], int), item


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_evaluate(case: dict[str, Any]) -> None:
    result = run_case(case)
    assert "error" not in result, f"engine refused the case: {result.get('error')}"
    expect = case["expect"]
    explanation = f"{case['why']}\nsee {case['doc']}\nmessage: {result.get('message')}"
    assert result["decision"] == expect["decision"], explanation
    if "denied_by" in expect:
        assert result["denied_by"] == expect["denied_by"], explanation
    if "determining" in expect:
        want = {(d["policy"], d["statement"]) for d in expect["determining"]}
        got = {(d["policy"], d["statement"]) for d in result["determining"]}
        assert got == want, explanation
