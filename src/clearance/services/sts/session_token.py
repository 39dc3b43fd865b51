"""GetSessionToken: temporary credentials for an IAM user or the root user, with
or without MFA.
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html

It needs no permission. Only long-term keys may call it (session credentials:
AccessDenied ``Cannot call GetSessionToken with session credentials``). The
session has the caller's permissions; without MFA it cannot call IAM, and it
can call only AssumeRole and GetCallerIdentity on STS
(:mod:`clearance.services.sts.restrictions`).
"""

from __future__ import annotations

from typing import Any

from clearance.services.context import CallContext
from clearance.services.errors import AccessDenied
from clearance.services.registry import operation
from clearance.services.sts.credentials import (
    ROOT_MAX_DURATION,
    TOKEN_DEFAULT_DURATION,
    credentials_shape,
    expiry,
    is_root,
    mfa_authentication,
)
from clearance.services.sts.restrictions import check_credential_type
from clearance.store import SessionSpec

__all__ = ["SESSION_CREDENTIALS"]

SESSION_CREDENTIALS = "Cannot call GetSessionToken with session credentials"


@operation("sts", "GetSessionToken")
def get_session_token(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    check_credential_type(ctx)  # also in the gateway; kept for these credential issuers
    caller = ctx.caller
    if caller.session is not None:
        raise AccessDenied(SESSION_CREDENTIALS)
    seconds = int(params.get("DurationSeconds") or TOKEN_DEFAULT_DURATION)
    root = is_root(caller)
    if root:
        seconds = min(seconds, ROOT_MAX_DURATION)
    mfa_at = mfa_authentication(ctx, params)
    new = ctx.store.create_session(
        SessionSpec(
            account_id=caller.account_id,
            kind="SessionToken",
            principal_arn=caller.arn,
            principal_id=caller.principal_id,
            expires=expiry(ctx.now, seconds),
            user_id=None if root else caller.entity_id,
            mfa_present=mfa_at is not None,
            mfa_authenticated=mfa_at,
            source_access_key_id=caller.access_key_id,
        )
    )
    return {"Credentials": credentials_shape(new)}
