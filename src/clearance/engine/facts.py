"""Facts about AWS services that the evaluation logic depends on."""

from __future__ import annotations

__all__ = ["RCP_SERVICES"]

# Resource control policies bind only these services' resources ("RCPs apply to
# the following AWS services"); requests to any other service ignore RCPs.
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
RCP_SERVICES = frozenset(
    {
        "s3",
        "sts",
        "kms",
        "sqs",
        "secretsmanager",
        "cognito-identity",
        "ecr",
        "aoss",
        "dynamodb",
        "logs",
    }
)
