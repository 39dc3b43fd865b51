"""Privilege-escalation paths in identity policies: iam:PassRole and
iam:CreateServiceLinkedRole granted on more roles than intended."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clearance.lint.context import PolicyCheck, PolicyContext, StatementCheck, StatementView
from clearance.lint.finding import Finding, Rule, rule
from clearance.lint.patterns import SEGMENT, globs_intersect, policy_glob
from clearance.policy import PolicyKind, Severity
from clearance.wildcard import has_wildcard

__all__ = ["POLICY_CHECKS", "STATEMENT_CHECKS"]

# (how the action is granted, how the resources are named) → rule code suffix and title words
_SHAPES = {
    ("named", "star"): ("WITH_STAR_IN_RESOURCE", "with star in resource"),
    ("star", "star"): ("WITH_STAR_IN_ACTION_AND_RESOURCE", "with star in action and resource"),
    ("not", "star"): (
        "WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        "with star in resource and NotAction",
    ),
    ("named", "not"): ("WITH_NOT_RESOURCE", "with NotResource"),
    ("star", "not"): (
        "WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        "with star in action and NotResource",
    ),
    ("not", "not"): ("WITH_NOT_ACTION_AND_NOT_RESOURCE", "with NotAction and NotResource"),
}


@dataclass(frozen=True)
class _Privilege:
    action: str
    roles: str  # the ARNs of the roles the action can act on, as a pattern
    guard: str  # the condition key that narrows the grant
    risk: str
    rules: dict[tuple[str, str], Rule]


def _family(prefix: str, title: str, severity: Severity) -> dict[tuple[str, str], Rule]:
    return {
        shape: rule(f"{prefix}_{suffix}", severity, f"{title} {words}", _slug(f"{title} {words}"))
        for shape, (suffix, words) in _SHAPES.items()
    }


def _slug(title: str) -> str:
    words = title.replace("NotResource", "not resource").replace("NotAction", "not action")
    return words.lower().replace(" ", "-")


PASS_ROLE = _Privilege(
    "iam:PassRole",
    f"arn:{SEGMENT}:iam::{SEGMENT}:role/*",
    "iam:PassedToService",
    "lets the principal hand any matching role to any service, and so act with that role's "
    "permissions",
    _family("PASS_ROLE", "Pass role", Severity.SECURITY_WARNING),
)
CREATE_SLR = _Privilege(
    "iam:CreateServiceLinkedRole",
    f"arn:{SEGMENT}:iam::{SEGMENT}:role/aws-service-role/*",
    "iam:AWSServiceName",
    "lets the principal create service-linked roles for any service",
    _family("CREATE_SLR", "Create SLR", Severity.WARNING),
)


def privileges(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    if context.kind is not PolicyKind.IDENTITY or not view.allows:
        return
    for privilege in (PASS_ROLE, CREATE_SLR):
        yield from _check(view, privilege)


def _check(view: StatementView, privilege: _Privilege) -> Iterable[Finding]:
    via = view.allows_action(privilege.action)
    if via is None or view.has_condition_key(privilege.guard):
        return
    granted = "not" if via == "NotAction" else "star" if has_wildcard(via) else "named"
    through = "" if granted == "named" else f" (through {via})"
    statement = view.statement
    if statement.not_resource is not None:
        found = privilege.rules[(granted, "not")]
        yield found.at(
            view.at("NotResource"),
            f"{privilege.action} is allowed{through} on every resource not excluded by "
            f"NotResource, which {privilege.risk}. Name the role ARNs in Resource, or add a "
            f"condition on {privilege.guard}.",
        )
        return
    for index, value in enumerate(statement.resource or ()):
        if has_wildcard(value) and globs_intersect(policy_glob(value).lower(), privilege.roles):
            found = privilege.rules[(granted, "star")]
            yield found.at(
                view.item("Resource", index),
                f"{privilege.action} is allowed{through} on {value}, which {privilege.risk}."
                f" Name the role ARNs, or add a condition on {privilege.guard}.",
            )
            return


POLICY_CHECKS: tuple[PolicyCheck, ...] = ()
STATEMENT_CHECKS: tuple[StatementCheck, ...] = (privileges,)
