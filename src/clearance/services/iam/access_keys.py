"""Long-term access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey,
DeleteAccessKey, GetAccessKeyLastUsed, and :func:`record_use` (the gateway
notes each authenticated use of a key).

Without ``UserName`` these operations act on the caller's own keys: an IAM
user's (authorized on the user's ARN), or the root user's (on the root ARN).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock
from typing import Any

from clearance.errors import ClearanceError, InvalidInput
from clearance.services.context import CallContext
from clearance.services.iam.common import page_args, page_result
from clearance.services.iam.users import UserTarget, user_target
from clearance.services.registry import operation
from clearance.store import NoSuchEntity

__all__ = ["record_use"]

log = logging.getLogger("clearance.iam.access_keys")

NOT_AVAILABLE = "N/A"  # GetAccessKeyLastUsed for a key never used
GLOBAL_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class _Owner:
    """Whose keys: a user (``name``) or the root user (``name`` None)."""

    name: str | None
    target: UserTarget | None

    def require(self, ctx: CallContext, action: str) -> None:
        if self.target is None:
            ctx.require(action, ctx.caller.arn)
        else:
            self.target.require(ctx, action)


def _owner(ctx: CallContext, params: dict[str, Any]) -> _Owner:
    name = params.get("UserName")
    if not name:
        caller = ctx.caller
        if caller.kind == "root":
            return _Owner(None, None)
        if caller.kind != "user" or caller.user_name is None:
            raise InvalidInput("Must specify userName when calling with non-User credentials")
        name = caller.user_name
    return _Owner(name, user_target(ctx, name))


def _metadata(user_name: str | None, key_id: str, status: str, created: datetime) -> dict[str, Any]:
    shape: dict[str, Any] = {"AccessKeyId": key_id, "Status": status, "CreateDate": created}
    if user_name is not None:
        shape["UserName"] = user_name
    return shape


@operation("iam", "CreateAccessKey")
def create_access_key(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    owner = _owner(ctx, params)
    owner.require(ctx, "iam:CreateAccessKey")
    key = ctx.store.create_access_key(ctx.account_id, owner.name)
    shape = _metadata(key.user_name, key.id, key.status, key.created)
    shape["SecretAccessKey"] = key.secret_access_key
    return {"AccessKey": shape}


@operation("iam", "ListAccessKeys")
def list_access_keys(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    owner = _owner(ctx, params)
    owner.require(ctx, "iam:ListAccessKeys")
    page = ctx.store.list_access_keys(ctx.account_id, owner.name, **page_args(params))
    items = [_metadata(k.user_name, k.id, k.status, k.created) for k in page.items]
    return page_result(page, "AccessKeyMetadata", items)


@operation("iam", "UpdateAccessKey")
def update_access_key(ctx: CallContext, params: dict[str, Any]) -> None:
    owner = _owner(ctx, params)
    owner.require(ctx, "iam:UpdateAccessKey")
    ctx.store.update_access_key(ctx.account_id, owner.name, params["AccessKeyId"], params["Status"])
    return None


@operation("iam", "DeleteAccessKey")
def delete_access_key(ctx: CallContext, params: dict[str, Any]) -> None:
    owner = _owner(ctx, params)
    owner.require(ctx, "iam:DeleteAccessKey")
    ctx.store.delete_access_key(ctx.account_id, owner.name, params["AccessKeyId"])
    return None


@operation("iam", "GetAccessKeyLastUsed")
def get_access_key_last_used(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    key_id = params["AccessKeyId"]
    try:
        used = ctx.store.get_access_key_last_used(ctx.account_id, key_id)
    except NoSuchEntity:
        # Nothing to name: authorize without a resource, then say it is absent.
        ctx.require("iam:GetAccessKeyLastUsed", "*")
        raise
    if used.user_name is None:
        ctx.require("iam:GetAccessKeyLastUsed", f"arn:aws:iam::{ctx.account_id}:root")
    else:
        user_target(ctx, used.user_name).require(ctx, "iam:GetAccessKeyLastUsed")
    last: dict[str, Any] = {
        "ServiceName": used.service_name or NOT_AVAILABLE,
        "Region": used.region or NOT_AVAILABLE,
    }
    if used.last_used is not None:
        last["LastUsedDate"] = used.last_used
    result: dict[str, Any] = {"AccessKeyLastUsed": last}
    if used.user_name is not None:
        result["UserName"] = used.user_name
    return result


# -- recording use ---------------------------------------------------------------------

# AWS reports a key's last use to the minute at best: one durable write per key,
# service and region per minute per process is plenty.
_DEBOUNCE = timedelta(minutes=1)
_MAX_REMEMBERED = 65536
_recent: OrderedDict[str, tuple[datetime, str, str]] = OrderedDict()
_recent_lock = Lock()


def record_use(ctx: CallContext) -> None:
    """Note that the caller's long-term access key was just used (for
    GetAccessKeyLastUsed). Call once per request after successful
    authentication; temporary (session) credentials are not recorded."""
    caller = ctx.caller
    if caller.session is not None or not caller.access_key_id:
        return
    key_id, now = caller.access_key_id, ctx.now
    # IAM is a global service served from us-east-1, whatever region signed.
    region = GLOBAL_REGION if ctx.service == "iam" else ctx.region
    with _recent_lock:
        previous = _recent.get(key_id)
        if previous is not None:
            when, service, where = previous
            if (service, where) == (ctx.service, region) and now - when < _DEBOUNCE:
                return
        _recent[key_id] = (now, ctx.service, region)
        _recent.move_to_end(key_id)
        while len(_recent) > _MAX_REMEMBERED:
            _recent.popitem(last=False)
    try:
        ctx.store.record_access_key_use(key_id, ctx.service, region, now)
    except ClearanceError:  # bookkeeping only: never fail the request for it
        log.warning("could not record the use of access key %s", key_id, exc_info=True)
        with _recent_lock:
            _recent.pop(key_id, None)
