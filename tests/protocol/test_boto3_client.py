"""The whole boto3 pipeline (serializer, parser, handlers, paginators, exceptions) over our codec.

A ``before-send`` hook answers each request in-process: it decodes the body
with :func:`decode_query`, runs a tiny fake service on the plain params dict,
and returns the bytes :func:`encode_result` / :func:`encode_error` produce.
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
from clearance.protocol import decode_query, encode_error, encode_result

Handler = Callable[[dict[str, Any]], dict[str, Any] | None]


class NoSuchEntity(ClearanceError):
    code = "NoSuchEntity"
    http_status = 404


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
        try:
            decoded = decode_query(service, request.body)
            seen.append(decoded)
            result = handlers[decoded.operation](decoded.params)
            status, headers, body = encode_result(service, decoded.operation, result, request_id)
        except ClearanceError as error:
            status, headers, body = encode_error(service, error, request_id)
        return AWSResponse(request.url, status, dict(headers), _Raw(body))

    client.meta.events.register(f"before-send.{service}", answer)
    return client


USERS = [
    {
        "Path": "/",
        "UserName": f"user{i}",
        "UserId": f"AIDA{i:017d}",
        "Arn": f"arn:aws:iam::123456789012:user/user{i}",
        "CreateDate": datetime(2024, 1, 2, 3, 4, i, tzinfo=UTC),
    }
    for i in range(7)
]


def _list_users(params: dict[str, Any]) -> dict[str, Any]:
    start = int(params.get("Marker", "0"))
    size = params.get("MaxItems", 100)
    page = USERS[start : start + size]
    result: dict[str, Any] = {"Users": page, "IsTruncated": start + size < len(USERS)}
    if result["IsTruncated"]:
        result["Marker"] = str(start + size)
    return result


def _get_user(params: dict[str, Any]) -> dict[str, Any]:
    for user in USERS:
        if user["UserName"] == params.get("UserName", "user0"):
            return {"User": user}
    raise NoSuchEntity(f"The user with name {params['UserName']} cannot be found.")


def test_get_user_and_request_id() -> None:
    seen: list[Any] = []
    client = _client("iam", {"GetUser": _get_user}, seen)
    response = client.get_user(UserName="user3")
    assert response["User"]["UserName"] == "user3"
    assert response["User"]["CreateDate"] == datetime(2024, 1, 2, 3, 4, 3, tzinfo=UTC)
    assert response["ResponseMetadata"]["RequestId"] == "req-0"
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"] == "req-0"


def test_modeled_error_raises_the_modeled_exception() -> None:
    client = _client("iam", {"GetUser": _get_user}, [])
    with pytest.raises(client.exceptions.NoSuchEntityException) as caught:
        client.get_user(UserName="nobody")
    error = caught.value.response
    assert error["Error"]["Code"] == "NoSuchEntity"
    assert error["Error"]["Message"] == "The user with name nobody cannot be found."
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_validation_error_reaches_the_client() -> None:
    client = _client("iam", {"GetUser": _get_user}, [])
    with pytest.raises(ClientError) as caught:
        client.get_user(UserName="a b")
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "Value 'a b' at 'userName'" in caught.value.response["Error"]["Message"]


def test_paginator_walks_marker_pages() -> None:
    seen: list[Any] = []
    client = _client("iam", {"ListUsers": _list_users}, seen)
    pages = list(client.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 3}))
    assert [len(p["Users"]) for p in pages] == [3, 3, 1]
    assert [u["UserName"] for p in pages for u in p["Users"]] == [u["UserName"] for u in USERS]
    assert [d.params.get("Marker") for d in seen] == [None, "3", "6"]
    assert all(d.params["MaxItems"] == 3 for d in seen)


def test_policy_documents_come_back_as_dicts() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::a b+c/*"}],
    }
    stored: dict[str, str] = {}

    def put(params: dict[str, Any]) -> None:
        stored[params["PolicyName"]] = params["PolicyDocument"]
        return None

    def get(params: dict[str, Any]) -> dict[str, Any]:
        return {
            "UserName": params["UserName"],
            "PolicyName": params["PolicyName"],
            "PolicyDocument": stored[params["PolicyName"]],
        }

    client = _client("iam", {"PutUserPolicy": put, "GetUserPolicy": get}, [])
    client.put_user_policy(
        UserName="u", PolicyName="p", PolicyDocument=json.dumps(document, indent=2)
    )
    assert stored["p"] == json.dumps(document, indent=2)
    response = client.get_user_policy(UserName="u", PolicyName="p")
    assert response["PolicyDocument"] == document


def test_sts_assume_role_with_policy_arns_and_tags() -> None:
    seen: list[Any] = []
    expiration = datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)

    def assume(params: dict[str, Any]) -> dict[str, Any]:
        return {
            "Credentials": {
                "AccessKeyId": "ASIAEXAMPLE",
                "SecretAccessKey": "s" * 40,
                "SessionToken": "token",
                "Expiration": expiration,
            },
            "AssumedRoleUser": {
                "AssumedRoleId": "AROAEXAMPLE:s",
                "Arn": "arn:aws:sts::123456789012:assumed-role/r/s",
            },
            "PackedPolicySize": 7,
        }

    client = _client("sts", {"AssumeRole": assume}, seen)
    response = client.assume_role(
        RoleArn="arn:aws:iam::123456789012:role/r",
        RoleSessionName="s1",
        DurationSeconds=900,
        PolicyArns=[{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        Tags=[{"Key": "team", "Value": "a b"}],
        TransitiveTagKeys=["team"],
    )
    assert response["Credentials"]["Expiration"] == expiration
    assert response["PackedPolicySize"] == 7
    assert seen[0].params == {
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "RoleSessionName": "s1",
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        "DurationSeconds": 900,
        "Tags": [{"Key": "team", "Value": "a b"}],
        "TransitiveTagKeys": ["team"],
    }


def test_no_output_operation() -> None:
    client = _client("iam", {"DeleteUser": lambda params: None}, [])
    response = client.delete_user(UserName="u")
    assert set(response) == {"ResponseMetadata"}
