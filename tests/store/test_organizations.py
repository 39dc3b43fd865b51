"""The Organizations store: lifecycle, OUs, accounts, policies, attachments and the
view authorization reads (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest

from clearance.store import ORG_VERSION_ACCOUNT, Store
from clearance.store.org_errors import (
    AccountAlreadyClosed,
    AlreadyInOrganization,
    AWSOrganizationsNotInUse,
    ConstraintViolation,
    DuplicateOrganizationalUnit,
    DuplicatePolicy,
    DuplicatePolicyAttachment,
    MasterCannotLeaveOrganization,
    OrganizationalUnitNotEmpty,
    OrganizationNotEmpty,
    ParentNotFound,
    PolicyInUse,
    PolicyNotAttached,
    PolicyNotFound,
    PolicyTypeAlreadyEnabled,
    PolicyTypeNotEnabled,
    TargetNotFound,
)
from clearance.store.org_records import RCP, SCP
from tests.store.conftest import ACCOUNT

DENY_S3 = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}'
MGMT_EMAIL = "mgmt@example.com"


@pytest.fixture
def org(store: Store, account: str) -> str:
    return store.create_organization(account, MGMT_EMAIL).id


def _new_account(store: Store, org: str, name: str = "dev") -> str:
    status = store.create_org_account(org, name, f"{name}@example.com")
    assert status.state == "SUCCEEDED"
    assert status.account_id is not None
    return status.account_id


def test_create_organization_ids_and_membership(store: Store, account: str) -> None:
    org = store.create_organization(account, MGMT_EMAIL)
    assert re.fullmatch(r"o-[a-z0-9]{10}", org.id)
    assert org.arn == f"arn:aws:organizations::{account}:organization/{org.id}"
    assert org.management_account_id == account
    assert org.management_email == MGMT_EMAIL
    assert not org.scp_enabled and not org.rcp_enabled
    (root,) = store.list_org_roots(org.id)
    assert re.fullmatch(r"r-[a-z0-9]{4}", root.id)
    assert root.arn == f"arn:aws:organizations::{account}:root/{org.id}/{root.id}"
    (member,) = store.list_org_accounts(org.id)
    assert (member.id, member.parent_id, member.email) == (account, root.id, MGMT_EMAIL)
    with pytest.raises(AlreadyInOrganization):
        store.create_organization(account, MGMT_EMAIL)


def test_not_in_an_organization(store: Store, account: str) -> None:
    with pytest.raises(AWSOrganizationsNotInUse):
        store.get_organization(account)
    assert store.organization_view(account) is None


def test_every_change_bumps_the_org_version(store: Store, account: str) -> None:
    before = store.account_versions([ORG_VERSION_ACCOUNT])[ORG_VERSION_ACCOUNT]
    org = store.create_organization(account, MGMT_EMAIL).id
    middle = store.account_versions([ORG_VERSION_ACCOUNT])[ORG_VERSION_ACCOUNT]
    root = store.list_org_roots(org)[0].id
    store.create_org_unit(org, root, "Prod")
    after = store.account_versions([ORG_VERSION_ACCOUNT])[ORG_VERSION_ACCOUNT]
    assert before < middle < after
    assert ORG_VERSION_ACCOUNT not in {a.id for a in store.list_accounts()}


def test_create_account_makes_a_keyless_account_with_the_access_role(
    store: Store, org: str
) -> None:
    new = _new_account(store, org)
    assert re.fullmatch(r"\d{12}", new)
    assert new in {a.id for a in store.list_accounts()}
    assert store.get_account_summary(new)["AccountAccessKeysPresent"] == 0
    role = store.get_role(new, "OrganizationAccountAccessRole")
    assert f"arn:aws:iam::{ACCOUNT}:root" in role.assume_role_policy
    inline = store.get_role_policy(new, "OrganizationAccountAccessRole", "AdministratorAccess")
    assert '"Action": "*"' in inline.document
    (status,) = store.list_create_account_statuses(org)
    assert re.fullmatch(r"car-[a-z0-9]{32}", status.id)
    assert store.get_create_account_status(org, status.id).account_id == new
    member = store.get_org_account(org, new)
    assert (member.name, member.state, member.joined_method) == ("dev", "ACTIVE", "CREATED")


def test_create_account_failures_are_reported_in_the_status(store: Store, org: str) -> None:
    _new_account(store, org, "dev")
    again = store.create_org_account(org, "dev2", "DEV@example.com")
    assert (again.state, again.failure_reason, again.account_id) == (
        "FAILED",
        "EMAIL_ALREADY_EXISTS",
        None,
    )
    assert store.list_create_account_statuses(org, ("FAILED",)) == (again,)


def test_create_account_limit(store: Store, org: str) -> None:
    limit = store.org_quotas.accounts_per_organization
    for index in range(limit - 1):
        _new_account(store, org, f"a{index}")
    failed = store.create_org_account(org, "over", "over@example.com")
    assert failed.failure_reason == "ACCOUNT_LIMIT_EXCEEDED"


def test_units_nesting_duplicates_and_depth(store: Store, org: str) -> None:
    root = store.list_org_roots(org)[0].id
    parent = root
    chain = []
    for depth in range(1, 6):
        unit = store.create_org_unit(org, parent, f"level{depth}")
        assert re.fullmatch(rf"ou-{root[2:]}-[a-z0-9]{{8}}", unit.id)
        assert unit.depth == depth
        chain.append(unit.id)
        parent = unit.id
    with pytest.raises(ConstraintViolation) as too_deep:
        store.create_org_unit(org, parent, "level6")
    assert too_deep.value.reason == "OU_DEPTH_LIMIT_EXCEEDED"
    with pytest.raises(DuplicateOrganizationalUnit):
        store.create_org_unit(org, root, "level1")
    with pytest.raises(ParentNotFound):
        store.create_org_unit(org, "ou-zzzz-zzzzzzzz", "x")
    assert store.get_org_parent(org, chain[1]) == (chain[0], "ORGANIZATIONAL_UNIT")
    assert [u.id for u in store.list_org_units(org, root)] == [chain[0]]
    with pytest.raises(OrganizationalUnitNotEmpty):
        store.delete_org_unit(org, chain[3])
    store.delete_org_unit(org, chain[4])
    renamed = store.update_org_unit(org, chain[3], "renamed")
    assert store.get_org_unit(org, chain[3]).name == renamed.name == "renamed"


def test_move_remove_and_close(store: Store, org: str, account: str) -> None:
    root = store.list_org_roots(org)[0].id
    unit = store.create_org_unit(org, root, "Prod").id
    new = _new_account(store, org)
    store.move_org_account(org, new, root, unit)
    assert [a.id for a in store.list_org_accounts(org, unit)] == [new]
    assert store.get_org_parent(org, new) == (unit, "ORGANIZATIONAL_UNIT")
    with pytest.raises(OrganizationalUnitNotEmpty):
        store.delete_org_unit(org, unit)
    with pytest.raises(MasterCannotLeaveOrganization):
        store.remove_org_account(org, account)
    with pytest.raises(ConstraintViolation):
        store.close_org_account(org, account)
    store.close_org_account(org, new)
    assert store.get_org_account(org, new).state == "SUSPENDED"
    with pytest.raises(AccountAlreadyClosed):
        store.close_org_account(org, new)
    view = store.organization_view(new)
    assert view is not None and view.account_state == "SUSPENDED"
    with pytest.raises(OrganizationNotEmpty):
        store.delete_organization(org)
    store.remove_org_account(org, new)
    assert store.organization_view(new) is None
    store.get_account(new)  # the account itself remains
    store.delete_organization(org)
    with pytest.raises(AWSOrganizationsNotInUse):
        store.get_organization(account)


def test_policies_and_attachments(store: Store, org: str) -> None:
    root = store.list_org_roots(org)[0].id
    policy = store.create_org_policy(org, SCP, "DenyS3", "no s3", DENY_S3)
    assert re.fullmatch(r"p-[a-z0-9]{8}", policy.id)
    assert policy.arn.endswith(f":policy/{org}/service_control_policy/{policy.id}")
    with pytest.raises(DuplicatePolicy):
        store.create_org_policy(org, SCP, "DenyS3", "", DENY_S3)
    with pytest.raises(PolicyTypeNotEnabled):
        store.attach_org_policy(org, policy.id, root)
    enabled = store.enable_org_policy_type(org, root, SCP)
    assert enabled.enabled_types == (SCP,)
    with pytest.raises(PolicyTypeAlreadyEnabled):
        store.enable_org_policy_type(org, root, SCP)
    assert [p.id for p in store.list_org_policies_for_target(org, root, SCP)] == ["p-FullAWSAccess"]
    store.attach_org_policy(org, policy.id, root)
    with pytest.raises(DuplicatePolicyAttachment):
        store.attach_org_policy(org, policy.id, root)
    with pytest.raises(TargetNotFound):
        store.attach_org_policy(org, policy.id, "ou-zzzz-zzzzzzzz")
    with pytest.raises(PolicyInUse):
        store.delete_org_policy(org, policy.id)
    assert [t.target_id for t in store.list_org_policy_targets(org, policy.id)] == [root]
    store.detach_org_policy(org, "p-FullAWSAccess", root)
    with pytest.raises(ConstraintViolation) as last:
        store.detach_org_policy(org, policy.id, root)
    assert last.value.reason == "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"
    with pytest.raises(PolicyNotAttached):
        store.detach_org_policy(org, "p-FullAWSAccess", root)
    updated = store.update_org_policy(org, policy.id, name="DenyS3v2", document=DENY_S3)
    assert updated.name == "DenyS3v2"
    names = [p.name for p in store.list_org_policies(org, SCP)]
    assert names == ["FullAWSAccess", "DenyS3v2"]
    store.disable_org_policy_type(org, root, SCP)
    assert store.list_org_policies_for_target(org, root, SCP) == ()
    store.delete_org_policy(org, policy.id)
    with pytest.raises(PolicyNotFound):
        store.get_org_policy(org, policy.id)


def test_attachment_limit(store: Store, org: str) -> None:
    root = store.list_org_roots(org)[0].id
    store.enable_org_policy_type(org, root, SCP)
    limit = store.org_quotas.scps_per_target
    for index in range(limit - 1):
        policy = store.create_org_policy(org, SCP, f"p{index}", "", DENY_S3)
        store.attach_org_policy(org, policy.id, root)
    extra = store.create_org_policy(org, SCP, "extra", "", DENY_S3)
    with pytest.raises(ConstraintViolation) as full:
        store.attach_org_policy(org, extra.id, root)
    assert full.value.reason == "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"


def test_organization_view_chains(store: Store, org: str, account: str) -> None:
    root = store.list_org_roots(org)[0].id
    store.enable_org_policy_type(org, root, SCP)
    outer = store.create_org_unit(org, root, "Outer").id
    inner = store.create_org_unit(org, outer, "Inner").id
    new = _new_account(store, org)
    store.move_org_account(org, new, root, inner)
    deny = store.create_org_policy(org, SCP, "DenyS3", "", DENY_S3)
    store.attach_org_policy(org, deny.id, outer)

    view = store.organization_view(new)
    assert view is not None
    assert view.organization_id == org
    assert view.management_account_id == account
    assert view.org_path == f"{org}/{root}/{outer}/{inner}/"
    assert view.rcp_levels == ()
    assert [[p.policy_id for p in level] for level in view.scp_levels] == [
        ["p-FullAWSAccess"],
        ["p-FullAWSAccess", deny.id],
        ["p-FullAWSAccess"],
        ["p-FullAWSAccess"],
    ]
    full, denied = view.scp_levels[1]
    assert full.arn == ("arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess")
    assert '"Allow"' in full.document
    assert denied.arn == (
        f"arn:aws:organizations::{account}:policy/{org}/service_control_policy/{deny.id}"
    )
    assert (denied.name, denied.document) == ("DenyS3", DENY_S3)

    store.enable_org_policy_type(org, root, RCP)
    view = store.organization_view(new)
    assert view is not None
    assert [[p.policy_id for p in level] for level in view.rcp_levels] == [
        ["p-RCPFullAWSAccess"]
    ] * 4
    with pytest.raises(ConstraintViolation):
        store.detach_org_policy(org, "p-RCPFullAWSAccess", new)

    management = store.organization_view(account)
    assert management is not None
    assert management.org_path == f"{org}/{root}/"
    assert len(management.scp_levels) == 2  # the root, then the account
