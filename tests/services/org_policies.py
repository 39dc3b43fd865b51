"""Organization policies for tests that hand the engine an account's SCP/RCP
levels directly: a policy from its ARN and statements, and AWS's two defaults."""

from __future__ import annotations

import json
from typing import Any

from clearance.store import OrgPolicy


def org_policy(arn: str, *statements: dict[str, Any]) -> OrgPolicy:
    """The policy named by the last part of ``arn`` (its id doubles as its name)."""
    document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return OrgPolicy(arn.rsplit("/", 1)[-1], arn, arn.rsplit("/", 1)[-1], document)


FULL_ACCESS = org_policy(
    "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
)
RCP_FULL_ACCESS = org_policy(
    "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess",
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
)
