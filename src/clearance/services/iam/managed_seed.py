"""AWS managed policies present in every account (``arn:aws:iam::aws:policy/...``).

The documents are written for Clearance from the intent AWS documents for each
policy (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/), limited
where noted to the services Clearance speaks (IAM, STS, S3, EC2, CloudTrail,
Organizations). They live in the store's pseudo-account ``aws``;
:func:`seed_aws_managed_policies` creates or updates them idempotently and is
safe to call at every server start, from several processes at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clearance.store import EntityAlreadyExists, LimitExceeded, NoSuchEntity, Store

__all__ = [
    "AWS_MANAGED_POLICIES",
    "ManagedPolicySpec",
    "managed_policy_arn",
    "seed_aws_managed_policies",
]

AWS_ACCOUNT = "aws"


@dataclass(frozen=True, slots=True)
class ManagedPolicySpec:
    name: str
    description: str
    statements: tuple[Mapping[str, Any], ...]
    path: str = "/"

    @property
    def arn(self) -> str:
        return managed_policy_arn(self.name, self.path)

    @property
    def document(self) -> str:
        """The document as stored (and returned by GetPolicyVersion)."""
        return json.dumps({"Version": "2012-10-17", "Statement": list(self.statements)}, indent=4)


def managed_policy_arn(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::aws:policy{path}{name}"


def _allow(
    actions: str | list[str], resource: str | list[str] = "*", **extra: Any
) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resource}
    statement.update(extra)
    return statement


_ORGANIZATIONS_READ = ["organizations:Describe*", "organizations:List*"]

# Read-only access to the services Clearance speaks.
_READ_ONLY = [
    "iam:Generate*",
    "iam:Get*",
    "iam:List*",
    "iam:Simulate*",
    "sts:Get*",
    "s3:Get*",
    "s3:List*",
    "s3:Head*",
    "ec2:Describe*",
    "ec2:Get*",
    "cloudtrail:Describe*",
    "cloudtrail:Get*",
    "cloudtrail:List*",
    "cloudtrail:LookupEvents",
    *_ORGANIZATIONS_READ,
]

AWS_MANAGED_POLICIES: tuple[ManagedPolicySpec, ...] = (
    ManagedPolicySpec(
        "AdministratorAccess",
        "Provides full access to AWS services and resources.",
        (_allow("*"),),
    ),
    ManagedPolicySpec(
        "PowerUserAccess",
        "Provides full access to AWS services and resources, but does not allow"
        " management of users and groups.",
        (
            {
                "Effect": "Allow",
                "NotAction": ["iam:*", "organizations:*", "account:*"],
                "Resource": "*",
            },
            _allow(
                [
                    "iam:CreateServiceLinkedRole",
                    "iam:DeleteServiceLinkedRole",
                    "iam:ListRoles",
                    "organizations:DescribeOrganization",
                    "account:ListRegions",
                    "account:GetAccountInformation",
                ]
            ),
        ),
    ),
    ManagedPolicySpec(
        "ReadOnlyAccess",
        "Provides read-only access to AWS services and resources.",
        (_allow(_READ_ONLY),),
    ),
    ManagedPolicySpec(
        "ViewOnlyAccess",
        "Grants permissions to view resources and basic metadata across AWS services.",
        (
            _allow(
                [
                    "iam:GetAccountSummary",
                    "iam:GetLoginProfile",
                    "iam:List*",
                    "s3:GetBucketLocation",
                    "s3:GetBucketPolicyStatus",
                    "s3:GetBucketPublicAccessBlock",
                    "s3:ListAllMyBuckets",
                    "s3:ListBucket",
                    "ec2:Describe*",
                    "cloudtrail:DescribeTrails",
                    "cloudtrail:GetTrailStatus",
                    "cloudtrail:ListTrails",
                    "cloudtrail:LookupEvents",
                    *_ORGANIZATIONS_READ,
                ]
            ),
        ),
        path="/job-function/",
    ),
    ManagedPolicySpec(
        "IAMFullAccess",
        "Provides full access to IAM.",
        (
            _allow("iam:*"),
            _allow(
                [
                    "organizations:DescribeAccount",
                    "organizations:DescribeOrganization",
                    "organizations:DescribeOrganizationalUnit",
                    "organizations:DescribePolicy",
                    "organizations:ListChildren",
                    "organizations:ListParents",
                    "organizations:ListPoliciesForTarget",
                    "organizations:ListRoots",
                    "organizations:ListPolicies",
                    "organizations:ListTargetsForPolicy",
                ]
            ),
        ),
    ),
    ManagedPolicySpec(
        "IAMReadOnlyAccess",
        "Provides read-only access to IAM.",
        (
            _allow(
                [
                    "iam:GenerateCredentialReport",
                    "iam:GenerateServiceLastAccessedDetails",
                    "iam:Get*",
                    "iam:List*",
                    "iam:SimulateCustomPolicy",
                    "iam:SimulatePrincipalPolicy",
                ]
            ),
        ),
    ),
    ManagedPolicySpec(
        "IAMUserChangePassword",
        "Provides the ability for an IAM user to change their own password.",
        (
            _allow("iam:ChangePassword", "arn:aws:iam::*:user/${aws:username}"),
            _allow("iam:GetAccountPasswordPolicy"),
        ),
    ),
    ManagedPolicySpec(
        "IAMSelfManageServiceSpecificCredentials",
        "Allows an IAM user to manage their own service-specific credentials.",
        (
            _allow(
                [
                    "iam:CreateServiceSpecificCredential",
                    "iam:ListServiceSpecificCredentials",
                    "iam:UpdateServiceSpecificCredential",
                    "iam:DeleteServiceSpecificCredential",
                    "iam:ResetServiceSpecificCredential",
                ],
                "arn:aws:iam::*:user/${aws:username}",
            ),
        ),
    ),
    ManagedPolicySpec(
        "AmazonS3FullAccess",
        "Provides full access to all buckets.",
        (_allow(["s3:*", "s3-object-lambda:*"]),),
    ),
    ManagedPolicySpec(
        "AmazonS3ReadOnlyAccess",
        "Provides read-only access to all buckets.",
        (
            _allow(
                [
                    "s3:Get*",
                    "s3:List*",
                    "s3:Describe*",
                    "s3-object-lambda:Get*",
                    "s3-object-lambda:List*",
                ]
            ),
        ),
    ),
    ManagedPolicySpec(
        "AmazonEC2FullAccess",
        "Provides full access to Amazon EC2.",
        (
            _allow(["ec2:*", "elasticloadbalancing:*", "cloudwatch:*", "autoscaling:*"]),
            _allow(
                "iam:CreateServiceLinkedRole",
                Condition={
                    "StringEquals": {
                        "iam:AWSServiceName": [
                            "autoscaling.amazonaws.com",
                            "ec2scheduled.amazonaws.com",
                            "elasticloadbalancing.amazonaws.com",
                            "spot.amazonaws.com",
                            "spotfleet.amazonaws.com",
                            "transitgateway.amazonaws.com",
                        ]
                    }
                },
            ),
        ),
    ),
    ManagedPolicySpec(
        "AmazonEC2ReadOnlyAccess",
        "Provides read-only access to Amazon EC2.",
        (
            _allow(
                [
                    "ec2:Describe*",
                    "elasticloadbalancing:Describe*",
                    "cloudwatch:ListMetrics",
                    "cloudwatch:GetMetricStatistics",
                    "cloudwatch:Describe*",
                    "autoscaling:Describe*",
                ]
            ),
        ),
    ),
    ManagedPolicySpec(
        "AWSCloudTrail_FullAccess",
        "Provides full access to AWS CloudTrail.",
        (
            _allow("cloudtrail:*"),
            _allow(
                [
                    "s3:CreateBucket",
                    "s3:GetBucketLocation",
                    "s3:GetBucketPolicy",
                    "s3:ListAllMyBuckets",
                    "s3:ListBucket",
                    "s3:PutBucketPolicy",
                    "s3:PutBucketPublicAccessBlock",
                ]
            ),
            _allow(["iam:GetRole", "iam:GetRolePolicy", "iam:GetUser", "iam:ListRoles"]),
            _allow(_ORGANIZATIONS_READ),
        ),
    ),
    ManagedPolicySpec(
        "AWSCloudTrail_ReadOnlyAccess",
        "Provides read-only access to AWS CloudTrail.",
        (
            _allow(
                [
                    "cloudtrail:Describe*",
                    "cloudtrail:Get*",
                    "cloudtrail:List*",
                    "cloudtrail:LookupEvents",
                ]
            ),
            _allow(["s3:GetBucketLocation", "s3:ListAllMyBuckets"]),
        ),
    ),
    ManagedPolicySpec(
        "AWSOrganizationsFullAccess",
        "Provides full access to AWS Organizations.",
        (
            _allow("organizations:*"),
            _allow(
                "iam:CreateServiceLinkedRole",
                Condition={"StringEquals": {"iam:AWSServiceName": "organizations.amazonaws.com"}},
            ),
        ),
    ),
    ManagedPolicySpec(
        "AWSOrganizationsReadOnlyAccess",
        "Provides read-only access to AWS Organizations.",
        (_allow(_ORGANIZATIONS_READ),),
    ),
    ManagedPolicySpec(
        "SecurityAudit",
        "Grants read-only access to security configuration metadata.",
        (
            _allow(
                [
                    "iam:GenerateCredentialReport",
                    "iam:Get*",
                    "iam:List*",
                    "iam:SimulateCustomPolicy",
                    "iam:SimulatePrincipalPolicy",
                    "s3:GetAccelerateConfiguration",
                    "s3:GetAccessPoint*",
                    "s3:GetAccountPublicAccessBlock",
                    "s3:GetBucket*",
                    "s3:GetEncryptionConfiguration",
                    "s3:GetLifecycleConfiguration",
                    "s3:GetReplicationConfiguration",
                    "s3:ListAllMyBuckets",
                    "s3:ListBucket",
                    "ec2:Describe*",
                    "ec2:GetEbsEncryptionByDefault",
                    "cloudtrail:Describe*",
                    "cloudtrail:Get*",
                    "cloudtrail:List*",
                    "cloudtrail:LookupEvents",
                    *_ORGANIZATIONS_READ,
                ]
            ),
        ),
    ),
    ManagedPolicySpec(
        "AWSDenyAll",
        "Denies all access.",
        ({"Effect": "Deny", "Action": "*", "Resource": "*"},),
    ),
)


def seed_aws_managed_policies(
    store: Store, policies: tuple[ManagedPolicySpec, ...] = AWS_MANAGED_POLICIES
) -> int:
    """Create the AWS managed policies that are missing and give each one whose
    document changed a new default version. Returns how many were written.

    Idempotent: a second call writes nothing. Safe under concurrent starts: a
    policy another process created meanwhile is left to it.
    """
    written = 0
    for spec in policies:
        try:
            current = store.get_policy(AWS_ACCOUNT, spec.arn)
        except NoSuchEntity:
            try:
                store.create_policy(
                    AWS_ACCOUNT,
                    spec.name,
                    spec.document,
                    path=spec.path,
                    description=spec.description,
                )
            except EntityAlreadyExists:
                continue
            written += 1
            continue
        default = store.get_policy_version(AWS_ACCOUNT, spec.arn, current.default_version_id)
        if default.document != spec.document:
            _replace_document(store, spec)
            written += 1
    return written


def _replace_document(store: Store, spec: ManagedPolicySpec) -> None:
    """A new default version; the oldest other versions go to stay within 5."""
    versions = store.list_policy_versions(AWS_ACCOUNT, spec.arn, max_items=1000).items
    old = sorted((v for v in versions if not v.is_default), key=lambda v: int(v.version_id[1:]))
    limit = store.quotas.versions_per_policy
    for version in old[: max(0, len(versions) - limit + 1)]:
        store.delete_policy_version(AWS_ACCOUNT, spec.arn, version.version_id)
    try:
        store.create_policy_version(AWS_ACCOUNT, spec.arn, spec.document, set_as_default=True)
    except LimitExceeded:  # another process updated it meanwhile
        return
