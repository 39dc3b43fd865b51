"""Rules of the policy grammar that depend on the policy's kind.

Returns AWS's ``MalformedPolicyDocument`` messages, each with a JSON pointer.
"""

from __future__ import annotations

from typing import Any

from clearance.policy.conditions import parse_operator
from clearance.policy.diagnostics import Diagnostic
from clearance.policy.model import Policy, PolicyKind

__all__ = ["validate"]


def validate(document: dict[str, Any], policy: Policy, kind: PolicyKind) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    for index, statement in enumerate(policy.statements):
        pointer = f"/Statement/{index}"
        for condition in statement.conditions:
            if parse_operator(condition.operator) is None:
                problems.append(
                    Diagnostic(
                        "MalformedPolicyDocument",
                        f"Invalid Condition type : {condition.operator}",
                        f"{pointer}/Condition/{condition.operator}",
                    )
                )
        if kind is PolicyKind.IDENTITY and (statement.principal or statement.not_principal):
            problems.append(
                Diagnostic(
                    "MalformedPolicyDocument",
                    "Policy document should not specify a principal.",
                    pointer,
                )
            )
    return problems
