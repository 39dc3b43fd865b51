"""The policy simulator's inputs, read at the edge: policy documents (with the
source positions of their statements), context entries, action names,
resource ARNs, the resource owner and the simulated caller.

Every problem is AWS's ``InvalidInput`` (HTTP 400).
https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from clearance.arn import parse_arn
from clearance.engine import ContextValue, NamedPolicy
from clearance.errors import InvalidInput
from clearance.policy import Policy, PolicyKind, check_policy
from clearance.policy.conditions.date import parse_date
from clearance.policy.conditions.ip import parse_network
from clearance.policy.conditions.numeric import parse_number
from clearance.policy.validation.messages import VERSION_REQUIRED
from clearance.policy.variables import VARIABLE_PATTERN
from clearance.services.iam.simulate_positions import StatementSpan, statement_spans

__all__ = [
    "MAX_ACTIONS",
    "MAX_RESOURCES",
    "RESOURCE_HANDLING_OPTIONS",
    "SourcePolicy",
    "action_names",
    "caller_principal_arn",
    "context_entries",
    "policy_context_keys",
    "read_source",
    "resource_arns",
    "resource_handling",
    "resource_owner_account",
]

MAX_ACTIONS = 1000
MAX_RESOURCES = 1000
MAX_CONTEXT_ENTRIES = 1000
# The EC2 scenarios of ResourceHandlingOption (Clearance evaluates each resource
# of a scenario on its own, as for any other multi-resource simulation).
# https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html
RESOURCE_HANDLING_OPTIONS = frozenset(
    {
        "EC2-VPC-InstanceStore",
        "EC2-VPC-InstanceStore-Subnet",
        "EC2-VPC-EBS",
        "EC2-VPC-EBS-Subnet",
        "EC2-Classic-InstanceStore",
        "EC2-Classic-EBS",
    }
)
_ACTION = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9*?_-]+$")
_SINGLE_TYPES = frozenset({"string", "numeric", "boolean", "ip", "binary", "date"})


@dataclass(frozen=True, slots=True)
class SourcePolicy:
    """A policy in a simulation: what the engine evaluates (``named.id`` is a
    unique key) and what the response reports about it."""

    named: NamedPolicy
    source_id: str  # SourcePolicyId: "PolicyInputList.1", "user_bob_Inline", "ReadOnlyAccess"
    source_type: str  # SourcePolicyType: user | group | role | aws-managed | ...
    spans: tuple[StatementSpan, ...]

    @property
    def policy(self) -> Policy:
        return self.named.policy


def read_source(
    key: str, text: str, kind: PolicyKind, source_id: str, source_type: str
) -> SourcePolicy:
    """Parse a policy given in the request; InvalidInput with the parser's first
    problem. Stored policies pass too (they were validated when written); the
    2008-10-17 grammar stays accepted, as IAM still evaluates it inline."""
    result = check_policy(text, kind)
    errors = [d for d in result.errors if d.message != VERSION_REQUIRED]
    if result.policy is None or errors:
        problem = (errors or result.diagnostics)[0].message if result.diagnostics else None
        raise InvalidInput(f"{source_id}: {problem or 'Syntax errors in policy.'}")
    return SourcePolicy(
        NamedPolicy(key, result.policy), source_id, source_type, tuple(statement_spans(text))
    )


def action_names(raw: Iterable[str]) -> list[str]:
    names = list(raw)
    if not names:
        raise InvalidInput("ActionNames must contain at least one action.")
    if len(names) > MAX_ACTIONS:
        raise InvalidInput(f"ActionNames may list at most {MAX_ACTIONS} actions.")
    for name in names:
        if not _ACTION.match(name):
            raise InvalidInput(
                f"Action {name} must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
            )
    return names


def resource_arns(raw: Iterable[str] | None) -> list[str] | None:
    """The resources, or None when the request names none (AWS then uses ``*``)."""
    if raw is None:
        return None
    arns = list(raw)
    if len(arns) > MAX_RESOURCES:
        raise InvalidInput(f"ResourceArns may list at most {MAX_RESOURCES} resources.")
    bad = [arn for arn in arns if arn != "*" and parse_arn(arn) is None]
    if bad:
        raise InvalidInput(f"ResourceNames are not in a valid ARN format: {', '.join(bad)}.")
    return arns or None


def resource_handling(raw: str | None) -> None:
    if raw is not None and raw not in RESOURCE_HANDLING_OPTIONS:
        raise InvalidInput(
            f"ResourceHandlingOption {raw} is not valid; valid options are "
            + ", ".join(sorted(RESOURCE_HANDLING_OPTIONS))
            + "."
        )


def resource_owner_account(raw: str | None) -> str | None:
    """``ResourceOwner`` is an ARN naming an account (``arn:aws:iam::ID:root``)."""
    if raw is None:
        return None
    arn = parse_arn(raw)
    if arn is None or not re.fullmatch(r"\d{12}", arn.account):
        raise InvalidInput(f"'{raw}' is not a valid as a Resource Owner.")
    return arn.account


def caller_principal_arn(raw: str | None) -> str | None:
    """``CallerArn`` may only name an IAM user (not a role, session or service)."""
    if raw is None:
        return None
    arn = parse_arn(raw)
    if arn is None or arn.service != "iam" or not arn.resource.startswith("user/"):
        raise InvalidInput(f"CallerArn {raw} is not the ARN of an IAM user.")
    return raw


def context_entries(raw: Iterable[Mapping[str, Any]] | None) -> dict[str, ContextValue]:
    """ContextEntries as an engine context: keys lower-cased; list types
    multi-valued; each value checked against its declared type."""
    context: dict[str, ContextValue] = {}
    entries = list(raw or ())
    if len(entries) > MAX_CONTEXT_ENTRIES:
        raise InvalidInput(f"ContextEntries may list at most {MAX_CONTEXT_ENTRIES} entries.")
    for entry in entries:
        name = entry.get("ContextKeyName")
        if not name:
            raise InvalidInput("Each context entry needs a ContextKeyName.")
        values = [str(v) for v in entry.get("ContextKeyValues") or ()]
        kind = entry.get("ContextKeyType") or ("string" if len(values) == 1 else "stringList")
        key = name.lower()
        if key in context:
            raise InvalidInput(f"Context key {name} is given more than once.")
        base = kind[:-4] if kind.endswith("List") else kind
        if base not in _SINGLE_TYPES:
            raise InvalidInput(f"Context key type {kind} is not valid.")
        checked = [_typed(name, base, value) for value in values]
        if kind in _SINGLE_TYPES:
            if len(checked) != 1:
                raise InvalidInput(
                    f"Context key {name} of type {kind} needs exactly one value; "
                    f"use {kind}List for several."
                )
            context[key] = checked[0]
        else:
            context[key] = tuple(checked)
    return context


def _typed(name: str, kind: str, value: str) -> str:
    """The value as the condition operators read it, or InvalidInput."""
    ok = True
    if kind == "numeric":
        ok = parse_number(value) is not None
    elif kind == "boolean":
        ok = value.lower() in ("true", "false")
        value = value.lower()
    elif kind == "ip":
        ok = parse_network(value) is not None
    elif kind == "date":
        ok = parse_date(value) is not None
    elif kind == "binary":
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            ok = False
    if not ok:
        raise InvalidInput(f"Invalid value {value} for context key {name} of type {kind}.")
    return value


def policy_context_keys(policy: Policy) -> list[str]:
    """Context keys a policy reads, as written, in document order: policy
    variables in Resource/NotResource, then condition keys, then variables in
    condition values (the AWS CLI example lists ``aws:username`` from a
    Resource before ``aws:CurrentTime`` from a Condition)."""
    keys: list[str] = []
    for statement in policy.statements:
        keys.extend(statement_keys(statement.resource or (), statement.not_resource or ()))
        for condition in statement.conditions:
            keys.append(condition.key)
            keys.extend(statement_keys(condition.values))
    return keys


def statement_keys(*value_lists: Iterable[str]) -> list[str]:
    """The keys of the policy variables in the values (``${*}`` and friends are
    not keys; ``${key, 'default'}`` names ``key``)."""
    keys: list[str] = []
    for values in value_lists:
        for value in values:
            for found in VARIABLE_PATTERN.finditer(value):
                body = found.group(1).split(",", 1)[0].strip()
                if body and body not in ("*", "?", "$"):
                    keys.append(body)
    return keys


def unique_keys(keys: Iterable[str]) -> list[str]:
    """First spelling of each key, compared case-insensitively."""
    seen: set[str] = set()
    out: list[str] = []
    for key in keys:
        if key.lower() not in seen:
            seen.add(key.lower())
            out.append(key)
    return out


__all__ += ["statement_keys", "unique_keys"]
