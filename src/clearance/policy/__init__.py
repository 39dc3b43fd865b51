"""The policy language: parse, validate, and the values a policy is made of.

Pure: standard library only.
"""

from clearance.policy.diagnostics import Diagnostic, Severity
from clearance.policy.limits import check_size, policy_size
from clearance.policy.model import (
    Condition,
    Effect,
    Policy,
    PolicyKind,
    PrincipalBlock,
    Statement,
)
from clearance.policy.parser import (
    ParseResult,
    PolicyError,
    check_grammar,
    check_policy,
    parse_policy,
    read_policy,
)
from clearance.policy.printer import format_policy, print_policy

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
    "check_grammar",
    "check_policy",
    "check_size",
    "format_policy",
    "parse_policy",
    "policy_size",
    "print_policy",
    "read_policy",
]
