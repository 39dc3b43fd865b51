"""The checks, one module per family; each exports ``POLICY_CHECKS`` and ``STATEMENT_CHECKS``.

A policy check sees the whole policy; a statement check sees one statement
(with the policy around it). Every check yields :class:`~clearance.lint.finding.Finding`
values made from the rules its module declares.
"""

from __future__ import annotations

from clearance.lint.checks import (
    actions,
    condition_values,
    conditions,
    document,
    principals,
    privileges,
    resources,
    support,
    variables,
)
from clearance.lint.context import PolicyCheck, StatementCheck

__all__ = ["POLICY_CHECKS", "STATEMENT_CHECKS", "PolicyCheck", "StatementCheck"]

_FAMILIES = (
    document,
    variables,
    actions,
    resources,
    principals,
    privileges,
    conditions,
    condition_values,
    support,
)

POLICY_CHECKS: tuple[PolicyCheck, ...] = tuple(
    check for family in _FAMILIES for check in family.POLICY_CHECKS
)
STATEMENT_CHECKS: tuple[StatementCheck, ...] = tuple(
    check for family in _FAMILIES for check in family.STATEMENT_CHECKS
)
