"""A :class:`~clearance.policy.model.Policy` back to JSON, in one canonical form.

The canonical form: ``Version``, ``Id``, ``Statement`` (always a list); in each
statement ``Sid``, ``Effect``, ``Principal``/``NotPrincipal``,
``Action``/``NotAction``, ``Resource``/``NotResource``, ``Condition`` — the
order of AWS's policy grammar
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html).
Every value that may be a string or a list is a list; a principal is ``"*"`` or
``{type: [values]}``; conditions are ``{operator: {key: [values]}}`` with the
values as the strings AWS compares.

Reading the printed form gives the same policy back (``parse ∘ print`` is the
identity on parsed policies) and printing is idempotent.
"""

from __future__ import annotations

import json
from typing import Any

from clearance.policy.model import Condition, Policy, PrincipalBlock, Statement

__all__ = ["format_policy", "print_policy", "print_statement"]


def print_policy(policy: Policy) -> dict[str, Any]:
    """The canonical JSON form of ``policy``."""
    out: dict[str, Any] = {}
    if policy.version is not None:
        out["Version"] = policy.version
    if policy.id is not None:
        out["Id"] = policy.id
    out["Statement"] = [print_statement(statement) for statement in policy.statements]
    return out


def format_policy(policy: Policy, indent: int | None = 2) -> str:
    """The canonical form as JSON text."""
    return json.dumps(print_policy(policy), indent=indent, ensure_ascii=False)


def print_statement(statement: Statement) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if statement.sid is not None:
        out["Sid"] = statement.sid
    out["Effect"] = statement.effect.value
    principals = (("Principal", statement.principal), ("NotPrincipal", statement.not_principal))
    for name, block in principals:
        if block is not None:
            out[name] = _principal(block)
    for name, values in (
        ("Action", statement.action),
        ("NotAction", statement.not_action),
        ("Resource", statement.resource),
        ("NotResource", statement.not_resource),
    ):
        if values is not None:
            out[name] = list(values)
    if statement.conditions:
        out["Condition"] = _conditions(statement.conditions)
    return out


def _principal(block: PrincipalBlock) -> Any:
    if block.wildcard:
        return "*"
    out: dict[str, list[str]] = {}
    for principal_type, values in block.entries:
        out.setdefault(principal_type, []).extend(values)
    return out


def _conditions(conditions: tuple[Condition, ...]) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for condition in conditions:
        keys = out.setdefault(condition.operator, {})
        keys.setdefault(condition.key, []).extend(condition.values)
    return out
