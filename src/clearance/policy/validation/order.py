"""AWS's order of checks, and the :class:`Report` that sorts the problems into it.

AWS itself stops at the first problem; the diagnostics are sorted so that the
first one is the message AWS returns. AWS's order (IAM ``CreatePolicy``, worked
out from the messages AWS returns for moto's table of malformed documents,
``tests/test_iam/test_iam_policies.py``):

1. syntax — JSON, known elements, element types, Effect, condition blocks and
   operator names: ``Syntax errors in policy.``
2. ``Policy document must be version 2012-10-17 or greater.`` (managed policies)
3. legacy parsing — Effect's exact case, date condition values, ARNs such as
   ``arn:aws::x`` (unless a resource-format problem came first):
   ``The policy failed legacy parsing``
4. Sids: characters (where AWS checks them relative to the rest is not
   recorded), then uniqueness
5. ``Policy statement must contain actions.``
6. resource format (partition, region, IAM resource paths); when several
   resources are wrong AWS names the last one it checks — statements in order,
   every ``Resource`` before every ``NotResource``, list values in descending
   order
7. action format (vendor prefix, one colon, vendor characters)
8. ``Policy statement must contain resources.`` and the other rules of the kind
   (principals, trust-policy actions, RCP restrictions).
"""

from __future__ import annotations

from enum import IntEnum

from clearance.policy.diagnostics import Diagnostic, Severity
from clearance.policy.validation.messages import CODE
from clearance.policy.validation.rules import Rules

__all__ = ["Phase", "Report"]


class Phase(IntEnum):
    """Where a problem falls in AWS's order; the diagnostics are sorted by it."""

    SYNTAX = 0
    VERSION = 1
    LEGACY = 2
    SID = 3
    ACTIONS = 4
    RESOURCE_FORMAT = 5
    MORE_RESOURCE_FORMAT = 6
    ACTION_FORMAT = 7
    RESOURCES = 8
    KIND = 9
    NOTE = 10


class Report:
    """The rules being checked and the problems found so far, read back in AWS's order."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.found: list[tuple[int, int, Diagnostic]] = []

    def add(
        self,
        phase: Phase,
        message: str,
        where: str,
        severity: Severity = Severity.ERROR,
        code: str = CODE,
    ) -> None:
        """Record a problem at ``where`` (a JSON pointer), in ``phase``."""
        self.found.append((phase, len(self.found), Diagnostic(code, message, where, severity)))

    def diagnostics(self) -> list[Diagnostic]:
        """The problems by phase, and in the order found within a phase."""
        return [diagnostic for _, _, diagnostic in sorted(self.found, key=lambda f: f[:2])]
