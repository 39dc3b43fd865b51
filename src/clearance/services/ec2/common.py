"""What the EC2 operations share: EC2's errors, authorization with EC2's
``UnauthorizedOperation`` (carrying an encoded authorization message), DryRun,
ARNs and the response shapes.

EC2 answers a denial with ``UnauthorizedOperation`` (HTTP 403) and the message
``You are not authorized to perform this operation. Encoded authorization
failure message: ...``, decodable with ``sts:DecodeAuthorizationMessage``.
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clearance.engine import ContextValue
from clearance.errors import ClearanceError
from clearance.services.authz_message import unauthorized_operation_message
from clearance.services.context import CallContext
from clearance.services.errors import AccessDenied
from clearance.services.tag_context import resource_tag_context as tag_context
from clearance.store import Tag

__all__ = [
    "DryRunOperation",
    "IncorrectState",
    "InvalidAssociationIdNotFound",
    "InvalidInstanceIdMalformed",
    "InvalidInstanceIdNotFound",
    "InvalidParameterValue",
    "UnauthorizedOperation",
    "authorize",
    "finish_dry_run",
    "instance_arn",
    "resource_tag_context",
]

DRY_RUN_MESSAGE = "Request would have succeeded, but DryRun flag is set."


class UnauthorizedOperation(ClearanceError):
    code = "UnauthorizedOperation"
    http_status = 403


class DryRunOperation(ClearanceError):
    code = "DryRunOperation"
    http_status = 412


class InvalidParameterValue(ClearanceError):
    code = "InvalidParameterValue"
    http_status = 400


class InvalidInstanceIdNotFound(ClearanceError):
    code = "InvalidInstanceID.NotFound"
    http_status = 400


class InvalidInstanceIdMalformed(ClearanceError):
    code = "InvalidInstanceID.Malformed"
    http_status = 400


class InvalidAssociationIdNotFound(ClearanceError):
    code = "InvalidAssociationID.NotFound"
    http_status = 400


class IncorrectState(ClearanceError):
    code = "IncorrectState"
    http_status = 400


def instance_arn(ctx: CallContext, instance_id: str = "*") -> str:
    return f"arn:aws:ec2:{ctx.region}:{ctx.account_id}:instance/{instance_id}"


def resource_tag_context(tags: tuple[Tag, ...]) -> dict[str, ContextValue]:
    """``aws:ResourceTag/K`` and EC2's own ``ec2:ResourceTag/K`` for a resource's tags."""
    return tag_context(tags, "ec2")


def authorize(
    ctx: CallContext,
    action: str,
    resource: str,
    context: Mapping[str, ContextValue] | None = None,
) -> None:
    """``ctx.require``, answering a denial as EC2 does."""
    try:
        ctx.require(action, resource, context)
    except AccessDenied:
        raise UnauthorizedOperation(unauthorized_operation_message(ctx)) from None


def finish_dry_run(params: Mapping[str, Any]) -> None:
    """After every check passed: a DryRun request stops here, as on AWS."""
    if params.get("DryRun"):
        raise DryRunOperation(DRY_RUN_MESSAGE)
