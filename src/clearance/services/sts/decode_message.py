"""DecodeAuthorizationMessage: read back an encoded authorization message.
https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html

It needs ``sts:DecodeAuthorizationMessage`` (resource ``*``), because the
message can hold what the caller should not see (the policies that denied).
Only messages Clearance sealed for the caller's own account open; anything
else (malformed, tampered with, another account's or another deployment's) is
``InvalidAuthorizationMessageException`` (HTTP 400, botocore's STS model).
The model bounds ``EncodedMessage`` to 1..10240 characters; the protocol
layer answers a longer one with a ``ValidationError``.
"""

from __future__ import annotations

from typing import Any

from clearance.errors import ClearanceError
from clearance.services.authz_message import decode_message
from clearance.services.context import CallContext
from clearance.services.registry import operation

__all__ = ["INVALID_MESSAGE", "InvalidAuthorizationMessage"]

INVALID_MESSAGE = "The encoded authorization message is invalid."


class InvalidAuthorizationMessage(ClearanceError):
    code = "InvalidAuthorizationMessageException"
    http_status = 400


@operation("sts", "DecodeAuthorizationMessage")
def decode_authorization_message(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require("sts:DecodeAuthorizationMessage", "*")
    encoded = params.get("EncodedMessage")
    decoded = (
        decode_message(ctx.store, ctx.account_id, encoded) if isinstance(encoded, str) else None
    )
    if decoded is None:
        raise InvalidAuthorizationMessage(INVALID_MESSAGE)
    return {"DecodedMessage": decoded}
