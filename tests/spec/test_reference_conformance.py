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
from typing import Any

import pytest

from tests.conftest import shared_dir  # ../shared beside the checkout, or CLEARANCE_SHARED_DIR
from tests.spec.reference import reference_decide


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
        "'Within the same account, resource-based policies that grant permissions to an IAM "
        "role session ARN grant permissions directly to the assumed role session. "
        "Permissions granted directly to a session are not limited by an implicit deny in an "
        "identity-based policy, a permissions boundary, or session policy.' "
        f"({IAM_DOCS}reference_policies_evaluation-logic_policy-eval-denyallow.html, 'IAM "
        "role sessions'); likewise 'A resource-based policy can specify the ARN of the "
        "session as a principal ... The resource-based policy permissions are not limited by "
        f"the session policy' ({IAM_DOCS}access_policies.html#policies_session). The "
        "session policy's implicit deny therefore does not block the request.",
    ),
    "iam-simulate/operator/StringNotEquals/should return replacement errors": (
        "allowed",
        # StringNotEquals {"test:ConditionKey": ["${aws:username}"]}, aws:username absent,
        # test:ConditionKey = "test", in an Allow statement.
        "'Policy variables with no value': 'When policy variables reference a condition "
        "context key that has no value or is not present in an authorization context for a "
        "request, the value is effectively null. There is no equal or like value.' and "
        "'Inverted condition operators like StringNotEquals or StringNotLike do match "
        "against a null value, as the value of the condition key they are testing against "
        "is not equal to or like the effectively null value' "
        f"({IAM_DOCS}reference_policies_variables.html#policy-vars-no-value). 'test' is not "
        "equal to null, so the condition holds and the Allow applies.",
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
