"""An organization's guardrails enforced by a live server, with real boto3 and the AWS CLI.

The management account (the server's bootstrap account) creates an organization
with two OUs and three member accounts; a fourth account stays outside::

    Root ── Prod ── prod-a, prod-b
         └─ Dev  ── dev-a                 outside: not in the organization

Callers in member accounts are sessions of ``OrganizationAccountAccessRole``
that the management account's administrator assumes. ``prod-a`` holds a role,
``shared``, that every account's root trusts, so that only RCPs decide who may
assume it (STS is among the services RCPs cover).

Each test attaches the guardrail it shows and detaches it afterwards: a change
applies on the next request, without restarting the server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.e2e.conftest import ACCOUNT_ID, Server, start_server

SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
DENY_OUTSIDE_US_EAST_1 = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OnlyUsEast1",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}},
        }
    ],
}
READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "sts:*"], "Resource": "*"}
    ],
}


def deny_outside(organization_id: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EnforceOrgIdentities",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:*",
                "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": organization_id}},
            }
        ],
    }


Creds = tuple[str, str, str | None]


@dataclass
class Org:
    server: Server
    id: str
    root: str
    units: dict[str, str]  # name -> ou id
    accounts: dict[str, str]  # name -> account id (outside included)
    sessions: dict[str, Creds]  # name -> credentials of a caller in that account
    shared_role: str

    def cli(self, *args: str) -> Any:
        done = self.server.cli("organizations", *args, "--output", "json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    def client(self, service: str, who: str, region: str = "us-east-1") -> Any:
        key, secret, token = self.sessions[who]
        return boto3.client(
            service,
            endpoint_url=self.server.endpoint,
            region_name=region,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=Config(retries={"max_attempts": 1}),
        )

    def arn(self, who: str) -> str:
        return self.client("sts", who).get_caller_identity()["Arn"]

    def policy(self, name: str, kind: str, document: dict[str, Any], target: str) -> dict[str, str]:
        """Create and attach a policy; its summary (Id, Arn)."""
        created = self.cli(
            "create-policy",
            "--name",
            name,
            "--description",
            name,
            "--type",
            kind,
            "--content",
            json.dumps(document),
        )["Policy"]["PolicySummary"]
        self.cli("attach-policy", "--policy-id", created["Id"], "--target-id", target)
        return dict(created)

    def remove(self, policy_id: str, target: str) -> None:
        self.cli("detach-policy", "--policy-id", policy_id, "--target-id", target)
        self.cli("delete-policy", "--policy-id", policy_id)

    def assume_shared(self, who: str, region: str = "us-east-1") -> str:
        """Assume prod-a's shared role; the new session's ARN."""
        assumed = self.client("sts", who, region).assume_role(
            RoleArn=self.shared_role, RoleSessionName=f"from-{who}"
        )
        return str(assumed["AssumedRoleUser"]["Arn"])


def denied(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as failure:
        call(*args, **kwargs)
    error = failure.value.response["Error"]
    assert error["Code"] in ("AccessDenied", "AccessDeniedException"), error
    return str(error["Message"])


def _admin(iam: Any, name: str) -> Creds:
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"], None


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    for server in start_server(tmp_path_factory.mktemp("clearance-org-scenario") / "data"):
        yield _build(server)


def _build(server: Server) -> Org:
    made = Org(server, "", "", {}, {"management": ACCOUNT_ID}, {}, "")
    made.id = made.cli("create-organization", "--feature-set", "ALL")["Organization"]["Id"]
    made.root = made.cli("list-roots")["Roots"][0]["Id"]
    for kind in (SCP, RCP):
        made.cli("enable-policy-type", "--root-id", made.root, "--policy-type", kind)
    for unit in ("Prod", "Dev"):
        created = made.cli("create-organizational-unit", "--parent-id", made.root, "--name", unit)
        made.units[unit] = created["OrganizationalUnit"]["Id"]
    for name, unit in (("prod-a", "Prod"), ("prod-b", "Prod"), ("dev-a", "Dev")):
        status = made.cli(
            "create-account", "--email", f"{name}@example.com", "--account-name", name
        )["CreateAccountStatus"]
        assert status["State"] == "SUCCEEDED", status
        made.accounts[name] = status["AccountId"]
        made.cli(
            "move-account",
            "--account-id",
            status["AccountId"],
            "--source-parent-id",
            made.root,
            "--destination-parent-id",
            made.units[unit],
        )
    made.sessions["management"] = _admin(server.client("iam"), "org-admin")
    sts = made.client("sts", "management")
    for name in ("prod-a", "prod-b", "dev-a"):
        credentials = sts.assume_role(
            RoleArn=f"arn:aws:iam::{made.accounts[name]}:role/OrganizationAccountAccessRole",
            RoleSessionName=name,
        )["Credentials"]
        made.sessions[name] = (
            credentials["AccessKeyId"],
            credentials["SecretAccessKey"],
            credentials["SessionToken"],
        )
    outside = server.create_account()
    made.accounts["outside"] = outside["AccountId"]
    made.sessions["outside"] = _admin(
        server.client("iam", outside["AccessKeyId"], outside["SecretAccessKey"]), "eve"
    )
    trusted = [
        f"arn:aws:iam::{made.accounts[n]}:root" for n in ("prod-a", "prod-b", "dev-a", "outside")
    ]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"}
        ],
    }
    role = made.client("iam", "prod-a").create_role(
        RoleName="shared", AssumeRolePolicyDocument=json.dumps(trust)
    )
    made.shared_role = role["Role"]["Arn"]
    return made


def test_a_deny_region_scp_binds_members_not_the_management_account(org: Org) -> None:
    scp = org.policy("DenyOutsideUsEast1", SCP, DENY_OUTSIDE_US_EAST_1, org.root)
    try:
        dev = org.accounts["dev-a"]
        tail = f"with an explicit deny in a service control policy: {scp['Arn']}"
        assert scp["Arn"].startswith(f"arn:aws:organizations::{ACCOUNT_ID}:policy/{org.id}/")
        # A member's call outside us-east-1: denied, the SCP named.
        assert denied(org.client("iam", "dev-a", "eu-west-1").list_users) == (
            f"User: {org.arn('dev-a')} is not authorized to perform: iam:ListUsers on resource: "
            f"arn:aws:iam::{dev}:user/ {tail}"
        )
        # Cross-account: the caller's SCPs apply to its AssumeRole too.
        assert denied(org.assume_shared, "dev-a", "eu-west-1") == (
            f"User: {org.arn('dev-a')} is not authorized to perform: sts:AssumeRole on resource: "
            f"{org.shared_role} {tail}"
        )
        # The same calls in us-east-1, and the management account anywhere: allowed.
        org.client("iam", "dev-a", "us-east-1").list_users()
        assert org.assume_shared("dev-a").endswith(":assumed-role/shared/from-dev-a")
        org.client("iam", "management", "eu-west-1").list_users()
    finally:
        org.remove(scp["Id"], org.root)
    # Detached: the next request is allowed, without a restart.
    org.client("iam", "dev-a", "eu-west-1").list_users()


def test_an_ou_allow_list_that_lacks_the_action_denies_implicitly(org: Org) -> None:
    dev_unit = org.units["Dev"]
    scp = org.policy("ReadOnly", SCP, READ_ONLY, dev_unit)
    org.cli("detach-policy", "--policy-id", "p-FullAWSAccess", "--target-id", dev_unit)
    try:
        dev = org.accounts["dev-a"]
        assert denied(org.client("iam", "dev-a").create_user, UserName="nope") == (
            f"User: {org.arn('dev-a')} is not authorized to perform: iam:CreateUser on resource: "
            f"arn:aws:iam::{dev}:user/nope because no service control policy allows the "
            "iam:CreateUser action"
        )
        org.client("iam", "dev-a").list_users()  # on the list
        org.client("iam", "prod-a").create_user(UserName="in-prod")  # the other OU
    finally:
        org.cli("attach-policy", "--policy-id", "p-FullAWSAccess", "--target-id", dev_unit)
        org.remove(scp["Id"], dev_unit)
    org.client("iam", "dev-a").create_user(UserName="after")


def test_a_deny_outside_org_rcp_on_a_members_role(org: Org) -> None:
    rcp = org.policy("DenyOutsideOrg", RCP, deny_outside(org.id), org.root)
    try:
        # The same account, and other accounts of the organization: allowed.
        for who in ("prod-a", "prod-b", "dev-a"):
            assert org.assume_shared(who).endswith(f":assumed-role/shared/from-{who}")
        # From outside the organization: denied by the RCP, whose ARN AWS does
        # not reveal outside the organization.
        eve = f"arn:aws:iam::{org.accounts['outside']}:user/eve"
        assert denied(org.assume_shared, "outside") == (
            f"User: {eve} is not authorized to perform: sts:AssumeRole on resource: "
            f"{org.shared_role} with an explicit deny in a resource control policy"
        )
    finally:
        org.remove(rcp["Id"], org.root)
    assert org.assume_shared("outside").endswith(":assumed-role/shared/from-outside")
