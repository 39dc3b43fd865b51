"""The CloudTrail record built from a CallRecord."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from clearance.audit import HIDDEN, CallRecord, Identity, build_event, build_record, is_read_only

ACCOUNT = "123456789012"
WHEN = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
USER = Identity("IAMUser", "AIDAX", f"arn:aws:iam::{ACCOUNT}:user/alice", ACCOUNT, "AKIAX", "alice")

FIELDS = {
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestParameters",
    "responseElements",
    "requestID",
    "eventID",
    "readOnly",
    "eventType",
    "managementEvent",
    "recipientAccountId",
    "eventCategory",
}


def _call(**changes: object) -> CallRecord:
    values: dict[str, object] = {
        "identity": USER,
        "event_time": WHEN,
        "service": "iam",
        "operation": "CreateUser",
        "region": "eu-west-1",
        "request_id": "req-1",
        "source_ip": "203.0.113.9",
        "user_agent": "aws-cli/2",
        "params": {"UserName": "bob", "Tags": [{"Key": "k", "Value": "v"}]},
        "result": {"User": {"UserName": "bob", "CreateDate": WHEN}},
    }
    values.update(changes)
    return CallRecord(**values)  # type: ignore[arg-type]


def test_a_write() -> None:
    record = build_record(_call(), new_id=lambda: "evt-1")
    assert set(record) == FIELDS
    assert record["eventVersion"] == "1.09"
    assert record["eventTime"] == "2026-01-02T03:04:05Z"
    assert record["eventSource"] == "iam.amazonaws.com"
    assert record["awsRegion"] == "us-east-1"  # IAM is global
    assert record["requestParameters"] == {
        "userName": "bob",
        "tags": [{"key": "k", "value": "v"}],
    }
    assert record["responseElements"] == {
        "user": {"userName": "bob", "createDate": "2026-01-02T03:04:05Z"}
    }
    assert record["readOnly"] is False
    assert record["eventType"] == "AwsApiCall"
    assert record["managementEvent"] is True
    assert record["eventCategory"] == "Management"
    assert record["recipientAccountId"] == ACCOUNT
    assert record["eventID"] == "evt-1"
    assert record["requestID"] == "req-1"
    json.dumps(record)


def test_a_read_has_no_response_elements_and_a_random_event_id() -> None:
    record = build_record(_call(operation="GetUser", params={"UserName": "bob"}))
    assert record["readOnly"] is True
    assert record["responseElements"] is None
    uuid.UUID(record["eventID"])


def test_sts_keeps_its_region() -> None:
    record = build_record(_call(service="sts", operation="GetCallerIdentity", params=None))
    assert record["eventSource"] == "sts.amazonaws.com"
    assert record["awsRegion"] == "eu-west-1"
    assert record["readOnly"] is True
    assert record["requestParameters"] is None


def test_an_error() -> None:
    record = build_record(
        _call(error_code="AccessDenied", error_message="User: x is not authorized", result=None)
    )
    assert record["errorCode"] == "AccessDenied"
    assert record["errorMessage"] == "User: x is not authorized"
    assert record["responseElements"] is None
    assert set(record) == FIELDS | {"errorCode", "errorMessage"}


@pytest.mark.parametrize(
    ("operation", "read_only"),
    [
        ("GetUser", True),
        ("ListRoles", True),
        ("DescribeInstances", True),
        ("GenerateCredentialReport", True),
        ("SimulatePrincipalPolicy", True),
        ("GetCallerIdentity", True),
        ("LookupEvents", True),
        ("CreateRole", False),
        ("AssumeRole", False),
        ("DeleteUser", False),
    ],
)
def test_read_only(operation: str, read_only: bool) -> None:
    assert is_read_only(operation) is read_only


def test_credentials_in_the_response_are_redacted() -> None:
    result = {
        "Credentials": {
            "AccessKeyId": "ASIAX",
            "SecretAccessKey": "s3cr3t",
            "SessionToken": "tok",
            "Expiration": WHEN,
        }
    }
    record = build_record(_call(service="sts", operation="AssumeRole", result=result))
    assert record["responseElements"]["credentials"] == {
        "accessKeyId": "ASIAX",
        "secretAccessKey": HIDDEN,
        "sessionToken": HIDDEN,
        "expiration": "2026-01-02T03:04:05Z",
    }


def test_bytes_are_base64() -> None:
    record = build_record(_call(operation="UploadThing", params={"Blob": b"\x00\x01"}))
    assert record["requestParameters"] == {"blob": "AAE="}


def test_the_trace_travels_beside_the_record() -> None:
    trace = {"outcome": "explicit_deny", "denied_by": "identity-based policy", "decisions": []}
    event = build_event(_call(trace=trace), new_id=lambda: "evt-2")
    assert event.trace == trace
    assert event.event_id == "evt-2"
    assert event.request_id == "req-1"
    assert "outcome" not in json.dumps(event.record)
