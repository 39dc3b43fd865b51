"""The seed's instance story end to end: a user launches an instance (boto3
``run_instances``) with a profile whose role may read one bucket; a program on
the "instance" (a Python process that knows only the instance's metadata
endpoint) reads the object with the role's credentials through boto3's
ordinary credential chain; the role's policy changes to a deny and the same
program, with the same cached credentials, is refused; ``clearance explain
--request-id`` of that refusal names the role session, the layer and the fix.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ACCOUNT_ID, Server, start_server
from tests.e2e.explain_helpers import explain_request_id
from tests.e2e.instance_program import InstanceProgram, instance_programs
from tests.e2e.test_ec2_instance_profiles import EC2_TRUST

IMAGE = "ami-0abcdef1234567890"

# The program on the instance: boto3's default credential chain, one client for
# every command (its credentials are fetched once and cached). Each stdin line is
# ``BUCKET KEY`` or ``key``; each answer is one JSON line.
PROGRAM = """
import json, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
session = boto3.session.Session(region_name="us-east-1")
config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
s3 = session.client("s3", endpoint_url=endpoint, config=config)
for line in sys.stdin:
    words = line.split()
    if words == ["key"]:
        answer = {"key": session.get_credentials().access_key}
    elif len(words) == 2:
        try:
            body = s3.get_object(Bucket=words[0], Key=words[1])["Body"].read()
            answer = {"body": body.decode()}
        except ClientError as error:
            answer = {
                "error": error.response["Error"]["Code"],
                "message": error.response["Error"]["Message"],
                "request_id": error.response["ResponseMetadata"]["RequestId"],
            }
    else:
        break
    print(json.dumps(answer), flush=True)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(
        tmp_path_factory.mktemp("instance-s3") / "data", {"CLEARANCE_AUDIT": "1"}
    )


@pytest.fixture()
def program(server: Server, tmp_path: Path) -> Iterator[Callable[[str], InstanceProgram]]:
    yield from instance_programs(server, tmp_path, PROGRAM)


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_program_on_the_instance_reads_s3_then_is_denied_and_explained(
    server: Server, unique: Callable[[str], str], program: Callable[[str], InstanceProgram]
) -> None:
    iam, s3 = server.client("iam"), server.client("s3")
    bucket = unique("seed-instance").lower()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="report.txt", Body=b"quarterly numbers")

    role = unique("s3-reader")
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=EC2_TRUST)["Role"]["Arn"]
    read_one_bucket = {
        "Sid": "ReadTheBucket",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    iam.put_role_policy(RoleName=role, PolicyName="read", PolicyDocument=_policy(read_one_bucket))
    profile = unique("s3-reader-profile")
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)

    # A user who may launch instances and pass exactly this role.
    user = unique("operator")
    iam.create_user(UserName=user)
    launch = _policy(
        {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role_arn},
    )
    iam.put_user_policy(UserName=user, PolicyName="launch", PolicyDocument=launch)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    ec2 = server.client("ec2", key["AccessKeyId"], key["SecretAccessKey"])
    launched = ec2.run_instances(
        ImageId=IMAGE, MinCount=1, MaxCount=1, IamInstanceProfile={"Name": profile}
    )
    instance_id = launched["Instances"][0]["InstanceId"]

    running = program(instance_id)
    assert running.ask(f"{bucket} report.txt") == {"body": "quarterly numbers"}
    key_before = running.ask("key")["key"]
    assert key_before.startswith("ASIA")
    # One bucket only: another object elsewhere is already refused.
    other = unique("seed-other").lower()
    s3.create_bucket(Bucket=other)
    s3.put_object(Bucket=other, Key="x", Body=b"x")
    assert running.ask(f"{other} x")["error"] == "AccessDenied"

    deny = {
        "Sid": "NoMoreReads",
        "Effect": "Deny",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    iam.put_role_policy(
        RoleName=role, PolicyName="read", PolicyDocument=_policy(read_one_bucket, deny)
    )
    denied = running.ask(f"{bucket} report.txt")
    assert running.ask("key")["key"] == key_before  # the same cached credentials
    session_arn = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{instance_id}"
    assert denied["error"] == "AccessDenied"
    assert denied["message"] == (
        f"User: {session_arn} is not authorized to perform: s3:GetObject on resource: "
        f"arn:aws:s3:::{bucket}/report.txt with an explicit deny in an identity-based policy"
    )

    report = explain_request_id(server, denied["request_id"])
    assert report["event"]["caller"] == session_arn
    assert report["event"]["event_source"] == "s3.amazonaws.com"
    assert report["event"]["event_name"] == "GetObject"
    assert report["decision"] == "explicit_deny"
    assert report["request"]["principal"] == session_arn
    assert report["diagnosis"]["case"] == "explicit-deny"
    assert report["explanation"]["layer"] == "identity-based policy"
    [deciding] = [s for s in report["statements"] if s["role"] == "deciding"]
    assert deciding["sid"] == "NoMoreReads"
    assert deciding["policy"] == f"role/{role}/read"
    assert "NoMoreReads" in report["explanation"]["fix"]

    # Removing the deny (and the allow) leaves the role with nothing: an implicit deny.
    iam.delete_role_policy(RoleName=role, PolicyName="read")
    removed = running.ask(f"{bucket} report.txt")
    assert removed["error"] == "AccessDenied"
    assert "because no identity-based policy allows the s3:GetObject action" in removed["message"]
    report = explain_request_id(server, removed["request_id"])
    assert report["decision"] == "implicit_deny"
    assert report["diagnosis"]["case"] == "missing-permission"
    assert report["explanation"]["layer"] == "identity-based policy"
    assert '"Action": "s3:GetObject"' in report["explanation"]["fix"]


def _assume_role_events(server: Server, instance_id: str, wait: float = 10) -> list[dict[str, Any]]:
    """CloudTrail's AssumeRole events (LookupEvents, boto3) whose session is the instance."""
    cloudtrail = server.client("cloudtrail")
    deadline = time.monotonic() + wait
    while True:
        pages = cloudtrail.get_paginator("lookup_events").paginate(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}]
        )
        found = [
            json.loads(event["CloudTrailEvent"])
            for page in pages
            for event in page["Events"]
            if instance_id in event["CloudTrailEvent"]
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_instance_credentials_leave_an_assume_role_event(
    server: Server, unique: Callable[[str], str], program: Callable[[str], InstanceProgram]
) -> None:
    iam, s3 = server.client("iam"), server.client("s3")
    bucket = unique("seed-trail").lower()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    role = unique("trail-role")
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=EC2_TRUST)["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role,
        PolicyName="read",
        PolicyDocument=_policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
    )
    profile = unique("trail-profile")
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    instance_id = server.client("ec2").run_instances(
        ImageId=IMAGE, MinCount=1, MaxCount=1, IamInstanceProfile={"Name": profile}
    )["Instances"][0]["InstanceId"]
    assert (
        _assume_role_events(server, instance_id, wait=1) == []
    )  # nothing issued before it is asked

    running = program(instance_id)
    assert running.ask(f"{bucket} k") == {"body": "v"}
    access_key = running.ask("key")["key"]

    [event] = _assume_role_events(server, instance_id)
    assert event["eventSource"] == "sts.amazonaws.com"
    assert event["eventName"] == "AssumeRole"
    assert event["userIdentity"] == {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}
    assert event["sourceIPAddress"] == "ec2.amazonaws.com"
    assert event["userAgent"] == "ec2.amazonaws.com"
    assert event["recipientAccountId"] == ACCOUNT_ID
    assert event["requestParameters"] == {"roleArn": role_arn, "roleSessionName": instance_id}
    elements = event["responseElements"]
    assert elements["credentials"]["accessKeyId"] == access_key
    assert elements["credentials"]["sessionToken"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert elements["assumedRoleUser"]["arn"] == (
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{instance_id}"
    )
