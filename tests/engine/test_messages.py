"""AWS's access-denied wording and the explanation's fix, pinned per policy type.

Message shapes: https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
"""

from __future__ import annotations

from typing import Any

import pytest

from clearance.simulate import run_case

ALICE = "arn:aws:iam::111122223333:user/alice"
BUCKET_OBJECT = "arn:aws:s3:::reports/q3.csv"
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
DENY_S3 = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "NoS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
}
ALLOW_EC2 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}],
}


def _case(policies: dict[str, Any], principal: str = ALICE, **request: Any) -> dict[str, Any]:
    return {
        "request": {
            "principal": principal,
            "action": "s3:GetObject",
            "resource": BUCKET_OBJECT,
            "resource_account": "111122223333",
            **request,
        },
        "policies": policies,
    }


HEAD = f"User: {ALICE} is not authorized to perform: s3:GetObject on resource: {BUCKET_OBJECT}"
SCP_ARN = "arn:aws:organizations::999999999999:policy/o-abc/service_control_policy/p-deny"

MESSAGES = [
    (
        "no identity policy",
        _case({}),
        HEAD + " because no identity-based policy allows the s3:GetObject action",
    ),
    (
        "explicit deny in identity policy names the policy ARN",
        _case(
            {
                "identity": [
                    {"id": "arn:aws:iam::111122223333:policy/Deny", "document": DENY_S3},
                    {"id": "all", "document": ALLOW_ALL},
                ]
            }
        ),
        HEAD + " with an explicit deny in an identity-based policy: "
        "arn:aws:iam::111122223333:policy/Deny",
    ),
    (
        "explicit deny in an inline identity policy has no ARN to show",
        _case({"identity": [{"id": "inline-deny", "document": DENY_S3}]}),
        HEAD + " with an explicit deny in an identity-based policy",
    ),
    (
        "explicit deny in SCP names the SCP",
        _case(
            {
                "identity": [{"id": "all", "document": ALLOW_ALL}],
                "scp": [[{"id": SCP_ARN, "document": DENY_S3}]],
            }
        ),
        HEAD + f" with an explicit deny in a service control policy: {SCP_ARN}",
    ),
    (
        "SCP that allows nothing for the action",
        _case(
            {
                "identity": [{"id": "all", "document": ALLOW_ALL}],
                "scp": [[{"id": "ec2-only", "document": ALLOW_EC2}]],
            }
        ),
        HEAD + " because no service control policy allows the s3:GetObject action",
    ),
    (
        "permissions boundary",
        _case(
            {
                "identity": [{"id": "all", "document": ALLOW_ALL}],
                "permissions_boundary": {"id": "ec2-boundary", "document": ALLOW_EC2},
            }
        ),
        HEAD + " because no permissions boundary allows the s3:GetObject action",
    ),
    (
        "explicit deny in resource policy",
        _case(
            {
                "identity": [{"id": "all", "document": ALLOW_ALL}],
                "resource": {
                    "id": "bucket",
                    "document": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
                        ],
                    },
                },
            }
        ),
        HEAD + " with an explicit deny in a resource-based policy",
    ),
    (
        "cross-account without a resource policy grant",
        _case(
            {"identity": [{"id": "all", "document": ALLOW_ALL}]}, resource_account="444455556666"
        ),
        HEAD + " because no resource-based policy allows the s3:GetObject action",
    ),
    (
        "session policy",
        _case(
            {
                "identity": [{"id": "all", "document": ALLOW_ALL}],
                "session": [{"id": "ec2-session", "document": ALLOW_EC2}],
            },
            principal="arn:aws:sts::111122223333:assumed-role/Reader/alice",
        ),
        "User: arn:aws:sts::111122223333:assumed-role/Reader/alice is not authorized to perform: "
        f"s3:GetObject on resource: {BUCKET_OBJECT} because no session policy allows the "
        "s3:GetObject action",
    ),
]


@pytest.mark.parametrize(
    ("case", "message"), [m[1:] for m in MESSAGES], ids=[m[0] for m in MESSAGES]
)
def test_denial_message(case: dict[str, Any], message: str) -> None:
    assert run_case(case)["message"] == message


def test_allowed_has_no_message() -> None:
    result = run_case(_case({"identity": [{"id": "all", "document": ALLOW_ALL}]}))
    assert result["decision"] == "allowed"
    assert result["message"] is None
    assert result["determining"] == [
        {"policy_type": "identity-based policy", "policy": "all", "statement": 0, "sid": None}
    ]


def test_failed_condition_is_named_with_both_values() -> None:
    mfa = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "NeedMFA",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
    fix = run_case(_case({"identity": [{"id": "mfa", "document": mfa}]}))["fix"]
    assert fix["layer"] == "identity-based policy"
    assert fix["failed_conditions"] == [
        {
            "operator": "Bool",
            "key": "aws:MultiFactorAuthPresent",
            "policy_values": ["true"],
            "request_value": None,
            "result": False,
        }
    ]
    assert "NeedMFA" in fix["fix"] and "absent" in fix["fix"]


def test_scp_denial_says_only_the_management_account_can_change_it() -> None:
    case = _case(
        {
            "identity": [{"id": "all", "document": ALLOW_ALL}],
            "scp": [[{"id": SCP_ARN, "document": DENY_S3}]],
        }
    )
    fix = run_case(case)["fix"]
    assert "management account" in fix["who_can_change"]
    assert "explicit deny always wins" in fix["fix"]


def test_trust_policy_denial_says_the_trust_policy_does_not_name_you() -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    case = _case(
        {
            "identity": [{"id": "all", "document": ALLOW_ALL}],
            "resource": {"id": "trust", "document": trust},
        },
        action="sts:AssumeRole",
        resource="arn:aws:iam::111122223333:role/Admin",
    )
    result = run_case(case)
    assert result["decision"] == "implicit_deny"
    assert result["denied_by"] == "resource-based policy"
    assert "does not name" in result["fix"]["fix"]
    assert "UpdateAssumeRolePolicy" in result["fix"]["who_can_change"]


def test_root_user_denied_by_bucket_policy_is_told_it_can_edit_the_policy() -> None:
    bucket = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
    }
    case = _case(
        {"resource": {"id": "bucket", "document": bucket}},
        principal="arn:aws:iam::111122223333:root",
    )
    result = run_case(case)
    assert result["decision"] == "explicit_deny"
    assert "root user of the owning account can always edit" in result["fix"]["fix"]
