"""Each troubleshooting case of the seed article, named from an engine decision
(and the report ``clearance explain`` shows for it)."""

from __future__ import annotations

from typing import Any

import pytest

from clearance.engine import evaluate, explain
from clearance.engine.diagnose import diagnose
from clearance.engine.report import build_report
from clearance.simulate import load_case

A = "111122223333"
B = "444455556666"
ALICE = f"arn:aws:iam::{A}:user/alice"
ROLE = f"arn:aws:iam::{A}:role/app"
BUCKET = "arn:aws:s3:::reports"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"document": {"Version": "2012-10-17", "Statement": list(statements)}}


def _allow(action: str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _case(request: dict[str, Any], **policies: Any) -> tuple[str | None, dict[str, Any]]:
    req, policy_set = load_case({"request": request, "policies": policies})
    decision = evaluate(req, policy_set, explain=True)
    found = diagnose(req, decision, explain(req, decision))
    report = build_report(req, policy_set)
    assert (report["diagnosis"] or {}).get("case") == (found.case if found else None)
    return (found.case if found else None), report


def test_allowed_has_no_diagnosis() -> None:
    case, report = _case(
        {"principal": ALICE, "action": "iam:ListUsers"}, identity=[_policy(_allow("iam:*"))]
    )
    assert case is None
    assert report["decision"] == "allowed"
    [deciding] = report["statements"]
    assert deciding["role"] == "deciding" and deciding["effect"] == "Allow"
    assert report["failed_conditions"] == []


def test_missing_permission() -> None:
    case, report = _case(
        {"principal": ALICE, "action": "iam:ListUsers"}, identity=[_policy(_allow("s3:*"))]
    )
    assert case == "missing-permission"
    assert report["diagnosis"]["title"].startswith("Missing permission")
    identity = report["layers"][-1]
    assert identity["layer"] == "identity" and identity["said"] == "no allow"
    assert identity["decided"] is True
    assert [layer["said"] for layer in report["layers"][:-1]] == ["absent"] * 6


@pytest.mark.parametrize("present", [None, "false"])
def test_mfa_required(present: str | None) -> None:
    context = {} if present is None else {"aws:MultiFactorAuthPresent": present}
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    case, report = _case(
        {"principal": ALICE, "action": "iam:ListUsers", "context": context},
        identity=[_policy(_allow("iam:*", Condition=mfa))],
    )
    assert case == "mfa-required"
    [failed] = report["failed_conditions"]
    assert failed["key"] == "aws:MultiFactorAuthPresent"
    assert failed["absent"] is (present is None)
    assert failed["request_value"] == present
    assert "get-session-token" in report["diagnosis"]["advice"]


def test_mfa_required_by_an_explicit_deny() -> None:
    deny = {
        "Effect": "Deny",
        "NotAction": "iam:ListMFADevices",
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    }
    case, report = _case(
        {"principal": ALICE, "action": "iam:ListUsers"},
        identity=[_policy(_allow("*"), deny)],
    )
    assert case == "mfa-required"
    [deciding] = report["statements"]
    assert deciding["effect"] == "Deny" and deciding["role"] == "deciding"
    [condition] = deciding["conditions"]
    assert condition["absent"] is True and condition["result"] is True
    assert '"NotAction": ["iam:ListMFADevices"]' in deciding["source"]


def test_other_failed_condition() -> None:
    ip = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    case, report = _case(
        {"principal": ALICE, "action": "iam:ListUsers", "context": {"aws:SourceIp": "192.0.2.1"}},
        identity=[_policy(_allow("iam:*", Condition=ip))],
    )
    assert case == "failed-condition"
    assert report["failed_conditions"][0]["request_value"] == "192.0.2.1"


def test_cross_account_resource_policy_without_the_principal() -> None:
    bucket_policy = _policy(
        _allow("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": f"arn:aws:iam::{A}:root"})
    )
    case, report = _case(
        {
            "principal": f"arn:aws:iam::{B}:user/bob",
            "action": "s3:GetObject",
            "resource": f"{BUCKET}/q1.csv",
            "resource_account": A,
        },
        identity=[_policy(_allow("s3:*"))],
        resource=bucket_policy,
    )
    assert case == "resource-policy-without-principal"
    assert report["denied_by"] == "resource-based policy"
    resource = report["layers"][3]
    assert resource["layer"] == "resource" and resource["decided"] is True
    [closest] = report["statements"]
    assert closest["principal_matched"] is False


def test_trust_policy_without_the_principal() -> None:
    trust = _policy(
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "ec2.amazonaws.com"},
        }
    )
    case, report = _case(
        {
            "principal": f"arn:aws:iam::{B}:user/bob",
            "action": "sts:AssumeRole",
            "resource": ROLE,
            "resource_account": A,
        },
        identity=[_policy(_allow("sts:AssumeRole"))],
        resource=trust,
    )
    assert case == "trust-policy-without-principal"
    assert "iam:UpdateAssumeRolePolicy" in report["explanation"]["who_can_change"]
    assert report["request"]["resource_policy_kind"] == "trust"


def test_missing_pass_role() -> None:
    case, report = _case(
        {
            "principal": ALICE,
            "action": "iam:PassRole",
            "resource": ROLE,
            "context": {"iam:PassedToService": "ec2.amazonaws.com"},
        },
        identity=[_policy(_allow("ec2:RunInstances"))],
    )
    assert case == "missing-pass-role"
    assert "instance profile" in report["diagnosis"]["advice"]
    assert ROLE in report["diagnosis"]["advice"]


def test_root_locked_out_of_a_bucket() -> None:
    policy = _policy(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [BUCKET, f"{BUCKET}/*"],
            "Condition": {"StringNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{A}:user/admin"}},
        }
    )
    case, report = _case(
        {
            "principal": f"arn:aws:iam::{A}:root",
            "action": "s3:GetObject",
            "resource": f"{BUCKET}/q1.csv",
            "resource_account": A,
            "context": {"aws:PrincipalArn": f"arn:aws:iam::{A}:root"},
        },
        resource=policy,
    )
    assert case == "root-locked-out-by-resource-policy"
    assert report["decision"] == "explicit_deny"
    assert "s3:PutBucketPolicy" in report["diagnosis"]["advice"]
    layers = {layer["layer"]: layer["said"] for layer in report["layers"]}
    assert layers["resource"] == "deny"
    assert layers["identity"] == "absent"


def test_other_explicit_deny() -> None:
    case, report = _case(
        {"principal": ALICE, "action": "iam:DeleteUser"},
        identity=[
            _policy(_allow("iam:*"), {"Effect": "Deny", "Action": "iam:Delete*", "Resource": "*"})
        ],
    )
    assert case == "explicit-deny"
    assert report["layers"][-1]["said"] == "deny"


def test_scp_levels_must_each_allow() -> None:
    full = _policy(_allow("*"))
    narrow = _policy(_allow("s3:*"))
    case, report = _case(
        {"principal": ALICE, "action": "iam:ListUsers"},
        identity=[full],
        scp=[[full], [narrow]],
    )
    assert case == "missing-permission"
    assert report["layers"][0] == {**report["layers"][0], "said": "no allow", "decided": True}
