"""Every identity operation, in process: results fit botocore's output shapes
(``result_problems``) and the semantics hold without a server."""

from __future__ import annotations

import json
from datetime import timedelta

import botocore.session
import pytest

from clearance.errors import InvalidInput, MalformedPolicyDocument, PolicySizeExceeded
from clearance.services.errors import (
    AccessDenied,
    InvalidUserType,
    PasswordPolicyViolation,
)
from clearance.services.iam import access_keys
from clearance.services.iam.access_keys import record_use
from clearance.services.iam.account import SECTIONS
from clearance.services.iam.login_profiles import password_problems
from clearance.store import DeleteConflict, LimitExceeded, NoSuchEntity, PasswordPolicy
from tests.services.iam_identities.conftest import ACCOUNT, ALLOW_ALL, Harness

ONLY_LIST_USERS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}],
    }
)


def _managed(h: Harness, name: str, document: str = ALLOW_ALL) -> str:
    return h.store.create_policy(ACCOUNT, name, document).arn


def test_user_tags_boundary_and_policies_fit_the_shapes(harness: Harness) -> None:
    h = harness
    h.call("CreateUser", UserName="alice", Path="/team/")
    h.call("TagUser", UserName="alice", Tags=[{"Key": "team", "Value": "red"}])
    assert h.call("ListUserTags", UserName="alice")["Tags"] == [{"Key": "team", "Value": "red"}]
    h.call("UntagUser", UserName="alice", TagKeys=["TEAM"])
    assert h.call("ListUserTags", UserName="alice")["Tags"] == []

    boundary = _managed(h, "boundary")
    h.call("PutUserPermissionsBoundary", UserName="alice", PermissionsBoundary=boundary)
    user = h.call("GetUser", UserName="alice")["User"]
    assert user["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    h.call("DeleteUserPermissionsBoundary", UserName="alice")
    assert "PermissionsBoundary" not in h.call("GetUser", UserName="alice")["User"]

    h.call("PutUserPolicy", UserName="alice", PolicyName="p", PolicyDocument=ALLOW_ALL)
    got = h.call("GetUserPolicy", UserName="alice", PolicyName="p")
    assert got == {"UserName": "alice", "PolicyName": "p", "PolicyDocument": ALLOW_ALL}
    assert h.call("ListUserPolicies", UserName="alice")["PolicyNames"] == ["p"]
    h.call("AttachUserPolicy", UserName="alice", PolicyArn=boundary)
    attached = h.call("ListAttachedUserPolicies", UserName="alice")["AttachedPolicies"]
    assert attached == [{"PolicyName": "boundary", "PolicyArn": boundary}]
    with pytest.raises(DeleteConflict):
        h.call("DeleteUser", UserName="alice")
    h.call("DetachUserPolicy", UserName="alice", PolicyArn=boundary)
    h.call("DeleteUserPolicy", UserName="alice", PolicyName="p")
    h.call("DeleteUser", UserName="alice")


def test_groups_fit_the_shapes(harness: Harness) -> None:
    h = harness
    for name in ("u1", "u2", "u3"):
        h.call("CreateUser", UserName=name)
    group = h.call("CreateGroup", GroupName="devs", Path="/eng/")["Group"]
    assert group["Arn"] == f"arn:aws:iam::{ACCOUNT}:group/eng/devs"
    for name in ("u1", "u2", "u3"):
        h.call("AddUserToGroup", GroupName="devs", UserName=name)
    first = h.call("GetGroup", GroupName="devs", MaxItems=2)
    assert [u["UserName"] for u in first["Users"]] == ["u1", "u2"]
    assert first["IsTruncated"] is True
    rest = h.call("GetGroup", GroupName="devs", Marker=first["Marker"])
    assert [u["UserName"] for u in rest["Users"]] == ["u3"]
    assert rest["IsTruncated"] is False
    assert [g["GroupName"] for g in h.call("ListGroupsForUser", UserName="u1")["Groups"]] == [
        "devs"
    ]
    assert h.call("ListGroups", PathPrefix="/eng/")["Groups"][0]["GroupName"] == "devs"
    h.call("PutGroupPolicy", GroupName="devs", PolicyName="gp", PolicyDocument=ALLOW_ALL)
    assert h.call("GetGroupPolicy", GroupName="devs", PolicyName="gp")["GroupName"] == "devs"
    assert h.call("ListGroupPolicies", GroupName="devs")["PolicyNames"] == ["gp"]
    arn = _managed(h, "group-managed")
    h.call("AttachGroupPolicy", GroupName="devs", PolicyArn=arn)
    assert (
        h.call("ListAttachedGroupPolicies", GroupName="devs")["AttachedPolicies"][0]["PolicyArn"]
        == arn
    )
    with pytest.raises(DeleteConflict):
        h.call("DeleteGroup", GroupName="devs")
    h.call("UpdateGroup", GroupName="devs", NewGroupName="developers")
    h.call("DetachGroupPolicy", GroupName="developers", PolicyArn=arn)
    h.call("DeleteGroupPolicy", GroupName="developers", PolicyName="gp")
    for name in ("u1", "u2", "u3"):
        h.call("RemoveUserFromGroup", GroupName="developers", UserName=name)
    h.call("DeleteGroup", GroupName="developers")
    with pytest.raises(NoSuchEntity, match=r"The group with name developers cannot be found\."):
        h.call("GetGroup", GroupName="developers")


def test_inline_policy_validation_and_aggregate_size(harness: Harness) -> None:
    h = harness
    h.call("CreateUser", UserName="bob")
    with pytest.raises(MalformedPolicyDocument, match=r"Syntax errors in policy\."):
        h.call("PutUserPolicy", UserName="bob", PolicyName="p", PolicyDocument="{nope")
    with pytest.raises(MalformedPolicyDocument, match="should not specify a principal"):
        h.call(
            "PutUserPolicy",
            UserName="bob",
            PolicyName="p",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"}
                    ],
                }
            ),
        )
    legacy = '{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
    h.call("PutUserPolicy", UserName="bob", PolicyName="legacy", PolicyDocument=legacy)

    def big(n: int) -> str:
        actions = [f"s3:GetObject{i:04d}" for i in range(n)]
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
            }
        )

    with pytest.raises(PolicySizeExceeded, match="Maximum policy size of 2048 bytes exceeded"):
        h.call("PutUserPolicy", UserName="bob", PolicyName="huge", PolicyDocument=big(200))
    h.call("PutUserPolicy", UserName="bob", PolicyName="half", PolicyDocument=big(52))
    with pytest.raises(PolicySizeExceeded, match="for user bob"):
        h.call("PutUserPolicy", UserName="bob", PolicyName="half2", PolicyDocument=big(52))


def test_access_keys_fit_the_shapes_and_quota(harness: Harness) -> None:
    h = harness
    h.call("CreateUser", UserName="carol")
    key = h.call("CreateAccessKey", UserName="carol")["AccessKey"]
    assert key["UserName"] == "carol" and key["Status"] == "Active"
    assert len(key["SecretAccessKey"]) == 40
    h.call("CreateAccessKey", UserName="carol")
    with pytest.raises(LimitExceeded, match="Cannot exceed quota for AccessKeysPerUser: 2"):
        h.call("CreateAccessKey", UserName="carol")
    listed = h.call("ListAccessKeys", UserName="carol")["AccessKeyMetadata"]
    assert {k["UserName"] for k in listed} == {"carol"}
    h.call("UpdateAccessKey", UserName="carol", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    never = h.call("GetAccessKeyLastUsed", AccessKeyId=key["AccessKeyId"])
    assert never == {
        "UserName": "carol",
        "AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"},
    }
    h.call("DeleteAccessKey", UserName="carol", AccessKeyId=key["AccessKeyId"])
    with pytest.raises(NoSuchEntity):
        h.call("GetAccessKeyLastUsed", AccessKeyId=key["AccessKeyId"])


def test_own_keys_without_user_name(harness: Harness) -> None:
    h = harness
    h.call("CreateUser", UserName="dave")
    h.call("PutUserPolicy", UserName="dave", PolicyName="all", PolicyDocument=ALLOW_ALL)
    dave = h.user_caller("dave")
    key = h.call("CreateAccessKey", dave)["AccessKey"]
    assert key["UserName"] == "dave"
    assert [k["AccessKeyId"] for k in h.call("ListAccessKeys", dave)["AccessKeyMetadata"]] == [
        key["AccessKeyId"]
    ]
    root_keys = h.call("ListAccessKeys")["AccessKeyMetadata"]
    assert all("UserName" not in k for k in root_keys)


def test_record_use_is_debounced(harness: Harness) -> None:
    h = harness
    access_keys._recent.clear()  # the debounce memory is per process
    h.call("CreateUser", UserName="erin")
    key = h.call("CreateAccessKey", UserName="erin")["AccessKey"]["AccessKeyId"]
    erin = h.user_caller("erin", key)
    record_use(h.context("ListUsers", erin))
    used = h.call("GetAccessKeyLastUsed", AccessKeyId=key)["AccessKeyLastUsed"]
    assert used["ServiceName"] == "iam" and used["Region"] == "us-east-1"
    assert used["LastUsedDate"] == h.clock.now()
    first = h.clock.now()
    h.clock.advance(seconds=30)
    record_use(h.context("ListUsers", erin))
    assert h.store.get_access_key_last_used(ACCOUNT, key).last_used == first
    h.clock.advance(seconds=31)
    record_use(h.context("ListUsers", erin))
    assert h.store.get_access_key_last_used(ACCOUNT, key).last_used == first + timedelta(seconds=61)


def test_denials_name_the_user_as_iam_does(harness: Harness) -> None:
    h = harness
    h.call("CreateUser", UserName="frank")
    h.call("CreateUser", UserName="target", Path="/p/")
    h.call("PutUserPolicy", UserName="frank", PolicyName="p", PolicyDocument=ONLY_LIST_USERS)
    frank = h.user_caller("frank")
    h.call("ListUsers", frank)
    with pytest.raises(AccessDenied) as denied:
        h.call("CreateUser", frank, UserName="x")
    assert str(denied.value) == (
        f"User: arn:aws:iam::{ACCOUNT}:user/frank is not authorized to perform: iam:CreateUser"
        f" on resource: arn:aws:iam::{ACCOUNT}:user/x because no identity-based policy allows"
        " the iam:CreateUser action"
    )
    with pytest.raises(AccessDenied, match="iam:GetUser on resource: user target because"):
        h.call("GetUser", frank, UserName="target")
    with pytest.raises(AccessDenied, match="iam:CreateAccessKey on resource: user frank because"):
        h.call("CreateAccessKey", frank)
    with pytest.raises(AccessDenied, match="iam:AddUserToGroup on resource: group g because"):
        h.call("AddUserToGroup", frank, GroupName="g", UserName="frank")
    # AccessDenied comes before NoSuchEntity.
    with pytest.raises(AccessDenied):
        h.call("GetUser", frank, UserName="nobody")


def test_resource_tags_reach_the_engine(harness: Harness) -> None:
    h = harness
    h.call("CreateUser", UserName="admin")
    h.call("CreateUser", UserName="red", Tags=[{"Key": "team", "Value": "red"}])
    h.call("CreateUser", UserName="blue", Tags=[{"Key": "team", "Value": "blue"}])
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:GetUser",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:ResourceTag/team": "red"}},
            }
        ],
    }
    h.call("PutUserPolicy", UserName="admin", PolicyName="p", PolicyDocument=json.dumps(policy))
    admin = h.user_caller("admin")
    assert h.call("GetUser", admin, UserName="red")["User"]["UserName"] == "red"
    with pytest.raises(AccessDenied):
        h.call("GetUser", admin, UserName="blue")


def test_password_rules() -> None:
    strict = PasswordPolicy(
        minimum_password_length=10,
        require_symbols=True,
        require_numbers=True,
        require_uppercase_characters=True,
        require_lowercase_characters=True,
    )
    assert password_problems("Abcdefgh1!", strict) == []
    assert password_problems("abc", strict) == [
        "Password should have a minimum length of 10",
        "Password should have at least one uppercase letter",
        "Password should have at least one number",
        "Password should have at least one symbol",
    ]
    assert password_problems("Abcdefg1", None) == []
    assert password_problems("abcdefgh", None) == [
        "Password should have at least three of the following: uppercase letters,"
        " lowercase letters, numbers and symbols"
    ]
    assert password_problems("Xx1" + ACCOUNT, None, (ACCOUNT,)) == []


def test_login_profiles_and_password_policy(harness: Harness) -> None:
    h = harness
    with pytest.raises(NoSuchEntity, match=f"The Password Policy with domain name {ACCOUNT}"):
        h.call("GetAccountPasswordPolicy")
    h.call(
        "UpdateAccountPasswordPolicy",
        MinimumPasswordLength=12,
        RequireNumbers=True,
        AllowUsersToChangePassword=True,
        PasswordReusePrevention=3,
    )
    policy = h.call("GetAccountPasswordPolicy")["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 12
    assert policy["ExpirePasswords"] is False
    assert policy["PasswordReusePrevention"] == 3
    h.call("CreateUser", UserName="gina")
    with pytest.raises(PasswordPolicyViolation, match="minimum length of 12"):
        h.call("CreateLoginProfile", UserName="gina", Password="short1")
    created = h.call(
        "CreateLoginProfile", UserName="gina", Password="long-enough-1", PasswordResetRequired=True
    )
    assert created["LoginProfile"]["PasswordResetRequired"] is True
    assert h.call("GetLoginProfile", UserName="gina")["LoginProfile"]["UserName"] == "gina"
    gina = h.user_caller("gina")
    # No identity policy: AllowUsersToChangePassword grants ChangePassword and reading the policy.
    h.call("GetAccountPasswordPolicy", gina)
    with pytest.raises(AccessDenied, match="old password is incorrect"):
        h.call("ChangePassword", gina, OldPassword="wrong", NewPassword="another-long-2")
    with pytest.raises(PasswordPolicyViolation, match="reuse prevention"):
        h.call("ChangePassword", gina, OldPassword="long-enough-1", NewPassword="long-enough-1")
    with pytest.raises(PasswordPolicyViolation, match="at least one number"):
        h.call("ChangePassword", gina, OldPassword="long-enough-1", NewPassword="long-enough-x")
    h.call("ChangePassword", gina, OldPassword="long-enough-1", NewPassword="another-long-2")
    assert h.store.check_password(ACCOUNT, "gina", "another-long-2")
    profile = h.call("GetLoginProfile", UserName="gina")["LoginProfile"]
    assert profile["PasswordResetRequired"] is False
    with pytest.raises(InvalidUserType):
        h.call("ChangePassword", OldPassword="a", NewPassword="b")
    h.call("UpdateLoginProfile", UserName="gina", Password="third-password-3")
    h.call("DeleteLoginProfile", UserName="gina")
    with pytest.raises(NoSuchEntity, match=r"Login Profile for User gina cannot be found\."):
        h.call("GetLoginProfile", UserName="gina")
    h.call("DeleteAccountPasswordPolicy")
    with pytest.raises(NoSuchEntity, match="The account policy with name PasswordPolicy"):
        h.call("DeleteAccountPasswordPolicy")
    # Without a policy, ChangePassword needs an identity policy.
    with pytest.raises(AccessDenied, match="iam:ChangePassword on resource: user gina"):
        h.call("ChangePassword", gina, OldPassword="x", NewPassword="y")


def test_account_aliases_and_summary(harness: Harness) -> None:
    h = harness
    assert h.call("ListAccountAliases") == {"AccountAliases": [], "IsTruncated": False}
    h.call("CreateAccountAlias", AccountAlias="my-corp")
    assert h.call("ListAccountAliases")["AccountAliases"] == ["my-corp"]
    h.call("DeleteAccountAlias", AccountAlias="my-corp")
    with pytest.raises(NoSuchEntity):
        h.call("DeleteAccountAlias", AccountAlias="my-corp")
    h.call("CreateUser", UserName="hal")
    h.call("CreateGroup", GroupName="g")
    summary = h.call("GetAccountSummary")["SummaryMap"]
    assert summary["Users"] == 1 and summary["Groups"] == 1
    assert summary["UsersQuota"] == 5000
    assert summary["AccessKeysPerUserQuota"] == 2
    assert summary["AccountAccessKeysPresent"] == 1  # the root's key
    assert summary["AccountMFAEnabled"] == 0
    model = botocore.session.get_session().get_service_model("iam")
    assert set(summary) <= set(model.shape_for("summaryKeyType").enum)


def test_authorization_details_paginate_across_sections(harness: Harness) -> None:
    h = harness
    for name in ("a", "b", "c"):
        h.call("CreateUser", UserName=name)
    h.call("PutUserPolicy", UserName="a", PolicyName="p", PolicyDocument=ALLOW_ALL)
    h.call("CreateGroup", GroupName="g1")
    h.call("AddUserToGroup", GroupName="g1", UserName="a")
    h.store.create_role(
        ACCOUNT,
        "r1",
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
    )
    arn = _managed(h, "local")
    h.call("AttachUserPolicy", UserName="b", PolicyArn=arn)

    everything = h.call("GetAccountAuthorizationDetails")
    assert everything["IsTruncated"] is False
    users = {u["UserName"]: u for u in everything["UserDetailList"]}
    assert users["a"]["UserPolicyList"] == [{"PolicyName": "p", "PolicyDocument": ALLOW_ALL}]
    assert users["a"]["GroupList"] == ["g1"]
    assert users["b"]["AttachedManagedPolicies"] == [{"PolicyName": "local", "PolicyArn": arn}]
    assert [g["GroupName"] for g in everything["GroupDetailList"]] == ["g1"]
    assert [r["RoleName"] for r in everything["RoleDetailList"]] == ["r1"]
    (policy,) = everything["Policies"]
    assert policy["PolicyVersionList"][0]["Document"] == ALLOW_ALL
    assert policy["AttachmentCount"] == 1

    seen: list[str] = []
    marker = None
    while True:
        params = {"MaxItems": 2, **({"Marker": marker} if marker else {})}
        page = h.call("GetAccountAuthorizationDetails", **params)
        for key in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
            seen += [d.get("UserName") or d.get("GroupName") or d["RoleName"] for d in page[key]]
        seen += [p["PolicyName"] for p in page["Policies"]]
        count = sum(
            len(page[k])
            for k in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
        )
        assert count <= 2
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert seen == ["a", "b", "c", "g1", "r1", "local"]

    only = h.call("GetAccountAuthorizationDetails", Filter=["Role", "LocalManagedPolicy"])
    assert only["UserDetailList"] == [] and only["GroupDetailList"] == []
    assert len(only["RoleDetailList"]) == 1 and len(only["Policies"]) == 1
    with pytest.raises(InvalidInput):
        h.call("GetAccountAuthorizationDetails", Marker=f"{len(SECTIONS)}.x")
