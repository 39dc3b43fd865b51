"""The account's own Block Public Access configuration (S3 Control's
Get/Put/DeletePublicAccessBlock, at ``/v20180820/configuration/publicAccessBlock``
with ``x-amz-account-id``): it combines with each bucket's, a setting being on
when either turns it on.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
"""

from __future__ import annotations

import json
from typing import Any

from clearance.services import s3_authz
from clearance.services.context import CallContext
from clearance.services.errors import AccessDenied
from clearance.services.registry import operation
from clearance.services.s3.authz import facts_of, require
from clearance.services.s3.call import call_of
from clearance.services.s3.errors import MalformedXMLError, NoSuchPublicAccessBlockConfiguration

__all__ = ["PAB_FIELDS"]

PAB_FIELDS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _authorize(ctx: CallContext, params: dict[str, Any], action: str) -> str:
    """The caller's own account, once ``action`` is allowed on it."""
    account = str(params.get("AccountId") or "")
    context = s3_authz.s3_condition_keys(action, facts_of(call_of(params), None))
    require(ctx, action, "*", dict(context), None)
    if not ctx.account_id or account != ctx.account_id:
        raise AccessDenied("Access Denied")
    return account


@operation("s3control", "GetPublicAccessBlock")
def get_account_public_access_block(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    account = _authorize(ctx, params, "s3:GetAccountPublicAccessBlock")
    text = ctx.store.s3_account_public_access_block(account)
    if text is None:
        raise NoSuchPublicAccessBlockConfiguration(AccountId=account)
    return {"PublicAccessBlockConfiguration": json.loads(text)}


@operation("s3control", "PutPublicAccessBlock")
def put_account_public_access_block(ctx: CallContext, params: dict[str, Any]) -> None:
    account = _authorize(ctx, params, "s3:PutAccountPublicAccessBlock")
    configuration = params.get("PublicAccessBlockConfiguration")
    if not isinstance(configuration, dict):
        raise MalformedXMLError()
    values = {name: bool(configuration.get(name, False)) for name in PAB_FIELDS}
    ctx.store.s3_set_account_public_access_block(account, json.dumps(values))
    return None


@operation("s3control", "DeletePublicAccessBlock")
def delete_account_public_access_block(ctx: CallContext, params: dict[str, Any]) -> None:
    account = _authorize(ctx, params, "s3:PutAccountPublicAccessBlock")
    ctx.store.s3_set_account_public_access_block(account, None)
    return None
