"""Actions: that a statement has some, and the format of each (vendor, colon, name).

AWS accepts any action name after a valid vendor (``iam: asdf safdsf af``).
"""

from __future__ import annotations

import re

from clearance.policy.validation.elements import Statements, present, strings
from clearance.policy.validation.messages import NO_ACTIONS, NO_VENDOR, ONE_COLON
from clearance.policy.validation.order import Phase, Report

__all__ = ["action_format_error", "action_formats", "actions_present"]

_VENDOR_CHARACTERS = re.compile(r"[^a-zA-Z0-9\-.]")
_ACTION_NAME = re.compile(r"[A-Za-z0-9*?, \-]*")


def actions_present(report: Report, statements: Statements) -> None:
    """Phase 5: every statement has a non-empty Action or NotAction."""
    for where, statement in statements:
        if not present(statement, "Action", "NotAction"):
            report.add(Phase.ACTIONS, NO_ACTIONS, where)


def action_formats(report: Report, statements: Statements) -> None:
    """Phase 7: every Action, then every NotAction, in statement order."""
    for name in ("Action", "NotAction"):
        for where, statement in statements:
            for at, text in strings(where, statement, name):
                message = action_format_error(text, strict_names=not report.rules.aws)
                if message is not None:
                    report.add(Phase.ACTION_FORMAT, message, at)


def action_format_error(action: str, strict_names: bool = False) -> str | None:
    """AWS's message for a malformed action, or None.

    ``strict_names`` also requires the action name to be letters, digits,
    wildcards, commas, hyphens and spaces (the lenient grammar's rule; IAM
    itself takes any name, e.g. ``iam: asdf safdsf af``).
    """
    parts = action.split(":")
    if len(parts) == 1 and parts[0] != "*":
        return NO_VENDOR
    if len(parts) > 2:
        return ONE_COLON
    if parts[0] != "*" and _VENDOR_CHARACTERS.search(parts[0]):
        return f"Vendor {parts[0]} is not valid"
    if strict_names and len(parts) == 2 and _ACTION_NAME.fullmatch(parts[1]) is None:
        return (
            f"Action {action} is not valid: an action name has only letters, digits, "
            "wildcards (* and ?), commas, hyphens and spaces."
        )
    return None
