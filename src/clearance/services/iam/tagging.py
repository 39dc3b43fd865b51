"""Tag<Kind>, Untag<Kind> and List<Kind>Tags for the IAM resources whose three
tagging operations differ only in names: one definition, registered per kind.

Each kind brings its own authorizer (which resolves the resource's real ARN
and its current tags) and the store's method suffix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clearance.engine import ContextValue
from clearance.services.context import CallContext
from clearance.services.iam.common import (
    page_args,
    page_result,
    request_tag_context,
    tag_input,
    tag_keys_context,
    tags_out,
)
from clearance.services.registry import operation

__all__ = ["Authorize", "register_tagging"]

# authorize(ctx, action, identifier, extra context) — raises AccessDenied.
Authorize = Callable[[CallContext, str, str, dict[str, ContextValue] | None], object]


def register_tagging(kind: str, identifier: str, store_kind: str, authorize: Authorize) -> None:
    """Register the three tagging operations of ``kind`` (e.g. ``Policy``), whose
    requests name the resource in ``identifier`` (e.g. ``PolicyArn``)."""

    def tag(ctx: CallContext, params: dict[str, Any]) -> None:
        name, tags = params[identifier], tag_input(params)
        authorize(ctx, f"iam:Tag{kind}", name, request_tag_context(tags))
        getattr(ctx.store, f"tag_{store_kind}")(ctx.account_id, name, tags)
        return None

    def untag(ctx: CallContext, params: dict[str, Any]) -> None:
        name, keys = params[identifier], params["TagKeys"]
        authorize(ctx, f"iam:Untag{kind}", name, tag_keys_context(keys))
        getattr(ctx.store, f"untag_{store_kind}")(ctx.account_id, name, keys)
        return None

    def list_tags(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params[identifier]
        authorize(ctx, f"iam:List{kind}Tags", name, None)
        lister = getattr(ctx.store, f"list_{store_kind}_tags")
        page = lister(ctx.account_id, name, **page_args(params))
        return page_result(page, "Tags", tags_out(page.items))

    operation("iam", f"Tag{kind}")(tag)
    operation("iam", f"Untag{kind}")(untag)
    operation("iam", f"List{kind}Tags")(list_tags)
