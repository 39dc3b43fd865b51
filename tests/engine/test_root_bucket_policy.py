"""The bucket owner's root user can always manage the bucket policy: a rule of
the engine itself, so the simulator and ``clearance explain`` decide it as the
server does.
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
"""

from __future__ import annotations

from typing import Any

import pytest

from clearance.engine import Outcome, PolicyType, evaluate, explain
from clearance.engine.builtin import ROOT_OVERRIDE_NOTE, root_manages_own_bucket_policy
from clearance.engine.report import build_report
from clearance.simulate import load_case

OWNER = "111122223333"
OTHER = "444455556666"
ROOT = f"arn:aws:iam::{OWNER}:root"
BUCKET = "arn:aws:s3:::reports"
DENY_ALL = {
    "id": "bucket-policy",
    "document": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [BUCKET, f"{BUCKET}/*"],
            }
        ],
    },
}


def _policy(pid: str, *statements: dict[str, Any]) -> dict[str, Any]:
    return {"id": pid, "document": {"Version": "2012-10-17", "Statement": list(statements)}}


def _load(
    action: str,
    resource: str = BUCKET,
    principal: str = ROOT,
    owner: str | None = OWNER,
    **policies: Any,
) -> Any:
    request = {"principal": principal, "action": action, "resource": resource, "context": {}}
    if owner is not None:
        request["resource_account"] = owner
    return load_case({"request": request, "policies": {"resource": DENY_ALL, **policies}})


@pytest.mark.parametrize("explained", [False, True])
@pytest.mark.parametrize(
    "action", ["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:deletebucketpolicy"]
)
def test_evaluate_sets_the_bucket_policy_deny_aside(action: str, explained: bool) -> None:
    request, policies = _load(action)
    decision = evaluate(request, policies, explain=explained)
    assert decision.outcome is Outcome.ALLOWED
    assert decision.note == ROOT_OVERRIDE_NOTE
    assert decision.determining == ()


def test_explained_override_traces_the_deny_and_says_why() -> None:
    request, policies = _load("s3:DeleteBucketPolicy")
    decision = evaluate(request, policies, explain=True)
    denies = [t for t in decision.trace if t.effect == "Deny" and t.applies]
    assert [t.ref.policy_id for t in denies] == ["bucket-policy"]
    assert "root user of the bucket's account" in explain(request, decision).summary
    report = build_report(request, policies)
    assert report["decision"] == "allowed"
    assert report["note"] == ROOT_OVERRIDE_NOTE
    assert report["diagnosis"] is None


@pytest.mark.parametrize(
    ("action", "resource", "principal", "owner"),
    [
        ("s3:GetObject", f"{BUCKET}/q1.csv", ROOT, OWNER),
        ("s3:ListBucket", BUCKET, ROOT, OWNER),
        ("s3:DeleteBucketPolicy", f"{BUCKET}/q1.csv", ROOT, OWNER),  # not a bucket ARN
        ("s3:DeleteBucketPolicy", BUCKET, f"arn:aws:iam::{OTHER}:root", OWNER),
        ("s3:DeleteBucketPolicy", BUCKET, ROOT, None),  # owner unknown
    ],
)
def test_other_requests_stay_denied(
    action: str, resource: str, principal: str, owner: str | None
) -> None:
    request, policies = _load(action, resource, principal, owner)
    for explained in (False, True):
        decision = evaluate(request, policies, explain=explained)
        assert decision.outcome is Outcome.EXPLICIT_DENY
        assert decision.denied_by is PolicyType.RESOURCE


def test_an_administrator_of_the_owner_account_stays_denied() -> None:
    admin = _policy("admin", {"Effect": "Allow", "Action": "*", "Resource": "*"})
    request, policies = _load(
        "s3:PutBucketPolicy", principal=f"arn:aws:iam::{OWNER}:user/admin", identity=[admin]
    )
    assert evaluate(request, policies).outcome is Outcome.EXPLICIT_DENY


FULL = _policy("p-FullAWSAccess", {"Effect": "Allow", "Action": "*", "Resource": "*"})
SCP_DENY = _policy("p-deny", {"Effect": "Deny", "Action": "s3:DeleteBucketPolicy", "Resource": "*"})


@pytest.mark.parametrize("explained", [False, True])
def test_an_scp_deny_still_binds_and_alone_decides(explained: bool) -> None:
    request, policies = _load("s3:DeleteBucketPolicy", scp=[[FULL, SCP_DENY]])
    decision = evaluate(request, policies, explain=explained)
    assert decision.outcome is Outcome.EXPLICIT_DENY
    assert decision.denied_by is PolicyType.SCP
    assert [ref.policy_id for ref in decision.determining] == ["p-deny"]


@pytest.mark.parametrize("explained", [False, True])
def test_guardrails_that_do_not_allow_still_bind(explained: bool) -> None:
    s3_only = _policy("p-ec2", {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})
    request, policies = _load("s3:GetBucketPolicy", scp=[[s3_only]])
    decision = evaluate(request, policies, explain=explained)
    assert decision.outcome is Outcome.IMPLICIT_DENY
    assert decision.denied_by is PolicyType.SCP
    endpoint = _policy(
        "vpce", {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    )
    request, policies = _load("s3:GetBucketPolicy", vpc_endpoint=[endpoint])
    decision = evaluate(request, policies, explain=explained)
    assert decision.outcome is Outcome.IMPLICIT_DENY
    assert decision.denied_by is PolicyType.VPC_ENDPOINT


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (BUCKET, True),
        ("arn:aws-cn:s3:::reports", True),
        (f"{BUCKET}/key", False),
        ("arn:aws:s3:::", False),
        ("arn:aws:s3:us-east-1:111122223333:accesspoint/ap", False),
        ("arn:aws:sqs:::reports", False),
        ("reports", False),
    ],
)
def test_only_bucket_arns_qualify(resource: str, expected: bool) -> None:
    request, _ = _load("s3:GetBucketPolicy", resource)
    assert root_manages_own_bucket_policy(request) is expected
