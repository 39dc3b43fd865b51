"""Checks of Resource and NotResource: do they fit the statement's actions?"""

from __future__ import annotations

from collections.abc import Iterable

from clearance.lint.catalog import ActionInfo
from clearance.lint.checks.actions import WILDCARD_IN_SERVICE_NAME
from clearance.lint.context import PolicyCheck, PolicyContext, StatementCheck, StatementView
from clearance.lint.finding import Finding, iam_doc, rule
from clearance.lint.patterns import arn_format_glob, glob_covers, globs_intersect, policy_glob
from clearance.policy import Severity
from clearance.wildcard import has_wildcard

__all__ = ["POLICY_CHECKS", "STATEMENT_CHECKS"]

_SAR = (
    "https://docs.aws.amazon.com/service-authorization/latest/reference/"
    "reference_policies_actions-resources-contextkeys.html"
)
RESOURCE_TYPE_MISMATCH = rule(
    "RESOURCE_TYPE_MISMATCH", Severity.WARNING, "Resource does not fit the actions", _SAR
)
ALLOW_WITH_NOT_RESOURCE = rule(
    "ALLOW_WITH_NOT_RESOURCE",
    Severity.WARNING,
    "Allow with NotResource",
    iam_doc("reference_policies_elements_notresource.html"),
)
REDUNDANT_RESOURCE = rule("REDUNDANT_RESOURCE", Severity.SUGGESTION, "Redundant resource")
EMPTY_ARRAY_RESOURCE = rule("EMPTY_ARRAY_RESOURCE", Severity.SUGGESTION, "Empty array resource")
INVALID_PARTITION = rule("INVALID_PARTITION", Severity.ERROR, "Invalid partition")
INVALID_ARN_ACCOUNT = rule("INVALID_ARN_ACCOUNT", Severity.ERROR, "Invalid ARN account")
ARN_REGION_NOT_ALLOWED = rule("ARN_REGION_NOT_ALLOWED", Severity.ERROR, "ARN Region not allowed")
ARN_ACCOUNT_NOT_ALLOWED = rule("ARN_ACCOUNT_NOT_ALLOWED", Severity.ERROR, "ARN account not allowed")
MISSING_ARN_REGION = rule("MISSING_ARN_REGION", Severity.ERROR, "Missing ARN Region")

PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
)


def _elements(view: StatementView) -> Iterable[tuple[str, tuple[str, ...]]]:
    if view.statement.resource is not None:
        yield "Resource", view.statement.resource
    if view.statement.not_resource is not None:
        yield "NotResource", view.statement.not_resource


def _is_arn(value: str) -> bool:
    return value[:4].lower() == "arn:"


def resource_types(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    """Every action must be able to act on some Resource, and every Resource must be
    something some action acts on; otherwise that part of the statement is dead.

    Only resources the catalog recognizes (an ARN of some resource type of its
    service) and actions with resource types are judged: the catalog lags
    behind AWS, and an unknown shape is more likely a gap in it than a mistake.
    """
    resources = view.statement.resource
    actions = view.concrete_actions()
    if not resources or not actions or "*" in resources:
        return
    entries = [entry for entry in view.statement.action or () if view.expand(entry)]
    known = {value for value in resources if _known_shape(context, value)}
    fits = {(info.full_name, value): _fits(info, value) for info in actions for value in known}
    if not fits:
        return
    if not any(fits.values()):
        for index, value in enumerate(resources):
            if value in known:
                yield RESOURCE_TYPE_MISMATCH.at(
                    view.item("Resource", index),
                    f"{value} is no resource that {_names(actions)} can act on, so the statement "
                    f"never applies. {_formats(actions)}",
                )
        return
    for index, value in enumerate(resources):
        if value in known and not any(fits[(info.full_name, value)] for info in actions):
            yield RESOURCE_TYPE_MISMATCH.at(
                view.item("Resource", index),
                f"{value} is no resource that the statement's actions can act on; the "
                f"statement never applies to it. {_formats(actions)}",
            )
    for index, entry in enumerate(view.statement.action or ()):
        if entry in entries and not any(
            fits.get((info.full_name, value), True)
            for info in view.expand(entry)
            for value in resources
        ):
            yield RESOURCE_TYPE_MISMATCH.at(
                view.item("Action", index),
                f"{entry} matches none of the statement's resources, so the statement never "
                f"allows or denies it. {_formats(view.expand(entry))}",
            )


def _fits(info: ActionInfo, value: str) -> bool:
    if not info.arn_formats:
        return True  # "*" only, says the catalog; AWS accepts more than it lists
    pattern = policy_glob(value).lower()
    return any(globs_intersect(pattern, glob) for glob in info.resource_globs)


def _known_shape(context: PolicyContext, value: str) -> bool:
    parts = value.split(":", 5)
    if len(parts) < 6 or not _is_arn(value) or not _literal(parts[2]):
        return False
    pattern = policy_glob(value).lower()
    return any(
        globs_intersect(pattern, arn_format_glob(arn_format).lower())
        for arn_format in context.catalog.arn_formats(parts[2])
    )


def _names(actions: tuple[ActionInfo, ...]) -> str:
    names = [info.full_name for info in actions[:3]]
    return ", ".join(names) + (" ..." if len(actions) > 3 else "")


def _formats(actions: tuple[ActionInfo, ...]) -> str:
    formats = list(dict.fromkeys(fmt for info in actions for fmt in info.arn_formats))
    shown = ", ".join(formats[:3]) + (" ..." if len(formats) > 3 else "")
    return f"Expected: {shown}"


def arn_fields(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    for element, values in _elements(view):
        for index, value in enumerate(values):
            parts = value.split(":", 5)
            if len(parts) == 6 and _is_arn(value):
                yield from _arn_fields(context, parts, value, view.item(element, index))


def _literal(part: str) -> bool:
    return bool(part) and not has_wildcard(part) and "${" not in part


def _arn_fields(
    context: PolicyContext, parts: list[str], value: str, pointer: str
) -> Iterable[Finding]:
    _, partition, service, region, account, _ = parts
    if _literal(partition) and partition not in PARTITIONS:
        yield INVALID_PARTITION.at(
            pointer,
            f"{partition!r} in {value} is no AWS partition ({', '.join(sorted(PARTITIONS))}).",
        )
    if has_wildcard(service):
        yield WILDCARD_IN_SERVICE_NAME.at(
            pointer, f"{value} has a wildcard in the service name; name the service."
        )
    if _literal(account) and account != "aws" and not (len(account) == 12 and account.isdigit()):
        yield INVALID_ARN_ACCOUNT.at(
            pointer, f"The account {account!r} in {value} is not valid; use a 12-digit account ID."
        )
    formats = context.catalog.arn_formats(service) if _literal(service) else ()
    if not formats:
        return
    regions = {fmt.split(":", 5)[3] != "" for fmt in formats}
    accounts = {fmt.split(":", 5)[4] != "" for fmt in formats}
    if regions == {False} and _literal(region):
        yield ARN_REGION_NOT_ALLOWED.at(
            pointer, f"{service} resource ARNs have no Region; remove {region!r} from {value}."
        )
    if regions == {True} and region == "":
        yield MISSING_ARN_REGION.at(pointer, f"{service} resource ARNs need a Region: {value}.")
    if accounts == {False} and _literal(account):
        yield ARN_ACCOUNT_NOT_ALLOWED.at(
            pointer, f"{service} resource ARNs have no account ID; remove {account!r} from {value}."
        )


def redundant_resources(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    for element, values in _elements(view):
        for later, value in enumerate(values):
            for other, broader in enumerate(values):
                if other == later or ("${" in value and value != broader):
                    continue
                if glob_covers(broader, value) and (
                    other < later or not glob_covers(value, broader)
                ):
                    yield REDUNDANT_RESOURCE.at(
                        view.item(element, later),
                        f"{value} is redundant: {broader} already covers it. Remove it, or list "
                        "only the exact resources you mean.",
                    )
                    break


def allow_with_not_resource(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    if view.allows and view.statement.not_resource is not None:
        yield ALLOW_WITH_NOT_RESOURCE.at(
            view.at("NotResource"),
            "Allow with NotResource grants the actions on every resource not listed, in every "
            "service and account, including resources created later. List the resources in "
            "Resource instead.",
        )


def empty_resources(view: StatementView, context: PolicyContext) -> Iterable[Finding]:
    if view.statement.resource == ():
        yield EMPTY_ARRAY_RESOURCE.at(
            view.at("Resource"),
            "The Resource list is empty, so this statement matches no request. Specify resources.",
        )


POLICY_CHECKS: tuple[PolicyCheck, ...] = ()
STATEMENT_CHECKS: tuple[StatementCheck, ...] = (
    resource_types,
    arn_fields,
    redundant_resources,
    allow_with_not_resource,
    empty_resources,
)
