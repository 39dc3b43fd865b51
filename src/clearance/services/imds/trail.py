"""The CloudTrail event of an instance's role credentials.

EC2 obtains an instance profile's credentials by calling ``sts:AssumeRole``
itself, and CloudTrail records that call in the role's account: ``eventSource``
``sts.amazonaws.com``, ``eventName`` ``AssumeRole``, ``userIdentity``
``{"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}``, source IP and user
agent ``ec2.amazonaws.com``, the role ARN and the instance id as session name.
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
(``AWSService``: "a call made by an AWS service on your behalf").
Secrets are redacted by :func:`clearance.audit.build_event` as for any call.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from clearance.audit import AuditSink, BatchingSink, CallRecord, Identity, build_event

__all__ = ["record_issuance"]

log = logging.getLogger("clearance.imds")


def record_issuance(
    sink: AuditSink | None,
    *,
    principal: str,
    role_arn: str,
    session_arn: str,
    assumed_role_id: str,
    account_id: str,
    instance_id: str,
    region: str,
    credentials: dict[str, object],
    now: datetime,
) -> None:
    """Write the AssumeRole event EC2's credential issuance leaves; never raise."""
    if sink is None:
        return
    call = CallRecord(
        identity=Identity("AWSService", invoked_by=principal),
        event_time=now,
        service="sts",
        operation="AssumeRole",
        region=region,
        request_id=str(uuid.uuid4()),
        source_ip=principal,
        user_agent=principal,
        params={"RoleArn": role_arn, "RoleSessionName": instance_id},
        result={
            "Credentials": credentials,
            "AssumedRoleUser": {"AssumedRoleId": assumed_role_id, "Arn": session_arn},
        },
        recipient_account_id=account_id,
    )
    try:
        if isinstance(sink, BatchingSink):
            sink.write_call(call)
        else:
            sink.write([build_event(call)])
    except Exception:
        log.exception("recording the credentials of instance %s failed", instance_id)
