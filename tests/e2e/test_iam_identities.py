"""Users, groups, inline and attached policies, boundaries, access keys, passwords
and the account, driven by boto3 and the AWS CLI against a live server, with
authorization enforced by the engine for every call."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from clearance.clock import SystemClock
from clearance.services.bootstrap import open_server_store
from clearance.store import Store
from tests.e2e.conftest import ACCOUNT_ID, Server

Unique = Callable[[str], str]


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def deny(action: str | list[str], resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = raised.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def arn(kind: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:{kind}{path}{name}"


@pytest.fixture(scope="module")
def store(server: Server) -> Iterator[Store]:
    """The server's own store, opened beside it (safe while it runs)."""
    url = server.env.get("CLEARANCE_DATABASE_URL") or f"sqlite:///{server.data_dir}/clearance.db"
    opened = open_server_store(
        server.data_dir, url, server.env.get("CLEARANCE_MASTER_KEY"), SystemClock()
    )
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture()
def managed(iam: Any, store: Store) -> Callable[[str, str], str]:
    """Create a customer managed policy: with CreatePolicy, or in the store when
    the server does not serve CreatePolicy (the policies half of IAM)."""

    def create(name: str, document: str) -> str:
        try:
            return str(iam.create_policy(PolicyName=name, PolicyDocument=document)["Policy"]["Arn"])
        except ClientError as error:
            if error.response["Error"]["Code"] != "NotImplemented":
                raise
        return store.create_policy(ACCOUNT_ID, name, document).arn

    return create


def user_with_keys(server: Server, iam: Any, name: str, *documents: str) -> Any:
    """A user with inline policies and an access key: an IAM client acting as it."""
    iam.create_user(UserName=name)
    for index, document in enumerate(documents):
        iam.put_user_policy(UserName=name, PolicyName=f"p{index}", PolicyDocument=document)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return server.client("iam", key["AccessKeyId"], key["SecretAccessKey"])


def cleanup_user(iam: Any, name: str) -> None:
    """Everything DeleteUser requires gone first, then the user."""
    for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    for policy_name in iam.list_user_policies(UserName=name)["PolicyNames"]:
        iam.delete_user_policy(UserName=name, PolicyName=policy_name)
    for attached in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
        iam.detach_user_policy(UserName=name, PolicyArn=attached["PolicyArn"])
    for group in iam.list_groups_for_user(UserName=name)["Groups"]:
        iam.remove_user_from_group(GroupName=group["GroupName"], UserName=name)
    with contextlib.suppress(iam.exceptions.NoSuchEntityException):
        iam.delete_login_profile(UserName=name)
    iam.delete_user(UserName=name)


# -- authorization ---------------------------------------------------------------------


def test_a_user_may_do_only_what_its_policy_allows(
    server: Server, iam: Any, unique: Unique
) -> None:
    name = unique("lister")
    client = user_with_keys(server, iam, name, policy(allow("iam:ListUsers")))
    names = [u["UserName"] for u in client.list_users()["Users"]]
    assert name in names
    target = unique("x")
    with pytest.raises(ClientError) as denied:
        client.create_user(UserName=target)
    assert error_of(denied) == (
        "AccessDenied",
        f"User: {arn('user', name)} is not authorized to perform: iam:CreateUser on resource: "
        f"{arn('user', target)} because no identity-based policy allows the iam:CreateUser action",
        403,
    )
    with pytest.raises(ClientError) as denied_get:
        client.get_user(UserName=name)
    assert error_of(denied_get)[1] == (
        f"User: {arn('user', name)} is not authorized to perform: iam:GetUser on resource: "
        f"user {name} because no identity-based policy allows the iam:GetUser action"
    )
    cleanup_user(iam, name)


def test_a_group_policy_grants_its_members(server: Server, iam: Any, unique: Unique) -> None:
    name, group = unique("member"), unique("readers")
    client = user_with_keys(server, iam, name)
    iam.create_group(GroupName=group)
    iam.put_group_policy(
        GroupName=group, PolicyName="read", PolicyDocument=policy(allow("iam:GetGroup"))
    )
    with pytest.raises(ClientError) as before:
        client.get_group(GroupName=group)
    assert error_of(before)[0] == "AccessDenied"
    iam.add_user_to_group(GroupName=group, UserName=name)
    members = client.get_group(GroupName=group)["Users"]
    assert [m["UserName"] for m in members] == [name]
    iam.remove_user_from_group(GroupName=group, UserName=name)
    with pytest.raises(ClientError) as after:
        client.get_group(GroupName=group)
    assert f"iam:GetGroup on resource: group {group} because" in error_of(after)[1]
    iam.delete_group_policy(GroupName=group, PolicyName="read")
    iam.delete_group(GroupName=group)
    cleanup_user(iam, name)


def test_an_explicit_deny_wins(
    server: Server, iam: Any, unique: Unique, managed: Callable[[str, str], str]
) -> None:
    name = unique("denied")
    client = user_with_keys(server, iam, name, policy(allow("iam:*")))
    deny_arn = managed(unique("no-create"), policy(deny("iam:CreateUser")))
    iam.attach_user_policy(UserName=name, PolicyArn=deny_arn)
    target = unique("y")
    with pytest.raises(ClientError) as denied:
        client.create_user(UserName=target)
    code, message, status = error_of(denied)
    assert (code, status) == ("AccessDenied", 403)
    assert message == (
        f"User: {arn('user', name)} is not authorized to perform: iam:CreateUser on resource: "
        f"{arn('user', target)} with an explicit deny in an identity-based policy: {deny_arn}"
    )
    client.list_users()  # everything else is still allowed
    iam.detach_user_policy(UserName=name, PolicyArn=deny_arn)
    client.create_user(UserName=target)
    iam.delete_user(UserName=target)
    cleanup_user(iam, name)


def test_a_permissions_boundary_limits(
    server: Server, iam: Any, unique: Unique, managed: Callable[[str, str], str]
) -> None:
    name = unique("bounded")
    client = user_with_keys(server, iam, name, policy(allow("iam:*")))
    boundary = managed(unique("list-only"), policy(allow("iam:ListUsers")))
    iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
    fetched = iam.get_user(UserName=name)["User"]
    assert fetched["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": boundary,
    }
    client.list_users()
    target = unique("z")
    with pytest.raises(ClientError) as denied:
        client.create_user(UserName=target)
    assert error_of(denied)[1].endswith(
        "because no permissions boundary allows the iam:CreateUser action"
    )
    iam.delete_user_permissions_boundary(UserName=name)
    assert "PermissionsBoundary" not in iam.get_user(UserName=name)["User"]
    client.create_user(UserName=target)
    iam.delete_user(UserName=target)
    cleanup_user(iam, name)


def test_boundary_condition_key_delegates_user_creation(
    server: Server, iam: Any, unique: Unique, managed: Callable[[str, str], str]
) -> None:
    """The IAM user guide's delegation pattern: create users only with a given boundary."""
    boundary = managed(unique("dev-boundary"), policy(allow("s3:*")))
    admin = unique("delegate")
    statement = allow("iam:CreateUser")
    statement["Condition"] = {"StringEquals": {"iam:PermissionsBoundary": boundary}}
    client = user_with_keys(server, iam, admin, policy(statement))
    with pytest.raises(ClientError):
        client.create_user(UserName=unique("free"))
    bounded = unique("bounded-dev")
    created = client.create_user(UserName=bounded, PermissionsBoundary=boundary)["User"]
    assert created["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    iam.delete_user(UserName=bounded)
    cleanup_user(iam, admin)


def test_tags_reach_conditions_as_request_and_resource_tags(
    server: Server, iam: Any, unique: Unique
) -> None:
    tagger = unique("tagger")
    only_team = allow(["iam:TagUser", "iam:ListUserTags"])
    only_team["Condition"] = {"StringEquals": {"aws:RequestTag/team": "red"}}
    read_red = allow("iam:GetUser")
    read_red["Condition"] = {"StringEquals": {"aws:ResourceTag/team": "red"}}
    client = user_with_keys(server, iam, tagger, policy(only_team, read_red))
    red, blue = unique("red"), unique("blue")
    iam.create_user(UserName=red)
    iam.create_user(UserName=blue)
    client.tag_user(UserName=red, Tags=[{"Key": "team", "Value": "red"}])
    with pytest.raises(ClientError):
        client.tag_user(UserName=blue, Tags=[{"Key": "team", "Value": "blue"}])
    iam.tag_user(UserName=blue, Tags=[{"Key": "team", "Value": "blue"}, {"Key": "x", "Value": "1"}])
    assert client.get_user(UserName=red)["User"]["Tags"] == [{"Key": "team", "Value": "red"}]
    with pytest.raises(ClientError):
        client.get_user(UserName=blue)
    assert iam.list_user_tags(UserName=blue)["Tags"] == [
        {"Key": "team", "Value": "blue"},
        {"Key": "x", "Value": "1"},
    ]
    iam.untag_user(UserName=blue, TagKeys=["TEAM"])
    assert iam.list_user_tags(UserName=blue)["Tags"] == [{"Key": "x", "Value": "1"}]
    for name in (red, blue):
        iam.delete_user(UserName=name)
    cleanup_user(iam, tagger)


# -- users, groups, policies -----------------------------------------------------------


def test_deleting_a_user_with_keys_conflicts(iam: Any, unique: Unique) -> None:
    name = unique("keyed")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    with pytest.raises(ClientError) as conflict:
        iam.delete_user(UserName=name)
    assert error_of(conflict) == (
        "DeleteConflict",
        "Cannot delete entity, must delete access keys first.",
        409,
    )
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=name)


def test_group_lifecycle_and_paginated_members(iam: Any, unique: Unique) -> None:
    group = unique("team")
    created = iam.create_group(GroupName=group, Path="/eng/")["Group"]
    assert created["Arn"] == arn("group", group, "/eng/")
    assert created["GroupId"].startswith("AGPA")
    users = [unique("m") for _ in range(5)]
    for name in users:
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName=group, UserName=name)
    paginator = iam.get_paginator("get_group")
    pages = list(paginator.paginate(GroupName=group, PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3
    assert [u["UserName"] for page in pages for u in page["Users"]] == sorted(users)
    groups = iam.list_groups_for_user(UserName=users[0])["Groups"]
    assert [g["GroupName"] for g in groups] == [group]
    assert group in [g["GroupName"] for g in iam.list_groups(PathPrefix="/eng/")["Groups"]]
    with pytest.raises(ClientError) as conflict:
        iam.delete_group(GroupName=group)
    assert error_of(conflict)[:2] == (
        "DeleteConflict",
        "Cannot delete entity, must remove users from group first.",
    )
    renamed = unique("renamed")
    iam.update_group(GroupName=group, NewGroupName=renamed, NewPath="/ops/")
    assert iam.get_group(GroupName=renamed)["Group"]["Arn"] == arn("group", renamed, "/ops/")
    for name in users:
        iam.remove_user_from_group(GroupName=renamed, UserName=name)
        iam.delete_user(UserName=name)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.remove_user_from_group(GroupName=renamed, UserName=users[0])
    iam.delete_group(GroupName=renamed)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as missing:
        iam.get_group(GroupName=renamed)
    assert error_of(missing)[1] == f"The group with name {renamed} cannot be found."


def test_inline_policies_round_trip(iam: Any, unique: Unique) -> None:
    name, group = unique("inline"), unique("inline-group")
    iam.create_user(UserName=name)
    iam.create_group(GroupName=group)
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Spaces",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::bucket/a key with spaces+plus&amp",
            }
        ],
    }
    iam.put_user_policy(UserName=name, PolicyName="s3", PolicyDocument=json.dumps(document))
    got = iam.get_user_policy(UserName=name, PolicyName="s3")
    assert got["PolicyDocument"] == document  # boto3 URL-decodes and parses it
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == ["s3"]
    iam.put_group_policy(GroupName=group, PolicyName="g", PolicyDocument=json.dumps(document))
    assert iam.get_group_policy(GroupName=group, PolicyName="g")["PolicyDocument"] == document
    assert iam.list_group_policies(GroupName=group)["PolicyNames"] == ["g"]

    with pytest.raises(ClientError) as malformed:
        iam.put_user_policy(UserName=name, PolicyName="bad", PolicyDocument='{"Statement": [')
    assert error_of(malformed) == ("MalformedPolicyDocument", "Syntax errors in policy.", 400)
    with pytest.raises(ClientError) as missing:
        iam.get_user_policy(UserName=name, PolicyName="nope")
    assert error_of(missing)[:2] == (
        "NoSuchEntity",
        "The user policy with name nope cannot be found.",
    )

    actions = [f"s3:GetObjectVersion{i:04d}" for i in range(120)]
    with pytest.raises(ClientError) as too_big:
        iam.put_user_policy(UserName=name, PolicyName="big", PolicyDocument=policy(allow(actions)))
    assert error_of(too_big) == (
        "LimitExceeded",
        f"Maximum policy size of 2048 bytes exceeded for user {name}",
        409,
    )
    iam.delete_user_policy(UserName=name, PolicyName="s3")
    iam.delete_group_policy(GroupName=group, PolicyName="g")
    iam.delete_group(GroupName=group)
    iam.delete_user(UserName=name)


def test_managed_policy_attachments(
    iam: Any, unique: Unique, managed: Callable[[str, str], str]
) -> None:
    name, group = unique("attached"), unique("attached-group")
    iam.create_user(UserName=name)
    iam.create_group(GroupName=group)
    policy_arn = managed(unique("managed"), policy(allow("s3:ListBucket")))
    iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
    iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)  # again: no change
    iam.attach_group_policy(GroupName=group, PolicyArn=policy_arn)
    listed = iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in listed] == [policy_arn]
    listed = iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in listed] == [policy_arn]
    with pytest.raises(ClientError) as conflict:
        iam.delete_user(UserName=name)
    assert error_of(conflict)[1] == "Cannot delete entity, must detach all policies first."
    missing = arn("policy", unique("absent"))
    with pytest.raises(ClientError) as absent:
        iam.attach_user_policy(UserName=name, PolicyArn=missing)
    assert error_of(absent)[:2] == (
        "NoSuchEntity",
        f"Policy {missing} does not exist or is not attachable.",
    )
    iam.detach_user_policy(UserName=name, PolicyArn=policy_arn)
    iam.detach_group_policy(GroupName=group, PolicyArn=policy_arn)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.detach_group_policy(GroupName=group, PolicyArn=policy_arn)
    iam.delete_group(GroupName=group)
    iam.delete_user(UserName=name)


def test_aws_managed_policies_attach_when_seeded(iam: Any, unique: Unique) -> None:
    read_only = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    name = unique("aws-managed")
    iam.create_user(UserName=name)
    try:
        iam.attach_user_policy(UserName=name, PolicyArn=read_only)
    except iam.exceptions.NoSuchEntityException:
        iam.delete_user(UserName=name)
        pytest.skip("AWS managed policies are not seeded in this build")
    listed = iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
    assert listed == [{"PolicyName": "IAMReadOnlyAccess", "PolicyArn": read_only}]
    iam.detach_user_policy(UserName=name, PolicyArn=read_only)
    iam.delete_user(UserName=name)


def test_list_users_paginator(iam: Any, unique: Unique) -> None:
    path = f"/{unique('page')}/"
    names = sorted(unique("p") for _ in range(5))
    for name in names:
        iam.create_user(UserName=name, Path=path)
    paginator = iam.get_paginator("list_users")
    limited = paginator.paginate(PathPrefix=path, PaginationConfig={"MaxItems": 3, "PageSize": 2})
    result = limited.build_full_result()
    assert [u["UserName"] for u in result["Users"]] == names[:3]
    assert "NextToken" in result
    rest = paginator.paginate(
        PathPrefix=path, PaginationConfig={"PageSize": 2, "StartingToken": result["NextToken"]}
    ).build_full_result()
    assert [u["UserName"] for u in rest["Users"]] == names[3:]
    everything = paginator.paginate(PathPrefix=path, PaginationConfig={"PageSize": 2})
    assert [u["UserName"] for page in everything for u in page["Users"]] == names
    for name in names:
        iam.delete_user(UserName=name)


# -- access keys -----------------------------------------------------------------------


def test_access_key_quota_status_and_last_use(server: Server, iam: Any, unique: Unique) -> None:
    name = unique("keys")
    iam.create_user(UserName=name)
    iam.put_user_policy(
        UserName=name, PolicyName="self", PolicyDocument=policy(allow("iam:GetUser"))
    )
    first = iam.create_access_key(UserName=name)["AccessKey"]
    assert first["AccessKeyId"].startswith("AKIA") and len(first["SecretAccessKey"]) == 40
    assert first["Status"] == "Active" and first["UserName"] == name
    iam.create_access_key(UserName=name)
    with pytest.raises(ClientError) as quota:
        iam.create_access_key(UserName=name)
    assert error_of(quota) == (
        "LimitExceeded",
        "Cannot exceed quota for AccessKeysPerUser: 2",
        409,
    )
    listed = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    assert len(listed) == 2 and all("SecretAccessKey" not in k for k in listed)

    never = iam.get_access_key_last_used(AccessKeyId=first["AccessKeyId"])
    assert never["UserName"] == name
    assert never["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}

    client = server.client("iam", first["AccessKeyId"], first["SecretAccessKey"])
    assert client.get_user()["User"]["UserName"] == name  # GetUser without a name: the caller
    used = iam.get_access_key_last_used(AccessKeyId=first["AccessKeyId"])["AccessKeyLastUsed"]

    iam.update_access_key(UserName=name, AccessKeyId=first["AccessKeyId"], Status="Inactive")
    statuses = {
        k["AccessKeyId"]: k["Status"]
        for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    }
    assert statuses[first["AccessKeyId"]] == "Inactive"
    with pytest.raises(ClientError) as inactive:
        client.get_user()
    assert error_of(inactive) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        403,
    )
    iam.update_access_key(UserName=name, AccessKeyId=first["AccessKeyId"], Status="Active")
    assert client.get_user()["User"]["UserName"] == name
    cleanup_user(iam, name)
    with pytest.raises(ClientError) as deleted:
        client.get_user()
    assert error_of(deleted)[0] == "InvalidClientTokenId"
    if "LastUsedDate" not in used:
        pytest.skip("the gateway does not call access_keys.record_use yet")
    assert used["ServiceName"] == "iam" and used["Region"] == "us-east-1"


def test_users_manage_their_own_keys(server: Server, iam: Any, unique: Unique) -> None:
    name = unique("self-service")
    own = {
        "Effect": "Allow",
        "Action": ["iam:CreateAccessKey", "iam:ListAccessKeys", "iam:DeleteAccessKey"],
        "Resource": "arn:aws:iam::*:user/${aws:username}",
    }
    client = user_with_keys(server, iam, name, policy(own))
    created = client.create_access_key()["AccessKey"]
    assert created["UserName"] == name
    assert len(client.list_access_keys()["AccessKeyMetadata"]) == 2
    client.delete_access_key(AccessKeyId=created["AccessKeyId"])
    other = unique("other")
    iam.create_user(UserName=other)
    with pytest.raises(ClientError) as denied:
        client.create_access_key(UserName=other)
    assert f"iam:CreateAccessKey on resource: user {other} because" in error_of(denied)[1]
    iam.delete_user(UserName=other)
    cleanup_user(iam, name)


# -- passwords -------------------------------------------------------------------------


def test_password_policy_is_enforced(server: Server, iam: Any, unique: Unique) -> None:
    with contextlib.suppress(iam.exceptions.NoSuchEntityException):
        iam.delete_account_password_policy()
    with pytest.raises(ClientError) as unset:
        iam.get_account_password_policy()
    assert error_of(unset) == (
        "NoSuchEntity",
        f"The Password Policy with domain name {ACCOUNT_ID} cannot be found.",
        404,
    )
    iam.update_account_password_policy(
        MinimumPasswordLength=14,
        RequireSymbols=True,
        RequireUppercaseCharacters=True,
        AllowUsersToChangePassword=True,
        MaxPasswordAge=90,
    )
    try:
        current = iam.get_account_password_policy()["PasswordPolicy"]
        assert current["MinimumPasswordLength"] == 14
        assert current["ExpirePasswords"] is True and current["MaxPasswordAge"] == 90
        assert current["RequireNumbers"] is False

        name = unique("console")
        iam.create_user(UserName=name)
        with pytest.raises(ClientError) as weak:
            iam.create_login_profile(UserName=name, Password="short")
        assert error_of(weak) == (
            "PasswordPolicyViolation",
            "Password should have a minimum length of 14; "
            "Password should have at least one uppercase letter; "
            "Password should have at least one symbol",
            400,
        )
        profile = iam.create_login_profile(
            UserName=name, Password="Correct-Horse-Battery", PasswordResetRequired=True
        )["LoginProfile"]
        assert profile["UserName"] == name and profile["PasswordResetRequired"] is True
        fetched = iam.get_login_profile(UserName=name)["LoginProfile"]
        assert fetched["PasswordResetRequired"] is True
        with pytest.raises(ClientError) as again:
            iam.create_login_profile(UserName=name, Password="Correct-Horse-Battery")
        assert error_of(again)[0] == "EntityAlreadyExists"

        key = iam.create_access_key(UserName=name)["AccessKey"]
        client = server.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
        # AllowUsersToChangePassword: no identity policy needed for one's own password.
        assert client.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"]
        with pytest.raises(ClientError) as weak_change:
            client.change_password(OldPassword="Correct-Horse-Battery", NewPassword="Weak")
        assert error_of(weak_change)[0] == "PasswordPolicyViolation"
        client.change_password(
            OldPassword="Correct-Horse-Battery", NewPassword="Staple-Horse-Battery"
        )
        assert (
            iam.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is False
        )
        with pytest.raises(ClientError) as wrong_old:
            client.change_password(OldPassword="Not-The-Password!", NewPassword="Other-Pass-Word!")
        assert error_of(wrong_old)[0] == "AccessDenied"
        with pytest.raises(ClientError) as root_change:
            iam.change_password(OldPassword="a", NewPassword="b")
        assert error_of(root_change)[0] == "InvalidUserType"

        with pytest.raises(ClientError) as weak_update:
            iam.update_login_profile(UserName=name, Password="lowercase-only-long")
        assert error_of(weak_update)[0] == "PasswordPolicyViolation"
        iam.update_login_profile(
            UserName=name, Password="Reset-By-Admin-2026", PasswordResetRequired=True
        )
        iam.delete_login_profile(UserName=name)
        with pytest.raises(ClientError) as gone:
            iam.get_login_profile(UserName=name)
        assert error_of(gone)[:2] == (
            "NoSuchEntity",
            f"Login Profile for User {name} cannot be found.",
        )
        cleanup_user(iam, name)
    finally:
        iam.delete_account_password_policy()


# -- the account -----------------------------------------------------------------------


def test_account_alias_summary_and_authorization_details(
    iam: Any, unique: Unique, managed: Callable[[str, str], str]
) -> None:
    alias = unique("corp").lower()
    iam.create_account_alias(AccountAlias=alias)
    assert iam.list_account_aliases()["AccountAliases"] == [alias]
    iam.delete_account_alias(AccountAlias=alias)
    assert iam.list_account_aliases()["AccountAliases"] == []
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_account_alias(AccountAlias=alias)

    name, group = unique("detailed"), unique("detailed-group")
    iam.create_user(UserName=name, Tags=[{"Key": "k", "Value": "v"}])
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=name)
    document = {"Version": "2012-10-17", "Statement": [allow("s3:GetObject")]}
    iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(document))
    policy_arn = managed(unique("detail-managed"), json.dumps(document))
    iam.attach_group_policy(GroupName=group, PolicyArn=policy_arn)

    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["Users"] >= 1 and summary["Groups"] >= 1 and summary["Policies"] >= 1
    for key in (
        "UsersQuota",
        "GroupsQuota",
        "RolesQuota",
        "PoliciesQuota",
        "AccessKeysPerUserQuota",
        "AttachedPoliciesPerUserQuota",
        "AccountMFAEnabled",
        "AccountAccessKeysPresent",
    ):
        assert isinstance(summary[key], int), key
    assert summary["AccountAccessKeysPresent"] == 1

    paginator = iam.get_paginator("get_account_authorization_details")
    full = paginator.paginate(PaginationConfig={"PageSize": 3}).build_full_result()
    users = {u["UserName"]: u for u in full["UserDetailList"]}
    detail = users[name]
    assert detail["UserPolicyList"] == [{"PolicyName": "inline", "PolicyDocument": document}]
    assert detail["GroupList"] == [group]
    assert detail["Tags"] == [{"Key": "k", "Value": "v"}]
    groups = {g["GroupName"]: g for g in full["GroupDetailList"]}
    assert groups[group]["AttachedManagedPolicies"] == [
        {"PolicyName": policy_arn.rsplit("/", 1)[1], "PolicyArn": policy_arn}
    ]
    policies = {p["Arn"]: p for p in full["Policies"]}
    versions = policies[policy_arn]["PolicyVersionList"]
    assert versions[0]["Document"] == document and versions[0]["IsDefaultVersion"] is True
    only_users = iam.get_account_authorization_details(Filter=["User"])
    assert only_users["GroupDetailList"] == [] and only_users["Policies"] == []

    iam.detach_group_policy(GroupName=group, PolicyArn=policy_arn)
    iam.remove_user_from_group(GroupName=group, UserName=name)
    iam.delete_group(GroupName=group)
    cleanup_user(iam, name)


# -- the AWS CLI -----------------------------------------------------------------------


def test_aws_cli_identities(server: Server, unique: Unique, tmp_path: Any) -> None:
    name, group = unique("cli-user"), unique("cli-group")

    def aws(*args: str) -> Any:
        done = server.cli("iam", *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    aws("create-user", "--user-name", name)
    aws("create-group", "--group-name", group)
    aws("add-user-to-group", "--group-name", group, "--user-name", name)
    members = aws("get-group", "--group-name", group)["Users"]
    assert [m["UserName"] for m in members] == [name]
    document = tmp_path / "policy.json"
    document.write_text(policy(allow("iam:ListUsers")))
    aws(
        "put-user-policy",
        "--user-name",
        name,
        "--policy-name",
        "list",
        "--policy-document",
        f"file://{document}",
    )
    fetched = aws("get-user-policy", "--user-name", name, "--policy-name", "list")
    assert fetched["PolicyDocument"]["Statement"][0]["Action"] == "iam:ListUsers"
    key = aws("create-access-key", "--user-name", name)["AccessKey"]
    listed = server.cli("iam", "list-users", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert listed.returncode == 0, listed.stderr
    denied = server.cli(
        "iam",
        "create-group",
        "--group-name",
        unique("nope"),
        key=key["AccessKeyId"],
        secret=key["SecretAccessKey"],
    )
    assert denied.returncode == 255
    assert "AccessDenied" in denied.stderr and "iam:CreateGroup" in denied.stderr
    summary = aws("get-account-summary")["SummaryMap"]
    assert summary["AccessKeysPerUserQuota"] == 2
    conflict = server.cli("iam", "delete-group", "--group-name", group)
    assert conflict.returncode == 255 and "DeleteConflict" in conflict.stderr
    aws("remove-user-from-group", "--group-name", group, "--user-name", name)
    aws("delete-group", "--group-name", group)
    aws("delete-access-key", "--user-name", name, "--access-key-id", key["AccessKeyId"])
    aws("delete-user-policy", "--user-name", name, "--policy-name", "list")
    aws("delete-user", "--user-name", name)


def test_policy_changes_apply_to_the_next_request(server: Server, iam: Any, unique: Unique) -> None:
    name = unique("live")
    client = user_with_keys(server, iam, name)
    with pytest.raises(ClientError):
        client.list_groups()
    iam.put_user_policy(
        UserName=name, PolicyName="now", PolicyDocument=policy(allow("iam:ListGroups"))
    )
    deadline = time.monotonic() + 5
    while True:  # one server process: the very next request sees it; allow for more
        try:
            client.list_groups()
            break
        except ClientError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    cleanup_user(iam, name)
