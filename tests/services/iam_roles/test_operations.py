"""Every role, policy, instance-profile and provider operation, in process: the
results fit botocore's output shapes (``result_problems``, checked on every
call), and the rules hold without a server."""

from __future__ import annotations

import json

import pytest

from clearance.errors import InvalidInput, MalformedPolicyDocument, PolicySizeExceeded
from clearance.services.errors import AccessDenied
from clearance.services.iam import (
    instance_profiles,
    policies,
    providers,
    role_policies,
    roles,
    tagging,
)
from clearance.services.iam.managed_seed import (
    AWS_MANAGED_POLICIES,
    ManagedPolicySpec,
    seed_aws_managed_policies,
)
from clearance.services.iam.providers import parse_saml_metadata
from clearance.services.registry import OPERATIONS
from clearance.store import DeleteConflict, NoSuchEntity, Store, UnmodifiableEntity
from tests.services.iam_roles.conftest import ACCOUNT, Harness

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
S3 = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
METADATA = (
    '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp"'
    ' validUntil="2030-05-06T07:08:09Z"><IDPSSODescriptor/>' + " " * 1000 + "</EntityDescriptor>"
)
# The tagging operations of profiles, policies and providers come from the shared factory.
MODULES = (roles, role_policies, instance_profiles, policies, providers, tagging)


def _allow(action: str, resource: str = "*", **condition: dict[str, str]) -> str:
    statement: dict[str, object] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _roles_and_profiles(h: Harness) -> None:
    boundary = h.call("CreatePolicy", PolicyName="boundary", PolicyDocument=S3)["Policy"]["Arn"]
    created = h.call(
        "CreateRole",
        RoleName="app",
        Path="/app/",
        AssumeRolePolicyDocument=TRUST,
        Description="d",
        PermissionsBoundary=boundary,
        Tags=[{"Key": "team", "Value": "red"}],
    )["Role"]
    assert "MaxSessionDuration" not in created
    role = h.call("GetRole", RoleName="APP")["Role"]
    assert role["MaxSessionDuration"] == 3600
    assert role["RoleLastUsed"] == {}
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    listed = h.call("ListRoles", PathPrefix="/app/", MaxItems=1)
    assert [r["RoleName"] for r in listed["Roles"]] == ["app"]
    assert "PermissionsBoundary" not in listed["Roles"][0]
    h.call("UpdateRole", RoleName="app", MaxSessionDuration=7200)
    h.call("UpdateRoleDescription", RoleName="app", Description="e")
    h.call("UpdateAssumeRolePolicy", RoleName="app", PolicyDocument=TRUST)
    h.call("TagRole", RoleName="app", Tags=[{"Key": "a", "Value": "1"}])
    h.call("UntagRole", RoleName="app", TagKeys=["a"])
    assert h.call("ListRoleTags", RoleName="app")["Tags"] == [{"Key": "team", "Value": "red"}]
    h.call("PutRolePolicy", RoleName="app", PolicyName="p", PolicyDocument=S3)
    assert h.call("GetRolePolicy", RoleName="app", PolicyName="p")["PolicyDocument"] == S3
    assert h.call("ListRolePolicies", RoleName="app")["PolicyNames"] == ["p"]
    h.call("DeleteRolePolicy", RoleName="app", PolicyName="p")
    h.call("PutRolePermissionsBoundary", RoleName="app", PermissionsBoundary=ADMIN)
    h.call("DeleteRolePermissionsBoundary", RoleName="app")

    h.call("CreateInstanceProfile", InstanceProfileName="ip", Tags=[{"Key": "k", "Value": "v"}])
    h.call("AddRoleToInstanceProfile", InstanceProfileName="ip", RoleName="app")
    profile = h.call("GetInstanceProfile", InstanceProfileName="ip")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == ["app"]
    assert h.call("ListInstanceProfiles")["InstanceProfiles"][0]["InstanceProfileName"] == "ip"
    assert h.call("ListInstanceProfilesForRole", RoleName="app")["InstanceProfiles"]
    h.call("TagInstanceProfile", InstanceProfileName="ip", Tags=[{"Key": "x", "Value": "y"}])
    h.call("UntagInstanceProfile", InstanceProfileName="ip", TagKeys=["k"])
    assert h.call("ListInstanceProfileTags", InstanceProfileName="ip")["Tags"] == [
        {"Key": "x", "Value": "y"}
    ]
    with pytest.raises(DeleteConflict):
        h.call("DeleteRole", RoleName="app")
    h.call("RemoveRoleFromInstanceProfile", InstanceProfileName="ip", RoleName="app")
    h.call("DeleteInstanceProfile", InstanceProfileName="ip")
    h.call("DeleteRole", RoleName="app")
    h.call("DeletePolicy", PolicyArn=boundary)


def _policies(h: Harness) -> None:
    h.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST)
    arn = h.call("CreatePolicy", PolicyName="p", PolicyDocument=S3, Description="d")["Policy"][
        "Arn"
    ]
    assert h.call("GetPolicy", PolicyArn=arn)["Policy"]["Description"] == "d"
    assert h.call("ListPolicies", Scope="Local")["Policies"][0]["Arn"] == arn
    version = h.call("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=S3, SetAsDefault=True)
    assert version["PolicyVersion"]["VersionId"] == "v2"
    assert h.call("GetPolicyVersion", PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"]
    assert len(h.call("ListPolicyVersions", PolicyArn=arn)["Versions"]) == 2
    h.call("SetDefaultPolicyVersion", PolicyArn=arn, VersionId="v1")
    h.call("DeletePolicyVersion", PolicyArn=arn, VersionId="v2")
    h.call("TagPolicy", PolicyArn=arn, Tags=[{"Key": "k", "Value": "v"}])
    h.call("UntagPolicy", PolicyArn=arn, TagKeys=["k"])
    assert h.call("ListPolicyTags", PolicyArn=arn)["Tags"] == []
    h.call("AttachRolePolicy", RoleName="r", PolicyArn=arn)
    assert h.call("ListAttachedRolePolicies", RoleName="r")["AttachedPolicies"] == [
        {"PolicyName": "p", "PolicyArn": arn}
    ]
    entities = h.call("ListEntitiesForPolicy", PolicyArn=arn)
    assert entities["PolicyRoles"] == [
        {"RoleName": "r", "RoleId": entities["PolicyRoles"][0]["RoleId"]}
    ]
    empty = h.call("ListEntitiesForPolicy", PolicyArn=arn, EntityFilter="AWSManagedPolicy")
    assert empty["PolicyRoles"] == [] and empty["IsTruncated"] is False
    h.call("DetachRolePolicy", RoleName="r", PolicyArn=arn)
    h.call("DeletePolicy", PolicyArn=arn)
    h.call("DeleteRole", RoleName="r")


def _providers(h: Harness) -> None:
    arn = h.call(
        "CreateOpenIDConnectProvider",
        Url="https://issuer.example.com/",
        ClientIDList=["a"],
        ThumbprintList=["c" * 40],
        Tags=[{"Key": "k", "Value": "v"}],
    )["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:oidc-provider/issuer.example.com"
    assert h.call("GetOpenIDConnectProvider", OpenIDConnectProviderArn=arn)["Url"] == (
        "issuer.example.com"
    )
    assert h.call("ListOpenIDConnectProviders")["OpenIDConnectProviderList"] == [{"Arn": arn}]
    h.call("AddClientIDToOpenIDConnectProvider", OpenIDConnectProviderArn=arn, ClientID="b")
    h.call("RemoveClientIDFromOpenIDConnectProvider", OpenIDConnectProviderArn=arn, ClientID="a")
    h.call(
        "UpdateOpenIDConnectProviderThumbprint",
        OpenIDConnectProviderArn=arn,
        ThumbprintList=["d" * 40],
    )
    h.call(
        "TagOpenIDConnectProvider", OpenIDConnectProviderArn=arn, Tags=[{"Key": "x", "Value": "1"}]
    )
    h.call("UntagOpenIDConnectProvider", OpenIDConnectProviderArn=arn, TagKeys=["k"])
    assert h.call("ListOpenIDConnectProviderTags", OpenIDConnectProviderArn=arn)["Tags"] == [
        {"Key": "x", "Value": "1"}
    ]
    h.call("DeleteOpenIDConnectProvider", OpenIDConnectProviderArn=arn)
    h.call("DeleteOpenIDConnectProvider", OpenIDConnectProviderArn=arn)  # idempotent, as AWS

    saml = h.call("CreateSAMLProvider", Name="idp", SAMLMetadataDocument=METADATA)[
        "SAMLProviderArn"
    ]
    assert h.call("GetSAMLProvider", SAMLProviderArn=saml)["ValidUntil"].year == 2030
    assert h.call("ListSAMLProviders")["SAMLProviderList"][0]["Arn"] == saml
    h.call("UpdateSAMLProvider", SAMLProviderArn=saml, SAMLMetadataDocument=METADATA)
    h.call("UpdateSAMLProvider", SAMLProviderArn=saml)  # nothing to change
    h.call("TagSAMLProvider", SAMLProviderArn=saml, Tags=[{"Key": "k", "Value": "v"}])
    h.call("UntagSAMLProvider", SAMLProviderArn=saml, TagKeys=["k"])
    assert h.call("ListSAMLProviderTags", SAMLProviderArn=saml)["Tags"] == []
    h.call("DeleteSAMLProvider", SAMLProviderArn=saml)
    with pytest.raises(NoSuchEntity):
        h.call("GetSAMLProvider", SAMLProviderArn=saml)


def test_every_operation_fits_its_output_shape(harness: Harness) -> None:
    _roles_and_profiles(harness)
    _policies(harness)
    _providers(harness)
    mine = {
        name
        for (service, name), op in OPERATIONS.items()
        if service == "iam" and any(op.handler.__module__ == m.__name__ for m in MODULES)
    }
    assert len(mine) == 60
    assert mine - harness.called == set()


def test_documents_are_validated(harness: Harness) -> None:
    h = harness
    with pytest.raises(MalformedPolicyDocument, match="Missing required field Principal"):
        h.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=S3)
    h.call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST)
    with pytest.raises(MalformedPolicyDocument, match="Missing required field Principal"):
        h.call("UpdateAssumeRolePolicy", RoleName="r", PolicyDocument=S3)
    with pytest.raises(MalformedPolicyDocument, match="Policy statement must contain resources"):
        h.call("PutRolePolicy", RoleName="r", PolicyName="p", PolicyDocument=TRUST)
    with pytest.raises(MalformedPolicyDocument, match="must be version 2012-10-17"):
        h.call("CreatePolicy", PolicyName="p", PolicyDocument=S3.replace("2012", "2008"))
    # Inline policies may still use the 2008-10-17 grammar.
    h.call("PutRolePolicy", RoleName="r", PolicyName="p", PolicyDocument=S3.replace("2012", "2008"))
    big = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{n:07d}" for n in range(400)],
                }
            ],
        }
    )
    with pytest.raises(PolicySizeExceeded, match="Cannot exceed quota for PolicySize: 6144"):
        h.call("CreatePolicy", PolicyName="big", PolicyDocument=big)
    arn = h.call("CreatePolicy", PolicyName="ok", PolicyDocument=S3)["Policy"]["Arn"]
    with pytest.raises(PolicySizeExceeded):
        h.call("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=big)
    with pytest.raises(InvalidInput, match=r"ARN arn:aws:s3:::b is not valid\."):
        h.call("AttachRolePolicy", RoleName="r", PolicyArn="arn:aws:s3:::b")


def test_denials_name_resources_as_iam_does(harness: Harness) -> None:
    h = harness
    h.call("CreateRole", RoleName="target", Path="/team/", AssumeRolePolicyDocument=TRUST)
    caller = h.user("mallory", _allow("iam:ListRoles"))
    prefix = f"User: arn:aws:iam::{ACCOUNT}:user/mallory is not authorized to perform:"
    cases = [
        ("GetRole", {"RoleName": "target"}, "iam:GetRole on resource: role target"),
        (
            "TagRole",
            {"RoleName": "target", "Tags": [{"Key": "k", "Value": "v"}]},
            f"iam:TagRole on resource: arn:aws:iam::{ACCOUNT}:role/team/target",
        ),
        (
            "CreateRole",
            {"RoleName": "x", "AssumeRolePolicyDocument": TRUST},
            f"iam:CreateRole on resource: arn:aws:iam::{ACCOUNT}:role/x",
        ),
        (
            "CreatePolicy",
            {"PolicyName": "pp", "PolicyDocument": S3},
            "iam:CreatePolicy on resource: policy pp",
        ),
        ("GetPolicy", {"PolicyArn": ADMIN}, f"iam:GetPolicy on resource: policy {ADMIN}"),
        ("ListPolicies", {}, "iam:ListPolicies on resource: policy path /"),
        (
            "GetInstanceProfile",
            {"InstanceProfileName": "nope"},
            "iam:GetInstanceProfile on resource: instance profile nope",
        ),
        (
            "ListInstanceProfiles",
            {},
            f"iam:ListInstanceProfiles on resource: arn:aws:iam::{ACCOUNT}:instance-profile/",
        ),
    ]
    for operation, params, tail in cases:
        with pytest.raises(AccessDenied) as denied:
            h.call(operation, caller, **params)
        assert denied.value.message.startswith(f"{prefix} {tail} because no identity-based")
    assert h.call("ListRoles", caller)["Roles"]


def test_condition_keys_reach_the_engine(harness: Harness) -> None:
    h = harness
    h.call(
        "CreateRole",
        RoleName="red",
        AssumeRolePolicyDocument=TRUST,
        Tags=[{"Key": "team", "Value": "red"}],
    )
    h.call("CreateRole", RoleName="blue", AssumeRolePolicyDocument=TRUST)
    caller = h.user(
        "abac",
        _allow("iam:GetRole", "*", StringEquals={"iam:ResourceTag/team": "red"}),
        _allow("iam:TagRole", "*", StringEquals={"aws:RequestTag/env": "dev"}),
        _allow("iam:AttachRolePolicy", "*", ArnLike={"iam:PolicyARN": "arn:aws:iam::aws:policy/*"}),
        _allow("iam:CreatePolicy", "*", **{"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}}),
    )
    h.call("GetRole", caller, RoleName="red")
    with pytest.raises(AccessDenied):
        h.call("GetRole", caller, RoleName="blue")
    h.call("TagRole", caller, RoleName="blue", Tags=[{"Key": "env", "Value": "dev"}])
    with pytest.raises(AccessDenied):
        h.call("TagRole", caller, RoleName="blue", Tags=[{"Key": "env", "Value": "prod"}])
    h.call("AttachRolePolicy", caller, RoleName="blue", PolicyArn=ADMIN)
    own = h.call("CreatePolicy", PolicyName="own", PolicyDocument=S3)["Policy"]["Arn"]
    with pytest.raises(AccessDenied):
        h.call("AttachRolePolicy", caller, RoleName="blue", PolicyArn=own)
    with pytest.raises(AccessDenied):
        h.call(
            "CreatePolicy",
            caller,
            PolicyName="t",
            PolicyDocument=S3,
            Tags=[{"Key": "team", "Value": "x"}],
        )


def test_service_linked_roles(harness: Harness, store: Store) -> None:
    store.create_role(
        ACCOUNT, "AWSServiceRoleForX", TRUST, path="/aws-service-role/x.amazonaws.com/"
    )
    with pytest.raises(UnmodifiableEntity, match="protected role 'AWSServiceRoleForX'"):
        harness.call("DeleteRolePolicy", RoleName="AWSServiceRoleForX", PolicyName="p")
    with pytest.raises(UnmodifiableEntity):
        harness.call("DeleteRolePermissionsBoundary", RoleName="AWSServiceRoleForX")
    with pytest.raises(UnmodifiableEntity):
        harness.call("DetachRolePolicy", RoleName="AWSServiceRoleForX", PolicyArn=ADMIN)
    harness.call("CreateInstanceProfile", InstanceProfileName="ip")
    with pytest.raises(UnmodifiableEntity):
        harness.call(
            "AddRoleToInstanceProfile", InstanceProfileName="ip", RoleName="AWSServiceRoleForX"
        )
    with pytest.raises(InvalidInput, match="can only be used for AWS Service linked Roles"):
        harness.call(
            "CreateRole", RoleName="y", Path="/aws-service-role/", AssumeRolePolicyDocument=TRUST
        )


# -- SAML metadata -----------------------------------------------------------------------


def test_saml_metadata() -> None:
    assert parse_saml_metadata(METADATA) is not None
    assert parse_saml_metadata(METADATA.replace(' validUntil="2030-05-06T07:08:09Z"', "")) is None
    for bad in (
        "",
        "<a>",
        '<EntityDescriptor xmlns="urn:other"/>',
        '<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>',
        METADATA.replace("2030-05-06T07:08:09Z", "tomorrow"),
        '<!DOCTYPE d [<!ENTITY e "x">]>' + METADATA,
        '<!DOCTYPE d SYSTEM "file:///etc/passwd">' + METADATA,
    ):
        with pytest.raises(InvalidInput, match="Could not parse metadata"):
            parse_saml_metadata(bad)


# -- AWS managed policies ---------------------------------------------------------------


def test_seed_is_idempotent_and_updates_changed_documents(store: Store) -> None:
    assert seed_aws_managed_policies(store) == len(AWS_MANAGED_POLICIES)
    assert seed_aws_managed_policies(store) == 0
    spec = AWS_MANAGED_POLICIES[0]
    for n in range(7):  # more changes than a policy may hold versions
        changed = ManagedPolicySpec(
            spec.name,
            spec.description,
            ({"Effect": "Allow", "Action": f"s3:Get{n}", "Resource": "*"},),
        )
        assert seed_aws_managed_policies(store, (changed,)) == 1
        policy = store.get_policy(ACCOUNT, spec.arn)
        default = store.get_policy_version(ACCOUNT, spec.arn, policy.default_version_id)
        assert default.document == changed.document
    assert len(store.list_policy_versions("aws", spec.arn).items) == 5
    assert seed_aws_managed_policies(store) == 1  # back to the shipped document


def test_seeded_documents_are_valid_identity_policies() -> None:
    from clearance.policy import PolicyKind, check_policy

    names = set()
    for spec in AWS_MANAGED_POLICIES:
        result = check_policy(spec.document, PolicyKind.IDENTITY)
        assert result.ok and not result.diagnostics, (spec.name, result.diagnostics)
        names.add(spec.name)
    assert {"AdministratorAccess", "ReadOnlyAccess", "IAMUserChangePassword"} <= names
