"""LookupEvents through the real gateway: the Event shape, each lookup attribute,
time ranges and the 90-day window, paging and its token, AWS's errors for bad
input, authorization, and tenant isolation (a caller sees its own account only)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from clearance.audit import CallRecord, Identity, build_event
from tests.services.sts.conftest import ACCOUNT, OTHER, ROOT_KEY, Harness, allow

NAME = {"AttributeKey": "EventName", "AttributeValue": "CreateUser"}


def lookup(h: Harness, keys: Any = None, **params: Any) -> dict[str, Any]:
    result: dict[str, Any] = h.client("cloudtrail", keys, validate=False).lookup_events(**params)
    return result


def failure(h: Harness, keys: Any = None, **params: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as raised:
        lookup(h, keys, **params)
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def names(result: dict[str, Any]) -> list[str]:
    """The IAM calls found (LookupEvents calls are recorded too, as on AWS)."""
    return [e["EventName"] for e in result["Events"] if e["EventName"] != "LookupEvents"]


def make_users(h: Harness, *names: str, keys: Any = None) -> None:
    iam = h.iam(keys)
    for name in names:
        iam.create_user(UserName=name)
        h.clock.advance(seconds=1)


def test_event_shape(h: Harness) -> None:
    make_users(h, "alice")
    [event] = lookup(h, LookupAttributes=[NAME])["Events"]
    assert event["EventName"] == "CreateUser"
    assert event["EventSource"] == "iam.amazonaws.com"
    assert event["ReadOnly"] == "false"
    assert event["Username"] == "root"
    assert event["AccessKeyId"] == ROOT_KEY
    assert event["Resources"] == [{"ResourceType": "AWS::IAM::User", "ResourceName": "alice"}]
    record = json.loads(event["CloudTrailEvent"])
    assert record["eventID"] == event["EventId"]
    assert record["requestParameters"] == {"userName": "alice"}
    assert record["recipientAccountId"] == ACCOUNT
    assert event["EventTime"] == h.clock.now() - timedelta(seconds=1)


def test_each_attribute_filters(h: Harness) -> None:
    make_users(h, "alice", "bob")
    h.iam().list_users()
    [bob] = lookup(h, LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": "bob"}])[
        "Events"
    ]
    by_id = lookup(
        h, LookupAttributes=[{"AttributeKey": "EventId", "AttributeValue": bob["EventId"]}]
    )
    assert [e["EventId"] for e in by_id["Events"]] == [bob["EventId"]]
    reads = lookup(h, LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "true"}])
    assert names(reads) == ["ListUsers"]
    writes = lookup(h, LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "false"}])
    assert names(writes) == ["CreateUser", "CreateUser"]
    typed = lookup(
        h, LookupAttributes=[{"AttributeKey": "ResourceType", "AttributeValue": "AWS::IAM::User"}]
    )
    assert names(typed) == ["CreateUser", "CreateUser"]
    roles = lookup(
        h, LookupAttributes=[{"AttributeKey": "ResourceType", "AttributeValue": "AWS::IAM::Role"}]
    )
    assert roles["Events"] == []
    by_key = lookup(
        h, LookupAttributes=[{"AttributeKey": "AccessKeyId", "AttributeValue": ROOT_KEY}]
    )
    assert names(by_key) == ["ListUsers", "CreateUser", "CreateUser"]


def test_newest_first_and_time_range(h: Harness) -> None:
    start = h.clock.now()
    make_users(h, "u1", "u2", "u3")
    everything = lookup(h, LookupAttributes=[NAME])["Events"]
    assert [e["Resources"][0]["ResourceName"] for e in everything] == ["u3", "u2", "u1"]
    middle = lookup(
        h,
        LookupAttributes=[NAME],
        StartTime=start + timedelta(seconds=1),
        EndTime=start + timedelta(seconds=1),
    )["Events"]
    assert [e["Resources"][0]["ResourceName"] for e in middle] == ["u2"]


def test_paging_with_the_paginator_and_a_bound_token(h: Harness) -> None:
    make_users(h, *(f"user{i}" for i in range(5)))
    client = h.client("cloudtrail")
    pages = list(
        client.get_paginator("lookup_events").paginate(
            LookupAttributes=[NAME], PaginationConfig={"PageSize": 2}
        )
    )
    assert [len(page["Events"]) for page in pages] == [2, 2, 1]
    seen = [e["Resources"][0]["ResourceName"] for page in pages for e in page["Events"]]
    assert seen == [f"user{i}" for i in (4, 3, 2, 1, 0)]
    token = pages[0]["NextToken"]
    other = {"AttributeKey": "EventName", "AttributeValue": "ListUsers"}
    assert failure(h, LookupAttributes=[other], NextToken=token) == (
        "InvalidNextTokenException",
        400,
    )
    assert failure(h, LookupAttributes=[NAME], NextToken="garbage") == (
        "InvalidNextTokenException",
        400,
    )
    assert failure(h, LookupAttributes=[NAME], NextToken="Zm9v." + token.rsplit(".")[-1]) == (
        "InvalidNextTokenException",
        400,
    )


def test_bad_input_errors(h: Harness) -> None:
    two = [NAME, {"AttributeKey": "Username", "AttributeValue": "root"}]
    assert failure(h, LookupAttributes=two) == ("InvalidLookupAttributesException", 400)
    maybe = [{"AttributeKey": "ReadOnly", "AttributeValue": "maybe"}]
    assert failure(h, LookupAttributes=maybe) == ("InvalidLookupAttributesException", 400)
    now = h.clock.now()
    assert failure(h, StartTime=now, EndTime=now - timedelta(seconds=1)) == (
        "InvalidTimeRangeException",
        400,
    )
    # Out of the model's range: the JSON decoder's ValidationException.
    assert failure(h, MaxResults=51) == ("ValidationException", 400)
    assert failure(h, EventCategory="management") == ("ValidationException", 400)
    unknown = [{"AttributeKey": "Color", "AttributeValue": "red"}]
    assert failure(h, LookupAttributes=unknown) == ("ValidationException", 400)


def test_insight_category_has_no_events(h: Harness) -> None:
    make_users(h, "alice")
    assert lookup(h, EventCategory="insight")["Events"] == []
    assert names(lookup(h)) == ["CreateUser"]


def test_only_the_last_90_days(h: Harness) -> None:
    def old_event(age: timedelta, name: str) -> tuple[dict[str, Any], None]:
        call = CallRecord(
            identity=Identity("Root", ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, ROOT_KEY),
            event_time=h.clock.now() - age,
            service="iam",
            operation="CreateUser",
            region="us-east-1",
            request_id=f"req-{name}",
            params={"UserName": name},
        )
        return dict(build_event(call).record), None

    h.store.append_events(
        [old_event(timedelta(days=91), "ancient"), old_event(timedelta(days=89), "recent")]
    )
    found = lookup(h, LookupAttributes=[NAME], StartTime=h.clock.now() - timedelta(days=365))
    assert [e["Resources"][0]["ResourceName"] for e in found["Events"]] == ["recent"]
    # Still in the store, for clearance audit.
    assert len(h.store.lookup_events(filters={"EventName": "CreateUser"}).events) == 2


def test_a_caller_sees_only_its_own_account(h: Harness) -> None:
    make_users(h, "mine")
    make_users(h, "theirs", keys=h.other_root)
    mine = lookup(h, LookupAttributes=[NAME])["Events"]
    assert [e["Resources"][0]["ResourceName"] for e in mine] == ["mine"]
    theirs = lookup(h, h.other_root, LookupAttributes=[NAME])["Events"]
    assert [e["Resources"][0]["ResourceName"] for e in theirs] == ["theirs"]
    by_id = [{"AttributeKey": "EventId", "AttributeValue": theirs[0]["EventId"]}]
    assert lookup(h, LookupAttributes=by_id)["Events"] == []
    assert json.loads(theirs[0]["CloudTrailEvent"])["recipientAccountId"] == OTHER


def test_authorized_as_cloudtrail_lookup_events(h: Harness) -> None:
    make_users(h, "target")
    nobody = h.user("nobody", allow("iam:ListUsers"))
    assert failure(h, nobody) == ("AccessDenied", 403)
    auditor = h.user("auditor", allow("cloudtrail:LookupEvents"))
    assert "CreateUser" in names(lookup(h, auditor, LookupAttributes=[NAME]))


def test_lookups_are_recorded_as_read_only_cloudtrail_events(h: Harness) -> None:
    lookup(h)
    found = lookup(
        h, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "LookupEvents"}]
    )
    event = found["Events"][-1]
    assert (event["EventSource"], event["ReadOnly"]) == ("cloudtrail.amazonaws.com", "true")
    assert json.loads(event["CloudTrailEvent"])["responseElements"] is None
