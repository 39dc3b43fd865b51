"""The policy language: parse, validate, and the values a policy is made of.

Pure: standard library only.
"""

from clearance.policy.diagnostics import Diagnostic, Severity
from clearance.policy.model import (
    Condition,
    Effect,
    Policy,
    PolicyKind,
    PrincipalBlock,
    Statement,
)
from clearance.policy.parser import ParseResult, PolicyError, check_policy, parse_policy

__all__ = [
    "Condition",
    "Diagnostic",
    "Effect",
    "ParseResult",
    "Policy",
    "PolicyError",
    "PolicyKind",
    "PrincipalBlock",
    "Severity",
    "Statement",
    "check_policy",
    "parse_policy",
]
