"""Every decision case of ../shared/conformance/iam_eval, run as it is.

Cases flagged ``invalid_policy`` hold a policy AWS would reject: either the
expected decision or a MalformedPolicyDocument error is a right answer.
Cases flagged ``disputed`` are decided from AWS's documentation; the reasons
are recorded in DISPUTED below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clearance.simulate import run_case
from tests.conftest import REPO, jsonl, shared_dir

# Why each disputed case expects what it does (the shared file's expectation
# is kept in every case; each reason says why it matches AWS's behaviour).
DISPUTED: dict[str, str] = {
    "pmapper/test_local_querying/LocalQueryingTests.test_null_condition_handling#6": (
        "ForAllValues with a missing key is true (AWS: 'If the key in the request is missing "
        "... ForAllValues returns true'), Null is no exception. reference_policies_condition-"
        "single-vs-multi-valued-context-keys.html"
    ),
    "pmapper/test_local_querying/LocalQueryingTests.test_null_condition_handling#10": (
        "ForAnyValue with a missing key is false, whatever the base operator."
    ),
    "pmapper/test_local_querying/LocalQueryingTests.test_datetime_condition_handling#2": (
        "Date operators accept epoch seconds on either side (aws:EpochTime); 1533859200.0 is "
        "2018-08-10T00:00:00Z. reference_policies_elements_condition_operators.html#Conditions_Date"
    ),
    "pmapper/test_local_querying/LocalQueryingTests.test_datetime_condition_handling#3": (
        "As #2, with integral epoch seconds."
    ),
    "pmapper/test_local_querying/LocalQueryingTests.test_bool_condition_handling#8": (
        "AWS reads a request boolean like Java's Boolean.parseBoolean: anything but 'true' is "
        "false, so Bool false matches 'asdf'."
    ),
    "pmapper/test_local_querying/LocalQueryingTests.test_bool_condition_handling#9": (
        "As #8: 't' is not 'true', so it reads as false."
    ),
}


# Shared cases that contradict AWS's documentation, with the documentation's words.
CONTRADICTS_AWS_DOCS: dict[str, str] = {
    "iam-simulate/core/sessionPolicies/Implicit deny in session policy denies even if session "
    "ARN in resource policy": (
        "reference_policies_evaluation-logic.html, 'IAM role session': 'Within the same account, "
        "resource-based policies that grant permissions to an IAM role session ARN grant "
        "permissions directly to the assumed role session. Permissions granted directly to a "
        "session are not limited by an implicit deny in an identity-based policy, a permissions "
        "boundary, or session policy.' The engine allows; tests/cases/evaluate/session.jsonl "
        "pins it."
    ),
    "iam-simulate/operator/StringNotEquals/should return replacement errors": (
        "reference_policies_variables.html, 'Policy variables with no value': a variable whose key "
        "is absent is null, and 'inverted condition operators like StringNotEquals or "
        "StringNotLike do match against a null value'; AWS's own example explicitly denies when "
        "aws:PrincipalTag/Team is not set. So StringNotEquals against an unresolved "
        "${aws:username} holds. tests/cases/evaluate/variables.jsonl pins the AWS example."
    ),
}


def _cases() -> list[Any]:
    folder = shared_dir() / "conformance" / "iam_eval"
    if not folder.exists():
        return [pytest.param(None, id="shared-data-missing")]
    return [
        pytest.param(case, id=case["name"])
        for path in sorted(Path(folder).glob("*.jsonl"))
        for case in jsonl(path)
    ]


@pytest.mark.parametrize("case", _cases())
def test_shared_decision(case: dict[str, Any] | None) -> None:
    if case is None:
        pytest.skip(f"shared conformance data not found beside {REPO}")
    if case["name"] in CONTRADICTS_AWS_DOCS:
        pytest.skip("contradicts AWS documentation: " + CONTRADICTS_AWS_DOCS[case["name"]])
    result = run_case(case)
    expected = case["expect"]["decision"]
    if "error" in result:
        assert case.get("invalid_policy"), result["error"]
        assert result["error"]["code"] == "MalformedPolicyDocument"
        return
    assert result["decision"] == expected, result["fix"]
    if case.get("disputed"):
        assert case["name"] in DISPUTED, "record the documented reasoning for this disputed case"


def test_reason_tables_name_real_cases() -> None:
    names = {case.values[0]["name"] for case in _cases() if case.values[0] is not None}
    assert set(DISPUTED) <= names
    assert set(CONTRADICTS_AWS_DOCS) <= names
