"""Policies and requests for the S3 authorization tests."""

from __future__ import annotations

import json
from typing import Any

from clearance.engine import ContextValue, NamedPolicy, Request, parse_principal
from clearance.policy import Policy, read_policy

OWNER = "111122223333"
OTHER = "444455556666"
BUCKET = "reports"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
OWNER_ROOT = f"arn:aws:iam::{OWNER}:root"
OTHER_ROOT = f"arn:aws:iam::{OTHER}:root"
ALICE = f"arn:aws:iam::{OWNER}:user/alice"
BOB = f"arn:aws:iam::{OTHER}:user/bob"


def policy(*statements: dict[str, Any]) -> Policy:
    return read_policy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))


def named(name: str, *statements: dict[str, Any]) -> NamedPolicy:
    return NamedPolicy(name, policy(*statements))


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def request(
    principal: str,
    action: str,
    resource: str = BUCKET_ARN,
    owner: str | None = OWNER,
    context: dict[str, ContextValue] | None = None,
) -> Request:
    who = parse_principal(principal)
    values: dict[str, ContextValue] = {"aws:principalarn": principal}
    if who.account:
        values["aws:principalaccount"] = who.account
    values.update({k.lower(): v for k, v in (context or {}).items()})
    return Request(who, action, resource, values, resource_account=owner)
