"""The reference evaluator against every shared decision case (../shared/conformance/iam_eval).

Each case's ``expect.decision`` is the answer, except:

* ``disputed`` cases (two public simulators disagree): the answer is decided here from AWS's
  documentation, in ``DISPUTED`` below, with the reasoning next to each entry;
* cases listed in ``WRONG_PER_AWS_DOCS``: the shared expectation contradicts AWS's
  documentation, so the reference gives the documented answer instead (the test asserts
  that answer, with the citation).

``invalid_policy`` cases break AWS's grammar; the reference still gives the recorded
decision for all of them, so they are asserted like the others.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

try:  # tests/ is a rootdir-relative package when tests/__init__.py exists
    from tests.spec.reference import reference_decide
except ImportError:  # pragma: no cover - depends on how pytest put tests/ on sys.path
    from spec.reference import reference_decide  # type: ignore[no-redef]


def shared_dir() -> Path:
    configured = os.environ.get("CLEARANCE_SHARED_DIR")
    if configured:
        return Path(configured)
    repo_root = Path(__file__).resolve().parents[2]
    return repo_root / ".." / "shared"


def load_cases() -> list[dict[str, Any]]:
    folder = shared_dir() / "conformance" / "iam_eval"
    cases: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    cases.append(json.loads(line))
    return cases


CASES = load_cases()

IAM_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"

# name -> (decision, why).  Every ``disputed`` case of the corpus must be listed here.
DISPUTED: dict[str, tuple[str, str]] = {
    "pmapper/test_local_querying/LocalQueryingTests.test_null_condition_handling#6": (
        "allowed",
        # ForAllValues:Null {"aws:username": "false"} and aws:username is absent.
        "ForAllValues 'returns true if every key value in the request matches ... It also "
        "returns true if there are no context keys in the request' "
        f"({IAM_DOCS}reference_policies_condition-single-vs-multi-valued-context-keys.html). "
        "With no values there is nothing to fail the test, so the condition is true.",
    ),
    "pmapper/test_local_querying/LocalQueryingTests.test_null_condition_handling#10": (
        "implicit_deny",
        # ForAnyValue:Null {"aws:username": "true"} and aws:username is absent.
        "ForAnyValue needs at least one request value that satisfies the operator; 'if there "
        "are no context keys ... the condition returns false' (same page). A set operator "
        "applies Null to each value, and there are none, so the Allow does not apply.",
    ),
    "pmapper/test_local_querying/LocalQueryingTests.test_datetime_condition_handling#2": (
        "allowed",
        # DateEquals 2018-08-10T00:00:00Z against aws:CurrentTime "1533859200.0".
        "Date operators accept ISO 8601 dates and epoch (UNIX) times "
        f"({IAM_DOCS}reference_policies_elements_condition_operators.html#Conditions_Date); "
        "1533859200.0 seconds after the epoch is exactly 2018-08-10T00:00:00Z.",
    ),
    "pmapper/test_local_querying/LocalQueryingTests.test_datetime_condition_handling#3": (
        "allowed",
        "As #2: epoch time 1533859200 is 2018-08-10T00:00:00Z, so DateEquals matches.",
    ),
    "pmapper/test_local_querying/LocalQueryingTests.test_bool_condition_handling#8": (
        "allowed",
        # Bool {"aws:SecureTransport": "false"} against the request value "asdf".
        "Bool 'lets you construct Condition elements that restrict access based on comparing "
        "a key to true or false' "
        f"({IAM_DOCS}reference_policies_elements_condition_operators.html#Conditions_Boolean). "
        "The operator compares truth values: a request value that is not 'true' is not true, "
        "i.e. false, which equals the policy's false. PMapper records this as the behaviour "
        "of AWS's own policy simulator, and it is consistent with every other Bool case of "
        "the corpus (e.g. 'not a boolean' does not equal true).",
    ),
    "pmapper/test_local_querying/LocalQueryingTests.test_bool_condition_handling#9": (
        "allowed",
        "As #8: 't' is not the text 'true', so its truth value is false and matches false.",
    ),
}

# name -> (documented decision, why).  Shared expectations that contradict AWS's docs.
WRONG_PER_AWS_DOCS: dict[str, tuple[str, str]] = {
    "iam-simulate/core/sessionPolicies/Implicit deny in session policy denies even if "
    "session ARN in resource policy": (
        "allowed",
        # Same account; the bucket policy allows the assumed-role *session* ARN; the session
        # policy only allows ec2:*; nothing denies explicitly.
        "'A resource-based policy can specify the ARN of the session as a principal. In that "
        "case, the permissions from the resource-based policy are added after the session is "
        "created. The resource-based policy permissions are not limited by the session "
        "policy. The resulting session has all the permissions of the resource-based policy "
        "plus the intersection of the identity-based policy and the session policy.' "
        f"({IAM_DOCS}access_policies.html#policies_session). STS says the same for "
        "federated sessions: permissions a resource policy grants to the session 'are "
        "granted in addition to the permissions that are granted by the session policies' "
        "(https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html). "
        "The implicit deny of the session policy therefore does not block the request.",
    ),
}


def expected_decision(case: dict[str, Any]) -> str:
    name = case["name"]
    if name in WRONG_PER_AWS_DOCS:
        return WRONG_PER_AWS_DOCS[name][0]
    if "disputed" in case:
        return DISPUTED[name][0]
    return str(case["expect"]["decision"])


pytestmark = pytest.mark.skipif(
    not CASES, reason=f"no shared conformance cases under {shared_dir()} (set CLEARANCE_SHARED_DIR)"
)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_reference_decides_shared_case(case: dict[str, Any]) -> None:
    assert reference_decide(case) == expected_decision(case)


def test_every_disputed_case_has_a_documented_answer() -> None:
    disputed = {case["name"] for case in CASES if "disputed" in case}
    assert disputed == set(DISPUTED)


def test_the_overridden_cases_still_exist() -> None:
    names = {case["name"] for case in CASES}
    assert set(WRONG_PER_AWS_DOCS) <= names
    for name in WRONG_PER_AWS_DOCS:
        case = next(c for c in CASES if c["name"] == name)
        assert case["expect"]["decision"] != WRONG_PER_AWS_DOCS[name][0], (
            f"{name}: the shared expectation now agrees with the docs; drop the override"
        )
