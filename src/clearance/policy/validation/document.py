"""The document as a whole: its top-level elements, its Statement list, its Version, and
:func:`validate`, the one walk that runs every check."""

from __future__ import annotations

from clearance.policy.diagnostics import Diagnostic
from clearance.policy.model import VERSION_2008, VERSION_2012, PolicyKind
from clearance.policy.validation.actions import action_formats, actions_present
from clearance.policy.validation.conditions import dates
from clearance.policy.validation.elements import Json, Statements, pointer
from clearance.policy.validation.kinds import kind_rules
from clearance.policy.validation.messages import SYNTAX_ERROR, VERSION_REQUIRED
from clearance.policy.validation.notes import variables
from clearance.policy.validation.order import Phase, Report
from clearance.policy.validation.resources import resource_formats
from clearance.policy.validation.rules import RULES
from clearance.policy.validation.statement import effect_case, sids, statement_syntax

__all__ = ["validate"]

VERSIONS = (VERSION_2008, VERSION_2012)
TOP_ELEMENTS = frozenset({"Version", "Id", "Statement"})


def validate(document: Json, kind: PolicyKind | None) -> list[Diagnostic]:
    """Every problem of ``document`` as a policy of ``kind``, AWS's first problem first.

    ``kind=None`` checks the lenient, kind-independent grammar only.
    """
    report = Report(RULES[kind])
    _walk(report, document)
    return report.diagnostics()


def _walk(report: Report, document: Json) -> None:
    """Run every check once; the :class:`Report` puts the problems in AWS's order."""
    aws = report.rules.aws
    if not isinstance(document, dict):
        report.add(Phase.SYNTAX, SYNTAX_ERROR, "")
        return
    _top_level(report, document)
    statements = _statements(report, document)
    for where, statement in statements:
        statement_syntax(report, where, statement)
    _version_rule(report, document)
    effect_case(report, statements)
    if aws:
        dates(report, statements)
        resource_formats(report, statements)
    sids(report, statements)
    if aws:
        actions_present(report, statements)
    action_formats(report, statements)
    if aws:
        kind_rules(report, statements)
    variables(report, document, statements)


def _top_level(report: Report, document: dict[str, Json]) -> None:
    for key in document:
        if key not in TOP_ELEMENTS:
            report.add(Phase.SYNTAX, SYNTAX_ERROR, pointer("", key))
    if "Version" in document and document["Version"] not in VERSIONS:
        report.add(Phase.SYNTAX, SYNTAX_ERROR, "/Version")
    if "Id" in document and not isinstance(document["Id"], str):
        report.add(Phase.SYNTAX, SYNTAX_ERROR, "/Id")


def _statements(report: Report, document: dict[str, Json]) -> Statements:
    """The statements that are objects, with their pointers; the rest are syntax errors."""
    if "Statement" not in document:
        report.add(Phase.SYNTAX, SYNTAX_ERROR, "")
        return []
    raw = document["Statement"]
    if isinstance(raw, dict):
        return [("/Statement", raw)]
    # IAM rejects an empty list; as grammar it is a policy that grants nothing.
    if not isinstance(raw, list) or (not raw and report.rules.aws):
        report.add(Phase.SYNTAX, SYNTAX_ERROR, "/Statement")
        return []
    out = []
    for index, item in enumerate(raw):
        where = pointer("/Statement", index)
        if isinstance(item, dict):
            out.append((where, item))
        else:
            report.add(Phase.SYNTAX, SYNTAX_ERROR, where)
    return out


def _version_rule(report: Report, document: dict[str, Json]) -> None:
    """Phase 2: managed policies (and RCPs) need Version 2012-10-17."""
    if report.rules.version_required and document.get("Version") != VERSION_2012:
        report.add(Phase.VERSION, VERSION_REQUIRED, "/Version" if "Version" in document else "")
