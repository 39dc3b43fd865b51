"""Differential test: the engine and the slow reference evaluator must agree.

The reference (tests/spec/reference.py) is written from AWS's documentation and shares no
code with the engine.  Hypothesis draws random but well-formed cases (tests/strategies.py);
when the two disagree, hypothesis shrinks the case to a minimal one and prints it.

Every disagreement found so far is pinned below as an ``@example`` -- a fuzz find becomes a
permanent case -- with the documentation that decides it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings

from tests.spec.reference import reference_decide
from tests.strategies import cases

simulate = pytest.importorskip("clearance.simulate")

ACCOUNT = "111122223333"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/s1"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}

# RCPs limit requests by AWS service principals too: the KMS guide's example RCP
# "requires that AWS service principals can access your customer managed KMS keys only
# when the request originates from your organization", and AWS's data-perimeter RCPs exempt
# service principals explicitly with aws:PrincipalIsAWSService
# (https://docs.aws.amazon.com/kms/latest/developerguide/resource-control-policies.html).
# Here the queue policy allows lambda, the RCP denies: explicit deny.
RCP_LIMITS_SERVICE_PRINCIPALS = {
    "request": {
        "principal": "lambda.amazonaws.com",
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/k",
        "resource_account": ACCOUNT,
        "context": {},
    },
    "policies": {
        "resource": {
            "id": "bucket",
            "document": policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "*",
                    "Resource": "*",
                }
            ),
        },
        "rcp": [
            [
                {
                    "id": "rcp",
                    "document": policy(
                        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
                    ),
                }
            ]
        ],
    },
}

# "RCPs apply to the following AWS services" -- S3, STS, KMS, SQS, Secrets Manager,
# Cognito, ECR, OpenSearch Serverless, DynamoDB, CloudWatch Logs
# (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html,
# "List of AWS services that support RCPs").  EC2 is not among them, so an RCP level without
# an Allow does not block ec2:RunInstances: allowed.
RCP_ONLY_FOR_SUPPORTED_SERVICES = {
    "request": {
        "principal": ALICE,
        "action": "ec2:RunInstances",
        "resource": "*",
        "resource_account": ACCOUNT,
        "context": {},
    },
    "policies": {
        "identity": [{"id": "admin", "document": policy(ALLOW_ALL)}],
        "rcp": [
            [
                {
                    "id": "rcp",
                    "document": policy(
                        {
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:GetObject",
                            "Resource": "*",
                        }
                    ),
                }
            ]
        ],
    },
}

# A role with a path: its ARN is arn:aws:iam::ACCT:role/team/deployer, but "the role path
# isn't included" in the assumed-role session ARN arn:aws:sts::ACCT:assumed-role/deployer/s1
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns;
# role names are unique within an account).  A bucket policy naming the role ARN grants to
# its sessions: allowed.
ROLE_WITH_PATH_MATCHES_ITS_SESSIONS = {
    "request": {
        "principal": SESSION,
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/k",
        "resource_account": ACCOUNT,
        "context": {},
    },
    "policies": {
        "resource": {
            "id": "bucket",
            "document": policy(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/team/deployer"},
                    "Action": "*",
                    "Resource": "*",
                }
            ),
        }
    },
}


def engine_decide(case: dict[str, Any]) -> str:
    result = simulate.run_case(case)
    assert "error" not in result, f"the engine rejected a well-formed case: {result['error']}"
    return str(result["decision"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
@example(RCP_LIMITS_SERVICE_PRINCIPALS)
@example(RCP_ONLY_FOR_SUPPORTED_SERVICES)
@example(ROLE_WITH_PATH_MATCHES_ITS_SESSIONS)
def test_engine_agrees_with_reference(case: dict[str, Any]) -> None:
    expected = reference_decide(case)
    actual = engine_decide(case)
    assert actual == expected, (
        f"engine says {actual}, reference says {expected} for\n{json.dumps(case, indent=1)}"
    )


def test_the_pinned_examples_say_what_their_comments_say() -> None:
    """The reference itself gives the documented answer for each pinned example."""
    assert reference_decide(RCP_LIMITS_SERVICE_PRINCIPALS) == "explicit_deny"
    assert reference_decide(RCP_ONLY_FOR_SUPPORTED_SERVICES) == "allowed"
    assert reference_decide(ROLE_WITH_PATH_MATCHES_ITS_SESSIONS) == "allowed"
