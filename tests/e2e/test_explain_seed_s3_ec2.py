"""The seed article's S3 and EC2 cases (issue 5), each produced with real boto3
(and the AWS CLI to decode) against a live server, then explained from the
audit trail with ``clearance explain --request-id``: the message the client
got, the decoded authorization message where AWS returns one (EC2's
UnauthorizedOperation), and the report's decision, layer, statement,
diagnosis and fix.

- launching an instance with a role but without ``iam:PassRole``;
- an instance profile with no role (not an authorization matter: EC2's error);
- a bucket policy that does not name a principal of another account;
- the root user locked out by a deny-all bucket policy, and recovering.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.conftest import ACCOUNT_ID, Server, start_server
from tests.e2e.explain_helpers import (
    denied_error,
    explain_request_id,
    report_layer,
)
from tests.e2e.test_ec2_instance_profiles import EC2_TRUST

IMAGE = "ami-0abcdef1234567890"
ENCODED = re.compile(r"Encoded authorization failure message: (\S+)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(
        tmp_path_factory.mktemp("seed-s3-ec2") / "data", {"CLEARANCE_AUDIT": "1"}
    )


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _request_id(response: dict[str, Any]) -> str:
    return str(response["ResponseMetadata"]["RequestId"])


def _user_client(
    server: Server, service: str, name: str, policy: str, iam: Any | None = None
) -> tuple[str, Any]:
    iam = iam or server.client("iam")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return arn, server.client(service, key["AccessKeyId"], key["SecretAccessKey"])


def _role_in_profile(server: Server, unique: Callable[[str], str]) -> tuple[str, str]:
    iam = server.client("iam")
    role = unique("app")
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=EC2_TRUST)["Role"]["Arn"]
    profile = unique("app-profile")
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    return role_arn, profile


# -- EC2 ------------------------------------------------------------------------------------


def test_launch_without_pass_role(server: Server, unique: Callable[[str], str]) -> None:
    role_arn, profile = _role_in_profile(server, unique)
    run_only = _policy({"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"})
    user = unique("launcher")
    user_arn, ec2 = _user_client(server, "ec2", user, run_only)

    error = denied_error(
        ec2.run_instances,
        ImageId=IMAGE,
        MinCount=1,
        MaxCount=1,
        IamInstanceProfile={"Name": profile},
    )
    assert error.response["Error"]["Code"] == "UnauthorizedOperation"
    message = error.response["Error"]["Message"]
    assert message.startswith(
        "You are not authorized to perform this operation. Encoded authorization failure message: "
    )
    found = ENCODED.search(message)
    assert found is not None

    decoded = server.cli("sts", "decode-authorization-message", "--encoded-message", found[1])
    assert decoded.returncode == 0, decoded.stderr
    document = json.loads(json.loads(decoded.stdout)["DecodedMessage"])
    assert document["allowed"] is False
    assert document["explicitDeny"] is False
    context = document["context"]
    assert context["principal"]["arn"] == user_arn
    assert context["action"] == "iam:PassRole"
    assert context["resource"] == role_arn
    conditions = {c["key"]: c["values"]["items"] for c in context["conditions"]["items"]}
    assert conditions["iam:passedtoservice"] == [{"value": "ec2.amazonaws.com"}]

    report = explain_request_id(server, _request_id(error.response))
    assert report["event"]["event_source"] == "ec2.amazonaws.com"
    assert report["event"]["event_name"] == "RunInstances"
    assert report["event"]["error_code"] == "UnauthorizedOperation"
    assert report["message"] == message
    assert report["decision"] == "implicit_deny"
    assert report["request"]["action"] == "iam:PassRole"
    assert report["request"]["resource"] == role_arn
    assert report["request"]["context"]["iam:passedtoservice"] == "ec2.amazonaws.com"
    assert report_layer(report, "identity")["decided"] is True
    assert report_layer(report, "identity")["said"] == "no allow"
    assert report["statements"] == []  # no statement allows it: nothing to point at
    assert report["explanation"]["layer"] == "identity-based policy"
    assert report["explanation"]["fix"] == (
        'add to an identity-based policy a statement with "Effect": "Allow", '
        f'"Action": "iam:PassRole", "Resource": "{role_arn}".'
    )
    assert report["diagnosis"]["case"] == "missing-pass-role"
    assert "launch the instance without an instance profile" in report["diagnosis"]["advice"]
    assert "iam:PassedToService" in report["diagnosis"]["advice"]

    # The seed's first step: without the profile the launch works, so the role is the matter.
    ec2.run_instances(ImageId=IMAGE, MinCount=1, MaxCount=1)
    # The fix: iam:PassRole on that role, for EC2 only.
    pass_role = {
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": role_arn,
        "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
    }
    server.client("iam").put_user_policy(
        UserName=user,
        PolicyName="p",
        PolicyDocument=_policy(json.loads(run_only)["Statement"][0], pass_role),
    )
    launched = ec2.run_instances(
        ImageId=IMAGE, MinCount=1, MaxCount=1, IamInstanceProfile={"Name": profile}
    )
    assert launched["Instances"][0]["IamInstanceProfile"]["Arn"].endswith(f"/{profile}")


def test_instance_profile_without_a_role(server: Server, unique: Callable[[str], str]) -> None:
    iam = server.client("iam")
    profile = unique("empty-profile")
    profile_arn = iam.create_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Arn"]
    error = denied_error(
        server.client("ec2").run_instances,
        ImageId=IMAGE,
        MinCount=1,
        MaxCount=1,
        IamInstanceProfile={"Name": profile},
    )
    # Not an authorization matter: EC2 refuses the empty profile itself.
    assert error.response["Error"]["Code"] == "InvalidParameterValue"
    message = error.response["Error"]["Message"]
    assert message == f'IAM Instance Profile "{profile_arn}" has no associated IAM Roles'
    assert ENCODED.search(message) is None

    report = explain_request_id(server, _request_id(error.response), expected_code=0)
    assert report["decision"] == "allowed"  # authorization let the call through
    assert report["diagnosis"] is None
    assert report["event"]["error_code"] == "InvalidParameterValue"
    assert report["message"] == message
    assert report["request"]["action"] == "ec2:RunInstances"
    summary = report["explanation"]["summary"]
    assert "failed with InvalidParameterValue" in summary
    assert "not an authorization matter" in summary

    role = unique("late-role")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=EC2_TRUST)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    launched = server.client("ec2").run_instances(
        ImageId=IMAGE, MinCount=1, MaxCount=1, IamInstanceProfile={"Name": profile}
    )
    assert launched["Instances"][0]["IamInstanceProfile"]["Arn"] == profile_arn


# -- S3 -------------------------------------------------------------------------------------


def test_bucket_policy_without_the_cross_account_principal(
    server: Server, unique: Callable[[str], str]
) -> None:
    s3 = server.client("s3")
    bucket = unique("shared").lower()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="data.csv", Body=b"a,b\n")
    partner = {
        "Sid": "Partner",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(partner))

    other = server.create_account()
    other_iam = server.client("iam", other["AccessKeyId"], other["SecretAccessKey"])
    reader_arn, reader = _user_client(
        server,
        "s3",
        unique("reader"),
        _policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
        other_iam,
    )
    error = denied_error(reader.get_object, Bucket=bucket, Key="data.csv")
    assert error.response["Error"]["Code"] == "AccessDenied"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    message = error.response["Error"]["Message"]
    assert message == (
        f"User: {reader_arn} is not authorized to perform: s3:GetObject on resource: "
        f"arn:aws:s3:::{bucket}/data.csv because no resource-based policy allows the "
        "s3:GetObject action"
    )

    report = explain_request_id(server, _request_id(error.response))
    assert report["message"] == message
    assert report["event"]["caller"] == reader_arn
    assert report["decision"] == "implicit_deny"
    assert report["request"]["resource_account"] == ACCOUNT_ID
    assert report["request"]["principal_account"] == other["AccountId"]
    assert report_layer(report, "identity")["said"] == "allow"  # its own account allows it
    assert report_layer(report, "resource") == {
        **report_layer(report, "resource"),
        "said": "no allow",
        "decided": True,
        "policies": [f"arn:aws:s3:::{bucket} (bucket policy)"],
    }
    [closest] = report["statements"]
    assert closest["role"] == "closest"
    assert closest["sid"] == "Partner"
    assert closest["action_matched"] is True and closest["resource_matched"] is True
    assert closest["principal_matched"] is False
    assert report["explanation"]["layer"] == "resource-based policy"
    assert "owns the resource" in report["explanation"]["who_can_change"]
    assert f"does not name {reader_arn} as Principal" in report["explanation"]["fix"]
    assert report["diagnosis"]["case"] == "resource-policy-without-principal"
    assert reader_arn in report["diagnosis"]["advice"]

    # The fix: the bucket's account names the other account as well.
    partner["Principal"] = {"AWS": ["arn:aws:iam::210987654321:root", other["AccountId"]]}
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(partner))
    assert reader.get_object(Bucket=bucket, Key="data.csv")["Body"].read() == b"a,b\n"


def test_root_locked_out_by_a_deny_all_bucket_policy(
    server: Server, unique: Callable[[str], str]
) -> None:
    s3 = server.client("s3")  # the account's root user
    bucket = unique("locked").lower()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="ledger", Body=b"balance")
    deny_all = {
        "Sid": "DenyEveryone",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(deny_all))

    error = denied_error(s3.get_object, Bucket=bucket, Key="ledger")
    root_arn = f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert error.response["Error"]["Code"] == "AccessDenied"
    message = error.response["Error"]["Message"]
    assert message.startswith(
        f"User: {root_arn} is not authorized to perform: s3:GetObject on resource: "
        f"arn:aws:s3:::{bucket}/ledger with an explicit deny in a resource-based policy. "
        f"The bucket policy of {bucket} denies this request"
    )
    assert f"aws s3api delete-bucket-policy --bucket {bucket}" in message

    report = explain_request_id(server, _request_id(error.response))
    assert report["message"] == message
    assert report["event"]["caller"] == root_arn
    assert report["decision"] == "explicit_deny"
    assert report["request"]["principal_kind"] == "root"
    assert report_layer(report, "resource")["said"] == "deny"
    [deciding] = report["statements"]
    assert deciding["role"] == "deciding"
    assert deciding["sid"] == "DenyEveryone"
    assert deciding["effect"] == "Deny"
    assert deciding["policy"] == f"arn:aws:s3:::{bucket} (bucket policy)"
    assert report["explanation"]["layer"] == "resource-based policy"
    assert "DenyEveryone" in report["explanation"]["fix"]
    assert "s3:DeleteBucketPolicy" in report["explanation"]["fix"]
    assert report["diagnosis"]["case"] == "root-locked-out-by-resource-policy"
    assert report["diagnosis"]["advice"].endswith(
        "The root user of the bucket's account can still delete the bucket policy: "
        f"aws s3api delete-bucket-policy --bucket {bucket}"
    )
    # Even the bucket is closed to the root user (listing it is s3:ListBucket).
    assert (
        denied_error(s3.list_objects_v2, Bucket=bucket).response["Error"]["Code"] == "AccessDenied"
    )

    # The way out: the root user may still read and delete the policy that denies it.
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"] == [deny_all]
    deleted = s3.delete_bucket_policy(Bucket=bucket)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    allowed = explain_request_id(server, _request_id(deleted), expected_code=0)
    assert allowed["decision"] == "allowed"
    assert allowed["event"]["event_name"] == "DeleteBucketPolicy"
    assert "can always get, put and delete the bucket policy" in (allowed["explanation"]["summary"])
    assert s3.get_object(Bucket=bucket, Key="ledger")["Body"].read() == b"balance"
