"""Organizations handlers: results fit botocore's shapes; AWS's errors for the
wrong caller, missing entities, malformed or oversized policies, and IAM denials."""

from __future__ import annotations

import json
from typing import Any

import pytest

from clearance.errors import ClearanceError
from tests.services.organizations.conftest import ALLOW_ALL, MANAGEMENT, Harness, root_of

DENY_S3 = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}'
SCP = "SERVICE_CONTROL_POLICY"


def _error(harness: Harness, operation: str, caller: Any = None, **params: Any) -> ClearanceError:
    with pytest.raises(ClearanceError) as raised:
        harness.call(operation, caller, **params)
    return raised.value


def _organization(harness: Harness) -> tuple[str, str]:
    org = harness.call("CreateOrganization", FeatureSet="ALL")["Organization"]
    root = harness.call("ListRoots")["Roots"][0]["Id"]
    return org["Id"], root


def _member(harness: Harness, name: str = "dev") -> str:
    status = harness.call("CreateAccount", AccountName=name, Email=f"{name}@example.com")
    assert status["CreateAccountStatus"]["State"] == "SUCCEEDED"
    return str(status["CreateAccountStatus"]["AccountId"])


def test_not_in_use_before_create(harness: Harness) -> None:
    error = _error(harness, "DescribeOrganization")
    assert error.code == "AWSOrganizationsNotInUseException"
    assert error.message == "Your account is not a member of an organization."
    assert _error(harness, "ListAccounts").code == "AWSOrganizationsNotInUseException"


def test_create_and_describe(harness: Harness) -> None:
    org_id, _root = _organization(harness)
    org = harness.call("DescribeOrganization")["Organization"]
    assert org["Id"] == org_id
    assert org["MasterAccountId"] == MANAGEMENT
    assert org["MasterAccountArn"] == (
        f"arn:aws:organizations::{MANAGEMENT}:account/{org_id}/{MANAGEMENT}"
    )
    assert _error(harness, "CreateOrganization").code == "AlreadyInOrganizationException"
    assert harness.call("ListRoots")["Roots"][0]["PolicyTypes"] == []


def test_member_accounts_describe_only(harness: Harness) -> None:
    org_id, root = _organization(harness)
    member = _member(harness)
    admin = harness.user(member, "admin", ALLOW_ALL)
    assert harness.call("DescribeOrganization", admin)["Organization"]["Id"] == org_id
    for operation, params in (
        ("ListAccounts", {}),
        ("CreateAccount", {"AccountName": "x", "Email": "x@example.com"}),
        ("CreateOrganizationalUnit", {"ParentId": root, "Name": "x"}),
        ("ListPolicies", {"Filter": SCP}),
    ):
        error = _error(harness, operation, admin, **params)
        assert (error.code, error.message) == (
            "AccessDeniedException",
            "You don't have permissions to access this resource.",
        )
    assert _error(harness, "CreateOrganization", admin).code == "AlreadyInOrganizationException"


def test_iam_denial_uses_the_organizations_code(harness: Harness) -> None:
    _organization(harness)
    reader = harness.user(
        MANAGEMENT,
        "reader",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "organizations:List*", "Resource": "*"}
                ],
            }
        ),
    )
    assert len(harness.call("ListAccounts", reader)["Accounts"]) == 1
    error = _error(harness, "CreateAccount", reader, AccountName="x", Email="x@example.com")
    assert error.code == "AccessDeniedException"
    assert "organizations:CreateAccount" in error.message


def test_resource_arns_of_the_authorization(harness: Harness) -> None:
    org_id, root = _organization(harness)
    unit = harness.call("CreateOrganizationalUnit", ParentId=root, Name="Prod")
    unit_arn = unit["OrganizationalUnit"]["Arn"]
    assert unit_arn.startswith(f"arn:aws:organizations::{MANAGEMENT}:ou/{org_id}/ou-")
    only_this_ou = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "organizations:DescribeOrganizationalUnit",
                    "Resource": unit_arn,
                }
            ],
        }
    )
    scoped = harness.user(MANAGEMENT, "scoped", only_this_ou)
    unit_id = unit["OrganizationalUnit"]["Id"]
    described = harness.call("DescribeOrganizationalUnit", scoped, OrganizationalUnitId=unit_id)
    assert described["OrganizationalUnit"]["Name"] == "Prod"
    other = harness.call("CreateOrganizationalUnit", ParentId=root, Name="Dev")
    error = _error(
        harness,
        "DescribeOrganizationalUnit",
        scoped,
        OrganizationalUnitId=other["OrganizationalUnit"]["Id"],
    )
    assert error.code == "AccessDeniedException"


def test_accounts_and_tree(harness: Harness) -> None:
    org_id, root = _organization(harness)
    member = _member(harness)
    described = harness.call("DescribeAccount", AccountId=member)["Account"]
    assert described["Arn"] == f"arn:aws:organizations::{MANAGEMENT}:account/{org_id}/{member}"
    assert (described["Status"], described["JoinedMethod"]) == ("ACTIVE", "CREATED")
    unit = harness.call("CreateOrganizationalUnit", ParentId=root, Name="Prod")
    unit_id = unit["OrganizationalUnit"]["Id"]
    harness.call("MoveAccount", AccountId=member, SourceParentId=root, DestinationParentId=unit_id)
    assert harness.call("ListParents", ChildId=member)["Parents"] == [
        {"Id": unit_id, "Type": "ORGANIZATIONAL_UNIT"}
    ]
    children = harness.call("ListChildren", ParentId=unit_id, ChildType="ACCOUNT")
    assert children["Children"] == [{"Id": member, "Type": "ACCOUNT"}]
    again = _error(
        harness,
        "MoveAccount",
        AccountId=member,
        SourceParentId=unit_id,
        DestinationParentId=unit_id,
    )
    assert again.code == "DuplicateAccountException"
    error = _error(harness, "DeleteOrganizationalUnit", OrganizationalUnitId=unit_id)
    assert error.code == "OrganizationalUnitNotEmptyException"
    assert _error(harness, "DeleteOrganization").code == "OrganizationNotEmptyException"
    missing = _error(harness, "CreateOrganizationalUnit", ParentId="ou-abcd-abcdefgh", Name="x")
    assert missing.code == "ParentNotFoundException"
    dup = _error(harness, "CreateOrganizationalUnit", ParentId=root, Name="Prod")
    assert dup.code == "DuplicateOrganizationalUnitException"
    leave = _error(harness, "RemoveAccountFromOrganization", AccountId=MANAGEMENT)
    assert leave.code == "MasterCannotLeaveOrganizationException"
    harness.call("CloseAccount", AccountId=member)
    closed = harness.call("DescribeAccount", AccountId=member)["Account"]
    assert closed["Status"] == "SUSPENDED"
    assert _error(harness, "CloseAccount", AccountId=member).code == (
        "AccountAlreadyClosedException"
    )
    harness.call("RemoveAccountFromOrganization", AccountId=member)
    assert _error(harness, "DescribeAccount", AccountId=member).code == "AccountNotFoundException"


def test_create_account_status_listing(harness: Harness) -> None:
    _organization(harness)
    member = _member(harness)
    statuses = harness.call("ListCreateAccountStatus")["CreateAccountStatuses"]
    assert [s["AccountId"] for s in statuses] == [member]
    one = harness.call("DescribeCreateAccountStatus", CreateAccountRequestId=statuses[0]["Id"])
    assert one["CreateAccountStatus"]["AccountId"] == member
    failed = harness.call("CreateAccount", AccountName="dup", Email="DEV@example.com")
    assert failed["CreateAccountStatus"]["FailureReason"] == "EMAIL_ALREADY_EXISTS"
    only_failed = harness.call("ListCreateAccountStatus", States=["FAILED"])
    assert len(only_failed["CreateAccountStatuses"]) == 1
    missing = _error(
        harness, "DescribeCreateAccountStatus", CreateAccountRequestId="car-" + "0" * 32
    )
    assert missing.code == "CreateAccountStatusNotFoundException"


def test_policies(harness: Harness) -> None:
    org_id, root = _organization(harness)
    created = harness.call(
        "CreatePolicy", Content=DENY_S3, Description="d", Name="DenyS3", Type=SCP
    )["Policy"]["PolicySummary"]
    policy_id = created["Id"]
    assert created["Arn"] == (
        f"arn:aws:organizations::{MANAGEMENT}:policy/{org_id}/service_control_policy/{policy_id}"
    )
    not_enabled = _error(harness, "AttachPolicy", PolicyId=policy_id, TargetId=root)
    assert not_enabled.code == "PolicyTypeNotEnabledException"
    enabled = harness.call("EnablePolicyType", RootId=root, PolicyType=SCP)["Root"]
    assert enabled["PolicyTypes"] == [{"Type": SCP, "Status": "ENABLED"}]
    again = _error(harness, "EnablePolicyType", RootId=root, PolicyType=SCP)
    assert again.code == "PolicyTypeAlreadyEnabledException"
    harness.call("AttachPolicy", PolicyId=policy_id, TargetId=root)
    dup = _error(harness, "AttachPolicy", PolicyId=policy_id, TargetId=root)
    assert dup.code == "DuplicatePolicyAttachmentException"
    attached = harness.call("ListPoliciesForTarget", TargetId=root, Filter=SCP)["Policies"]
    assert {p["Id"]: p["AwsManaged"] for p in attached} == {
        "p-FullAWSAccess": True,
        policy_id: False,
    }
    targets = harness.call("ListTargetsForPolicy", PolicyId=policy_id)["Targets"]
    assert [(t["TargetId"], t["Type"], t["Name"]) for t in targets] == [(root, "ROOT", "Root")]
    in_use = _error(harness, "DeletePolicy", PolicyId=policy_id)
    assert in_use.code == "PolicyInUseException"
    harness.call("DetachPolicy", PolicyId="p-FullAWSAccess", TargetId=root)
    last = _error(harness, "DetachPolicy", PolicyId=policy_id, TargetId=root)
    assert last.code == "ConstraintViolationException"
    described = harness.call("DescribePolicy", PolicyId="p-FullAWSAccess")["Policy"]
    assert described["PolicySummary"]["Arn"] == (
        "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
    )
    listed = harness.call("ListPolicies", Filter=SCP)["Policies"]
    assert [p["Name"] for p in listed] == ["FullAWSAccess", "DenyS3"]
    updated = harness.call("UpdatePolicy", PolicyId=policy_id, Name="DenyS3Renamed")
    assert updated["Policy"]["PolicySummary"]["Name"] == "DenyS3Renamed"
    missing = _error(harness, "DescribePolicy", PolicyId="p-abcdefgh")
    assert missing.code == "PolicyNotFoundException"
    assert _error(harness, "DeletePolicy", PolicyId="p-FullAWSAccess").code == (
        "InvalidInputException"
    )


def test_policy_documents_are_validated(harness: Harness) -> None:
    _organization(harness)
    malformed = _error(
        harness, "CreatePolicy", Content="{not json", Description="", Name="bad", Type=SCP
    )
    assert malformed.code == "MalformedPolicyDocumentException"
    with_principal = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}],
        }
    )
    scp_principal = _error(
        harness, "CreatePolicy", Content=with_principal, Description="", Name="p", Type=SCP
    )
    assert scp_principal.code == "MalformedPolicyDocumentException"
    padded = DENY_S3[:-1] + " " * 5200 + "}"
    oversized = _error(
        harness, "CreatePolicy", Content=padded, Description="", Name="big", Type=SCP
    )
    assert oversized.code == "ConstraintViolationException"
    assert "5120" in oversized.message


def test_delete_organization(harness: Harness) -> None:
    _organization(harness)
    harness.call("DeleteOrganization")
    assert _error(harness, "DescribeOrganization").code == "AWSOrganizationsNotInUseException"
    harness.call("CreateOrganization")  # a new one may be created afterwards


def test_pagination(harness: Harness) -> None:
    _organization(harness)
    root = harness.call("ListRoots")["Roots"][0]["Id"]
    for index in range(5):
        harness.call("CreateOrganizationalUnit", ParentId=root, Name=f"ou{index}")
    first = harness.call("ListOrganizationalUnitsForParent", ParentId=root, MaxResults=3)
    assert len(first["OrganizationalUnits"]) == 3
    second = harness.call(
        "ListOrganizationalUnitsForParent", ParentId=root, NextToken=first["NextToken"]
    )
    assert "NextToken" not in second
    names = [u["Name"] for u in first["OrganizationalUnits"] + second["OrganizationalUnits"]]
    assert sorted(names) == [f"ou{index}" for index in range(5)]
    bad = _error(harness, "ListAccounts", NextToken="!!!")
    assert bad.code == "InvalidInputException"


def test_new_account_root_is_not_the_management_root(harness: Harness) -> None:
    _organization(harness)
    member = _member(harness)
    error = _error(harness, "ListAccounts", root_of(member))
    assert error.code == "AccessDeniedException"
