"""The benchmark's workload: one IAM user, ten identity policies, many requests.

Everything here is data. The policies (51 statements) use Allow and Deny, wildcards
in actions and resources, NotAction and NotResource, the policy variable
``${aws:username}`` in Resource and Condition values, and the condition operators
StringEquals, StringNotEquals, StringLike, Bool, BoolIfExists, NumericLessThan,
DateGreaterThan, DateLessThan, IpAddress, NotIpAddress, Null, ForAnyValue: and
ForAllValues:. Requests are generated deterministically from a seed: actions across
a dozen services (including some that no statement names, and some written in odd
case), resources inside and outside the patterns, and context values that make each
condition both hold and fail, including absent keys.

The workload stays clear of corners where careful readings of the AWS documentation
differ (ARN patterns shorter than six segments, a wildcard standing in for a
resource type, cross-account requests, trust and key policies): the benchmark
measures speed on ordinary policies, the conformance suites settle the corners.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ACCOUNT",
    "CONTEXT_TYPES",
    "POLICIES",
    "PRINCIPAL_ARN",
    "USERNAME",
    "BenchRequest",
    "ContextValue",
    "generate_requests",
    "statement_count",
    "to_case",
]

ACCOUNT = "111122223333"
USERNAME = "alice"
PRINCIPAL_ARN = f"arn:aws:iam::{ACCOUNT}:user/{USERNAME}"

ContextValue = str | list[str]
Document = dict[str, Any]


def _policy(*statements: Document) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(sid: str, action: Any, resource: Any = "*", **extra: Any) -> Document:
    return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _deny(sid: str, action: Any, resource: Any = "*", **extra: Any) -> Document:
    return {"Sid": sid, "Effect": "Deny", "Action": action, "Resource": resource, **extra}


_A = ACCOUNT
_ME = "${aws:username}"

# (policy id, document), in attachment order.
POLICIES: list[tuple[str, Document]] = [
    (
        f"arn:aws:iam::{_A}:policy/S3Reports",
        _policy(
            _allow(
                "ReadReports",
                ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"],
                ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"],
            ),
            _allow(
                "OwnPrefix",
                ["s3:PutObject", "s3:DeleteObject"],
                f"arn:aws:s3:::reports/home/{_ME}/*",
            ),
            _deny("ProtectArchive", "s3:Delete*", "arn:aws:s3:::reports/archive/*"),
            _allow(
                "PublicRead",
                "s3:Get*",
                "arn:aws:s3:::public-*/*",
                Condition={"Bool": {"aws:SecureTransport": "true"}},
            ),
            _deny("DenyInsecure", "s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}}),
            _allow("ListBuckets", ["s3:ListAllMyBuckets", "s3:GetBucketLocation"]),
        ),
    ),
    (
        f"arn:aws:iam::{_A}:policy/EC2Operators",
        _policy(
            _allow("Describe", "ec2:Describe*"),
            _allow(
                "StartStopTeam",
                ["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
                f"arn:aws:ec2:*:{_A}:instance/*",
                Condition={"StringEquals": {"aws:ResourceTag/team": ["analytics", "data"]}},
            ),
            _deny("NoTerminate", "ec2:TerminateInstances"),
            _allow(
                "RunSmall",
                "ec2:RunInstances",
                Condition={
                    "StringLike": {"ec2:InstanceType": ["t3.*", "t4g.*"]},
                    "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
                },
            ),
            _allow(
                "TagOnCreate",
                "ec2:CreateTags",
                f"arn:aws:ec2:*:{_A}:instance/*",
                Condition={
                    "ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env", "cost-center"]}
                },
            ),
            _deny(
                "RegionLock",
                "ec2:*",
                Condition={"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
            ),
        ),
    ),
    (
        f"arn:aws:iam::{_A}:policy/DynamoOrders",
        _policy(
            _allow(
                "Read",
                ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"],
                f"arn:aws:dynamodb:*:{_A}:table/orders*",
            ),
            _allow(
                "WriteAfterLaunch",
                ["dynamodb:PutItem", "dynamodb:UpdateItem"],
                f"arn:aws:dynamodb:us-east-1:{_A}:table/orders",
                Condition={"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}},
            ),
            _deny("NoDrop", ["dynamodb:DeleteTable", "dynamodb:DeleteBackup"]),
            _allow("DescribeAll", ["dynamodb:Describe*", "dynamodb:List*"]),
            {
                "Sid": "AnalystsAnywhereButSecrets",
                "Effect": "Allow",
                "Action": "dynamodb:GetItem",
                "NotResource": f"arn:aws:dynamodb:*:{_A}:table/secrets*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/role": "analyst"}},
            },
        ),
    ),
    (
        f"arn:aws:iam::{_A}:policy/NetworkPerimeter",
        _policy(
            {
                "Sid": "DenyOutsideCorp",
                "Effect": "Deny",
                "NotAction": ["iam:Get*", "iam:List*", "sts:GetCallerIdentity"],
                "Resource": "*",
                "Condition": {
                    "NotIpAddress": {
                        "aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/25", "2001:db8:1234::/48"]
                    },
                    "BoolIfExists": {"aws:ViaAWSService": "false"},
                },
            },
            _allow(
                "LogsFromCorp",
                "logs:*",
                f"arn:aws:logs:us-east-1:{_A}:*",
                Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
            ),
            _deny("NoNetworkChanges", ["ec2:*Vpc*", "ec2:*Subnet*"]),
        ),
    ),
    (
        f"arn:aws:iam::{_A}:policy/SelfService",
        _policy(
            _allow(
                "OwnUser",
                [
                    "iam:GetUser",
                    "iam:ChangePassword",
                    "iam:CreateAccessKey",
                    "iam:DeleteAccessKey",
                    "iam:ListAccessKeys",
                    "iam:UpdateAccessKey",
                ],
                f"arn:aws:iam::{_A}:user/{_ME}",
            ),
            _allow(
                "OwnMfa",
                ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices"],
                [f"arn:aws:iam::{_A}:mfa/{_ME}", f"arn:aws:iam::{_A}:user/{_ME}"],
            ),
            _allow(
                "ListDirectory",
                ["iam:ListUsers", "iam:ListRoles", "iam:ListPolicies", "iam:GetAccountSummary"],
            ),
            {
                "Sid": "RequireMfa",
                "Effect": "Deny",
                "NotAction": [
                    "iam:ChangePassword",
                    "iam:CreateVirtualMFADevice",
                    "iam:EnableMFADevice",
                    "iam:ListMFADevices",
                    "iam:GetUser",
                    "sts:GetSessionToken",
                ],
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            },
            {
                "Sid": "KeysOnlyForSelf",
                "Effect": "Deny",
                "Action": "iam:*AccessKey*",
                "NotResource": f"arn:aws:iam::{_A}:user/{_ME}",
            },
        ),
    ),
    (
        f"arn:aws:iam::{_A}:policy/LambdaApps",
        _policy(
            _allow("InvokeApps", "lambda:InvokeFunction", f"arn:aws:lambda:*:{_A}:function:app-*"),
            _allow("ReadFunctions", ["lambda:Get*", "lambda:List*"]),
            _allow(
                "AppLogs",
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                f"arn:aws:logs:*:{_A}:log-group:/aws/lambda/app-*:*",
            ),
            _deny(
                "ChangesNeedAdmin",
                ["lambda:Update*", "lambda:Delete*", "lambda:Put*"],
                Condition={"StringNotEquals": {"aws:PrincipalTag/role": "admin"}},
            ),
            _allow(
                "AdminsDeploy",
                "lambda:*",
                f"arn:aws:lambda:us-east-1:{_A}:function:*",
                Condition={"StringEquals": {"aws:PrincipalTag/role": "admin"}},
            ),
        ),
    ),
    (
        f"arn:aws:iam::{_A}:policy/ApiAndSecrets",
        _policy(
            _allow(
                "InvokeReportsApi",
                "execute-api:Invoke",
                f"arn:aws:execute-api:*:{_A}:a1b2c3/prod/GET/*",
                Condition={"StringLike": {"aws:UserAgent": ["aws-cli/*", "Boto3/*"]}},
            ),
            _allow(
                "AppSecrets",
                ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                f"arn:aws:secretsmanager:*:{_A}:secret:app/*",
                Condition={"StringEquals": {"aws:ResourceTag/env": ["dev", "staging"]}},
            ),
            _deny(
                "NoProdSecrets", "secretsmanager:*", f"arn:aws:secretsmanager:*:{_A}:secret:prod/*"
            ),
            _deny(
                "NoApiDeletes",
                "execute-api:Invoke",
                f"arn:aws:execute-api:*:{_A}:a1b2c3/*/DELETE/*",
            ),
            _allow(
                "OwnParameters", "ssm:GetParameter*", f"arn:aws:ssm:*:{_A}:parameter/app/{_ME}/*"
            ),
        ),
    ),
    (
        f"arn:aws:iam::{_A}:policy/Messaging",
        _policy(
            _allow(
                "JobQueues",
                [
                    "sqs:SendMessage",
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                ],
                f"arn:aws:sqs:us-east-1:{_A}:jobs-*",
            ),
            _allow(
                "AlertsUntil2028",
                "sns:Publish",
                f"arn:aws:sns:*:{_A}:alerts",
                Condition={"DateLessThan": {"aws:CurrentTime": "2027-12-31T23:59:59Z"}},
            ),
            _deny("NoPurge", ["sqs:PurgeQueue", "sqs:DeleteQueue", "sns:DeleteTopic"]),
            _allow(
                "SubscribeCorpMail",
                "sns:Subscribe",
                Condition={"StringLike": {"sns:Endpoint": "*@example.com"}},
            ),
            _allow("FindQueues", ["sqs:List*", "sqs:GetQueueUrl"]),
        ),
    ),
    (
        f"arn:aws:iam::{_A}:policy/Tagging",
        _policy(
            _allow(
                "TagOwnResources",
                ["ec2:CreateTags", "ec2:DeleteTags", "s3:PutObjectTagging", "dynamodb:TagResource"],
                Condition={
                    "ForAllValues:StringEquals": {
                        "aws:TagKeys": ["team", "env", "cost-center", "owner"]
                    },
                    "StringEquals": {"aws:ResourceTag/owner": _ME},
                },
            ),
            _deny(
                "NoAwsTagKeys",
                ["*:TagResource", "*:UntagResource", "ec2:CreateTags"],
                Condition={"ForAnyValue:StringLike": {"aws:TagKeys": "aws:*"}},
            ),
            _allow("ReadTags", ["tag:GetResources", "tag:GetTagKeys", "tag:GetTagValues"]),
            _allow(
                "ReadAnywhereInHomeRegions",
                ["*:Describe*", "*:List*"],
                Condition={"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
            ),
        ),
    ),
    (
        f"arn:aws:iam::{_A}:policy/Guardrails",
        _policy(
            _deny(
                "Expiry",
                "*",
                Condition={"DateGreaterThan": {"aws:CurrentTime": "2027-06-30T00:00:00Z"}},
            ),
            _deny("NoOrganizations", ["organizations:*", "account:*"]),
            _deny(
                "NoTrailTampering",
                ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail"],
            ),
            {
                "Sid": "PolicyEditsOnlyInSandbox",
                "Effect": "Deny",
                "Action": ["iam:*Policy*", "iam:CreateUser", "iam:DeleteUser"],
                "NotResource": f"arn:aws:iam::{_A}:policy/sandbox/*",
            },
            _deny(
                "NoPublicBuckets",
                [
                    "s3:PutBucketPolicy",
                    "s3:PutBucketAcl",
                    "s3:DeleteBucket*",
                    "s3:PutBucketPublicAccessBlock",
                ],
            ),
            _allow("Identity", ["sts:GetCallerIdentity", "sts:GetSessionToken"]),
            _deny(
                "EncryptedUploads",
                "s3:PutObject",
                Condition={"Null": {"s3:x-amz-server-side-encryption": "true"}},
            ),
        ),
    ),
]


def statement_count() -> int:
    return sum(len(document["Statement"]) for _, document in POLICIES)


# The type of each context key's values, for engines that need typed values (Cedar).
CONTEXT_TYPES: dict[str, str] = {
    "aws:SourceIp": "ip",
    "aws:CurrentTime": "datetime",
    "aws:MultiFactorAuthAge": "long",
    "aws:TagKeys": "set",
}


@dataclass(frozen=True, slots=True)
class BenchRequest:
    """One request as a caller would describe it: context keys in their usual case,
    multi-valued keys as lists."""

    action: str
    resource: str
    context: dict[str, ContextValue] = field(default_factory=dict)


_REGIONS = ["us-east-1", "us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"]

# The actions of each service, and how often a request goes to the service.
# fmt: off
_ACTIONS: dict[str, list[str]] = {
    "s3": [
        "GetObject", "GetObjectVersion", "PutObject", "DeleteObject", "DeleteObjectVersion",
        "ListBucket", "ListAllMyBuckets", "GetBucketLocation", "PutBucketPolicy", "DeleteBucket",
        "PutObjectTagging", "GetObjectAcl", "PutBucketVersioning", "RestoreObject",
    ],
    "ec2": [
        "DescribeInstances", "DescribeSubnets", "DescribeVpcs", "DescribeImages", "StartInstances",
        "StopInstances", "RebootInstances", "TerminateInstances", "RunInstances", "CreateTags",
        "DeleteTags", "CreateVpc", "AttachVolume", "ModifyInstanceAttribute",
    ],
    "dynamodb": [
        "GetItem", "Query", "Scan", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem",
        "DeleteTable", "DescribeTable", "ListTables", "TagResource", "UntagResource",
        "DeleteBackup",
    ],
    "iam": [
        "GetUser", "ChangePassword", "CreateAccessKey", "DeleteAccessKey", "ListAccessKeys",
        "CreateVirtualMFADevice", "EnableMFADevice", "ListMFADevices", "ListUsers", "ListRoles",
        "GetRole", "CreateUser", "DeleteUser", "AttachUserPolicy", "CreatePolicy",
        "GetAccountSummary",
    ],
    "lambda": [
        "InvokeFunction", "GetFunction", "ListFunctions", "UpdateFunctionCode", "DeleteFunction",
        "PutFunctionConcurrency", "CreateFunction", "TagResource",
    ],
    "logs": [
        "CreateLogStream", "PutLogEvents", "CreateLogGroup", "DeleteLogGroup", "DescribeLogGroups",
    ],
    "execute-api": ["Invoke", "Invoke", "ManageConnections"],
    "secretsmanager": [
        "GetSecretValue", "DescribeSecret", "PutSecretValue", "DeleteSecret", "ListSecrets",
    ],
    "ssm": ["GetParameter", "GetParameters", "GetParametersByPath", "PutParameter"],
    "sqs": [
        "SendMessage", "ReceiveMessage", "DeleteMessage", "GetQueueAttributes", "PurgeQueue",
        "DeleteQueue", "ListQueues", "GetQueueUrl", "CreateQueue",
    ],
    "sns": ["Publish", "Subscribe", "DeleteTopic", "ListTopics", "CreateTopic"],
    "sts": ["GetCallerIdentity", "GetSessionToken"],
    # Services no statement names by prefix (wildcard statements may still cover them).
    "other": [
        "rds:CreateDBInstance", "glacier:UploadArchive", "athena:StartQueryExecution",
        "cloudtrail:StopLogging", "cloudtrail:LookupEvents", "organizations:ListAccounts",
        "account:GetContactInformation", "route53:ChangeResourceRecordSets", "ecr:ListImages",
        "tag:GetResources", "kinesis:DescribeStream", "glue:TagResource",
    ],
}
_SERVICE_WEIGHTS = {
    "s3": 18, "ec2": 12, "dynamodb": 10, "iam": 10, "lambda": 8, "logs": 6, "execute-api": 5,
    "secretsmanager": 5, "ssm": 4, "sqs": 7, "sns": 5, "sts": 3, "other": 7,
}
# fmt: on
_TAGGING = ("CreateTags", "DeleteTags", "TagResource", "UntagResource", "PutObjectTagging")


def _s3_resource(rng: random.Random) -> str:
    bucket = rng.choice(
        ["reports", "reports", "public-assets", "public-web", "private-data", "reports-old"]
    )
    roll = rng.random()
    if roll < 0.15:
        return f"arn:aws:s3:::{bucket}"
    if roll < 0.22:
        return "*"
    prefix = rng.choice(["home/alice/", "home/alice/", "home/bob/", "archive/", "2026/q3/", ""])
    name = rng.choice(["report.csv", "summary.pdf", "data/part-0001.parquet", "index.html"])
    return f"arn:aws:s3:::{bucket}/{prefix}{name}"


def _resource(service: str, action: str, rng: random.Random, region: str) -> str:
    a = ACCOUNT
    if service == "s3":
        return _s3_resource(rng)
    prefix, name = action.split(":", 1)
    if rng.random() < 0.08 or (name.startswith(("List", "Describe")) and rng.random() < 0.5):
        return "*"
    if service == "ec2":
        kind = rng.choice(
            ["instance/i-0abc", "instance/i-9f00", "volume/vol-12", "vpc/vpc-7", "subnet/subnet-3"]
        )
        return f"arn:aws:ec2:{region}:{a}:{kind}{rng.randrange(100)}"
    if service == "dynamodb":
        table = rng.choice(["orders", "orders", "orders-archive", "secrets", "secrets-v2", "users"])
        return f"arn:aws:dynamodb:{region}:{a}:table/{table}"
    if service == "iam":
        target = rng.choice(
            [
                "user/alice",
                "user/alice",
                "user/bob",
                "user/carol",
                "mfa/alice",
                "mfa/bob",
                "role/app",
                "policy/sandbox/test",
                "policy/prod-admin",
            ]
        )
        return f"arn:aws:iam::{a}:{target}"
    if service == "lambda":
        name = rng.choice(["app-web", "app-worker", "billing", "admin-tool"])
        return f"arn:aws:lambda:{region}:{a}:function:{name}"
    if service == "logs":
        group = rng.choice(["/aws/lambda/app-web", "/aws/lambda/billing", "/corp/audit"])
        tail = rng.choice([":*", ":log-stream:2026/11/27", ""])
        return f"arn:aws:logs:{region}:{a}:log-group:{group}{tail}"
    if service == "execute-api":
        stage = rng.choice(["prod", "prod", "test"])
        verb = rng.choice(["GET", "GET", "POST", "DELETE"])
        api = rng.choice(["a1b2c3", "a1b2c3", "zz9y8x"])
        return f"arn:aws:execute-api:{region}:{a}:{api}/{stage}/{verb}/reports/{rng.randrange(50)}"
    if service == "secretsmanager":
        name = rng.choice(["app/db", "app/api-key", "prod/db", "team/x"])
        return f"arn:aws:secretsmanager:{region}:{a}:secret:{name}-AbCdEf"
    if service == "ssm":
        owner = rng.choice(["alice", "alice", "bob"])
        return f"arn:aws:ssm:{region}:{a}:parameter/app/{owner}/db-url"
    if service == "sqs":
        return f"arn:aws:sqs:{region}:{a}:{rng.choice(['jobs-high', 'jobs-low', 'billing'])}"
    if service == "sns":
        return f"arn:aws:sns:{region}:{a}:{rng.choice(['alerts', 'alerts', 'billing-alerts'])}"
    if service == "sts":
        return "*"
    return f"arn:aws:{prefix}:{region}:{a}:thing/{rng.randrange(1000)}"


def _odd_case(action: str, rng: random.Random) -> str:
    """Actions are case-insensitive: sometimes write them as a careless caller would."""
    roll = rng.random()
    if roll < 0.05:
        return action.lower()
    if roll < 0.08:
        return action.upper()
    return action


def _context(service: str, action: str, rng: random.Random, region: str) -> dict[str, ContextValue]:
    ctx: dict[str, ContextValue] = {"aws:username": USERNAME, "aws:PrincipalArn": PRINCIPAL_ARN}

    roll = rng.random()
    if roll < 0.72:
        ctx["aws:SourceIp"] = f"203.0.113.{rng.randrange(256)}"
    elif roll < 0.82:
        ctx["aws:SourceIp"] = f"198.51.100.{rng.randrange(256)}"
    elif roll < 0.90:
        block = rng.choice(["2001:db8:1234", "2001:db8:5678"])
        ctx["aws:SourceIp"] = f"{block}::{rng.randrange(1, 0xFFFF):x}"
    elif roll < 0.97:
        ctx["aws:SourceIp"] = f"192.0.2.{rng.randrange(256)}"

    _maybe(ctx, rng, "aws:SecureTransport", [("true", 0.88), ("false", 0.06)])
    _maybe(ctx, rng, "aws:ViaAWSService", [("false", 0.85), ("true", 0.10)])
    mfa = _maybe(ctx, rng, "aws:MultiFactorAuthPresent", [("true", 0.90), ("false", 0.06)])
    if mfa == "true":
        ctx["aws:MultiFactorAuthAge"] = str(rng.randrange(0, 7200))

    day = rng.randrange(0, 790)  # 2025-06-01 .. 2027-07-30
    year, month, dom = _add_days(2025, 6, 1, day)
    ctx["aws:CurrentTime"] = (
        f"{year:04d}-{month:02d}-{dom:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z"
    )
    if rng.random() < 0.95:
        ctx["aws:RequestedRegion"] = region

    _maybe(ctx, rng, "aws:PrincipalTag/role", [("analyst", 0.5), ("admin", 0.15), ("dev", 0.25)])
    if rng.random() < 0.6:
        ctx["aws:ResourceTag/team"] = rng.choice(["analytics", "data", "web"])
    if rng.random() < 0.6:
        ctx["aws:ResourceTag/env"] = rng.choice(["dev", "staging", "prod"])
    if rng.random() < 0.5:
        ctx["aws:ResourceTag/owner"] = rng.choice(["alice", "alice", "bob"])
    _maybe(
        ctx,
        rng,
        "aws:UserAgent",
        [("aws-cli/2.15.0 Python/3.11", 0.4), ("Boto3/1.34.0", 0.3), ("curl/8.4", 0.2)],
    )

    if action.endswith(_TAGGING) and rng.random() < 0.85:
        keys = ["team", "env", "cost-center", "owner", "project", "aws:cloudformation:stack-name"]
        count = rng.choice([0, 1, 1, 2, 2, 3])
        ctx["aws:TagKeys"] = rng.sample(keys, count)
    if action == "RunInstances":
        ctx["ec2:InstanceType"] = rng.choice(["t3.micro", "t4g.small", "m5.large", "p4d.24xlarge"])
    if action == "Subscribe":
        _maybe(ctx, rng, "sns:Endpoint", [("ops@example.com", 0.6), ("x@elsewhere.test", 0.3)])
    if action == "PutObject":
        _maybe(ctx, rng, "s3:x-amz-server-side-encryption", [("AES256", 0.4), ("aws:kms", 0.25)])
    return ctx


def _maybe(
    ctx: dict[str, ContextValue], rng: random.Random, key: str, choices: list[tuple[str, float]]
) -> str | None:
    """Set ``key`` to one of ``choices`` by probability; leave it absent otherwise."""
    roll = rng.random()
    for value, probability in choices:
        if roll < probability:
            ctx[key] = value
            return value
        roll -= probability
    return None


def _add_days(year: int, month: int, day: int, days: int) -> tuple[int, int, int]:
    import datetime

    moment = datetime.date(year, month, day) + datetime.timedelta(days=days)
    return moment.year, moment.month, moment.day


def generate_requests(count: int, seed: int = 2026) -> list[BenchRequest]:
    """``count`` varied requests; the same seed always gives the same list."""
    rng = random.Random(seed)
    services = list(_SERVICE_WEIGHTS)
    weights = [_SERVICE_WEIGHTS[s] for s in services]
    out = []
    for _ in range(count):
        service = rng.choices(services, weights)[0]
        name = rng.choice(_ACTIONS[service])
        action = name if service == "other" else f"{service}:{name}"
        region = rng.choice(_REGIONS)
        resource = _resource(service, action, rng, region)
        context = _context(service, action.split(":", 1)[1], rng, region)
        out.append(BenchRequest(_odd_case(action, rng), resource, context))
    return out


def to_case(request: BenchRequest) -> dict[str, Any]:
    """The request and the policies as one ``clearance simulate`` case."""
    return {
        "request": {
            "principal": PRINCIPAL_ARN,
            "action": request.action,
            "resource": request.resource,
            "resource_account": ACCOUNT,
            "context": {
                k: list(v) if isinstance(v, list) else v for k, v in request.context.items()
            },
        },
        "policies": {"identity": [{"id": pid, "document": doc} for pid, doc in POLICIES]},
    }
