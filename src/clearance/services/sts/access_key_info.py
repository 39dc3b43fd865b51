"""GetAccessKeyInfo: which account an access key id belongs to.
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetAccessKeyInfo.html

Any account's key, long-term (``AKIA``) or temporary (``ASIA``); the caller
needs ``sts:GetAccessKeyInfo``. AWS decodes the account from the key id itself;
Clearance's key ids carry no account, so it looks the key up in the store, and
answers ``InvalidParameterValue`` for a key id it has never issued (or whose
session has been deleted).
"""

from __future__ import annotations

from typing import Any

from clearance.services.context import CallContext
from clearance.services.registry import operation
from clearance.services.sts.credentials import InvalidParameterValue
from clearance.services.sts.restrictions import check_credential_type

__all__: list[str] = []


@operation("sts", "GetAccessKeyInfo")
def get_access_key_info(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    check_credential_type(ctx)  # also in the gateway
    ctx.require("sts:GetAccessKeyInfo", "*")
    key_id = params["AccessKeyId"]
    record = ctx.store.key_record(key_id)
    if record is None:
        raise InvalidParameterValue(f"The access key ID {key_id} is not known to this service.")
    return {"Account": record.account_id}
