"""Checks of Action and NotAction against the catalog of AWS actions."""

from __future__ import annotations

from collections.abc import Iterable

from clearance.lint.context import PolicyCheck, PolicyContext, StatementCheck, StatementView
from clearance.lint.finding import Finding, iam_doc, rule
from clearance.policy import Severity
from clearance.wildcard import has_wildcard

__all__ = ["POLICY_CHECKS", "STATEMENT_CHECKS", "WILDCARD_IN_SERVICE_NAME"]

UNKNOWN_SERVICE = rule(
    "UNKNOWN_SERVICE", Severity.ERROR, "Invalid service in action", "invalid-service-in-action"
)
UNKNOWN_ACTION = rule("UNKNOWN_ACTION", Severity.ERROR, "Invalid action", "invalid-action")
ACTION_WILDCARD_MATCHES_NOTHING = rule(
    "ACTION_WILDCARD_MATCHES_NOTHING",
    Severity.ERROR,
    "Action pattern matches no action",
    "invalid-action",
)
WILDCARD_IN_SERVICE_NAME = rule(
    "WILDCARD_IN_SERVICE_NAME", Severity.SUGGESTION, "Wildcard in service name"
)
REDUNDANT_ACTION = rule("REDUNDANT_ACTION", Severity.SUGGESTION, "Redundant action")
ALLOW_WITH_NOT_ACTION = rule(
    "ALLOW_WITH_NOT_ACTION",
    Severity.WARNING,
    "Allow with NotAction",
    iam_doc("reference_policies_elements_notaction.html"),
)
EMPTY_ARRAY_ACTION = rule("EMPTY_ARRAY_ACTION", Severity.SUGGESTION, "Empty array action")


def _elements(view: StatementView) -> Iterable[tuple[str, tuple[str, ...]]]:
    if view.statement.action is not None:
        yield "Action", view.statement.action
    if view.statement.not_action is not None:
        yield "NotAction", view.statement.not_action


def known_actions(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    for element, entries in _elements(view):
        for index, entry in enumerate(entries):
            if entry == "*" or "${" in entry or ":" not in entry:
                continue  # the grammar and the variable checks speak for these
            yield from _check_entry(view, context, entry, view.item(element, index))


def _check_entry(
    view: StatementView, context: PolicyContext, entry: str, pointer: str
) -> Iterable[Finding]:
    service = entry.partition(":")[0]
    catalog = context.catalog
    if has_wildcard(service):
        yield WILDCARD_IN_SERVICE_NAME.at(
            pointer,
            f"{entry} has a wildcard in the service prefix, which can match services you did "
            "not intend (and services AWS adds later); name the service.",
        )
    elif not catalog.service_exists(service):
        hint = catalog.suggest_service(service)
        yield UNKNOWN_SERVICE.at(
            pointer,
            f"The service {service!r} in action {entry} does not exist."
            + (f" Did you mean {hint}?" if hint else ""),
        )
        return
    if has_wildcard(entry):
        if not view.expand(entry):
            yield ACTION_WILDCARD_MATCHES_NOTHING.at(
                pointer, f"The action pattern {entry} matches no action of any known service."
            )
    elif not catalog.action_exists(entry):
        hint = catalog.suggest_action(entry)
        yield UNKNOWN_ACTION.at(
            pointer,
            f"The action {entry} does not exist." + (f" Did you mean {hint}?" if hint else ""),
        )


def redundant_actions(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    """An entry is redundant when another covers all its actions (the later of two equals)."""
    for element, entries in _elements(view):
        if len(entries) < 2:
            continue
        covered = [context.catalog.action_names(entry) for entry in entries]
        # Entries spanning services ("*", "*:Get*") are compared with everything;
        # the others are indexed by action, so that a policy listing thousands of
        # actions costs thousands of lookups, not millions of comparisons.
        broad = {i for i, entry in enumerate(entries) if has_wildcard(entry.partition(":")[0])}
        holders: dict[str, list[int]] = {}
        for index, names in enumerate(covered):
            if index not in broad:
                for name in names:
                    holders.setdefault(name, []).append(index)
        for later, mine in enumerate(covered):
            if not mine:
                continue
            candidates = sorted(broad)
            if later not in broad:
                rarest = min(mine, key=lambda name: len(holders[name]))
                candidates += holders[rarest]
            for other in candidates:
                theirs = covered[other]
                if other != later and mine <= theirs and (mine < theirs or other < later):
                    yield REDUNDANT_ACTION.at(
                        view.item(element, later), _redundant(entries, later, other)
                    )
                    break


def _redundant(entries: tuple[str, ...], later: int, other: int) -> str:
    if entries[later].lower() == entries[other].lower():
        return f"{entries[later]} is listed twice (also as entry {other}); remove one."
    return (
        f"{entries[later]} is redundant: {entries[other]} already covers every action it "
        "matches. Remove it."
    )


def allow_with_not_action(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    if view.allows and view.statement.not_action is not None:
        yield ALLOW_WITH_NOT_ACTION.at(
            view.at("NotAction"),
            "Allow with NotAction grants every action not listed — across every service, "
            "including actions AWS adds later. List the actions to allow in Action instead.",
        )


def empty_actions(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    if view.statement.action == ():
        yield EMPTY_ARRAY_ACTION.at(
            view.at("Action"),
            "The Action list is empty, so this statement matches no request. Specify actions.",
        )


POLICY_CHECKS: tuple[PolicyCheck, ...] = ()
STATEMENT_CHECKS: tuple[StatementCheck, ...] = (
    known_actions,
    redundant_actions,
    allow_with_not_action,
    empty_actions,
)
