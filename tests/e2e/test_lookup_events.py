"""CloudTrail LookupEvents against a live server with audit recording on: boto3
(client and paginator) and the AWS CLI, tenant isolation between two accounts,
authorization, and AWS's error for more than one lookup attribute."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import ACCOUNT_ID, Server, start_server

Unique = Callable[[str], str]
CREATE_USER = {"AttributeKey": "EventName", "AttributeValue": "CreateUser"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("lookup") / "data", {"CLEARANCE_AUDIT": "1"})


def _created(cloudtrail: Any, name: str) -> list[dict[str, Any]]:
    """CreateUser events naming ``name``, polled briefly (events are batched)."""
    attribute = {"AttributeKey": "ResourceName", "AttributeValue": name}
    deadline = time.monotonic() + 10
    while True:
        events: list[dict[str, Any]] = cloudtrail.lookup_events(LookupAttributes=[attribute])[
            "Events"
        ]
        found = [e for e in events if e["EventName"] == "CreateUser"]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_boto3_finds_and_pages_events(server: Server, unique: Unique) -> None:
    iam, cloudtrail = server.client("iam"), server.client("cloudtrail")
    names = [unique("looked-up") for _ in range(3)]
    for name in names:
        iam.create_user(UserName=name)
    [event] = _created(cloudtrail, names[-1])
    assert event["EventSource"] == "iam.amazonaws.com"
    assert event["Username"] == "root"
    assert event["ReadOnly"] == "false"
    assert event["Resources"] == [{"ResourceType": "AWS::IAM::User", "ResourceName": names[-1]}]
    record = json.loads(event["CloudTrailEvent"])
    assert record["recipientAccountId"] == ACCOUNT_ID
    assert record["eventID"] == event["EventId"]
    for name in names[:-1]:
        assert _created(cloudtrail, name)

    pages = list(
        cloudtrail.get_paginator("lookup_events").paginate(
            LookupAttributes=[CREATE_USER], PaginationConfig={"PageSize": 2}
        )
    )
    assert all(len(page["Events"]) <= 2 for page in pages)
    assert all("NextToken" in page for page in pages[:-1])
    seen = [e["Resources"][0]["ResourceName"] for page in pages for e in page["Events"]]
    assert len(seen) == len(set(seen))
    assert set(names) <= set(seen)
    times = [e["EventTime"] for page in pages for e in page["Events"]]
    assert times == sorted(times, reverse=True)  # newest first (eventTime has whole seconds)


def test_aws_cli_lookup_events(server: Server, unique: Unique) -> None:
    name = unique("cli-looked-up")
    server.client("iam").create_user(UserName=name)
    assert _created(server.client("cloudtrail"), name)
    completed = server.cli(
        "cloudtrail",
        "lookup-events",
        "--lookup-attributes",
        "AttributeKey=EventName,AttributeValue=CreateUser",
        "--output",
        "json",
    )
    assert completed.returncode == 0, completed.stderr
    events = json.loads(completed.stdout)["Events"]
    assert name in [e["Resources"][0]["ResourceName"] for e in events]
    assert {e["EventName"] for e in events} == {"CreateUser"}


def test_more_than_one_attribute_is_refused(server: Server) -> None:
    two = [CREATE_USER, {"AttributeKey": "Username", "AttributeValue": "root"}]
    with pytest.raises(ClientError) as raised:
        server.client("cloudtrail").lookup_events(LookupAttributes=two)
    assert raised.value.response["Error"]["Code"] == "InvalidLookupAttributesException"
    completed = server.cli(
        "cloudtrail",
        "lookup-events",
        "--lookup-attributes",
        "AttributeKey=EventName,AttributeValue=CreateUser",
        "AttributeKey=Username,AttributeValue=root",
    )
    assert completed.returncode != 0
    assert "InvalidLookupAttributesException" in completed.stderr


def test_accounts_see_only_their_own_events(server: Server, unique: Unique) -> None:
    other = server.create_account()
    theirs, mine = unique("theirs"), unique("mine")
    other_iam = server.client("iam", other["AccessKeyId"], other["SecretAccessKey"])
    other_trail = server.client("cloudtrail", other["AccessKeyId"], other["SecretAccessKey"])
    other_iam.create_user(UserName=theirs)
    server.client("iam").create_user(UserName=mine)
    own_trail = server.client("cloudtrail")
    assert _created(other_trail, theirs)
    assert _created(own_trail, mine)
    assert not _created(own_trail, theirs)
    assert not _created(other_trail, mine)
    every = [
        json.loads(e["CloudTrailEvent"])["recipientAccountId"]
        for page in other_trail.get_paginator("lookup_events").paginate()
        for e in page["Events"]
    ]
    assert every and set(every) == {other["AccountId"]}


def test_a_caller_without_the_permission_is_denied(server: Server, unique: Unique) -> None:
    iam = server.client("iam")
    name = unique("no-trail")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    cloudtrail = server.client("cloudtrail", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as raised:
        cloudtrail.lookup_events()
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    allow = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "cloudtrail:LookupEvents", "Resource": "*"}],
    }
    iam.put_user_policy(UserName=name, PolicyName="trail", PolicyDocument=json.dumps(allow))
    assert _created(cloudtrail, name)
