"""Checks of Principal and NotPrincipal: who a resource or trust policy lets in."""

from __future__ import annotations

import re
from collections.abc import Iterable

from clearance.lint.context import (
    PRINCIPAL_KINDS,
    PolicyCheck,
    PolicyContext,
    StatementCheck,
    StatementView,
)
from clearance.lint.finding import Finding, iam_doc, rule
from clearance.policy import PolicyKind, PrincipalBlock, Severity
from clearance.wildcard import has_wildcard

__all__ = ["POLICY_CHECKS", "STATEMENT_CHECKS", "oidc_provider"]

ALLOW_WITH_NOT_PRINCIPAL = rule(
    "ALLOW_WITH_NOT_PRINCIPAL",
    Severity.SECURITY_WARNING,
    "Allow with NotPrincipal",
    "allow-with-not-principal",
)
WILDCARD_PRINCIPAL_WITHOUT_CONDITION = rule(
    "WILDCARD_PRINCIPAL_WITHOUT_CONDITION",
    Severity.SECURITY_WARNING,
    "Wildcard principal without condition",
    iam_doc("reference_policies_elements_principal.html#principal-anonymous"),
)
RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL = rule(
    "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
    Severity.SECURITY_WARNING,
    "Restrict access to service principal",
)
MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL = rule(
    "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
    Severity.SECURITY_WARNING,
    "Missing condition key for oidc principal",
)
MISSING_GITHUB_REPO_CONDITION_KEY = rule(
    "MISSING_GITHUB_REPO_CONDITION_KEY",
    Severity.SECURITY_WARNING,
    "Missing github repo condition key",
)
MISMATCHED_ACTION_FOR_PRINCIPAL = rule(
    "MISMATCHED_ACTION_FOR_PRINCIPAL", Severity.WARNING, "Mismatched action for principal"
)
UNSUPPORTED_WILDCARD_IN_PRINCIPAL = rule(
    "UNSUPPORTED_WILDCARD_IN_PRINCIPAL", Severity.ERROR, "Unsupported wildcard in principal"
)
INVALID_ROLE_REFERENCE = rule("INVALID_ROLE_REFERENCE", Severity.WARNING, "Invalid role reference")
INVALID_USER_REFERENCE = rule("INVALID_USER_REFERENCE", Severity.WARNING, "Invalid user reference")
EMPTY_ARRAY_PRINCIPAL = rule("EMPTY_ARRAY_PRINCIPAL", Severity.SUGGESTION, "Empty array principal")
EMPTY_OBJECT_PRINCIPAL = rule(
    "EMPTY_OBJECT_PRINCIPAL", Severity.SUGGESTION, "Empty object principal"
)

CONFUSED_DEPUTY_KEYS = (
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
)
WEB_IDENTITY_PROVIDERS = frozenset(
    {
        "accounts.google.com",
        "graph.facebook.com",
        "www.amazon.com",
        "cognito-identity.amazonaws.com",
    }
)
GITHUB = "token.actions.githubusercontent.com"
_ROLE_ID = re.compile(r"^AROA[A-Z0-9]{12,}$")
_USER_ID = re.compile(r"^AIDA[A-Z0-9]{12,}$")


def oidc_provider(federated: str) -> str | None:
    """The host of a web identity provider named in ``Principal.Federated``, or None."""
    if ":oidc-provider/" in federated:
        return federated.split(":oidc-provider/", 1)[1]
    return federated if federated.lower() in WEB_IDENTITY_PROVIDERS else None


def _blocks(view: StatementView) -> Iterable[tuple[str, PrincipalBlock]]:
    if view.statement.principal is not None:
        yield "Principal", view.statement.principal
    if view.statement.not_principal is not None:
        yield "NotPrincipal", view.statement.not_principal


def not_principal(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    if view.allows and view.statement.not_principal is not None:
        yield ALLOW_WITH_NOT_PRINCIPAL.at(
            view.at("NotPrincipal"),
            "Allow with NotPrincipal grants access to everyone not listed, anonymous callers "
            "included. Name the principals that need access in Principal instead.",
        )


def wildcard_principal(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    block = view.statement.principal
    if context.kind not in PRINCIPAL_KINDS or not view.allows or block is None:
        return
    if (block.wildcard or "*" in block.values("AWS")) and not view.statement.conditions:
        who = "assume this role" if context.kind is PolicyKind.TRUST else "use this resource"
        yield WILDCARD_PRINCIPAL_WITHOUT_CONDITION.at(
            view.at("Principal"),
            f'Principal "*" without a Condition lets anyone — any AWS account, and anonymous '
            f"callers where the service allows them — {who}. Name the principals, or add a "
            "condition such as aws:PrincipalOrgID or aws:SourceVpce.",
        )


def service_principal(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    block = view.statement.principal
    if context.kind is not PolicyKind.RESOURCE or not view.allows or block is None:
        return
    services = block.values("Service")
    if services and not view.has_condition_key(*CONFUSED_DEPUTY_KEYS):
        yield RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL.at(
            view.at("Principal", "Service"),
            f"Access for the service principal {services[0]} is not limited to your resources: "
            "the service may act on behalf of any account (the confused deputy problem). Add "
            f"a condition on {', '.join(CONFUSED_DEPUTY_KEYS)}.",
        )


def federated_principal(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    block = view.statement.principal
    if context.kind is not PolicyKind.TRUST or not view.allows or block is None:
        return
    keys = [condition.key.lower() for condition in view.statement.conditions]
    for federated in block.values("Federated"):
        host = oidc_provider(federated)
        if host is None:
            continue
        if host.lower() == GITHUB:
            if f"{GITHUB}:sub" not in keys:
                yield MISSING_GITHUB_REPO_CONDITION_KEY.at(
                    view.at("Principal", "Federated"),
                    f"Any GitHub Actions workflow, in any repository, can assume this role: add "
                    f"a condition on {GITHUB}:sub naming your repository and branch.",
                )
        elif not any(key.startswith(host.lower() + ":") for key in keys):
            yield MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL.at(
                view.at("Principal", "Federated"),
                f"Any identity that {host} signs tokens for can assume this role: add "
                f"conditions on {host}:aud (and {host}:sub) for your application.",
            )


def assume_role_action(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    block = view.statement.principal
    if context.kind is not PolicyKind.TRUST or not view.allows or block is None or block.wildcard:
        return
    for kind, values in block.entries:
        for value in values:
            needed = _assume_action(kind, value)
            if needed is not None and view.allows_action(needed) is None:
                yield MISMATCHED_ACTION_FOR_PRINCIPAL.at(
                    view.at("Principal", kind),
                    f"The principal {value} assumes a role with {needed}, which this statement "
                    "does not allow, so the statement lets it do nothing.",
                )
                break


def _assume_action(kind: str, value: str) -> str | None:
    if kind in ("AWS", "Service"):
        return "sts:AssumeRole"
    if kind == "Federated":
        if ":saml-provider/" in value:
            return "sts:AssumeRoleWithSAML"
        if oidc_provider(value) is not None:
            return "sts:AssumeRoleWithWebIdentity"
    return None


def principal_values(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    for element, block in _blocks(view):
        if not block.wildcard and not block.entries:
            yield EMPTY_OBJECT_PRINCIPAL.at(
                view.at(element), f"The {element} object is empty; specify principals."
            )
        for kind, values in block.entries:
            if not values:
                yield EMPTY_ARRAY_PRINCIPAL.at(
                    view.at(element, kind), f"{element}.{kind} is empty; specify principals."
                )
            for index, value in enumerate(values):
                yield from _principal_value(view.layout.item(index, element, kind), kind, value)


def _principal_value(pointer: str, kind: str, value: str) -> Iterable[Finding]:
    if value != "*" and has_wildcard(value):
        yield UNSUPPORTED_WILDCARD_IN_PRINCIPAL.at(
            pointer,
            f"Wildcards are not supported in the principal {value!r}; name the principal, or use "
            '"*" with a condition such as aws:PrincipalArn (ArnLike).',
        )
    if kind == "AWS" and _ROLE_ID.match(value):
        yield INVALID_ROLE_REFERENCE.at(
            pointer, f"{value} is a role's unique ID; use the role's ARN instead."
        )
    if kind == "AWS" and _USER_ID.match(value):
        yield INVALID_USER_REFERENCE.at(
            pointer, f"{value} is a user's unique ID; use the user's ARN instead."
        )


POLICY_CHECKS: tuple[PolicyCheck, ...] = ()
STATEMENT_CHECKS: tuple[StatementCheck, ...] = (
    not_principal,
    wildcard_principal,
    service_principal,
    federated_principal,
    assume_role_action,
    principal_values,
)
