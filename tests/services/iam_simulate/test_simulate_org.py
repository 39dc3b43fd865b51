"""A simulated user of an organization member account is bound by the SCPs
that bind it in enforcement; the organization keys are in its context.

The organization is a fake ``Store.organization_view`` (and ``org`` version)
over the harness's real SQLite store: the account is a member whose root level
holds FullAWSAccess and an SCP denying s3:DeleteObject to
the organization's principals.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from clearance.services.authorize import Authorizer
from clearance.services.context import CallContext, Caller
from clearance.services.errors import AccessDenied
from clearance.store import AccountOrgView
from tests.services.iam_simulate.conftest import ACCOUNT, Harness
from tests.services.org_policies import FULL_ACCESS, RCP_FULL_ACCESS, org_policy

MGMT, ORG = "111111111111", "o-a1b2c3d4e5"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/bob"
SCP_ARN = f"arn:aws:organizations::{MGMT}:policy/{ORG}/service_control_policy/p-nodelete"


NO_DELETE = org_policy(
    SCP_ARN,
    {
        "Effect": "Deny",
        "Action": "s3:DeleteObject",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
    },
)


@pytest.fixture
def member(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    def view(account_id: str) -> AccountOrgView | None:
        if account_id not in (ACCOUNT, MGMT):
            return None
        return AccountOrgView(
            organization_id=ORG,
            management_account_id=MGMT,
            org_path=f"{ORG}/r-ab12/",
            scp_levels=((FULL_ACCESS, NO_DELETE), (FULL_ACCESS,)),
            rcp_levels=((RCP_FULL_ACCESS,), (RCP_FULL_ACCESS,)),
        )

    read_versions = harness.store.account_versions

    def versions(account_ids: Any) -> dict[str, int]:
        wanted = list(account_ids)
        found = read_versions(wanted)
        if "org" in wanted:
            found["org"] = 1
        return found

    monkeypatch.setattr(harness.store, "organization_view", view)
    monkeypatch.setattr(harness.store, "account_versions", versions)
    harness.authorizer = Authorizer(harness.store)  # it binds organization_view when made
    return harness


def _enforced(h: Harness, caller: Caller, action: str, resource: str) -> str:
    ctx = CallContext(
        caller=caller,
        service="s3",
        operation="Test",
        request_id="test",
        region="us-east-1",
        now=h.clock.now(),
        store=h.store,
        authorizer=h.authorizer,
    )
    try:
        ctx.require(action, resource)
    except AccessDenied as denied:
        return denied.message
    return "allowed"


def test_scps_bind_the_simulated_user_as_they_bind_the_user(member: Harness) -> None:
    everything = json.dumps(
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
    )
    bob = member.user("bob", everything)
    resource = "arn:aws:s3:::bucket/key"
    results = member.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=USER_ARN,
        ActionNames=["s3:DeleteObject", "s3:GetObject"],
        ResourceArns=[resource],
    )["EvaluationResults"]
    deleted, read = results
    assert deleted["EvalDecision"] == "explicitDeny"
    assert deleted["MatchedStatements"] == [{"SourcePolicyId": SCP_ARN, "SourcePolicyType": "none"}]
    assert deleted["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}
    # The SCP denies only when aws:PrincipalOrgID is known: the simulator filled it
    # in as enforcement does (and the organization's keys are not listed as missing).
    assert deleted["ResourceSpecificResults"][0]["MissingContextValues"] == []
    assert read["EvalDecision"] == "allowed"
    assert read["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}
    # Enforcement agrees.
    assert "explicit deny in a service control policy" in _enforced(
        member, bob, "s3:DeleteObject", resource
    )
    assert _enforced(member, bob, "s3:GetObject", resource) == "allowed"


def test_scps_can_be_excluded(member: Harness) -> None:
    member.user(
        "bob",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"},
            }
        ),
    )
    result = member.call(
        "SimulatePrincipalPolicy",
        PolicySourceArn=USER_ARN,
        ActionNames=["s3:DeleteObject"],
        PolicyExclusionList=[{"PolicyType": "scp"}],
    )["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert result["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}
