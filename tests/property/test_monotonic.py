"""Monotonicity of the evaluation logic, for the engine and for the reference alike.

* Adding a Deny statement to any policy never turns a denial into an allow (and never
  removes an explicit deny): a Deny can only take permissions away.
* Adding an Allow statement to an identity-based policy never turns an allow into a deny
  (and never creates an explicit deny): an Allow can only add permissions.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.spec.reference import reference_decide
from tests.strategies import (
    add_statement,
    allow_statements,
    cases,
    deny_statements,
    policy_slots,
)

Decide = Callable[[dict[str, Any]], str]
Case = dict[str, Any]

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def engine_decide(case: Case) -> str:
    simulate = pytest.importorskip("clearance.simulate")
    result = simulate.run_case(case)
    assert "error" not in result, f"the engine rejected a well-formed case: {result['error']}"
    return str(result["decision"])


DECIDERS: dict[str, Decide] = {"engine": engine_decide, "reference": reference_decide}


@st.composite
def cases_with_an_added_deny(draw: st.DrawFn) -> tuple[Case, Case]:
    """(case, the same case with one more Deny statement in one of its policies)."""
    before = draw(cases())
    after = copy.deepcopy(before)
    slots = policy_slots(after)
    target = (after["request"]["action"], after["request"]["resource"])
    if slots:
        policy_type, document = draw(st.sampled_from(slots))
    else:
        policy_type, document = "identity", {"Version": "2012-10-17", "Statement": []}
        after["policies"]["identity"] = [{"id": "added", "document": document}]
    add_statement(document, draw(deny_statements(policy_type, target)))
    return before, after


@st.composite
def cases_with_an_added_identity_allow(draw: st.DrawFn) -> tuple[Case, Case]:
    """(case, the same case with one more Allow statement in an identity-based policy)."""
    before = draw(cases())
    after = copy.deepcopy(before)
    target = (after["request"]["action"], after["request"]["resource"])
    identity = after["policies"].setdefault("identity", [])
    if identity and draw(st.booleans()):
        document = draw(st.sampled_from(identity))["document"]
    else:
        document = {"Version": "2012-10-17", "Statement": []}
        identity.append({"id": "added", "document": document})
    add_statement(document, draw(allow_statements("identity", target)))
    return before, after


def show(before: Case, after: Case, decided: tuple[str, str]) -> str:
    return (
        f"before: {decided[0]}, after: {decided[1]}\n"
        f"before = {json.dumps(before, indent=1)}\nafter = {json.dumps(after, indent=1)}"
    )


@pytest.mark.parametrize("who", sorted(DECIDERS))
@SETTINGS
@given(pair=cases_with_an_added_deny())
def test_adding_a_deny_never_allows(who: str, pair: tuple[Case, Case]) -> None:
    decide = DECIDERS[who]
    before, after = pair
    decided = (decide(before), decide(after))
    if decided[0] != "allowed":
        assert decided[1] != "allowed", show(before, after, decided)
    if decided[0] == "explicit_deny":
        assert decided[1] == "explicit_deny", show(before, after, decided)


@pytest.mark.parametrize("who", sorted(DECIDERS))
@SETTINGS
@given(pair=cases_with_an_added_identity_allow())
def test_adding_an_identity_allow_never_denies(who: str, pair: tuple[Case, Case]) -> None:
    decide = DECIDERS[who]
    before, after = pair
    decided = (decide(before), decide(after))
    if decided[0] == "allowed":
        assert decided[1] == "allowed", show(before, after, decided)
    if decided[0] != "explicit_deny":
        assert decided[1] != "explicit_deny", show(before, after, decided)
