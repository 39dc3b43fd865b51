"""Evaluation: a request and a policy set in, a :class:`Decision` with reasons out.

Pure: standard library only, no I/O, no clock (time arrives in the request
context as ``aws:CurrentTime`` / ``aws:EpochTime``).
"""

from clearance.engine.decision import (
    ConditionTrace,
    Decision,
    Outcome,
    PolicyType,
    StatementRef,
    StatementTrace,
)
from clearance.engine.evaluate import evaluate
from clearance.engine.explain import Explanation, explain
from clearance.engine.messages import denial_message
from clearance.engine.policy_set import NamedPolicy, PolicySet
from clearance.engine.request import (
    ANONYMOUS,
    ContextValue,
    Principal,
    PrincipalKind,
    Request,
    ResourcePolicyKind,
    parse_principal,
)

__all__ = [
    "ANONYMOUS",
    "ConditionTrace",
    "ContextValue",
    "Decision",
    "Explanation",
    "NamedPolicy",
    "Outcome",
    "PolicySet",
    "PolicyType",
    "Principal",
    "PrincipalKind",
    "Request",
    "ResourcePolicyKind",
    "StatementRef",
    "StatementTrace",
    "denial_message",
    "evaluate",
    "explain",
    "parse_principal",
]
