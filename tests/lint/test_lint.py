"""The policy linter: every rule with a policy that triggers it and one that does not.

Each case names a rule code, a document that must produce it (and where), and
a near-identical document that must not. A meta-test holds every declared rule
to having a case. Access Analyzer's check reference is the model:
https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from clearance.lint import RULES, Finding, blocking, default_catalog, lint_policy
from clearance.lint.layout import read_layout
from clearance.lint.patterns import (
    NO_SLASH,
    SEGMENT,
    arn_format_glob,
    glob_covers,
    globs_intersect,
)
from clearance.policy import PolicyKind, Severity

IDENTITY, RESOURCE, TRUST = PolicyKind.IDENTITY, PolicyKind.RESOURCE, PolicyKind.TRUST
SCP = PolicyKind.SCP
Doc = dict[str, Any]

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
OBJECTS = BUCKET + "/*"
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
SAML = f"arn:aws:iam::{ACCOUNT}:saml-provider/corp"


def policy(*statements: Doc, version: str | None = "2012-10-17") -> Doc:
    document: Doc = {"Statement": list(statements)}
    if version is not None:
        document["Version"] = version
    return document


def allow(action: Any = "s3:GetObject", resource: Any = OBJECTS, **more: Any) -> Doc:
    statement: Doc = {"Effect": "Allow"}
    if action is not None:
        statement["Action"] = action
    if resource is not None:
        statement["Resource"] = resource
    statement.update(more)
    return statement


def deny(action: Any = "s3:GetObject", resource: Any = OBJECTS, **more: Any) -> Doc:
    return {**allow(action, resource, **more), "Effect": "Deny"}


def cond(operator: str, key: str, value: Any, **more: Any) -> Doc:
    return {"Condition": {operator: {key: value}}, **more}


def trust(principal: Any, action: Any = "sts:AssumeRole", **more: Any) -> Doc:
    return allow(action, None, Principal=principal, **more)


def grant(principal: Any, **more: Any) -> Doc:
    """A bucket-policy statement."""
    return allow("s3:GetObject", OBJECTS, Principal=principal, **more)


@dataclass(frozen=True)
class Case:
    code: str
    positive: Doc
    negative: Doc
    kind: PolicyKind = IDENTITY
    pointer: str | None = None
    name: str = ""

    @property
    def id(self) -> str:
        return f"{self.code}{'-' + self.name if self.name else ''}"


def case(code: str, positive: Any, negative: Any, kind: PolicyKind = IDENTITY, **kw: Any) -> Case:
    """Statements are wrapped into a 2012-10-17 policy; whole documents pass as they are."""

    def document(value: Any) -> Doc:
        if isinstance(value, dict) and "Statement" in value:
            return value
        return policy(*(value if isinstance(value, list) else [value]))

    return Case(code, document(positive), document(negative), kind, **kw)


PASS_ROLE_SHAPES = [
    ("WITH_STAR_IN_RESOURCE", allow("iam:PassRole", "*"), allow("iam:PassRole", ROLE)),
    ("WITH_STAR_IN_ACTION_AND_RESOURCE", allow("iam:*", "*"), allow("iam:Get*", "*")),
    (
        "WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
    ),
    (
        "WITH_NOT_RESOURCE",
        allow("iam:PassRole", None, NotResource=ROLE),
        allow("iam:PassRole", ROLE),
    ),
    (
        "WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        allow("iam:Pass*", None, NotResource=ROLE),
        allow("iam:Pass*", ROLE),
    ),
    (
        "WITH_NOT_ACTION_AND_NOT_RESOURCE",
        {"Effect": "Allow", "NotAction": "s3:*", "NotResource": ROLE},
        {"Effect": "Deny", "NotAction": "s3:*", "NotResource": ROLE},
    ),
]


def _slr(statement: Doc) -> Doc:
    text = json.dumps(statement).replace("iam:PassRole", "iam:CreateServiceLinkedRole")
    return json.loads(text.replace("iam:Pass*", "iam:Create*"))  # type: ignore[no-any-return]


CASES = [
    # The grammar, as check_policy reports it.
    case("MALFORMED_POLICY_DOCUMENT", allow(Principal="*"), allow()),
    # Document.
    case("MISSING_VERSION", policy(allow(), version=None), allow(), pointer=""),
    case(
        "UNIQUE_SIDS_RECOMMENDED",
        [grant("*", Sid="A", **cond("Bool", "aws:SecureTransport", "true")), grant(ROLE, Sid="A")],
        [grant(ROLE, Sid="A"), grant(ROLE, Sid="B")],
        RESOURCE,
        pointer="/Statement/1/Sid",
    ),
    case("EMPTY_SID_VALUE", allow(Sid=""), allow(Sid="Read"), pointer="/Statement/0/Sid"),
    case(
        "REDUNDANT_STATEMENT",
        [allow(Sid="A"), allow(Sid="B")],
        [allow(Sid="A"), allow("s3:PutObject", Sid="B")],
        pointer="/Statement/1",
    ),
    # Policy variables.
    case(
        "VARIABLE_UNSUPPORTED_IN_VERSION",
        policy(allow(resource=BUCKET + "/${aws:username}/*"), version="2008-10-17"),
        policy(allow(resource=BUCKET + "/home/*"), version="2008-10-17"),
        RESOURCE,
        pointer="/Statement/0/Resource",
    ),
    case(
        "VARIABLE_UNSUPPORTED_IN_ELEMENT",
        allow("s3:${aws:username}"),
        allow(resource=BUCKET + "/${aws:username}/*"),
        pointer="/Statement/0/Action",
    ),
    case(
        "INVALID_VARIABLE_FOR_OPERATOR",
        allow(**cond("NumericLessThan", "aws:MultiFactorAuthAge", "${aws:username}")),
        allow(**cond("StringEquals", "aws:PrincipalTag/owner", "${aws:username}")),
        pointer="/Statement/0/Condition/NumericLessThan/aws:MultiFactorAuthAge",
    ),
    case(
        "MISSING_BRACE_IN_VARIABLE",
        allow(resource=BUCKET + "/${aws:username/*"),
        allow(resource=BUCKET + "/${aws:username}/*"),
    ),
    case("EMPTY_VARIABLE", allow(resource=BUCKET + "/${}/*"), allow(resource=BUCKET + "/${*}/*")),
    case(
        "UNSUPPORTED_SPACE_IN_VARIABLE",
        allow(resource=BUCKET + "/${ aws:username}/*"),
        allow(resource=BUCKET + "/${aws:username, 'nobody'}/*"),
    ),
    case(
        "MISSING_QUOTE_IN_VARIABLE",
        allow(resource=BUCKET + "/${aws:username, nobody}/*"),
        allow(resource=BUCKET + "/${aws:username, 'nobody'}/*"),
    ),
    case(
        "UNKNOWN_POLICY_VARIABLE",
        allow(resource=BUCKET + "/${aws:usrname}/*"),
        allow(resource=BUCKET + "/${aws:PrincipalTag/team}/*"),
    ),
    # Actions.
    case("UNKNOWN_SERVICE", allow("s4:GetObject"), allow(), pointer="/Statement/0/Action"),
    case(
        "UNKNOWN_ACTION",
        allow(["s3:GetObject", "s3:GetObjekt"]),
        allow(["s3:GetObject"]),
        pointer="/Statement/0/Action/1",
    ),
    case("UNKNOWN_ACTION", allow("S3:GETOBJEKT"), allow("S3:GETOBJECT"), name="case"),
    case("ACTION_WILDCARD_MATCHES_NOTHING", allow("s3:Fetch*"), allow("s3:Get*")),
    case("WILDCARD_IN_SERVICE_NAME", allow("s*:GetObject"), allow("s3:GetObject")),
    case("WILDCARD_IN_SERVICE_NAME", allow(resource="arn:aws:s*:::b/*"), allow(), name="arn"),
    case(
        "REDUNDANT_ACTION",
        allow(["s3:Get*", "s3:GetObject"], "*"),
        allow(["s3:GetObject", "s3:PutObject"], "*"),
        pointer="/Statement/0/Action/1",
    ),
    case(
        "REDUNDANT_ACTION",
        allow(["iam:Get*", "iam:GetCredential*"], "*"),
        allow(["iam:Get*", "iam:*CredentialReport"], "*"),
        name="partly",
    ),
    case(
        "ALLOW_WITH_NOT_ACTION",
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"},
        pointer="/Statement/0/NotAction",
    ),
    case("EMPTY_ARRAY_ACTION", allow([]), allow(["s3:GetObject"])),
    # Resources.
    case(
        "RESOURCE_TYPE_MISMATCH",
        allow("s3:GetObject", BUCKET),
        allow("s3:GetObject", OBJECTS),
        pointer="/Statement/0/Resource",
    ),
    case(
        "RESOURCE_TYPE_MISMATCH",
        allow(["s3:GetObject", "s3:ListBucket"], [BUCKET]),
        allow(["s3:GetObject", "s3:ListBucket"], [BUCKET, OBJECTS]),
        pointer="/Statement/0/Action/0",
        name="action",
    ),
    case(
        "RESOURCE_TYPE_MISMATCH",
        allow("s3:ListBucket", [BUCKET, ROLE]),
        allow("s3:ListBucket", [BUCKET]),
        pointer="/Statement/0/Resource/1",
        name="resource",
    ),
    case(
        "RESOURCE_TYPE_MISMATCH",
        deny("dynamodb:GetItem", OBJECTS),
        deny("dynamodb:GetItem", f"arn:aws:dynamodb:*:{ACCOUNT}:table/orders"),
        name="other-service",
    ),
    case(
        "RESOURCE_TYPE_MISMATCH",
        allow("logs:PutLogEvents", "arn:aws:s3:::b"),
        allow("logs:PutLogEvents", f"arn:aws:logs:*:{ACCOUNT}:log-group:/aws/x:log-stream:*"),
        name="slashes-in-names",
    ),
    case(
        "RESOURCE_TYPE_MISMATCH",
        allow("s3:ListBucket", BUCKET + "/${aws:username}/*"),
        allow("s3:ListBucket", "arn:aws:s3:::home-${aws:username}"),
        name="variables",
    ),
    case(
        "RESOURCE_TYPE_MISMATCH",
        allow("lambda:InvokeFunction", f"arn:aws:lambda:*:{ACCOUNT}:layer:x"),
        allow("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn:prod"),
        name="qualified",
    ),
    case(
        "ALLOW_WITH_NOT_RESOURCE",
        allow(resource=None, NotResource=OBJECTS),
        deny(resource=None, NotResource=OBJECTS),
        pointer="/Statement/0/NotResource",
    ),
    case(
        "REDUNDANT_RESOURCE",
        allow(resource=[OBJECTS, BUCKET + "/x"]),
        allow(resource=[BUCKET + "/x", BUCKET + "/y"]),
        pointer="/Statement/0/Resource/1",
    ),
    case("EMPTY_ARRAY_RESOURCE", allow(resource=[]), allow(resource=[OBJECTS])),
    case(
        "INVALID_PARTITION",
        allow(resource="arn:awz:s3:::b/*"),
        allow(resource="arn:aws-cn:s3:::b/*"),
    ),
    case(
        "INVALID_ARN_ACCOUNT",
        allow("iam:GetRole", "arn:aws:iam::12345:role/x"),
        allow("iam:GetRole", ROLE),
    ),
    case(
        "ARN_REGION_NOT_ALLOWED",
        allow("iam:GetRole", f"arn:aws:iam:us-east-1:{ACCOUNT}:role/x"),
        allow("iam:GetRole", ROLE),
    ),
    case(
        "ARN_ACCOUNT_NOT_ALLOWED",
        allow("route53:GetHostedZone", f"arn:aws:route53::{ACCOUNT}:hostedzone/Z1"),
        allow("route53:GetHostedZone", "arn:aws:route53:::hostedzone/Z1"),
    ),
    case(
        "MISSING_ARN_REGION",
        allow("sqs:SendMessage", f"arn:aws:sqs::{ACCOUNT}:queue"),
        allow("sqs:SendMessage", f"arn:aws:sqs:*:{ACCOUNT}:queue"),
    ),
    # Principals.
    case(
        "ALLOW_WITH_NOT_PRINCIPAL",
        allow(NotPrincipal={"AWS": ROLE}),
        deny(NotPrincipal={"AWS": ROLE}),
        RESOURCE,
        pointer="/Statement/0/NotPrincipal",
    ),
    case(
        "WILDCARD_PRINCIPAL_WITHOUT_CONDITION",
        grant("*"),
        grant("*", **cond("StringEquals", "aws:PrincipalOrgID", "o-abc123")),
        RESOURCE,
        pointer="/Statement/0/Principal",
    ),
    case(
        "WILDCARD_PRINCIPAL_WITHOUT_CONDITION",
        trust({"AWS": "*"}),
        trust({"AWS": ROLE}),
        TRUST,
        name="trust",
    ),
    case(
        "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
        grant({"Service": "cloudtrail.amazonaws.com"}),
        grant(
            {"Service": "cloudtrail.amazonaws.com"},
            **cond("StringEquals", "aws:SourceAccount", ACCOUNT),
        ),
        RESOURCE,
    ),
    case(
        "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
        trust({"Federated": "accounts.google.com"}, "sts:AssumeRoleWithWebIdentity"),
        trust(
            {"Federated": "accounts.google.com"},
            "sts:AssumeRoleWithWebIdentity",
            **cond("StringEquals", "accounts.google.com:aud", "my-app"),
        ),
        TRUST,
    ),
    case(
        "MISSING_GITHUB_REPO_CONDITION_KEY",
        trust(
            {"Federated": GITHUB},
            "sts:AssumeRoleWithWebIdentity",
            **cond("StringEquals", "token.actions.githubusercontent.com:aud", "sts.amazonaws.com"),
        ),
        trust(
            {"Federated": GITHUB},
            "sts:AssumeRoleWithWebIdentity",
            **cond("StringLike", "token.actions.githubusercontent.com:sub", "repo:org/app:*"),
        ),
        TRUST,
        pointer="/Statement/0/Principal/Federated",
    ),
    case(
        "MISMATCHED_ACTION_FOR_PRINCIPAL",
        trust({"Federated": SAML}, "sts:AssumeRole", **cond("StringEquals", "SAML:aud", "x")),
        trust(
            {"Federated": SAML}, "sts:AssumeRoleWithSAML", **cond("StringEquals", "SAML:aud", "x")
        ),
        TRUST,
    ),
    case(
        "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
        grant({"AWS": f"arn:aws:iam::{ACCOUNT}:role/*"}),
        grant({"AWS": ROLE}),
        RESOURCE,
        pointer="/Statement/0/Principal/AWS",
    ),
    case(
        "INVALID_ROLE_REFERENCE",
        grant({"AWS": ["AROAEXAMPLEROLEID1234"]}),
        grant({"AWS": [ROLE]}),
        RESOURCE,
        pointer="/Statement/0/Principal/AWS/0",
    ),
    case(
        "INVALID_USER_REFERENCE",
        grant({"AWS": "AIDAEXAMPLEUSERID1234"}),
        grant({"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}),
        RESOURCE,
    ),
    case("EMPTY_ARRAY_PRINCIPAL", grant({"AWS": []}), grant({"AWS": [ROLE]}), RESOURCE),
    case("EMPTY_OBJECT_PRINCIPAL", grant({}), grant({"AWS": ROLE}), RESOURCE),
    # Privilege escalation.
    *(
        case(f"PASS_ROLE_{shape}", positive, negative)
        for shape, positive, negative in PASS_ROLE_SHAPES
    ),
    *(
        case(f"CREATE_SLR_{shape}", _slr(positive), _slr(negative))
        for shape, positive, negative in PASS_ROLE_SHAPES
    ),
    case(
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/*"),
        allow(
            "iam:PassRole", "*", **cond("StringEquals", "iam:PassedToService", "ec2.amazonaws.com")
        ),
        name="guarded",
    ),
    # Condition keys and operators.
    case(
        "INVALID_CONDITION_KEY_FORMAT",
        allow(**cond("IpAddress", "SourceIp", "203.0.113.0/24")),
        allow(**cond("IpAddress", "aws:SourceIp", "203.0.113.0/24")),
    ),
    case(
        "UNKNOWN_CONDITION_KEY",
        allow(**cond("Bool", "aws:SecureTransprt", "true")),
        allow(**cond("Bool", "aws:SecureTransport", "true")),
        pointer="/Statement/0/Condition/Bool/aws:SecureTransprt",
    ),
    case(
        "UNKNOWN_CONDITION_KEY",
        allow("s3:ListBucket", BUCKET, **cond("StringLike", "s3:prefx", "home/")),
        allow("s3:ListBucket", BUCKET, **cond("StringLike", "s3:prefix", "home/")),
        name="service",
    ),
    case(
        "UNKNOWN_CONDITION_KEY",
        allow(**cond("StringEquals", "nosuchservice:key", "x")),
        allow(**cond("StringEquals", "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub", "x")),
        name="prefix",
    ),
    case(
        "UNKNOWN_CONDITION_KEY",
        allow(**cond("StringEquals", "aws:ResourceTags/team", "x")),
        allow(**cond("StringEquals", "aws:ResourceTag/team/sub", "x")),
        name="tag-suffix",
    ),
    case(
        "DEPRECATED_GLOBAL_CONDITION_KEY",
        allow(**cond("ArnEquals", "aws:ARN", ROLE)),
        allow(**cond("ArnEquals", "aws:PrincipalArn", ROLE)),
    ),
    case(
        "CONDITION_KEY_CASE",
        allow(**cond("IpAddress", "AWS:sourceip", "203.0.113.0/24")),
        allow(**cond("IpAddress", "aws:SourceIp", "203.0.113.0/24")),
    ),
    case(
        "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
        allow(
            Condition={"StringEquals": {"aws:PrincipalTag/team": "a", "aws:principaltag/team": "b"}}
        ),
        allow(
            Condition={
                "StringEquals": {"aws:PrincipalTag/team": "a"},
                "StringLike": {"aws:principaltag/team": "b*"},
            }
        ),
    ),
    case(
        "IF_EXISTS_ON_NULL",
        allow(**cond("NullIfExists", "aws:TokenIssueTime", "true")),
        allow(**cond("Null", "aws:TokenIssueTime", "true")),
    ),
    case(
        "NULL_WITH_QUALIFIER",
        allow(**cond("ForAllValues:Null", "aws:TagKeys", "true")),
        allow(**cond("Null", "aws:TagKeys", "true")),
    ),
    case(
        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
        allow(**cond("ForAllValues:StringEquals", "aws:SourceVpc", "vpc-1")),
        allow(**cond("ForAllValues:StringEquals", "aws:TagKeys", "team")),
    ),
    case(
        "MISSING_QUALIFIER",
        allow(**cond("StringEquals", "aws:TagKeys", "team")),
        allow(**cond("ForAnyValue:StringEquals", "aws:TagKeys", "team")),
    ),
    case(
        "TYPE_MISMATCH",
        allow(**cond("StringEquals", "aws:SourceIp", "203.0.113.7")),
        allow(**cond("StringLike", "aws:PrincipalArn", ROLE)),
    ),
    # Condition values.
    case(
        "TYPE_MISMATCH_NUMBER",
        allow(**cond("NumericLessThan", "aws:MultiFactorAuthAge", "an hour")),
        allow(**cond("NumericLessThan", "aws:MultiFactorAuthAge", "3600")),
        pointer="/Statement/0/Condition/NumericLessThan/aws:MultiFactorAuthAge",
    ),
    case(
        "TYPE_MISMATCH_DATE",
        allow(**cond("DateGreaterThan", "aws:CurrentTime", "tomorrow")),
        allow(**cond("DateGreaterThan", "aws:CurrentTime", "2030-01-01T00:00:00Z")),
    ),
    case(
        "TYPE_MISMATCH_BOOLEAN",
        allow(**cond("Bool", "aws:SecureTransport", ["yes"])),
        allow(**cond("Bool", "aws:SecureTransport", [True])),
        pointer="/Statement/0/Condition/Bool/aws:SecureTransport/0",
    ),
    case(
        "TYPE_MISMATCH_BOOLEAN",
        allow(**cond("Null", "aws:TokenIssueTime", "absent")),
        allow(**cond("Null", "aws:TokenIssueTime", "false")),
        name="null",
    ),
    case(
        "TYPE_MISMATCH_IP_RANGE",
        allow(**cond("IpAddress", "aws:SourceIp", "203.0.113")),
        allow(**cond("IpAddress", "aws:SourceIp", "2001:db8::/32")),
    ),
    case(
        "TYPE_MISMATCH_STRING",
        allow(**cond("BinaryEquals", "aws:UserAgent", "not base64!")),
        allow(**cond("BinaryEquals", "aws:UserAgent", "QmluYXJ5")),
    ),
    case(
        "INVALID_CONDITION_MULTIPLE_BOOLEAN",
        allow(**cond("Bool", "aws:SecureTransport", ["true", "false"])),
        allow(**cond("Bool", "aws:SecureTransport", "true")),
    ),
    case(
        "INVALID_DATE_VALUE",
        allow(**cond("DateLessThan", "aws:CurrentTime", "1700000000")),
        allow(**cond("DateLessThan", "aws:EpochTime", "1700000000")),
    ),
    case(
        "WILDCARD_WITHOUT_LIKE_OPERATOR",
        allow(**cond("StringEquals", "aws:PrincipalTag/team", "dev-*")),
        allow(**cond("StringLike", "aws:PrincipalTag/team", "dev-*")),
    ),
    case(
        "WILDCARD_WITHOUT_LIKE_OPERATOR",
        allow(**cond("StringEquals", "aws:PrincipalTag/a", "x?")),
        allow(**cond("StringEquals", "aws:PrincipalTag/a", "x${?}")),
        name="variable",
    ),
    case(
        "EMPTY_ARRAY_CONDITION",
        allow(**cond("StringEquals", "aws:PrincipalTag/team", [])),
        allow(**cond("StringEquals", "aws:PrincipalTag/team", ["dev"])),
    ),
    case(
        "EMPTY_ARRAY_CONDITION_FORALLVALUES",
        allow(**cond("ForAllValues:StringEquals", "aws:TagKeys", [])),
        allow(**cond("ForAllValues:StringEquals", "aws:TagKeys", ["team"])),
    ),
    case(
        "EMPTY_ARRAY_CONDITION_FORANYVALUE",
        allow(**cond("ForAnyValue:StringEquals", "aws:TagKeys", [])),
        allow(**cond("ForAnyValue:StringEquals", "aws:TagKeys", ["team"])),
    ),
    case(
        "EMPTY_ARRAY_CONDITION_IFEXISTS",
        allow(**cond("StringEqualsIfExists", "aws:SourceVpc", [])),
        allow(**cond("StringEqualsIfExists", "aws:SourceVpc", ["vpc-1"])),
    ),
    case(
        "PRIVATE_IP_ADDRESS",
        allow(**cond("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "fd00::/8"])),
        allow(**cond("IpAddress", "aws:VpcSourceIp", "10.0.0.0/8")),
    ),
    case(
        "PRIVATE_NOT_IP_ADDRESS",
        deny(**cond("NotIpAddress", "aws:SourceIp", "192.168.0.0/16")),
        deny(**cond("NotIpAddress", "aws:SourceIp", "203.0.113.0/24")),
    ),
    case(
        "PRIVATE_IP_ADDRESS_SUBSET",
        allow(**cond("IpAddress", "aws:SourceIp", ["172.16.0.0/12", "203.0.113.0/24"])),
        allow(**cond("IpAddress", "aws:SourceIp", ["198.51.100.0/24", "203.0.113.0/24"])),
    ),
    case(
        "PRIVATE_NOT_IP_ADDRESS_SUBSET",
        deny(**cond("NotIpAddress", "aws:SourceIp", ["10.1.0.0/16", "203.0.113.0/24"])),
        deny(**cond("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"])),
    ),
    case(
        "IMPROVE_IP_RANGE",
        allow(**cond("IpAddress", "aws:SourceIp", "203.0.113.5/24")),
        allow(**cond("IpAddress", "aws:SourceIp", ["203.0.113.5", "2001:DB8::/32"])),
    ),
    case(
        "REDUNDANT_CONDITION_VALUE_NUM",
        allow(**cond("NumericLessThan", "aws:MultiFactorAuthAge", ["2700", "3600"])),
        allow(**cond("NumericEquals", "aws:MultiFactorAuthAge", ["2700", "3600"])),
    ),
    # Keys the statement's actions never carry.
    case(
        "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        allow(
            ["cloudshell:*", "ec2:StartInstances"],
            "*",
            **cond("StringEquals", "aws:ResourceTag/team", "a"),
        ),
        allow(["ec2:StartInstances"], "*", **cond("StringEquals", "aws:ResourceTag/team", "a")),
    ),
    case(
        "ALLOW_NOT_ACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        {
            "Effect": "Allow",
            "NotAction": "iam:*",
            "Resource": "*",
            **cond("StringEquals", "aws:ResourceTag/team", "a"),
        },
        {
            "Effect": "Allow",
            "NotAction": "iam:*",
            "Resource": "*",
            **cond("StringEquals", "aws:PrincipalTag/team", "a"),
        },
    ),
    case(
        "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        deny("cloudshell:*", "*", **cond("StringEquals", "aws:ResourceTag/locked", "true")),
        deny("cloudshell:*", "*", **cond("Null", "aws:ResourceTag/locked", "false")),
    ),
    case(
        "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        deny("*", "*", **cond("StringEquals", "aws:RequestTag/team", "a")),
        deny("*", "*", **cond("StringEquals", "aws:PrincipalTag/team", "a")),
        name="all-services",
    ),
    case(
        "DENY_NOT_ACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        {
            "Effect": "Deny",
            "NotAction": "iam:*",
            "Resource": "*",
            **cond("ForAnyValue:StringEquals", "aws:TagKeys", "secret"),
        },
        {
            "Effect": "Deny",
            "Action": "ec2:CreateTags",
            "Resource": "*",
            **cond("ForAnyValue:StringEquals", "aws:TagKeys", "secret"),
        },
        SCP,
    ),
    case(
        "CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS",
        allow("s3:GetObject", "*", **cond("StringLike", "s3:prefix", "home/*")),
        allow("s3:ListBucket", "*", **cond("StringLike", "s3:prefix", "home/*")),
        pointer="/Statement/0/Condition/StringLike/s3:prefix",
    ),
    case(
        "CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS",
        deny(
            "s3:GetObject",
            "*",
            **cond("StringNotEquals", "iam:PassedToService", "ec2.amazonaws.com"),
        ),
        deny("s3:GetObject", "*", **cond("StringNotEquals", "ec2:SourceInstanceArn", "x")),
        name="other-service",
    ),
]


def codes(findings: list[Finding]) -> list[str]:
    return [finding.code for finding in findings]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule_fires_on_its_positive_case(case: Case) -> None:
    findings = [f for f in lint_policy(case.positive, case.kind) if f.code == case.code]
    assert findings, codes(lint_policy(case.positive, case.kind))
    if case.pointer is not None:
        assert case.pointer in [f.pointer for f in findings]
    for finding in findings:
        if case.code in RULES:
            assert finding.learn_more == RULES[case.code].learn_more
        assert finding.learn_more.startswith("https://docs.aws.amazon.com/")
        assert finding.message


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule_is_silent_on_its_negative_case(case: Case) -> None:
    assert case.code not in codes(lint_policy(case.negative, case.kind))


def test_every_rule_has_a_case() -> None:
    covered = {case.code for case in CASES}
    assert set(RULES) - covered == set()


def test_rule_codes_and_docs_are_well_formed() -> None:
    for code, declared in RULES.items():
        assert code == declared.code and code.isupper()
        assert declared.learn_more.startswith("https://docs.aws.amazon.com/")


# A clean policy for every kind.

CLEAN = [
    (
        IDENTITY,
        policy(
            allow(["s3:GetObject", "s3:PutObject"], OBJECTS, Sid="Objects"),
            allow(
                "s3:ListBucket",
                BUCKET,
                Sid="List",
                **cond("StringLike", "s3:prefix", ["home/${aws:username}/*"]),
            ),
        ),
    ),
    (RESOURCE, policy(grant({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))),
    (TRUST, policy(trust({"Service": "ec2.amazonaws.com"}))),
    (
        TRUST,
        policy(
            trust(
                {"Federated": GITHUB},
                "sts:AssumeRoleWithWebIdentity",
                Condition={
                    "StringEquals": {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                    },
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:*"},
                },
            )
        ),
    ),
    (SCP, policy(deny("*", "*", **cond("StringNotEquals", "aws:RequestedRegion", ["eu-west-1"])))),
    (PolicyKind.PERMISSIONS_BOUNDARY, policy(allow("s3:*", "*"))),
]


@pytest.mark.parametrize(("kind", "document"), CLEAN, ids=lambda v: getattr(v, "value", ""))
def test_clean_policies_have_no_findings(kind: PolicyKind, document: Doc) -> None:
    assert lint_policy(json.dumps(document), kind) == []


# Inputs: text, bytes, dicts, broken documents.


def test_accepts_text_bytes_and_dicts_alike() -> None:
    document = policy(allow("s3:GetObjekt"))
    text = json.dumps(document)
    expected = lint_policy(document, IDENTITY)
    assert lint_policy(text, IDENTITY) == expected == lint_policy(text.encode(), IDENTITY)


@pytest.mark.parametrize("source", ["", "not json", "[]", "null", b"\xff\xfe", '{"Statement": 3}'])
def test_unreadable_documents_give_grammar_errors(source: str | bytes) -> None:
    findings = lint_policy(source, IDENTITY)
    assert any(f.severity is Severity.ERROR for f in findings)
    assert blocking(findings)


def test_pointers_follow_the_document_shape() -> None:
    single = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": OBJECTS},
    }
    assert [f.pointer for f in lint_policy(single, IDENTITY)] == ["/Statement/Action"]
    skipped = policy("not a statement", allow(["s3:GetObject", "s3:GetObjekt"]))  # type: ignore[arg-type]
    found = {f.code: f.pointer for f in lint_policy(skipped, IDENTITY)}
    assert found["UNKNOWN_ACTION"] == "/Statement/1/Action/1"
    slash = policy(allow(**cond("StringEquals", "aws:ResourceTags/a~b", "x")))
    found = {f.code: f.pointer for f in lint_policy(slash, IDENTITY)}
    assert (
        found["UNKNOWN_CONDITION_KEY"]
        == "/Statement/0/Condition/StringEquals/aws:ResourceTags~1a~0b"
    )


def test_layout_of_unreadable_text_is_empty() -> None:
    assert read_layout("{").statements == ()
    assert read_layout("[1]").statements == ()


def test_findings_come_in_document_order() -> None:
    document = policy(*[allow("s3:GetObjekt") for _ in range(12)])
    pointers = [f.pointer for f in lint_policy(document, IDENTITY) if f.code == "UNKNOWN_ACTION"]
    assert pointers == [f"/Statement/{i}/Action" for i in range(12)]


def test_severity_decides_blocking() -> None:
    assert not blocking(lint_policy(policy(allow(Sid="")), IDENTITY))
    assert blocking(lint_policy(policy(allow("iam:PassRole", "*")), IDENTITY))


# The catalog.


def test_catalog_lookups_ignore_case() -> None:
    catalog = default_catalog()
    assert catalog.service_exists("S3") and not catalog.service_exists("s4")
    assert catalog.action_exists("s3:getobject") and not catalog.action_exists("s3:getobjekt")
    info = catalog.action("S3:GETOBJECT")
    assert info is not None and info.full_name == "s3:GetObject"
    assert f"arn:{SEGMENT}:s3:::{SEGMENT}/*" in info.resource_globs


def test_catalog_expands_wildcards() -> None:
    catalog = default_catalog()
    names = {info.full_name for info in catalog.expand_action_pattern("s3:Get*Tagging")}
    assert "s3:GetObjectTagging" in names and "s3:GetObject" not in names
    assert {i.full_name for i in catalog.expand_action_pattern("iam:PassRol?")} == {"iam:PassRole"}
    assert catalog.expand_action_pattern("nosuch:*") == ()
    assert len(catalog.expand_action_pattern("*")) > 10000


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("aws:SourceIp", "aws:SourceIp"),
        ("AWS:SOURCEIP", "aws:SourceIp"),
        ("aws:RequestTag/team", "aws:RequestTag/${TagKey}"),
        ("aws:PrincipalTag/cost-center", "aws:PrincipalTag/${TagKey}"),
        ("s3:ExistingObjectTag/classification", "s3:ExistingObjectTag/<key>"),
        ("kms:EncryptionContext:app", "kms:EncryptionContext:${EncryptionContextKey}"),
        ("iam:PassedToService", "iam:PassedToService"),
        ("ec2:SourceInstanceArn", "ec2:SourceInstanceArn"),
        ("accounts.google.com:aud", "accounts.google.com:aud"),
    ],
)
def test_catalog_knows_condition_keys(key: str, name: str) -> None:
    info = default_catalog().condition_key(key)
    assert info is not None and info.name == name
    assert default_catalog().condition_key_exists(key)


@pytest.mark.parametrize(
    "key", ["aws:RequestTag/", "aws:SourceIpAddress", "s3:nosuchkey", "nope:x"]
)
def test_catalog_rejects_unknown_condition_keys(key: str) -> None:
    assert not default_catalog().condition_key_exists(key)


def test_catalog_indexes_arn_formats_by_arn_service() -> None:
    formats = default_catalog().arn_formats("s3")
    assert "arn:${Partition}:s3:::${BucketName}" in formats
    glob = arn_format_glob("arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    assert glob == f"arn:{SEGMENT}:s3:::{SEGMENT}/*"
    assert (
        arn_format_glob("arn:${Partition}:s3:::${BucketName}") == f"arn:{SEGMENT}:s3:::{NO_SLASH}"
    )
    assert arn_format_glob("arn:${P}:iam::${A}:policy/${PolicyNameWithPath}").endswith("/*")


@pytest.mark.parametrize(
    ("first", "second", "meet"),
    [
        ("arn:*:s3:::*/*", "arn:aws:s3:::b", False),
        ("arn:*:s3:::*/*", "arn:aws:s3:::b*", True),
        (f"arn:{SEGMENT}:s3:::{NO_SLASH}", "arn:aws:s3:::b/*", False),
        (f"arn:{SEGMENT}:s3:::{NO_SLASH}", "arn:aws:s3:::*", True),
        (f"arn:{SEGMENT}:s3:::{NO_SLASH}", "arn:aws:s3:::b?", True),
        (f"{SEGMENT}x", "a:x", False),
        (f"{SEGMENT}x", f"*{NO_SLASH}x", True),
        ("a?c", "*b*", True),
        ("a*", "b*", False),
        ("*", "", True),
        ("x", "", False),
    ],
)
def test_pattern_intersection(first: str, second: str, meet: bool) -> None:
    assert globs_intersect(first, second) is meet
    assert globs_intersect(second, first) is meet


@pytest.mark.parametrize(
    ("general", "specific", "covers"),
    [("a*", "ab?", True), ("a?", "a*", False), ("*", "anything*", True), ("a*c", "ab", False)],
)
def test_pattern_inclusion(general: str, specific: str, covers: bool) -> None:
    assert glob_covers(general, specific) is covers


# Robustness and speed.

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_WORDS = st.sampled_from(
    [
        "*",
        "s3:GetObject",
        "s3:Get*",
        "iam:PassRole",
        "x",
        "",
        "${aws:username}",
        "${",
        "arn:aws:s3:::b/*",
        ROLE,
        "arn:aws:iam:us-east-1:1:role/*",
        "aws:SourceIp",
        "aws:TagKeys",
        "10.0.0.0/8",
        "true",
        "sts:AssumeRole",
        GITHUB,
        "Allow",
        "Deny",
    ]
)
_VALUE = st.one_of(_WORDS, st.lists(_WORDS, max_size=3), _JSON)
_STATEMENT = st.fixed_dictionaries(
    {},
    optional={
        "Sid": _VALUE,
        "Effect": st.sampled_from(["Allow", "Deny", "allow", 1]),
        "Action": _VALUE,
        "NotAction": _VALUE,
        "Resource": _VALUE,
        "NotResource": _VALUE,
        "Principal": st.one_of(
            _VALUE,
            st.dictionaries(st.sampled_from(["AWS", "Service", "Federated"]), _VALUE, max_size=2),
        ),
        "NotPrincipal": _VALUE,
        "Condition": st.one_of(
            _VALUE,
            st.dictionaries(
                st.sampled_from(
                    [
                        "StringEquals",
                        "ForAllValues:StringLike",
                        "NullIfExists",
                        "IpAddress",
                        "NumericLessThan",
                        "Bool",
                        "DateGreaterThan",
                        "Nope",
                    ]
                ),
                st.dictionaries(_WORDS, _VALUE, max_size=2),
                max_size=2,
            ),
        ),
    },
)
_POLICY = st.fixed_dictionaries(
    {"Statement": st.one_of(_STATEMENT, st.lists(st.one_of(_STATEMENT, _JSON), max_size=3))},
    optional={"Version": st.sampled_from(["2012-10-17", "2008-10-17", "x"]), "Id": _VALUE},
)


@settings(max_examples=300, deadline=None)
@given(document=st.one_of(_JSON, _POLICY), kind=st.sampled_from(list(PolicyKind)))
def test_lint_never_raises_on_arbitrary_json(document: Any, kind: PolicyKind) -> None:
    findings = lint_policy(json.dumps(document), kind)
    assert all(isinstance(f, Finding) for f in findings)
    assert all(f.pointer == "" or f.pointer.startswith("/") for f in findings)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=64))
def test_lint_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    lint_policy(data, IDENTITY)


def test_linting_is_fast_once_the_catalog_is_warm() -> None:
    document = policy(
        allow(
            ["s3:Get*", "s3:List*", "s3:PutObject"],
            [BUCKET, OBJECTS],
            **cond("StringEquals", "aws:PrincipalTag/team", "a"),
        ),
        allow(
            ["ec2:Describe*", "ec2:StartInstances"],
            "*",
            **cond("StringEquals", "aws:ResourceTag/team", "${aws:PrincipalTag/team}"),
        ),
        deny("*", "*", **cond("Bool", "aws:MultiFactorAuthPresent", "false")),
        allow(
            "iam:PassRole", ROLE, **cond("StringEquals", "iam:PassedToService", "ec2.amazonaws.com")
        ),
    )
    # Speed is measured by benchmarks, not asserted here: this checks that a
    # realistic policy lints clean of errors.
    findings = lint_policy(json.dumps(document), IDENTITY)
    assert not [f for f in findings if f.severity.value == "ERROR"], findings


# The command.


def _app() -> Any:
    import typer

    from clearance.cli import lint as lint_command

    app = typer.Typer()
    lint_command.register(app)

    @app.callback()
    def _root() -> None:  # keep "lint" a subcommand
        pass

    return app


@pytest.mark.parametrize(
    ("document", "kind", "status"),
    [
        (policy(allow()), "identity", 0),
        (policy(allow(Sid="")), "identity", 0),
        (policy(allow("s3:GetObjekt")), "identity", 1),
        (policy(grant("*")), "resource", 1),
        (policy(grant("*")), "RESOURCE", 1),
    ],
)
def test_cli_exit_status(tmp_path: Any, document: Doc, kind: str, status: int) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(document))
    result = CliRunner().invoke(_app(), ["lint", str(path), "--kind", kind])
    assert result.exit_code == status, result.output


def test_cli_json_output_is_a_list_of_findings(tmp_path: Any) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy(allow("s3:GetObjekt"))))
    result = CliRunner().invoke(_app(), ["lint", str(path), "--format", "json"])
    assert result.exit_code == 1
    found = json.loads(result.output)
    assert [f["code"] for f in found] == ["UNKNOWN_ACTION"]
    assert set(found[0]) == {"code", "severity", "message", "pointer", "learn_more"}


def test_cli_text_output_and_stdin() -> None:
    text = json.dumps(policy(allow(Sid="")))
    result = CliRunner().invoke(_app(), ["lint", "-"], input=text)
    assert result.exit_code == 0
    assert "EMPTY_SID_VALUE" in result.output and "1 suggestion" in result.output
    clean = CliRunner().invoke(_app(), ["lint", "-"], input=json.dumps(policy(allow())))
    assert "no findings" in clean.output


def test_cli_missing_file(tmp_path: Any) -> None:
    result = CliRunner().invoke(_app(), ["lint", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
