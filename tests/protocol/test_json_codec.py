"""The JSON 1.1 codec through the protocol's entry points and a real boto3 client.

A ``before-send`` hook answers each request in-process: the gateway's routing
(:func:`json_service_of`), :func:`decode_request`, a tiny fake service on the
plain params dict, then :func:`encode_result` / :func:`encode_error`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ClientError

from clearance.errors import ClearanceError
from clearance.protocol import (
    RequestEntityTooLarge,
    ValidationError,
    decode_request,
    encode_error,
    encode_result,
    warm,
)
from clearance.protocol.form import Limits
from clearance.protocol.jsonproto import (
    SerializationException,
    UnknownOperationException,
    ValidationException,
    _read_blob,
    json_service_of,
    json_target,
)
from clearance.wire import WireRequest

Handler = Callable[[dict[str, Any]], dict[str, Any] | None]

CLOUDTRAIL = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"


def _request(target: str | None, body: bytes | str = b"{}") -> WireRequest:
    headers = [("Content-Type", "application/x-amz-json-1.1")]
    if target is not None:
        headers.append(("X-Amz-Target", target))
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return WireRequest.build("POST", "/", headers=headers, body=raw)


def _decode(body: Any, target: str = "CloudTrail_20131101.LookupEvents") -> dict[str, Any]:
    return decode_request("cloudtrail", _request(target, json.dumps(body))).params


class InvalidLookupAttributes(ClearanceError):
    code = "InvalidLookupAttributesException"
    http_status = 400


class AccountNotFound(ClearanceError):
    code = "AccountNotFoundException"
    http_status = 400


# --- routing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "service"),
    [
        (f"{CLOUDTRAIL}.LookupEvents", "cloudtrail"),
        ("CloudTrail_20131101.LookupEvents", "cloudtrail"),
        ("AWSOrganizationsV20161128.CreateAccount", "organizations"),
        ("AmazonSSM.GetParameter", None),
        ("LookupEvents", None),
        ("", None),
        (None, None),
    ],
)
def test_json_service_of(target: str | None, service: str | None) -> None:
    assert json_service_of(_request(target)) == service


def test_json_target() -> None:
    request = _request("AWSOrganizationsV20161128.ListAccounts")
    assert json_target(request) == ("organizations", "ListAccounts")
    assert json_target(_request("AmazonSSM.GetParameter")) is None
    assert json_target(_request(None)) is None


def test_both_target_spellings_decode() -> None:
    for target in (f"{CLOUDTRAIL}.LookupEvents", "CloudTrail_20131101.LookupEvents"):
        decoded = decode_request("cloudtrail", _request(target, '{"MaxResults": 5}'))
        assert (decoded.service, decoded.operation, decoded.params) == (
            "cloudtrail",
            "LookupEvents",
            {"MaxResults": 5},
        )
        assert decoded.version == "2013-11-01"


@pytest.mark.parametrize(
    "target",
    [None, "CloudTrail_20131101.NoSuchOperation", "AWSOrganizationsV20161128.ListAccounts"],
)
def test_unknown_operation(target: str | None) -> None:
    with pytest.raises(UnknownOperationException):
        decode_request("cloudtrail", _request(target))


# --- decoding ----------------------------------------------------------------


def test_timestamps_as_numbers_numeric_strings_and_iso() -> None:
    params = _decode(
        {"StartTime": 1700000000.123456, "EndTime": "2024-01-02T03:04:05.5Z"},
    )
    assert params["StartTime"] == datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC)
    assert params["EndTime"] == datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)
    assert _decode({"StartTime": "1700000000"})["StartTime"] == datetime(
        2023, 11, 14, 22, 13, 20, tzinfo=UTC
    )
    naive = _decode({"StartTime": "2024-01-02T03:04:05"})["StartTime"]
    assert naive == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_empty_body_nulls_and_unknown_members() -> None:
    assert _decode_raw(b"") == {}
    assert _decode({"MaxResults": None, "Bogus": [1, 2]}) == {}


def _decode_raw(body: bytes) -> dict[str, Any]:
    return decode_request("cloudtrail", _request("CloudTrail_20131101.LookupEvents", body)).params


def test_validation_in_aws_wording_all_at_once() -> None:
    with pytest.raises(ValidationException) as caught:
        _decode(
            {
                "LookupAttributes": [{"AttributeKey": "Nope", "AttributeValue": ""}],
                "MaxResults": 51,
            }
        )
    error = caught.value
    assert isinstance(error, ValidationError)
    assert error.code == "ValidationException"
    assert error.message == (
        "3 validation errors detected: "
        "Value 'Nope' at 'lookupAttributes.1.member.attributeKey' failed to satisfy constraint: "
        "Member must satisfy enum value set: [EventId, EventName, ReadOnly, Username, "
        "ResourceType, ResourceName, EventSource, AccessKeyId]; "
        "Value '' at 'lookupAttributes.1.member.attributeValue' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; "
        "Value '51' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 50"
    )


def test_missing_required_and_sensitive_values_not_echoed() -> None:
    request = _request(
        "AWSOrganizationsV20161128.CreateAccount", json.dumps({"Email": "a@b", "AccountName": "x"})
    )
    with pytest.raises(ValidationException) as caught:
        decode_request("organizations", request)
    message = caught.value.message
    assert message.startswith("2 validation errors detected: Value at 'email' failed")
    assert "a@b" not in message
    request = _request("AWSOrganizationsV20161128.CreateAccount", "{}")
    with pytest.raises(ValidationException) as caught:
        decode_request("organizations", request)
    assert "Value null at 'email' failed to satisfy constraint: Member must not be null" in (
        caught.value.message
    )


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'{"MaxResults": "5"}',
        b'{"MaxResults": 1.5}',
        b'{"MaxResults": true}',
        b'{"MaxResults": NaN}',
        b'{"LookupAttributes": {"AttributeKey": "EventName"}}',
        b'{"LookupAttributes": [{"AttributeKey": 3, "AttributeValue": "x"}]}',
        b'{"StartTime": "yesterday"}',
        b'{"StartTime": true}',
        b"\xff\xfe",
        b"[" * 100_000,
    ],
)
def test_unreadable_values_are_serialization_exceptions(body: bytes) -> None:
    with pytest.raises(SerializationException):
        _decode_raw(body)


def test_integral_float_is_an_integer_and_blob_is_base64() -> None:
    assert _decode({"MaxResults": 5.0}) == {"MaxResults": 5}
    # No CloudTrail/Organizations input has a blob; check the reader directly.
    assert _read_blob("aGk=") == b"hi"
    with pytest.raises(SerializationException):
        _read_blob("not base64!")


def test_body_limit() -> None:
    request = _request("CloudTrail_20131101.LookupEvents", b" " * 2048)
    with pytest.raises(RequestEntityTooLarge):
        decode_request("cloudtrail", request, limits=Limits(max_body_bytes=1024))


# --- encoding ----------------------------------------------------------------


def test_result_encoding() -> None:
    result = {
        "Events": [
            {
                "EventId": "e1",
                "EventTime": datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
                "ReadOnly": "true",
                "Resources": [],
                "Username": None,
            }
        ],
        "NextToken": "t",
    }
    status, headers, body = encode_result("cloudtrail", "LookupEvents", result, "rid")
    assert status == 200
    assert headers == [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", "rid")]
    assert json.loads(body) == {
        "Events": [
            {"EventId": "e1", "EventTime": 1704164645.678, "ReadOnly": "true", "Resources": []}
        ],
        "NextToken": "t",
    }
    assert encode_result("cloudtrail", "AddTags", None, "rid")[2] == b"{}"


def test_error_encoding() -> None:
    status, headers, body = encode_error(
        "cloudtrail", InvalidLookupAttributes("bad attribute"), "rid"
    )
    assert status == 400
    assert ("x-amzn-RequestId", "rid") in headers
    assert json.loads(body) == {
        "__type": "InvalidLookupAttributesException",
        "message": "bad attribute",
    }
    status, _, body = encode_error("cloudtrail", ClearanceError("boom"), "rid")
    assert (status, json.loads(body)) == (500, {"__type": "InternalFailure", "message": "boom"})
    # The shared ValidationError class speaks this protocol's code.
    status, _, body = encode_error("organizations", ValidationError("nope"), "rid")
    assert (status, json.loads(body)["__type"]) == (400, "ValidationException")
    status, _, body = encode_error("cloudtrail", UnknownOperationException(""), "rid")
    assert (status, json.loads(body)) == (400, {"__type": "UnknownOperationException"})


def test_warm_compiles_every_operation() -> None:
    warm("cloudtrail")
    warm("organizations")


# --- a real boto3 client -------------------------------------------------------


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _client(service: str, handlers: dict[str, Handler], seen: list[Any]) -> Any:
    client = boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url="http://clearance.test",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )

    def answer(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        request_id = f"req-{len(seen)}"
        body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
        headers = [
            (name, value.decode() if isinstance(value, bytes) else value)
            for name, value in request.headers.items()
        ]
        wire = WireRequest.build("POST", "/", headers=headers, body=body)
        routed = json_service_of(wire)
        assert routed == service
        try:
            decoded = decode_request(routed, wire)
            seen.append(decoded)
            result = handlers[decoded.operation](decoded.params)
            status, sent, out = encode_result(routed, decoded.operation, result, request_id)
        except ClearanceError as error:
            status, sent, out = encode_error(routed, error, request_id)
        return AWSResponse(request.url, status, dict(sent), _Raw(out))

    client.meta.events.register(f"before-send.{service}", answer)
    return client


EVENTS = [
    {
        "EventId": f"event-{i}",
        "EventName": "CreateUser",
        "EventTime": datetime(2024, 1, 2, 3, 4, i, 250000, tzinfo=UTC),
        "EventSource": "iam.amazonaws.com",
        "Username": "alice",
        "Resources": [{"ResourceType": "AWS::IAM::User", "ResourceName": f"user{i}"}],
        "CloudTrailEvent": json.dumps({"eventVersion": "1.08", "eventID": f"event-{i}"}),
    }
    for i in range(5)
]


def _lookup_events(params: dict[str, Any]) -> dict[str, Any]:
    for attribute in params.get("LookupAttributes", []):
        if attribute["AttributeKey"] == "EventId" and not attribute["AttributeValue"].startswith(
            "event-"
        ):
            raise InvalidLookupAttributes("The event ID is not valid.")
    start = int(params.get("NextToken", "0"))
    size = params.get("MaxResults", 50)
    page = [e for e in EVENTS if e["EventTime"] >= params.get("StartTime", EVENTS[0]["EventTime"])]
    result: dict[str, Any] = {"Events": page[start : start + size]}
    if start + size < len(page):
        result["NextToken"] = str(start + size)
    return result


def test_boto3_lookup_events_paginates() -> None:
    seen: list[Any] = []
    client = _client("cloudtrail", {"LookupEvents": _lookup_events}, seen)
    pages = list(
        client.get_paginator("lookup_events").paginate(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}],
            StartTime=datetime(2024, 1, 2, 3, 4, 1, 250000, tzinfo=UTC),
            PaginationConfig={"PageSize": 2},
        )
    )
    assert [len(p["Events"]) for p in pages] == [2, 2]
    assert [e["EventId"] for p in pages for e in p["Events"]] == [
        f"event-{i}" for i in (1, 2, 3, 4)
    ]
    first = pages[0]["Events"][0]
    assert first["EventTime"] == datetime(2024, 1, 2, 3, 4, 1, 250000, tzinfo=UTC)
    assert first["Resources"] == EVENTS[1]["Resources"]
    assert pages[0]["ResponseMetadata"]["RequestId"] == "req-0"
    assert [d.params.get("NextToken") for d in seen] == [None, "2"]
    assert seen[0].params["StartTime"] == datetime(2024, 1, 2, 3, 4, 1, 250000, tzinfo=UTC)
    assert seen[0].params["LookupAttributes"] == [
        {"AttributeKey": "EventName", "AttributeValue": "CreateUser"}
    ]


def test_boto3_modeled_error_raises_the_modeled_exception() -> None:
    client = _client("cloudtrail", {"LookupEvents": _lookup_events}, [])
    with pytest.raises(client.exceptions.InvalidLookupAttributesException) as caught:
        client.lookup_events(LookupAttributes=[{"AttributeKey": "EventId", "AttributeValue": "x"}])
    response = caught.value.response
    assert response["Error"] == {
        "Code": "InvalidLookupAttributesException",
        "Message": "The event ID is not valid.",
    }
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_boto3_validation_exception() -> None:
    client = _client("cloudtrail", {"LookupEvents": _lookup_events}, [])
    client.meta.config.parameter_validation = False
    with pytest.raises(ClientError) as caught:
        client.lookup_events(MaxResults=500)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "Value '500' at 'maxResults'" in caught.value.response["Error"]["Message"]


ACCOUNTS = [
    {
        "Id": f"11111111111{i}",
        "Arn": f"arn:aws:organizations::111111111111:account/o-abc/11111111111{i}",
        "Email": f"a{i}@example.com",
        "Name": f"account{i}",
        "Status": "ACTIVE",
        "JoinedMethod": "CREATED",
        "JoinedTimestamp": datetime(2024, 5, 6, 7, 8, i, tzinfo=UTC),
    }
    for i in range(3)
]


def test_boto3_organizations_operations() -> None:
    seen: list[Any] = []

    def create_account(params: dict[str, Any]) -> dict[str, Any]:
        return {
            "CreateAccountStatus": {
                "Id": "car-0123456789",
                "AccountName": params["AccountName"],
                "State": "IN_PROGRESS",
                "RequestedTimestamp": datetime(2024, 5, 6, tzinfo=UTC),
            }
        }

    def list_accounts(params: dict[str, Any]) -> dict[str, Any]:
        return {"Accounts": ACCOUNTS}

    def create_policy(params: dict[str, Any]) -> dict[str, Any]:
        summary = {
            "Id": "p-12345678",
            "Arn": "arn:aws:organizations::111111111111:policy/o-abc/service_control_policy/p-1",
            "Name": params["Name"],
            "Type": params["Type"],
            "AwsManaged": False,
        }
        return {"Policy": {"PolicySummary": summary, "Content": params["Content"]}}

    def describe_account(params: dict[str, Any]) -> dict[str, Any]:
        raise AccountNotFound(f"Account {params['AccountId']} not found.")

    client = _client(
        "organizations",
        {
            "CreateAccount": create_account,
            "ListAccounts": list_accounts,
            "CreatePolicy": create_policy,
            "DescribeAccount": describe_account,
        },
        seen,
    )
    created = client.create_account(
        Email="new@example.com",
        AccountName="new",
        IamUserAccessToBilling="DENY",
        Tags=[{"Key": "team", "Value": "core"}],
    )
    assert created["CreateAccountStatus"]["State"] == "IN_PROGRESS"
    assert created["CreateAccountStatus"]["RequestedTimestamp"] == datetime(2024, 5, 6, tzinfo=UTC)
    assert seen[0].params == {
        "Email": "new@example.com",
        "AccountName": "new",
        "IamUserAccessToBilling": "DENY",
        "Tags": [{"Key": "team", "Value": "core"}],
    }
    accounts = client.list_accounts()["Accounts"]
    assert [a["Id"] for a in accounts] == [a["Id"] for a in ACCOUNTS]
    assert accounts[2]["JoinedTimestamp"] == ACCOUNTS[2]["JoinedTimestamp"]
    content = json.dumps({"Version": "2012-10-17", "Statement": []})
    policy = client.create_policy(
        Content=content, Description="d", Name="deny-all", Type="SERVICE_CONTROL_POLICY"
    )["Policy"]
    assert policy["Content"] == content
    assert policy["PolicySummary"]["AwsManaged"] is False
    with pytest.raises(client.exceptions.AccountNotFoundException):
        client.describe_account(AccountId="123456789012")
