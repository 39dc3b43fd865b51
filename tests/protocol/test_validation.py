"""Validation and dispatch errors in AWS's wording.

The STS cases are the answers real AWS STS gave to these exact requests
(recorded by a public conformance probe); the IAM cases follow the same rules.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from clearance.protocol import (
    InvalidAction,
    MalformedInput,
    MissingAction,
    ValidationError,
    decode_query,
)

ROLE = "arn:aws:iam::123456789012:role/demo"
ROLE_ARN_PATTERN = (
    r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+"
)


def _sts(*pairs: tuple[str, str]) -> str:
    return urlencode([("Action", "AssumeRole"), ("Version", "2011-06-15"), *pairs])


def _message(service: str, body: str) -> str:
    with pytest.raises(ValidationError) as caught:
        decode_query(service, body)
    return caught.value.message


STS_CASES = [
    (
        [("RoleSessionName", "s1")],
        "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: "
        "Member must not be null",
    ),
    (
        [("RoleArn", ""), ("RoleSessionName", "s1")],
        "2 validation errors detected: Value '' at 'roleArn' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {ROLE_ARN_PATTERN}; Value '' at "
        "'roleArn' failed to satisfy constraint: "
        "Member must have length greater than or equal to 20",
    ),
    (
        [("RoleArn", "not-an-arn"), ("RoleSessionName", "s1")],
        "1 validation error detected: Value 'not-an-arn' at 'roleArn' failed to satisfy "
        "constraint: Member must have length greater than or equal to 20",
    ),
    (
        [("RoleArn", "x" * 2049), ("RoleSessionName", "s1")],
        f"1 validation error detected: Value '{'x' * 2049}' at 'roleArn' failed to satisfy "
        "constraint: Member must have length less than or equal to 2048",
    ),
    (
        [("RoleArn", "\U0001f600" * 2048), ("RoleSessionName", "s1")],
        f"1 validation error detected: Value '{chr(0x1F600) * 2048}' at 'roleArn' failed to "
        f"satisfy constraint: Member must satisfy regular expression pattern: {ROLE_ARN_PATTERN}",
    ),
    (
        [("RoleArn", "\U0001f600" * 2049), ("RoleSessionName", "s1")],
        f"2 validation errors detected: Value '{chr(0x1F600) * 2049}' at 'roleArn' failed to "
        f"satisfy constraint: Member must satisfy regular expression pattern: {ROLE_ARN_PATTERN}; "
        f"Value '{chr(0x1F600) * 2049}' at 'roleArn' failed to satisfy constraint: Member must "
        "have length less than or equal to 2048",
    ),
    (
        [("RoleArn", "e\u0301" * 1025), ("RoleSessionName", "s1")],
        f"1 validation error detected: Value '{'e' + chr(0x301)}{('e' + chr(0x301)) * 1024}' at "
        "'roleArn' failed to satisfy constraint: "
        "Member must have length less than or equal to 2048",
    ),
    (
        [("RoleArn", ROLE)],
        "1 validation error detected: Value null at 'roleSessionName' failed to satisfy "
        "constraint: Member must not be null",
    ),
    (
        [("RoleArn", ROLE), ("RoleSessionName", "")],
        "1 validation error detected: Value '' at 'roleSessionName' failed to satisfy "
        "constraint: Member must have length greater than or equal to 2",
    ),
    (
        [("RoleArn", ROLE), ("RoleSessionName", "bad/name")],
        "1 validation error detected: Value 'bad/name' at 'roleSessionName' failed to satisfy "
        r"constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*",
    ),
    (
        [("RoleArn", ROLE), ("RoleSessionName", "a" * 65)],
        f"1 validation error detected: Value '{'a' * 65}' at 'roleSessionName' failed to satisfy "
        "constraint: Member must have length less than or equal to 64",
    ),
    (
        [("RoleArn", ROLE), ("RoleSessionName", "s1"), ("DurationSeconds", "-1")],
        "1 validation error detected: Value '-1' at 'durationSeconds' failed to satisfy "
        "constraint: Member must have value greater than or equal to 900",
    ),
    (
        [("RoleArn", ROLE), ("RoleSessionName", "s1"), ("DurationSeconds", "2147483647")],
        "1 validation error detected: Value '2147483647' at 'durationSeconds' failed to satisfy "
        "constraint: Member must have value less than or equal to 43200",
    ),
    (
        [("RoleArn", ROLE), ("RoleSessionName", "s1"), ("DurationSeconds", "-2147483648")],
        "1 validation error detected: Value '-2147483648' at 'durationSeconds' failed to satisfy "
        "constraint: Member must have value greater than or equal to 900",
    ),
    (
        [("RoleArn", "not-an-arn"), ("RoleArn", ROLE), ("RoleSessionName", "s1")],
        "1 validation error detected: Value 'not-an-arn' at 'roleArn' failed to satisfy "
        "constraint: Member must have length greater than or equal to 20",
    ),
]


@pytest.mark.parametrize(("pairs", "message"), STS_CASES)
def test_sts_assume_role_messages_as_aws_sends_them(
    pairs: list[tuple[str, str]], message: str
) -> None:
    assert _message("sts", _sts(*pairs)) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "missing value for decimal type"),
        ("abc", ""),
        ("900.0", ""),
        ("2147483648", ""),
        ("-2147483649", ""),
        ("9" * 5000, ""),
    ],
)
def test_unreadable_integers_are_malformed_input(value: str, message: str) -> None:
    body = _sts(("RoleArn", ROLE), ("RoleSessionName", "s1"), ("DurationSeconds", value))
    with pytest.raises(MalformedInput) as caught:
        decode_query("sts", body)
    assert caught.value.message == message


@pytest.mark.parametrize("value", ["900", "+900", "0900"])
def test_integer_spellings_aws_accepts(value: str) -> None:
    body = _sts(("RoleArn", ROLE), ("RoleSessionName", "s1"), ("DurationSeconds", value))
    assert decode_query("sts", body).params["DurationSeconds"] == 900


def test_first_value_wins_and_unknown_parameters_are_ignored() -> None:
    body = _sts(
        ("RoleArn", ROLE),
        ("RoleArn", "not-an-arn"),
        ("RoleSessionName", "s1"),
        ("DurationSeconds", "900"),
        ("DurationSeconds", "899"),
        ("Unknown", "value"),
    )
    params = decode_query("sts", body).params
    assert params == {"RoleArn": ROLE, "RoleSessionName": "s1", "DurationSeconds": 900}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "Action=NoSuchAction&Version=2011-06-15",
            "Could not find operation NoSuchAction for version 2011-06-15",
        ),
        (
            "Action=GetCallerIdentity",
            "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED",
        ),
        (
            "Action=GetCallerIdentity&Version=",
            "Could not find operation GetCallerIdentity for version ",
        ),
        (
            "Action=GetCallerIdentity&Version=2000-01-01",
            "Could not find operation GetCallerIdentity for version 2000-01-01",
        ),
        (
            "Action=NoSuchAction&Action=GetCallerIdentity&Version=2011-06-15",
            "Could not find operation NoSuchAction for version 2011-06-15",
        ),
        (
            "Action=GetCallerIdentity&Version=2000-01-01&Version=2011-06-15",
            "Could not find operation GetCallerIdentity for version 2000-01-01",
        ),
        ("Action=&Version=2011-06-15", "Could not find operation  for version 2011-06-15"),
        (
            "Action=GetUser&Version=2011-06-15",
            "Could not find operation GetUser for version 2011-06-15",
        ),
    ],
)
def test_invalid_action(body: str, message: str) -> None:
    with pytest.raises(InvalidAction) as caught:
        decode_query("sts", body)
    assert caught.value.message == message
    assert caught.value.http_status == 400


def test_duplicates_after_a_valid_first_are_ignored() -> None:
    for body in (
        "Action=GetCallerIdentity&Action=NoSuchAction&Version=2011-06-15",
        "Action=GetCallerIdentity&Version=2011-06-15&Version=2000-01-01",
    ):
        assert decode_query("sts", body).operation == "GetCallerIdentity"


def test_missing_action_redirects() -> None:
    with pytest.raises(MissingAction) as caught:
        decode_query("sts", "Version=2011-06-15")
    assert caught.value.location == "https://aws.amazon.com/iam"
    with pytest.raises(MissingAction) as caught:
        decode_query("sts", "Version=2011-06-15", redirect_query="Version=2011-06-15")
    assert caught.value.location == "https://aws.amazon.com/iam?Version=2011-06-15"


def _iam(action: str, *pairs: tuple[str, str]) -> str:
    return urlencode([("Action", action), ("Version", "2010-05-08"), *pairs])


def test_iam_user_name_pattern_as_in_protocol_notes() -> None:
    assert _message("iam", _iam("CreateUser", ("UserName", "x y"))) == (
        "1 validation error detected: Value 'x y' at 'userName' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\w+=,.@-]+"
    )


def test_iam_errors_are_listed_in_member_order() -> None:
    body = _iam(
        "CreateUser",
        ("UserName", "a" * 65),
        ("Path", "nopath"),
        ("Tags.member.1.Key", "bad*"),
        ("Tags.member.2.Value", "v"),
    )
    assert _message("iam", body) == (
        "5 validation errors detected: "
        "Value 'nopath' at 'path' failed to satisfy constraint: Member must satisfy regular "
        r"expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F); "
        f"Value '{'a' * 65}' at 'userName' failed to satisfy constraint: Member must have length "
        "less than or equal to 64; "
        "Value 'bad*' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy "
        r"regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+; "
        "Value null at 'tags.1.member.value' failed to satisfy constraint: "
        "Member must not be null; "
        "Value null at 'tags.2.member.key' failed to satisfy constraint: Member must not be null"
    )


def test_enum_and_unicode_category_patterns() -> None:
    body = _iam("UpdateAccessKey", ("AccessKeyId", "AKIAEXAMPLEEXAMPLE12"), ("Status", "On"))
    assert _message("iam", body) == (
        "1 validation error detected: Value 'On' at 'status' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Active, Inactive, Expired]"
    )
    body = _iam(
        "TagUser",
        ("UserName", "u"),
        ("Tags.member.1.Key", "équipe 1"),
        ("Tags.member.1.Value", "日本"),
    )
    assert decode_query("iam", body).params["Tags"] == [{"Key": "équipe 1", "Value": "日本"}]


def test_list_of_strings_reports_the_list_with_every_element_rule() -> None:
    body = _iam(
        "UntagUser", ("UserName", "u"), ("TagKeys.member.1", "ok"), ("TagKeys.member.2", "k" * 129)
    )
    assert _message("iam", body) == (
        f"1 validation error detected: Value '[ok, {'k' * 129}]' at 'tagKeys' failed to satisfy "
        "constraint: Member must satisfy constraint: [Member must have length less than or equal "
        "to 128, Member must have length greater than or equal to 1, Member must satisfy regular "
        r"expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+]"
    )


def test_list_length() -> None:
    pairs = [(f"TagKeys.member.{i}", f"k{i}") for i in range(1, 52)]
    message = _message("iam", _iam("UntagUser", ("UserName", "u"), *pairs))
    assert message.startswith("1 validation error detected: Value '[k1, k2, ")
    assert message.endswith(
        "' at 'tagKeys' failed to satisfy constraint: Member must have "
        "length less than or equal to 50"
    )


def test_sensitive_values_are_not_echoed() -> None:
    body = _iam("CreateLoginProfile", ("UserName", "u"), ("Password", "p" * 129))
    assert _message("iam", body) == (
        "1 validation error detected: Value at 'password' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )
    body = _iam("CreateLoginProfile", ("UserName", "u"), ("Password", ""))
    assert "p" * 3 not in _message("iam", body)


def test_lists_indices_and_empty_lists() -> None:
    body = _iam(
        "TagUser",
        ("UserName", "u"),
        ("Tags.member.2.Key", "b"),
        ("Tags.member.2.Value", "2"),
        ("Tags.member.1.Key", "a"),
        ("Tags.member.1.Value", "1"),
    )
    assert decode_query("iam", body).params["Tags"] == [
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": "2"},
    ]
    body = _iam("CreateUser", ("UserName", "u"), ("Tags", ""))
    assert decode_query("iam", body).params == {"UserName": "u", "Tags": []}


def test_booleans() -> None:
    for text, value in (("true", True), ("false", False), ("TRUE", True)):
        body = _iam("UpdateAccountPasswordPolicy", ("RequireSymbols", text))
        assert decode_query("iam", body).params == {"RequireSymbols": value}
    with pytest.raises(MalformedInput):
        decode_query("iam", _iam("UpdateAccountPasswordPolicy", ("RequireSymbols", "yes")))


def test_policy_documents_arrive_verbatim() -> None:
    document = '{"Version": "2012-10-17",\n "Statement": []}'
    body = _iam(
        "PutUserPolicy", ("UserName", "u"), ("PolicyName", "p"), ("PolicyDocument", document)
    )
    assert decode_query("iam", body).params["PolicyDocument"] == document


def test_scalar_readers_for_types_iam_and_sts_only_return() -> None:
    from datetime import UTC, datetime

    from clearance.protocol.query import _read_blob, _read_float, _read_timestamp

    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert _read_timestamp("2024-01-02T03:04:05Z") == moment
    assert _read_timestamp("2024-01-02T05:04:05+02:00") == moment
    assert _read_timestamp("2024-01-02T03:04:05.250000Z") == moment.replace(microsecond=250000)
    assert _read_timestamp("1704164645") == moment
    assert _read_blob("aGk=") == b"hi"
    assert _read_float("1.5") == 1.5
    for reader, text in ((_read_timestamp, "yesterday"), (_read_blob, "a"), (_read_float, "x")):
        with pytest.raises(MalformedInput):
            reader(text)
