"""EC2 operations through the real gateway with boto3: launching with instance
profiles (iam:PassRole with its conditions, empty and unknown profiles),
UnauthorizedOperation with a decodable message, DryRun, describe/terminate,
and the association operations."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.services.sts.conftest import ACCOUNT, Harness, Keys, allow, trust

EC2_TRUST = trust({"Service": "ec2.amazonaws.com"})
RUN = allow("ec2:*")


def _profile(h: Harness, name: str, role: str | None = None) -> str:
    profile = h.store.create_instance_profile(ACCOUNT, name)
    if role is not None:
        h.role(role, EC2_TRUST, allow("iam:ListUsers"))
        h.store.add_role_to_instance_profile(ACCOUNT, name, role)
    return profile.arn


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def _decoded(h: Harness, error: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    message = error.value.response["Error"]["Message"]
    prefix = (
        "You are not authorized to perform this operation. Encoded authorization failure message: "
    )
    assert message.startswith(prefix)
    decoded = h.sts().decode_authorization_message(EncodedMessage=message[len(prefix) :])
    return dict(json.loads(decoded["DecodedMessage"]))


def _run(ec2: Any, **extra: Any) -> dict[str, Any]:
    return dict(ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, **extra))


def test_run_with_profile_by_name_and_arn(h: Harness) -> None:
    arn = _profile(h, "web", "web-role")
    ec2 = h.client("ec2")
    by_name = _run(ec2, IamInstanceProfile={"Name": "web"}, InstanceType="t3.micro")
    instance = by_name["Instances"][0]
    assert instance["InstanceId"].startswith("i-") and len(instance["InstanceId"]) == 19
    assert instance["State"] == {"Code": 16, "Name": "running"}
    assert instance["IamInstanceProfile"]["Arn"] == arn
    assert f"/imds/{instance['InstanceId']}/" in instance["StateTransitionReason"]
    by_arn = _run(ec2, IamInstanceProfile={"Arn": arn})
    assert by_arn["Instances"][0]["IamInstanceProfile"]["Arn"] == arn
    associations = ec2.describe_iam_instance_profile_associations()
    ids = {a["InstanceId"] for a in associations["IamInstanceProfileAssociations"]}
    assert ids == {instance["InstanceId"], by_arn["Instances"][0]["InstanceId"]}


def test_empty_profile_fails_like_aws_and_launches_nothing(h: Harness) -> None:
    arn = _profile(h, "empty")
    ec2 = h.client("ec2")
    with pytest.raises(ClientError) as error:
        _run(ec2, IamInstanceProfile={"Name": "empty"})
    assert _code(error) == "InvalidParameterValue"
    assert error.value.response["Error"]["Message"] == (
        f'IAM Instance Profile "{arn}" has no associated IAM Roles'
    )
    assert ec2.describe_instances()["Reservations"] == []


def test_unknown_profile(h: Harness) -> None:
    ec2 = h.client("ec2")
    with pytest.raises(ClientError) as error:
        _run(ec2, IamInstanceProfile={"Name": "nope"})
    assert _code(error) == "InvalidParameterValue"
    assert error.value.response["Error"]["Message"] == (
        "Value (nope) for parameter iamInstanceProfile.name is invalid. "
        "Invalid IAM Instance Profile name"
    )


def test_pass_role_denied_without_permission(h: Harness) -> None:
    _profile(h, "web", "web-role")
    keys = h.user("dev", RUN)
    with pytest.raises(ClientError) as error:
        _run(h.client("ec2", keys), IamInstanceProfile={"Name": "web"})
    assert _code(error) == "UnauthorizedOperation"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    decoded = _decoded(h, error)
    assert decoded["allowed"] is False
    assert decoded["context"]["action"] == "iam:PassRole"
    assert decoded["context"]["resource"] == f"arn:aws:iam::{ACCOUNT}:role/web-role"
    conditions = {c["key"]: c["values"]["items"] for c in decoded["context"]["conditions"]["items"]}
    assert conditions["iam:passedtoservice"] == [{"value": "ec2.amazonaws.com"}]
    assert h.client("ec2").describe_instances()["Reservations"] == []


def test_pass_role_with_passed_to_service_condition(h: Harness) -> None:
    _profile(h, "web", "web-role")
    to_ec2 = h.user(
        "ec2dev",
        RUN,
        allow("iam:PassRole", "*", StringEquals={"iam:PassedToService": "ec2.amazonaws.com"}),
    )
    to_lambda = h.user(
        "lambdadev",
        RUN,
        allow("iam:PassRole", "*", StringEquals={"iam:PassedToService": "lambda.amazonaws.com"}),
    )
    launched = _run(h.client("ec2", to_ec2), IamInstanceProfile={"Name": "web"})
    assert launched["Instances"][0]["IamInstanceProfile"]
    with pytest.raises(ClientError) as error:
        _run(h.client("ec2", to_lambda), IamInstanceProfile={"Name": "web"})
    assert _code(error) == "UnauthorizedOperation"
    failed = _decoded(h, error)["clearance"]["failedConditions"]
    assert failed and failed[0]["key"].lower() == "iam:passedtoservice"


def test_associated_resource_arn_condition(h: Harness) -> None:
    _profile(h, "web", "web-role")
    keys = h.user(
        "scoped",
        RUN,
        allow(
            "iam:PassRole",
            "*",
            StringLike={"iam:AssociatedResourceArn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*"},
        ),
    )
    assert _run(h.client("ec2", keys), IamInstanceProfile={"Name": "web"})["Instances"]


def test_run_instances_denied_is_unauthorized_operation(h: Harness) -> None:
    keys = h.user("reader", allow("ec2:DescribeInstances"))
    with pytest.raises(ClientError) as error:
        _run(h.client("ec2", keys))
    assert _code(error) == "UnauthorizedOperation"
    decoded = _decoded(h, error)
    assert decoded["context"]["action"] == "ec2:RunInstances"
    assert decoded["context"]["resource"] == f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*"


def test_dry_run(h: Harness) -> None:
    allowed = h.client("ec2")
    with pytest.raises(ClientError) as error:
        _run(allowed, DryRun=True)
    assert _code(error) == "DryRunOperation"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert allowed.describe_instances()["Reservations"] == []
    denied = h.client("ec2", h.user("nobody", allow("iam:GetUser")))
    with pytest.raises(ClientError) as error:
        _run(denied, DryRun=True)
    assert _code(error) == "UnauthorizedOperation"


def test_describe_filters_pagination_and_terminate(h: Harness) -> None:
    ec2 = h.client("ec2")
    tagged = _run(
        ec2,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "blue"}]}
        ],
    )["Instances"][0]["InstanceId"]
    others = [
        i["InstanceId"]
        for i in ec2.run_instances(ImageId="ami-1", MinCount=6, MaxCount=6)["Instances"]
    ]
    by_tag = ec2.describe_instances(Filters=[{"Name": "tag:team", "Values": ["bl*"]}])
    assert [i["InstanceId"] for r in by_tag["Reservations"] for i in r["Instances"]] == [tagged]
    seen = []
    for page in ec2.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 5}):
        seen += [i["InstanceId"] for r in page["Reservations"] for i in r["Instances"]]
    assert sorted(seen) == sorted([tagged, *others])
    ended = ec2.terminate_instances(InstanceIds=[tagged])["TerminatingInstances"][0]
    assert ended["CurrentState"]["Name"] == "terminated"
    assert ended["PreviousState"]["Name"] == "running"
    running = ec2.describe_instances(
        Filters=[{"Name": "instance-state-name", "Values": ["running"]}]
    )
    assert tagged not in [i["InstanceId"] for r in running["Reservations"] for i in r["Instances"]]
    with pytest.raises(ClientError) as error:
        ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"])
    assert _code(error) == "InvalidInstanceID.NotFound"
    with pytest.raises(ClientError) as error:
        ec2.terminate_instances(InstanceIds=["bogus"])
    assert _code(error) == "InvalidInstanceID.Malformed"


def test_terminate_checks_resource_tags(h: Harness) -> None:
    ec2 = h.client("ec2")
    blue = _run(
        ec2,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "blue"}]}
        ],
    )
    red = _run(
        ec2,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "red"}]}],
    )
    keys = h.user(
        "blue-admin",
        allow("ec2:TerminateInstances", "*", StringEquals={"aws:ResourceTag/team": "blue"}),
    )
    mine = h.client("ec2", keys)
    mine.terminate_instances(InstanceIds=[blue["Instances"][0]["InstanceId"]])
    with pytest.raises(ClientError) as error:
        mine.terminate_instances(InstanceIds=[red["Instances"][0]["InstanceId"]])
    assert _code(error) == "UnauthorizedOperation"


def test_associate_replace_disassociate(h: Harness) -> None:
    _profile(h, "web", "web-role")
    _profile(h, "batch", "batch-role")
    ec2 = h.client("ec2")
    instance = _run(ec2)["Instances"][0]["InstanceId"]
    associated = ec2.associate_iam_instance_profile(
        IamInstanceProfile={"Name": "web"}, InstanceId=instance
    )["IamInstanceProfileAssociation"]
    assert associated["State"] == "associating"
    with pytest.raises(ClientError) as error:
        ec2.associate_iam_instance_profile(
            IamInstanceProfile={"Name": "batch"}, InstanceId=instance
        )
    assert _code(error) == "IncorrectState"
    replaced = ec2.replace_iam_instance_profile_association(
        IamInstanceProfile={"Name": "batch"}, AssociationId=associated["AssociationId"]
    )["IamInstanceProfileAssociation"]
    assert replaced["AssociationId"] != associated["AssociationId"]
    assert replaced["IamInstanceProfile"]["Arn"].endswith("instance-profile/batch")
    described = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    assert described["IamInstanceProfile"]["Arn"].endswith("instance-profile/batch")
    ec2.disassociate_iam_instance_profile(AssociationId=replaced["AssociationId"])
    described = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    assert "IamInstanceProfile" not in described
    with pytest.raises(ClientError) as error:
        ec2.disassociate_iam_instance_profile(AssociationId=replaced["AssociationId"])
    assert _code(error) == "InvalidAssociationID.NotFound"


def test_associate_needs_pass_role_on_the_instance(h: Harness) -> None:
    _profile(h, "web", "web-role")
    instance = _run(h.client("ec2"))["Instances"][0]["InstanceId"]
    keys: Keys = h.user("assoc", allow("ec2:AssociateIamInstanceProfile"))
    with pytest.raises(ClientError) as error:
        h.client("ec2", keys).associate_iam_instance_profile(
            IamInstanceProfile={"Name": "web"}, InstanceId=instance
        )
    decoded = _decoded(h, error)
    assert decoded["context"]["action"] == "iam:PassRole"
    conditions = {c["key"]: c["values"]["items"] for c in decoded["context"]["conditions"]["items"]}
    assert conditions["iam:associatedresourcearn"] == [
        {"value": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{instance}"}
    ]
