"""The ``ResourceTag`` condition keys of a resource the request acts on."""

from __future__ import annotations

from collections.abc import Iterable

from clearance.engine import ContextValue
from clearance.store import Tag


def resource_tag_context(
    tags: Iterable[Tag], service_prefix: str | None = None
) -> dict[str, ContextValue]:
    """``aws:ResourceTag/K`` for each tag, and ``PREFIX:ResourceTag/K`` too when the
    service has its own key for the resource (``iam`` for users and roles, ``ec2``)."""
    context: dict[str, ContextValue] = {}
    for tag in tags:
        context[f"aws:ResourceTag/{tag.key}"] = tag.value
        if service_prefix is not None:
            context[f"{service_prefix}:ResourceTag/{tag.key}"] = tag.value
    return context
