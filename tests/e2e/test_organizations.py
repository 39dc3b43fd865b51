"""AWS Organizations against a live server, with real boto3 and the AWS CLI: create an
organization, accounts, OUs and SCPs; then the management account's administrator
assumes OrganizationAccountAccessRole in a new account and acts there.

The server is this module's own: an organization changes what every account of
the shared server would see."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import ACCOUNT_ID, Server, start_server

SCP = "SERVICE_CONTROL_POLICY"
DENY_S3 = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
)
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


@pytest.fixture(scope="module")
def org_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("clearance-org") / "data")


def _cli_json(server: Server, *args: str, **keys: str) -> Any:
    done = server.cli("organizations", *args, "--output", "json", **keys)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


@pytest.fixture(scope="module")
def organization(org_server: Server) -> dict[str, Any]:
    created = _cli_json(org_server, "create-organization", "--feature-set", "ALL")
    return dict(created["Organization"])


def test_boto3_describe_and_roots(org_server: Server, organization: dict[str, Any]) -> None:
    client = org_server.client("organizations")
    described = client.describe_organization()["Organization"]
    assert described["Id"] == organization["Id"]
    assert described["MasterAccountId"] == ACCOUNT_ID
    assert described["Arn"] == (
        f"arn:aws:organizations::{ACCOUNT_ID}:organization/{organization['Id']}"
    )
    roots = client.list_roots()["Roots"]
    assert len(roots) == 1 and roots[0]["Id"].startswith("r-")
    with pytest.raises(client.exceptions.AlreadyInOrganizationException):
        client.create_organization(FeatureSet="ALL")


def test_cli_accounts_units_and_policies(org_server: Server, organization: dict[str, Any]) -> None:
    created = _cli_json(
        org_server,
        "create-account",
        "--email",
        "cli-dev@example.com",
        "--account-name",
        "cli-dev",
    )["CreateAccountStatus"]
    assert created["State"] == "SUCCEEDED"
    new_account = created["AccountId"]
    accounts = _cli_json(org_server, "list-accounts")["Accounts"]
    assert {a["Id"] for a in accounts} >= {ACCOUNT_ID, new_account}

    root = _cli_json(org_server, "list-roots")["Roots"][0]["Id"]
    unit = _cli_json(
        org_server, "create-organizational-unit", "--parent-id", root, "--name", "CliProd"
    )["OrganizationalUnit"]
    assert unit["Id"].startswith(f"ou-{root[2:]}-")
    _cli_json(
        org_server,
        "move-account",
        "--account-id",
        new_account,
        "--source-parent-id",
        root,
        "--destination-parent-id",
        unit["Id"],
    )
    _cli_json(org_server, "enable-policy-type", "--root-id", root, "--policy-type", SCP)
    policy = _cli_json(
        org_server,
        "create-policy",
        "--content",
        DENY_S3,
        "--description",
        "No S3",
        "--name",
        "CliDenyS3",
        "--type",
        SCP,
    )["Policy"]["PolicySummary"]
    _cli_json(org_server, "attach-policy", "--policy-id", policy["Id"], "--target-id", unit["Id"])
    attached = _cli_json(
        org_server, "list-policies-for-target", "--target-id", unit["Id"], "--filter", SCP
    )["Policies"]
    assert {p["Id"] for p in attached} == {"p-FullAWSAccess", policy["Id"]}

    duplicate = org_server.cli(
        "organizations",
        "create-organizational-unit",
        "--parent-id",
        root,
        "--name",
        "CliProd",
    )
    assert duplicate.returncode != 0
    assert "DuplicateOrganizationalUnitException" in duplicate.stderr


def _admin_keys(org_server: Server) -> tuple[str, str]:
    iam = org_server.client("iam")
    iam.create_user(UserName="org-admin")
    iam.put_user_policy(UserName="org-admin", PolicyName="all", PolicyDocument=ALLOW_ALL)
    key = iam.create_access_key(UserName="org-admin")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_admin_assumes_the_access_role_and_acts_in_the_new_account(
    org_server: Server, organization: dict[str, Any]
) -> None:
    client = org_server.client("organizations")
    status = client.create_account(Email="boto-dev@example.com", AccountName="boto-dev")
    new_account = status["CreateAccountStatus"]["AccountId"]
    key, secret = _admin_keys(org_server)
    sts = org_server.client("sts", key, secret)
    assumed = sts.assume_role(
        RoleArn=f"arn:aws:iam::{new_account}:role/OrganizationAccountAccessRole",
        RoleSessionName="admin",
    )["Credentials"]
    creds = (assumed["AccessKeyId"], assumed["SecretAccessKey"], assumed["SessionToken"])
    identity = org_server.client("sts", *creds).get_caller_identity()
    assert identity["Account"] == new_account
    assert identity["Arn"] == (
        f"arn:aws:sts::{new_account}:assumed-role/OrganizationAccountAccessRole/admin"
    )
    member_iam = org_server.client("iam", *creds)
    member_iam.create_user(UserName="made-by-management")
    names = [u["UserName"] for u in member_iam.list_users()["Users"]]
    assert names == ["made-by-management"]
    role = member_iam.get_role(RoleName="OrganizationAccountAccessRole")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    if isinstance(trust, str):
        trust = json.loads(trust)
    assert trust["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
    inline = member_iam.list_role_policies(RoleName="OrganizationAccountAccessRole")
    assert inline["PolicyNames"] == ["AdministratorAccess"]

    # From inside the member account: DescribeOrganization only.
    member_orgs = org_server.client("organizations", *creds)
    assert member_orgs.describe_organization()["Organization"]["Id"] == organization["Id"]
    with pytest.raises(ClientError) as denied:
        member_orgs.list_accounts()
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def test_errors_reach_boto3_as_modeled_exceptions(
    org_server: Server, organization: dict[str, Any]
) -> None:
    client = org_server.client("organizations")
    with pytest.raises(client.exceptions.PolicyNotFoundException):
        client.describe_policy(PolicyId="p-abcdefgh")
    with pytest.raises(client.exceptions.MalformedPolicyDocumentException):
        client.create_policy(Content="{", Description="", Name="broken", Type=SCP)
    with pytest.raises(client.exceptions.MasterCannotLeaveOrganizationException):
        client.remove_account_from_organization(AccountId=ACCOUNT_ID)


def test_no_organization_on_a_fresh_server(tmp_path: Path) -> None:
    for server in start_server(tmp_path / "data"):
        client = server.client("organizations")
        with pytest.raises(client.exceptions.AWSOrganizationsNotInUseException):
            client.describe_organization()
