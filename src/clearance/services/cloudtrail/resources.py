"""LookupEvents' ``Resources`` of an event: the IAM resources its request names.

CloudTrail reports IAM resources as ``AWS::IAM::<Type>`` with the name the
request used (a user name, a role name or ARN, a policy ARN...).
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events-supported-resource-types.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["RESOURCE_TYPES", "resources_of"]

# requestParameters member → resource type, in the order they are listed.
_MEMBERS: tuple[tuple[str, str], ...] = (
    ("policyArn", "AWS::IAM::Policy"),
    ("userName", "AWS::IAM::User"),
    ("roleName", "AWS::IAM::Role"),
    ("roleArn", "AWS::IAM::Role"),
    ("groupName", "AWS::IAM::Group"),
    ("instanceProfileName", "AWS::IAM::InstanceProfile"),
    ("accessKeyId", "AWS::IAM::AccessKey"),
    ("serialNumber", "AWS::IAM::MFADevice"),
    ("openIDConnectProviderArn", "AWS::IAM::OIDCProvider"),
    ("sAMLProviderArn", "AWS::IAM::SAMLProvider"),
)
RESOURCE_TYPES = frozenset(kind for _, kind in _MEMBERS)


def resources_of(record: Mapping[str, Any]) -> list[dict[str, str]]:
    """``[{"ResourceType": ..., "ResourceName": ...}]`` from the record's request."""
    params = record.get("requestParameters")
    if not isinstance(params, Mapping):
        return []
    found: list[dict[str, str]] = []
    for member, kind in _MEMBERS:
        value = params.get(member)
        if isinstance(value, str) and value:
            found.append({"ResourceType": kind, "ResourceName": value})
    return found
