"""What the linter reports: a :class:`Finding`, made from a :class:`Rule`.

A rule is the stable identity of a check — its ``code`` (UPPER_SNAKE, after
IAM Access Analyzer's issue codes where Access Analyzer has the same check),
its usual severity, and the page where AWS documents it. Every check module
declares its rules; :data:`RULES` collects them so that tests and the CLI can
list every code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clearance.policy import Severity

__all__ = ["RULES", "Finding", "Rule", "aa_doc", "iam_doc", "rule"]

_AA = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
    "#access-analyzer-reference-policy-checks-{kind}-{slug}"
)
_AA_KINDS = {
    Severity.ERROR: "error",
    Severity.SECURITY_WARNING: "security-warning",
    Severity.WARNING: "general-warning",
    Severity.SUGGESTION: "suggestion",
}
_IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/{page}"


def aa_doc(severity: Severity, slug: str) -> str:
    """The anchor of a check in Access Analyzer's policy check reference."""
    return _AA.format(kind=_AA_KINDS[severity], slug=slug)


def iam_doc(page: str) -> str:
    """A page of the IAM User Guide, e.g. ``reference_policies_elements_resource.html``."""
    return _IAM.format(page=page)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: ``pointer`` is a JSON pointer (RFC 6901) into the document."""

    code: str
    severity: Severity
    message: str
    pointer: str = ""
    learn_more: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "pointer": self.pointer,
            "learn_more": self.learn_more,
        }


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    title: str
    learn_more: str

    def at(self, pointer: str, message: str, severity: Severity | None = None) -> Finding:
        return Finding(self.code, severity or self.severity, message, pointer, self.learn_more)


RULES: dict[str, Rule] = {}

_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def rule(code: str, severity: Severity, title: str, doc: str | None = None) -> Rule:
    """Declare a rule.

    ``doc`` is a URL, or the slug of the check's anchor in Access Analyzer's
    reference; by default the slug is made from ``title``.
    """
    if not _CODE.match(code) or code in RULES:
        raise ValueError(f"bad or duplicate rule code {code!r}")
    if doc is None or not doc.startswith("https://"):
        doc = aa_doc(severity, doc or re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"))
    declared = Rule(code, severity, title, doc)
    RULES[code] = declared
    return declared
