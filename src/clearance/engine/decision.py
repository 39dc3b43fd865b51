"""A decision is a value with its reasons; no bare bool leaves the engine."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

__all__ = [
    "ConditionTrace",
    "Decision",
    "Outcome",
    "PolicyType",
    "StatementRef",
    "StatementTrace",
]


class Outcome(Enum):
    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicit_deny"
    IMPLICIT_DENY = "implicit_deny"


class PolicyType(Enum):
    """Policy types, valued by the phrase AWS uses in denial messages."""

    SCP = "service control policy"
    RCP = "resource control policy"
    VPC_ENDPOINT = "VPC endpoint policy"
    RESOURCE = "resource-based policy"
    IDENTITY = "identity-based policy"
    PERMISSIONS_BOUNDARY = "permissions boundary"
    SESSION = "session policy"

    @property
    def article(self) -> str:
        return "an" if self.value[0] in "aeiouAEIOU" else "a"


@dataclass(frozen=True, slots=True)
class StatementRef:
    """Where a statement lives: policy type, policy id, index, Sid."""

    policy_type: PolicyType
    policy_id: str
    index: int
    sid: str | None = None
    level: int | None = None  # SCP/RCP level, root first

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "policy_type": self.policy_type.value,
            "policy": self.policy_id,
            "statement": self.index,
            "sid": self.sid,
        }
        if self.level is not None:
            out["level"] = self.level
        return out


@dataclass(frozen=True, slots=True)
class ConditionTrace:
    operator: str
    key: str
    policy_values: tuple[str, ...]
    request_value: str | tuple[str, ...] | None  # None: the key is absent
    result: bool

    @property
    def request_values(self) -> tuple[str, ...] | None:
        value = self.request_value
        return (value,) if isinstance(value, str) else value

    def to_json(self) -> dict[str, object]:
        value = self.request_value
        return {
            "operator": self.operator,
            "key": self.key,
            "policy_values": list(self.policy_values),
            "request_value": list(value) if isinstance(value, tuple) else value,
            "result": self.result,
        }


@dataclass(frozen=True, slots=True)
class StatementTrace:
    """Why one statement did or did not apply to the request."""

    ref: StatementRef
    effect: str
    action_matched: bool
    resource_matched: bool
    principal_matched: bool | None  # None: the statement names no principal
    conditions: tuple[ConditionTrace, ...] = ()

    @property
    def applies(self) -> bool:
        return (
            self.action_matched
            and self.resource_matched
            and self.principal_matched is not False
            and all(c.result for c in self.conditions)
        )

    @property
    def failed_conditions(self) -> tuple[ConditionTrace, ...]:
        return tuple(c for c in self.conditions if not c.result)

    def to_json(self) -> dict[str, object]:
        return {
            **self.ref.to_json(),
            "effect": self.effect,
            "applies": self.applies,
            "action_matched": self.action_matched,
            "resource_matched": self.resource_matched,
            "principal_matched": self.principal_matched,
            "conditions": [c.to_json() for c in self.conditions],
        }


class Decision(NamedTuple):
    """The outcome, the policy type that decided a denial, and the reasons.

    ``determining`` holds the statements that decided: the matching Deny
    statements for an explicit deny, the Allow statements that granted for an
    allow, nothing for an implicit deny (its reason is ``denied_by``).
    ``trace`` is filled only when the evaluation was asked to explain.
    ``note`` names a rule that decided without a statement (e.g. the root user).
    (A NamedTuple rather than a frozen dataclass: it is built on every request,
    and constructs in a third of the time.)
    """

    outcome: Outcome
    denied_by: PolicyType | None = None
    determining: tuple[StatementRef, ...] = ()
    trace: tuple[StatementTrace, ...] = ()
    note: str | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED
