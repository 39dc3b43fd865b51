"""GetCallerIdentity: who am I? It needs no permission, and AWS answers it
even when a policy explicitly denies it.
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
"""

from __future__ import annotations

from typing import Any

from clearance.services.context import CallContext
from clearance.services.registry import operation


@operation("sts", "GetCallerIdentity")
def get_caller_identity(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    caller = ctx.caller
    return {"UserId": caller.principal_id, "Account": caller.account_id, "Arn": caller.arn}
