"""Exact documents: the layouts in protocol-notes §1 and those AWS was observed sending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from clearance.errors import ClearanceError
from clearance.protocol import encode_error, encode_result

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


class NoSuchEntity(ClearanceError):
    code = "NoSuchEntity"
    http_status = 404


def test_get_user() -> None:
    user = {
        "UserName": "a",
        "Path": "/",
        "UserId": "AIDAEXAMPLEEXAMPLE123",
        "Arn": "arn:aws:iam::123456789012:user/a",
        "CreateDate": datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        "PasswordLastUsed": None,
    }
    status, headers, body = encode_result("iam", "GetUser", {"User": user}, "uuid")
    assert status == 200
    assert headers == [("Content-Type", "text/xml"), ("x-amzn-RequestId", "uuid")]
    assert body.decode() == (
        f'<GetUserResponse xmlns="{IAM_NS}">\n'
        "  <GetUserResult>\n"
        "    <User>\n"
        "      <Path>/</Path>\n"
        "      <UserName>a</UserName>\n"
        "      <UserId>AIDAEXAMPLEEXAMPLE123</UserId>\n"
        "      <Arn>arn:aws:iam::123456789012:user/a</Arn>\n"
        "      <CreateDate>2024-01-02T03:04:05Z</CreateDate>\n"
        "    </User>\n"
        "  </GetUserResult>\n"
        "  <ResponseMetadata>\n"
        "    <RequestId>uuid</RequestId>\n"
        "  </ResponseMetadata>\n"
        "</GetUserResponse>\n"
    )


def test_no_output_operation_has_only_metadata() -> None:
    _, _, body = encode_result("iam", "DeleteUser", None, "rid")
    assert body.decode() == (
        f'<DeleteUserResponse xmlns="{IAM_NS}">\n'
        "  <ResponseMetadata>\n"
        "    <RequestId>rid</RequestId>\n"
        "  </ResponseMetadata>\n"
        "</DeleteUserResponse>\n"
    )


def test_error_response() -> None:
    status, headers, body = encode_error(
        "iam", NoSuchEntity("The user with name x cannot be found."), "uuid"
    )
    assert status == 404
    assert ("x-amzn-RequestId", "uuid") in headers
    assert body.decode() == (
        f'<ErrorResponse xmlns="{IAM_NS}">\n'
        "  <Error>\n"
        "    <Type>Sender</Type>\n"
        "    <Code>NoSuchEntity</Code>\n"
        "    <Message>The user with name x cannot be found.</Message>\n"
        "  </Error>\n"
        "  <RequestId>uuid</RequestId>\n"
        "</ErrorResponse>\n"
    )


def test_lists_maps_empty_lists_and_booleans() -> None:
    result = {
        "Users": [],
        "IsTruncated": True,
        "Marker": "m&1",
    }
    _, _, body = encode_result("iam", "ListUsers", result, "r")
    assert (
        "  <ListUsersResult>\n    <Users/>\n    <IsTruncated>true</IsTruncated>\n" in body.decode()
    )
    assert "<Marker>m&amp;1</Marker>" in body.decode()
    _, _, body = encode_result("iam", "GetAccountSummary", {"SummaryMap": {"Users": 3}}, "r")
    assert (
        "    <SummaryMap>\n      <entry>\n        <key>Users</key>\n        <value>3</value>\n"
        "      </entry>\n    </SummaryMap>\n"
    ) in body.decode()
    _, _, body = encode_result("iam", "ListUserTags", {"Tags": [{"Key": "k", "Value": ""}]}, "r")
    assert (
        "<Tags>\n      <member>\n        <Key>k</Key>\n        <Value></Value>\n" in body.decode()
    )


def test_policy_documents_are_url_encoded_with_percent_20() -> None:
    document = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}'
    result = {"UserName": "u", "PolicyName": "p", "PolicyDocument": document}
    _, _, body = encode_result("iam", "GetUserPolicy", result, "r")
    assert (
        "<PolicyDocument>%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20"
        "%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%22s3%3A%2A%22%7D%5D%7D"
        "</PolicyDocument>"
    ).replace("%2A", "*") in body.decode()
    assert b"+" not in body
    # Other strings are not encoded.
    _, _, body = encode_result("iam", "GetRole", {"Role": {"Description": "a b"}}, "r")
    assert b"<Description>a b</Description>" in body


def test_get_caller_identity_layout() -> None:
    result = {
        "UserId": "AIDAX",
        "Account": "123456789012",
        "Arn": "arn:aws:iam::123456789012:user/a",
    }
    _, _, body = encode_result("sts", "GetCallerIdentity", result, "r")
    assert body.decode() == (
        f'<GetCallerIdentityResponse xmlns="{STS_NS}">\n'
        "  <GetCallerIdentityResult>\n"
        "    <UserId>AIDAX</UserId>\n"
        "    <Account>123456789012</Account>\n"
        "    <Arn>arn:aws:iam::123456789012:user/a</Arn>\n"
        "  </GetCallerIdentityResult>\n"
        "  <ResponseMetadata>\n"
        "    <RequestId>r</RequestId>\n"
        "  </ResponseMetadata>\n"
        "</GetCallerIdentityResponse>\n"
    )


def test_timestamps_are_utc_whole_seconds() -> None:
    plus_two = timezone(timedelta(hours=2))
    cases = {
        datetime(2024, 1, 2, 5, 4, 5, 999999, tzinfo=plus_two): "2024-01-02T03:04:05Z",
        datetime(2024, 1, 2, 3, 4, 5): "2024-01-02T03:04:05Z",
        1704164645: "2024-01-02T03:04:05Z",
    }
    for value, text in cases.items():
        credentials = {"Expiration": value}
        _, _, body = encode_result("sts", "GetSessionToken", {"Credentials": credentials}, "r")
        assert f"<Expiration>{text}</Expiration>".encode() in body


def test_empty_output_structure_still_has_its_result_wrapper() -> None:
    _, _, body = encode_result("iam", "ListUsers", {}, "r")
    assert b"  <ListUsersResult/>\n" in body


def test_text_that_xml_cannot_hold() -> None:
    _, _, body = encode_result("iam", "GetRole", {"Role": {"Description": "a\rb\x00c"}}, "r")
    assert "<Description>a&#xD;b\ufffdc</Description>".encode() in body


def test_result_problems_catch_what_the_encoder_would_drop() -> None:
    from clearance.protocol import result_problems

    good = {
        "User": {
            "Path": "/",
            "UserName": "a",
            "UserId": "AIDA",
            "Arn": "arn",
            "CreateDate": datetime(2024, 1, 1, tzinfo=UTC),
        }
    }
    assert result_problems("iam", "GetUser", good) == []
    bad = {
        "User": {
            "Path": "/",
            "Username": "a",
            "UserId": 5,
            "Arn": "arn",
            "CreateDate": "yesterday",
            "Tags": {"k": "v"},
        }
    }
    assert result_problems("iam", "GetUser", bad) == [
        "GetUser.User.UserName: required member missing",
        "GetUser.User.Username: not a member of User",
        "GetUser.User.UserId: expected string, got int",
        "GetUser.User.CreateDate: expected timestamp, got str",
        "GetUser.User.Tags: expected a list, got dict",
    ]
    assert result_problems("iam", "DeleteUser", None) == []
    assert result_problems("iam", "DeleteUser", {"x": 1}) == ["DeleteUser has no output, got ['x']"]
