"""EC2 instance profiles end to end, with the AWS CLI and a real boto3 program.

A program started with ``AWS_EC2_METADATA_SERVICE_ENDPOINT`` pointing at an
instance's metadata service, and no other credentials, gets the role's
credentials through boto3's ordinary credential chain, is the assumed role
``assumed-role/ROLE/<instance-id>``, may do what the role allows, and is
denied once the role's policy changes. The seed's cases: an instance without
a role (the program finds no credentials) and a user without
``iam:PassRole`` (UnauthorizedOperation, decoded with
``aws sts decode-authorization-message``).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import ACCOUNT_ID, Server
from tests.e2e.instance_program import InstanceProgram, instance_programs

EC2_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _allow(action: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
        }
    )


# The "program on the instance": boto3's default credential chain only.
# Each line on stdin is a command; the same client (same credentials) serves all.
PROGRAM = """
import json, sys
import boto3
from botocore.exceptions import ClientError, NoCredentialsError

endpoint = sys.argv[1]
session = boto3.session.Session(region_name="us-east-1")
sts = session.client("sts", endpoint_url=endpoint)
iam = session.client("iam", endpoint_url=endpoint)
for line in sys.stdin:
    command = line.strip()
    try:
        if command == "whoami":
            answer = {"arn": sts.get_caller_identity()["Arn"]}
        elif command == "list-users":
            answer = {"users": len(iam.list_users()["Users"])}
        elif command == "key":
            answer = {"key": session.get_credentials().access_key}
        else:
            break
    except NoCredentialsError:
        answer = {"error": "NoCredentialsError"}
    except ClientError as error:
        answer = {"error": error.response["Error"]["Code"]}
    print(json.dumps(answer), flush=True)
"""


@pytest.fixture()
def program(server: Server, tmp_path: Path) -> Iterator[Callable[[str], InstanceProgram]]:
    yield from instance_programs(server, tmp_path, PROGRAM)


def _run_instances(
    server: Server, *args: str, key: str | None = None, secret: str | None = None
) -> subprocess.CompletedProcess[str]:
    keys = {} if key is None or secret is None else {"key": key, "secret": secret}
    return server.cli(
        "ec2", "run-instances", "--image-id", "ami-0abcdef1234567890", "--count", "1", *args, **keys
    )


def _role_profile(server: Server, unique: Callable[[str], str]) -> tuple[str, str]:
    iam = server.client("iam")
    role = unique("reader")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=EC2_TRUST)
    iam.put_role_policy(RoleName=role, PolicyName="read", PolicyDocument=_allow("iam:ListUsers"))
    profile = unique("reader-profile")
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    return role, profile


def test_program_on_the_instance_uses_the_role(
    server: Server, unique: Callable[[str], str], program: Callable[[str], InstanceProgram]
) -> None:
    role, profile = _role_profile(server, unique)
    launched = _run_instances(server, "--iam-instance-profile", f"Name={profile}")
    assert launched.returncode == 0, launched.stderr
    instance = json.loads(launched.stdout)["Instances"][0]
    instance_id = instance["InstanceId"]
    assert f"{server.endpoint}/imds/{instance_id}/" in instance["StateTransitionReason"]

    running = program(instance_id)
    assert running.ask("whoami") == {
        "arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{instance_id}"
    }
    assert "users" in running.ask("list-users")
    key_before = running.ask("key")["key"]
    assert key_before.startswith("ASIA")

    server.client("iam").put_role_policy(
        RoleName=role, PolicyName="read", PolicyDocument=_allow("iam:GetUser")
    )
    assert running.ask("list-users") == {"error": "AccessDenied"}
    assert running.ask("key")["key"] == key_before  # the same credentials see the change


def test_instance_without_a_role_gives_no_credentials(
    server: Server, program: Callable[[str], InstanceProgram]
) -> None:
    launched = _run_instances(server)
    assert launched.returncode == 0, launched.stderr
    instance_id = json.loads(launched.stdout)["Instances"][0]["InstanceId"]
    assert program(instance_id).ask("whoami") == {"error": "NoCredentialsError"}


def test_missing_pass_role_is_unauthorized_and_decodable(
    server: Server, unique: Callable[[str], str]
) -> None:
    _, profile = _role_profile(server, unique)
    iam = server.client("iam")
    user = unique("launcher")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="ec2", PolicyDocument=_allow("ec2:*"))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    denied = _run_instances(
        server,
        "--iam-instance-profile",
        f"Name={profile}",
        key=key["AccessKeyId"],
        secret=key["SecretAccessKey"],
    )
    assert denied.returncode != 0
    assert "UnauthorizedOperation" in denied.stderr
    found = re.search(r"Encoded authorization failure message: (\S+)", denied.stderr)
    assert found is not None, denied.stderr
    decoded = server.cli("sts", "decode-authorization-message", "--encoded-message", found.group(1))
    assert decoded.returncode == 0, decoded.stderr
    message = json.loads(json.loads(decoded.stdout)["DecodedMessage"])
    assert message["allowed"] is False
    assert message["context"]["action"] == "iam:PassRole"
    assert message["context"]["principal"]["arn"].endswith(f":user/{user}")
