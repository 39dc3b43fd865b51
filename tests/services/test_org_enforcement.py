"""Enforcement of AWS Organizations' SCPs and RCPs by the Authorizer, in process.

The organization is a fake ``Store.organization_view`` (with its own ``org``
version) over a real SQLite store, so each case states its chains exactly:

    o-a1b2c3d4e5 / r-ab12
      ├─ 111111111111  management
      ├─ ou-ab12-11111111 (prod)  └─ 222222222222
      └─ ou-ab12-22222222 (dev)   └─ 333333333333
    444444444444 is in no organization.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clearance.clock import FixedClock
from clearance.engine import evaluate, explain
from clearance.services.authorize import Authorizer
from clearance.services.cache import Caches, RequestView, activate
from clearance.services.context import CallContext, Caller
from clearance.services.errors import AccessDenied
from clearance.services.sts.assume_role import authorize_assume
from clearance.store import AccountOrgView, OrgPolicy, Role, Store, fast_hasher, open_store
from tests.services.org_policies import FULL_ACCESS, RCP_FULL_ACCESS, org_policy

MGMT, PROD, DEV, OUTSIDE = "111111111111", "222222222222", "333333333333", "444444444444"
ORG, ROOT = "o-a1b2c3d4e5", "r-ab12"
OU_PROD, OU_DEV = "ou-ab12-11111111", "ou-ab12-22222222"
START = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
)


def scp_arn(policy_id: str) -> str:
    return f"arn:aws:organizations::{MGMT}:policy/{ORG}/service_control_policy/{policy_id}"


def rcp_arn(policy_id: str) -> str:
    return f"arn:aws:organizations::{MGMT}:policy/{ORG}/resource_control_policy/{policy_id}"


DENY_REGIONS = org_policy(
    scp_arn("p-denyregion"),
    {
        "Sid": "OnlyUsEast1",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}},
    },
)
READ_ONLY_IAM = org_policy(
    scp_arn("p-readonly"), {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}
)
DENY_OUTSIDE_ORG = org_policy(
    rcp_arn("p-perimeter"),
    {
        "Sid": "EnforceOrgIdentities",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sts:*",
        "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}},
    },
)


class FakeOrganizations:
    """``organization_view`` for the tree above; ``change`` bumps the org version."""

    def __init__(self) -> None:
        self.version = 1
        self.root_scps: tuple[OrgPolicy, ...] = (FULL_ACCESS,)
        self.unit_scps: dict[str, tuple[OrgPolicy, ...]] = {OU_PROD: (), OU_DEV: ()}
        self.root_rcps: tuple[OrgPolicy, ...] = (RCP_FULL_ACCESS,)
        self.closed: frozenset[str] = frozenset()
        self.views = 0

    def change(self, **changes: Any) -> None:
        for name, value in changes.items():
            setattr(self, name, value)
        self.version += 1

    def view(self, account_id: str) -> AccountOrgView | None:
        self.views += 1
        unit = {PROD: OU_PROD, DEV: OU_DEV}.get(account_id)
        if account_id not in (MGMT, PROD, DEV):
            return None
        units = (unit,) if unit else ()
        scps = (self.root_scps, *(self.unit_scps[u] or (FULL_ACCESS,) for u in units), ())
        rcps = (self.root_rcps, *((RCP_FULL_ACCESS,) for _ in units), ())
        return AccountOrgView(
            organization_id=ORG,
            management_account_id=MGMT,
            org_path="/".join([ORG, ROOT, *units]) + "/",
            scp_levels=tuple(level or (FULL_ACCESS,) for level in scps),
            rcp_levels=tuple(level or (RCP_FULL_ACCESS,) for level in rcps),
            account_state="SUSPENDED" if account_id in self.closed else "ACTIVE",
        )


class World:
    def __init__(self, store: Store, org: FakeOrganizations) -> None:
        self.store = store
        self.org = org
        self.authorizer = Authorizer(store)
        self.clock = FixedClock(START)

    def user(self, account: str, name: str = "alice", document: str = ALL) -> Caller:
        user = self.store.create_user(account, name)
        self.store.put_user_policy(account, name, "all", document)
        return Caller(account, user.arn, "user", user.id, "AKIA" + account, entity_id=user.id)

    def root(self, account: str) -> Caller:
        return Caller(account, f"arn:aws:iam::{account}:root", "root", account, "AKIAROOT")

    def ctx(self, caller: Caller, region: str = "us-east-1") -> CallContext:
        return CallContext(
            caller=caller,
            service="iam",
            operation="Test",
            request_id="test",
            region=region,
            now=self.clock.now(),
            store=self.store,
            authorizer=self.authorizer,
        )

    def denial(self, caller: Caller, action: str, resource: str, region: str = "us-east-1") -> str:
        with pytest.raises(AccessDenied) as denied:
            self.authorizer.require(self.ctx(caller, region), action, resource)
        return str(denied.value.message)

    def role(self, account: str, name: str, trust: dict[str, Any]) -> Role:
        document = {"Version": "2012-10-17", "Statement": [trust]}
        return self.store.create_role(account, name, json.dumps(document))

    def assume(self, caller: Caller, role: Role) -> None:
        authorize_assume(self.ctx(caller), role, ["sts:AssumeRole"], {})


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    store = open_store(
        f"sqlite:///{tmp_path}/clearance.db",
        bytes(range(32)),
        FixedClock(START),
        password_hasher=fast_hasher(),
    )
    for account in (MGMT, PROD, DEV, OUTSIDE):
        store.create_account(account)
    org = FakeOrganizations()
    monkeypatch.setattr(store, "organization_view", org.view)
    read_versions = store.account_versions

    def versions(account_ids: Any) -> dict[str, int]:
        wanted = list(account_ids)
        found = read_versions(wanted)
        if "org" in wanted:
            found["org"] = org.version
        return found

    monkeypatch.setattr(store, "account_versions", versions)
    try:
        yield World(store, org)
    finally:
        store.close()


# -- SCPs -------------------------------------------------------------------------------


def test_a_deny_region_scp_denies_a_member_and_names_the_policy(world: World) -> None:
    world.org.change(root_scps=(FULL_ACCESS, DENY_REGIONS))
    alice = world.user(PROD)
    resource = f"arn:aws:iam::{PROD}:user/bob"
    world.authorizer.require(world.ctx(alice, "us-east-1"), "iam:GetUser", resource)
    assert world.denial(alice, "iam:GetUser", resource, "eu-west-1") == (
        f"User: {alice.arn} is not authorized to perform: iam:GetUser on resource: {resource} "
        f"with an explicit deny in a service control policy: {scp_arn('p-denyregion')}"
    )


def test_the_root_user_of_a_member_account_is_bound_by_scps(world: World) -> None:
    world.org.change(root_scps=(FULL_ACCESS, DENY_REGIONS))
    root = world.root(DEV)
    world.authorizer.require(world.ctx(root), "iam:CreateUser", f"arn:aws:iam::{DEV}:user/x")
    message = world.denial(root, "iam:CreateUser", f"arn:aws:iam::{DEV}:user/x", "eu-west-1")
    assert message.endswith(
        f"with an explicit deny in a service control policy: {scp_arn('p-denyregion')}"
    )


def test_the_management_account_is_exempt_from_scps(world: World) -> None:
    world.org.change(root_scps=(DENY_REGIONS,))  # not even FullAWSAccess
    boss = world.user(MGMT)
    world.authorizer.require(world.ctx(boss, "eu-west-1"), "iam:ListUsers", "*")
    world.authorizer.require(world.ctx(world.root(MGMT), "eu-west-1"), "iam:ListUsers", "*")


def test_an_account_in_no_organization_has_no_scps(world: World) -> None:
    world.org.change(root_scps=(DENY_REGIONS,))
    world.authorizer.require(world.ctx(world.user(OUTSIDE), "eu-west-1"), "iam:ListUsers", "*")


def test_an_ou_allow_list_without_the_action_denies_implicitly(world: World) -> None:
    world.org.change(unit_scps={OU_PROD: (READ_ONLY_IAM,), OU_DEV: ()})
    prod, dev = world.user(PROD), world.user(DEV, "dora")
    target = f"arn:aws:iam::{PROD}:user/new"
    world.authorizer.require(world.ctx(prod), "iam:ListUsers", "*")
    assert world.denial(prod, "iam:CreateUser", target) == (
        f"User: {prod.arn} is not authorized to perform: iam:CreateUser on resource: {target} "
        "because no service control policy allows the iam:CreateUser action"
    )
    # The other OU inherits only the root's FullAWSAccess.
    world.authorizer.require(world.ctx(dev), "iam:CreateUser", f"arn:aws:iam::{DEV}:user/new")


def test_a_service_linked_role_is_not_bound_by_scps(world: World) -> None:
    world.org.change(root_scps=(DENY_REGIONS,))
    role = world.role(
        PROD,
        "AWSServiceRoleForTest",
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "ec2.amazonaws.com"},
        },
    )
    world.store.put_role_policy(PROD, role.name, "all", ALL)
    linked = world.store.create_role(
        PROD, "AWSServiceRoleForLinked", role.assume_role_policy, path="/aws-service-role/test/"
    )
    world.store.put_role_policy(PROD, linked.name, "all", ALL)
    for found, denied in ((role, True), (linked, False)):
        session = Caller(
            PROD,
            f"arn:aws:sts::{PROD}:assumed-role/{found.name}/s",
            "role_session",
            f"{found.id}:s",
            "ASIATEST",
            entity_id=found.id,
            role_arn=found.arn,
        )
        ctx = world.ctx(session, "eu-west-1")
        if denied:
            with pytest.raises(AccessDenied):
                world.authorizer.require(ctx, "iam:ListUsers", "*")
        else:
            world.authorizer.require(ctx, "iam:ListUsers", "*")


def test_an_scp_denial_explains_who_can_change_it(world: World) -> None:
    world.org.change(root_scps=(FULL_ACCESS, DENY_REGIONS))
    ctx = world.ctx(world.user(PROD), "eu-west-1")
    with pytest.raises(AccessDenied):
        world.authorizer.require(ctx, "iam:ListUsers", "*")
    request, policies, _ = ctx.checks[-1]
    explanation = explain(request, evaluate(request, policies, explain=True))
    assert explanation.layer == "service control policy"
    assert explanation.owner == (
        "only the organization's management account (or a delegated administrator) "
        "can change service control policies"
    )
    assert scp_arn("p-denyregion") in explanation.summary


# -- RCPs -------------------------------------------------------------------------------


def _shared_role(world: World, account: str, name: str = "shared") -> Role:
    """A role that trusts every account of the example, so only RCPs decide."""
    principals = [f"arn:aws:iam::{a}:root" for a in (MGMT, PROD, DEV, OUTSIDE)]
    return world.role(
        account,
        name,
        {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"},
    )


def test_a_deny_outside_org_rcp_denies_a_caller_from_outside(world: World) -> None:
    world.org.change(root_rcps=(RCP_FULL_ACCESS, DENY_OUTSIDE_ORG))
    role = _shared_role(world, PROD)
    outsider = world.user(OUTSIDE, "eve")
    with pytest.raises(AccessDenied) as denied:
        world.assume(outsider, role)
    # Outside the organization the RCP's ARN is not revealed.
    assert denied.value.message == (
        f"User: {outsider.arn} is not authorized to perform: sts:AssumeRole on resource: "
        f"{role.arn} with an explicit deny in a resource control policy"
    )
    world.assume(world.user(DEV, "dora"), role)  # inside the organization
    world.assume(world.user(PROD, "pat"), role)  # the same account


def test_the_management_accounts_resources_are_exempt_from_rcps(world: World) -> None:
    world.org.change(root_rcps=(DENY_OUTSIDE_ORG,))  # not even RCPFullAWSAccess
    world.assume(world.user(OUTSIDE, "eve"), _shared_role(world, MGMT))


def test_an_rcp_denial_inside_the_organization_names_the_policy(world: World) -> None:
    only_prod = org_policy(
        rcp_arn("p-prodonly"),
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalAccount": PROD}},
        },
    )
    world.org.change(root_rcps=(RCP_FULL_ACCESS, only_prod))
    role = _shared_role(world, PROD)
    dora = world.user(DEV, "dora")
    with pytest.raises(AccessDenied) as denied:
        world.assume(dora, role)
    assert denied.value.message == (
        f"User: {dora.arn} is not authorized to perform: sts:AssumeRole on resource: "
        f"{role.arn} with an explicit deny in a resource control policy: {rcp_arn('p-prodonly')}"
    )


def test_rcps_do_not_bind_services_they_do_not_cover(world: World) -> None:
    world.org.change(
        root_rcps=(
            RCP_FULL_ACCESS,
            org_policy(
                rcp_arn("p-all"),
                {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"},
            ),
        )
    )
    world.authorizer.require(world.ctx(world.user(PROD)), "iam:ListUsers", "*")


def test_a_cross_account_caller_gets_its_own_scps_and_the_resource_accounts_rcps(
    world: World,
) -> None:
    world.org.change(
        root_scps=(FULL_ACCESS, DENY_REGIONS), root_rcps=(RCP_FULL_ACCESS, DENY_OUTSIDE_ORG)
    )
    role = _shared_role(world, PROD)
    dora = world.user(DEV, "dora")
    ctx = world.ctx(dora, "eu-west-1")
    with pytest.raises(AccessDenied) as denied:
        authorize_assume(ctx, role, ["sts:AssumeRole"], {})
    assert denied.value.message.endswith(
        f"with an explicit deny in a service control policy: {scp_arn('p-denyregion')}"
    )
    # The same caller in its own account's set holds PROD's RCP chain here.
    policies = ctx.checks[-1].policies
    assert [g.policy_type.value for g in policies.rcp] == ["resource control policy"] * 3


# -- condition keys ---------------------------------------------------------------------


def _context(world: World, caller: Caller, resource_account: str | None) -> dict[str, Any]:
    return world.authorizer.request_context(world.ctx(caller), (), None, resource_account)


def test_org_keys_of_a_member_on_another_members_resource(world: World) -> None:
    values = _context(world, world.user(PROD), DEV)
    assert values["aws:principalaccount"] == PROD
    assert values["aws:principalorgid"] == ORG
    assert values["aws:principalorgpaths"] == (f"{ORG}/{ROOT}/{OU_PROD}/",)
    assert values["aws:resourceaccount"] == DEV
    assert values["aws:resourceorgid"] == ORG
    assert values["aws:resourceorgpaths"] == (f"{ORG}/{ROOT}/{OU_DEV}/",)


def test_org_keys_are_absent_outside_an_organization(world: World) -> None:
    outside = _context(world, world.user(OUTSIDE, "eve"), MGMT)
    assert "aws:principalorgid" not in outside
    assert "aws:principalorgpaths" not in outside
    assert outside["aws:resourceorgid"] == ORG
    assert outside["aws:resourceorgpaths"] == (f"{ORG}/{ROOT}/",)  # the management account
    member = _context(world, world.user(PROD), OUTSIDE)
    assert member["aws:principalorgid"] == ORG
    assert member["aws:resourceaccount"] == OUTSIDE
    assert "aws:resourceorgid" not in member and "aws:resourceorgpaths" not in member


def test_a_trust_policy_sees_the_callers_organization(world: World) -> None:
    role = world.role(
        PROD,
        "org-only",
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
        },
    )
    world.assume(world.user(DEV, "dora"), role)
    with pytest.raises(AccessDenied):
        world.assume(world.user(OUTSIDE, "eve"), role)


# -- caching ----------------------------------------------------------------------------


def test_an_scp_change_applies_on_the_next_request(world: World) -> None:
    alice = world.user(PROD)
    first, _ = world.authorizer.policies_of(alice)
    world.authorizer.require(world.ctx(alice, "eu-west-1"), "iam:ListUsers", "*")
    assert world.authorizer.policies_of(alice)[0] is first  # cached while nothing changes
    world.org.change(root_scps=(FULL_ACCESS, DENY_REGIONS))
    with pytest.raises(AccessDenied):
        world.authorizer.require(world.ctx(alice, "eu-west-1"), "iam:ListUsers", "*")
    world.org.change(root_scps=(FULL_ACCESS,))
    world.authorizer.require(world.ctx(alice, "eu-west-1"), "iam:ListUsers", "*")


def test_an_unrelated_org_change_keeps_the_compiled_sets(world: World) -> None:
    alice = world.user(PROD)
    first, _ = world.authorizer.policies_of(alice)
    world.org.change(unit_scps={OU_PROD: (), OU_DEV: (READ_ONLY_IAM,)})  # the other OU
    again, _ = world.authorizer.policies_of(alice)
    assert again is first
    assert world.org.views >= 2  # it was read again, and found unchanged


def test_each_org_policy_is_parsed_once(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from clearance.services import authorize

    parsed: list[str] = []
    original = authorize.read_policy

    def counted(text: str) -> Any:
        parsed.append(text)
        return original(text)

    monkeypatch.setattr(authorize, "read_policy", counted)
    world.org.change(root_scps=(FULL_ACCESS, DENY_REGIONS))
    for account, name in ((PROD, "a"), (PROD, "b"), (DEV, "c")):
        world.authorizer.require(world.ctx(world.user(account, name)), "iam:ListUsers", "*")
    world.org.change(root_rcps=(RCP_FULL_ACCESS, DENY_OUTSIDE_ORG))
    world.authorizer.require(world.ctx(world.user(DEV, "d")), "iam:ListUsers", "*")
    assert parsed.count(DENY_REGIONS.document) == 1
    assert parsed.count(FULL_ACCESS.document) == 1
    assert parsed.count(DENY_OUTSIDE_ORG.document) == 1


def test_a_request_reads_the_versions_once_with_the_org_version(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = world.user(PROD)
    role = _shared_role(world, DEV)
    reads: list[list[str]] = []
    read_versions = world.store.account_versions

    def counted(account_ids: Any) -> dict[str, int]:
        reads.append(list(account_ids))
        return read_versions(account_ids)

    monkeypatch.setattr(world.store, "account_versions", counted)
    caches = Caches(world.store)
    for region in ("us-east-1", "us-east-1", "eu-west-1"):
        if region == "eu-west-1":
            world.org.change(root_scps=(FULL_ACCESS, DENY_REGIONS))
        reads.clear()
        with activate(RequestView(caches)):
            ctx = world.ctx(alice, region)
            try:
                world.authorizer.require(ctx, "iam:ListUsers", "*")
                authorize_assume(ctx, role, ["sts:AssumeRole"], {})  # another account's keys
            except AccessDenied:
                assert region == "eu-west-1"
            else:
                assert region == "us-east-1"
        assert reads == [[PROD, "aws", "org"]]


# -- closed accounts --------------------------------------------------------------------


def test_a_closed_member_account_can_neither_act_nor_be_acted_on(world: World) -> None:
    alice = world.user(PROD)
    carol = world.user(DEV, "carol")
    own = f"arn:aws:iam::{PROD}:user/alice"
    world.authorizer.require(world.ctx(alice), "iam:GetUser", own)
    role = world.role(
        PROD, "shared", {"Effect": "Allow", "Principal": {"AWS": DEV}, "Action": "sts:AssumeRole"}
    )
    world.assume(carol, role)

    world.org.change(closed=frozenset({PROD}))
    assert world.denial(alice, "iam:GetUser", own).endswith(
        f"because account {PROD} is closed (SUSPENDED)"
    )
    root = world.root(PROD)
    assert "closed" in world.denial(root, "iam:ListUsers", "*")
    with pytest.raises(AccessDenied, match="closed"):
        world.assume(carol, role)  # its resources are out of reach too
    # Other accounts are unaffected.
    world.authorizer.require(world.ctx(carol), "iam:GetUser", f"arn:aws:iam::{DEV}:user/carol")
