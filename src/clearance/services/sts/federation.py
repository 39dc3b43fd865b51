"""GetFederationToken: temporary credentials of a federated user, issued by an
IAM user (or the root user) for someone it authenticated itself.
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html

The caller needs ``sts:GetFederationToken`` on
``arn:aws:sts::ACCOUNT:federated-user/NAME`` (and ``sts:TagSession`` to pass
tags). The federated user's permissions are the intersection of the issuing
user's identity policies and the session policies passed here: without
``Policy`` or ``PolicyArns`` it has none. Its ARN is
``arn:aws:sts::ACCOUNT:federated-user/NAME`` and its id ``ACCOUNT:NAME``. It
cannot call IAM, and only GetCallerIdentity on STS
(:mod:`clearance.services.sts.restrictions`).
"""

from __future__ import annotations

from typing import Any

from clearance.engine import ContextValue
from clearance.services.context import CallContext
from clearance.services.errors import AccessDenied
from clearance.services.registry import operation
from clearance.services.sts.credentials import (
    ROOT_MAX_DURATION,
    TOKEN_DEFAULT_DURATION,
    check_packed_size,
    credentials_shape,
    expiry,
    is_root,
    session_policies,
    session_tags,
    tag_context,
)
from clearance.services.sts.restrictions import check_credential_type
from clearance.store import SessionSpec

__all__ = ["SESSION_CREDENTIALS", "federated_user_arn"]

SESSION_CREDENTIALS = "Cannot call GetFederationToken with session credentials"


def federated_user_arn(account_id: str, name: str) -> str:
    return f"arn:aws:sts::{account_id}:federated-user/{name}"


@operation("sts", "GetFederationToken")
def get_federation_token(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    check_credential_type(ctx)  # also in the gateway; kept for these credential issuers
    caller = ctx.caller
    if caller.session is not None:
        raise AccessDenied(SESSION_CREDENTIALS)
    name = params["Name"]
    arn = federated_user_arn(caller.account_id, name)
    tags = session_tags(params)
    context: dict[str, ContextValue] = dict(tag_context(tags))
    ctx.require("sts:GetFederationToken", arn, context)
    if tags.tagging:
        ctx.require("sts:TagSession", arn, context)
    policies = session_policies(ctx, params, caller.account_id)
    packed = check_packed_size(policies, tags.tags)
    seconds = int(params.get("DurationSeconds") or TOKEN_DEFAULT_DURATION)
    root = is_root(caller)
    if root:
        seconds = min(seconds, ROOT_MAX_DURATION)
    principal_id = f"{caller.account_id}:{name}"
    new = ctx.store.create_session(
        SessionSpec(
            account_id=caller.account_id,
            kind="FederatedUser",
            principal_arn=arn,
            principal_id=principal_id,
            expires=expiry(ctx.now, seconds),
            user_id=None if root else caller.entity_id,
            session_name=name,
            session_policy=policies.policy,
            policy_arns=policies.policy_arns,
            tags=tags.tags,
            source_access_key_id=caller.access_key_id,
            attributes={"issuer_arn": caller.arn},
        )
    )
    return {
        "Credentials": credentials_shape(new),
        "FederatedUser": {"FederatedUserId": principal_id, "Arn": arn},
        "PackedPolicySize": packed,
    }
