"""Hypothesis strategies for random but well-formed ``clearance simulate`` cases.

Everything is drawn from small alphabets -- a handful of accounts, principals, actions,
resources, condition keys and values -- so that patterns, principals and conditions
actually match often and every branch of the evaluation logic is reached:

* principals: IAM users, a role, role sessions, a federated user, account roots, a service
  principal and anonymous callers, in the resource's account or in another one;
* policies of every type -- identity, resource (plain, role trust, KMS key), permissions
  boundary, session, SCP and RCP levels, VPC endpoint -- with Allow and Deny,
  Action/NotAction, Resource/NotResource, Principal/NotPrincipal;
* conditions over a small set of keys with operators of every family, IfExists and the
  ForAllValues/ForAnyValue set operators, policy variables (with defaults);
* request contexts drawn from the same values, with keys sometimes missing and
  multivalued keys as lists.

The policies stay within AWS's grammar for their type (no Principal in identity policies, a
Principal in every resource-policy statement, no Resource in trust policies, ...), so that
an engine that validates its input still evaluates them.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "ACCOUNT",
    "OTHER_ACCOUNT",
    "add_statement",
    "allow_statements",
    "cases",
    "deny_statements",
    "policy_slots",
]

ACCOUNT = "111122223333"  # where the resources usually live
OTHER_ACCOUNT = "444455556666"
ACCOUNTS = [ACCOUNT, OTHER_ACCOUNT]
SERVICE_PRINCIPAL = "lambda.amazonaws.com"

Json = dict[str, Any]


# -------------------------------------------------------------------------------------
# Principals
# -------------------------------------------------------------------------------------


def user_arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:user/{name}"


def role_arn(account: str, name: str = "deployer") -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def session_arn(account: str, session: str, role: str = "deployer") -> str:
    return f"arn:aws:sts::{account}:assumed-role/{role}/{session}"


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


@st.composite
def requesters(draw: st.DrawFn) -> tuple[str, str | None]:
    """(principal string, principal_account or None)."""
    account = draw(st.sampled_from(ACCOUNTS))
    kind = draw(
        st.sampled_from(
            ["user", "user", "session", "session", "role", "federated", "root", "service", "anon"]
        )
    )
    if kind == "user":
        return user_arn(account, draw(st.sampled_from(["alice", "bob"]))), None
    if kind == "session":
        return session_arn(account, draw(st.sampled_from(["s1", "s2"]))), None
    if kind == "role":
        return role_arn(account), None
    if kind == "federated":
        return f"arn:aws:sts::{account}:federated-user/fed", None
    if kind == "root":
        return root_arn(account), None
    if kind == "service":
        return SERVICE_PRINCIPAL, None
    return "anonymous", None


def principal_values(account_hint: str) -> st.SearchStrategy[Any]:
    """One entry of a Principal element."""
    return st.sampled_from(
        [
            "*",
            {"AWS": "*"},
            {"AWS": account_hint},
            {"AWS": root_arn(account_hint)},
            {"AWS": user_arn(account_hint, "alice")},
            {"AWS": user_arn(account_hint, "bob")},
            {"AWS": role_arn(account_hint)},
            {"AWS": session_arn(account_hint, "s1")},
            {"AWS": [user_arn(account_hint, "alice"), root_arn(account_hint)]},
            {"AWS": [session_arn(account_hint, "s1"), role_arn(account_hint)]},
            {"Service": SERVICE_PRINCIPAL},
        ]
    )


@st.composite
def principal_elements(draw: st.DrawFn) -> Any:
    return draw(principal_values(draw(st.sampled_from(ACCOUNTS))))


# -------------------------------------------------------------------------------------
# Actions and resources
# -------------------------------------------------------------------------------------

# action -> resources it may be requested on ({acct} is the resource account)
REQUESTS: dict[str, list[str]] = {
    "s3:GetObject": [
        "arn:aws:s3:::reports/2026/q3.csv",
        "arn:aws:s3:::reports/alice/notes.txt",
        "arn:aws:s3:::logs/app.log",
    ],
    "s3:PutObject": ["arn:aws:s3:::reports/2026/q3.csv", "arn:aws:s3:::logs/app.log"],
    "s3:ListBucket": ["arn:aws:s3:::reports", "arn:aws:s3:::logs"],
    "s3:ListAllMyBuckets": ["*"],
    "iam:CreateUser": ["arn:aws:iam::{acct}:user/newbie"],
    "ec2:RunInstances": ["arn:aws:ec2:us-east-1:{acct}:instance/i-0abc", "*"],
    "sts:AssumeRole": ["arn:aws:iam::{acct}:role/deployer"],
    "kms:Decrypt": ["arn:aws:kms:us-east-1:{acct}:key/k1"],
    "sqs:SendMessage": ["arn:aws:sqs:us-east-1:{acct}:jobs"],
}

ACTION_PATTERNS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:Get*",
    "s3:*",
    "s3:?etObject",
    "S3:getobject",
    "*",
    "iam:CreateUser",
    "iam:*",
    "ec2:RunInstances",
    "ec2:*",
    "sts:AssumeRole",
    "kms:Decrypt",
    "kms:*",
    "sqs:SendMessage",
    "s3:ListAllMyBuckets",
    "s3:get*",
    "sqs:*",
]

RESOURCE_PATTERNS = [
    "*",
    "*",
    "arn:aws:s3:::reports",
    "arn:aws:s3:::reports/*",
    "arn:aws:s3:::reports/2026/*",
    "arn:aws:s3:::reports/2026/q?.csv",
    "arn:aws:s3:::*",
    "arn:aws:s3:::logs/*",
    "arn:aws:s3:::reports/${aws:username}/*",
    "arn:aws:s3:::reports/${aws:PrincipalTag/team, 'alice'}/*",
    "arn:aws:s3:::reports/${*}",
    "arn:aws:iam::*:user/*",
    "arn:aws:iam::{acct}:user/newbie",
    "arn:aws:ec2:*:*:instance/*",
    "arn:aws:ec2:us-east-1:{acct}:instance/i-0abc",
    "arn:aws:iam::{acct}:role/deployer",
    "arn:aws:kms:us-east-1:{acct}:key/*",
    "arn:aws:sqs:us-east-1:{acct}:*",
    "arn:aws:sqs:*:{acct}:jobs",
]

# "Short" ARNs with fewer than six segments.  Each policy type reads them its own way; the
# shared conformance cases pin that down for identity-side policies, SCPs and RCPs, and for
# requests to the same service only -- so they are drawn only there.
SHORT_PATTERNS: dict[str, list[str]] = {
    "sqs": ["arn:aws:sqs", "arn:aws:sqs:*", "arn:aws:sqs:us-east-1:{acct}", "arn:aws:sqs:*:{acct}"],
    "ec2": ["arn:aws:ec2:us-east-1", "arn:aws:ec2:us-east-1:*", "arn:aws:ec2:*:{acct}"],
}


@st.composite
def action_elements(draw: st.DrawFn, target: str | None = None) -> Json:
    """Action or NotAction; ``target`` (the request's action) is drawn more often, so that
    statements apply often enough."""
    choices = ACTION_PATTERNS if target is None else [*ACTION_PATTERNS, *[target] * 6]
    patterns = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=2))
    value: Any = patterns[0] if len(patterns) == 1 and draw(st.booleans()) else patterns
    return {draw(st.sampled_from(["Action", "Action", "Action", "NotAction"])): value}


def rcp_actions(target: str | None) -> st.SearchStrategy[Any]:
    """RCP Deny statements name their actions with a service prefix: no NotAction, no
    lone "*"."""
    named = [pattern for pattern in ACTION_PATTERNS if pattern != "*"]
    choices = named if target is None else [*named, *[target] * 6]
    return st.one_of(
        st.sampled_from(choices), st.lists(st.sampled_from(choices), min_size=1, max_size=2)
    )


@st.composite
def resource_elements(
    draw: st.DrawFn, target: str | None = None, policy_type: str = "identity"
) -> Json:
    """Resource or NotResource; ``target`` (the requested resource) is drawn more often."""
    account = draw(st.sampled_from(ACCOUNTS))
    choices = RESOURCE_PATTERNS if target is None else [*RESOURCE_PATTERNS, *[target] * 6]
    target_parts = (target or "").split(":")
    pinned = policy_type in ("identity", "scp", "rcp")
    if pinned and len(target_parts) >= 6 and target_parts[2] in SHORT_PATTERNS:
        choices = [*choices, *SHORT_PATTERNS[target_parts[2]]]
    patterns = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=2))
    patterns = [p.replace("{acct}", account) for p in patterns]
    value: Any = patterns[0] if len(patterns) == 1 and draw(st.booleans()) else patterns
    return {draw(st.sampled_from(["Resource", "Resource", "Resource", "NotResource"])): value}


# -------------------------------------------------------------------------------------
# Conditions and contexts
# -------------------------------------------------------------------------------------

# key -> (request values, policy values, operators that make sense for it)
STRING_OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
]
KEYS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "aws:username": (
        ["alice", "bob"],
        ["alice", "bob", "ALICE", "a*"],
        STRING_OPERATORS,
    ),
    "aws:PrincipalTag/team": (
        ["red", "blue", "Red"],
        ["red", "blue", "r*", "${aws:username}", "${aws:PrincipalTag/dept, 'red'}"],
        STRING_OPERATORS,
    ),
    "s3:prefix": (
        ["alice/", "bob/x", "public/", "*"],
        ["${aws:username}/*", "public/*", "${*}", "${aws:username, 'bob'}/x"],
        STRING_OPERATORS,
    ),
    "aws:SourceIp": (
        ["10.0.0.1", "192.168.1.5", "2001:db8::1"],
        ["10.0.0.0/8", "192.168.1.0/24", "10.0.0.1", "2001:db8::/32"],
        ["IpAddress", "NotIpAddress"],
    ),
    "aws:MultiFactorAuthPresent": (
        ["true", "false"],
        ["true", "false"],
        ["Bool"],
    ),
    "aws:MultiFactorAuthAge": (
        ["5", "100", "3600"],
        ["60", "3600", "100.0"],
        [
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
            "NumericEquals",
            "NumericNotEquals",
        ],
    ),
    "aws:CurrentTime": (
        ["2026-01-01T00:00:00Z", "2026-06-01T12:00:00Z", "1767225600"],
        ["2026-03-01T00:00:00Z", "2026-01-01", "1767225600"],
        [
            "DateLessThan",
            "DateLessThanEquals",
            "DateGreaterThan",
            "DateGreaterThanEquals",
            "DateEquals",
            "DateNotEquals",
        ],
    ),
    "aws:SourceArn": (
        [
            "arn:aws:sns:us-east-1:111122223333:topic",
            "arn:aws:sqs:us-east-1:444455556666:q",
        ],
        [
            "arn:aws:sns:*:111122223333:*",
            "arn:aws:sqs:us-east-1:*:q",
            "arn:aws:sns:us-east-1:*:t?pic",
        ],
        ["ArnLike", "ArnEquals", "ArnNotLike", "ArnNotEquals"],
    ),
}
# Multivalued keys: the request carries a list; policies test them with set operators.
MULTI_KEYS: dict[str, tuple[list[str], list[str]]] = {
    "aws:TagKeys": (["team", "env", "cost"], ["team", "env", "t*"]),
    "aws:CalledVia": (["athena.amazonaws.com", "cloudformation.amazonaws.com"], ["athena.*"]),
}


def cased(key: str) -> st.SearchStrategy[str]:
    """Condition keys are case-insensitive: sometimes spell them differently."""
    return st.sampled_from([key, key, key.upper(), key.lower()])


@st.composite
def single_key_conditions(draw: st.DrawFn) -> tuple[str, str, Any]:
    key = draw(st.sampled_from(sorted(KEYS)))
    _, policy_values, operators = KEYS[key]
    operator = draw(st.sampled_from(operators))
    if draw(st.integers(0, 4)) == 0:
        operator += "IfExists"
    if draw(st.integers(0, 7)) == 0:
        operator = draw(st.sampled_from(["ForAllValues:", "ForAnyValue:"])) + operator
    values = draw(st.lists(st.sampled_from(policy_values), min_size=1, max_size=2, unique=True))
    value: Any = values[0] if len(values) == 1 else values
    return operator, draw(cased(key)), value


@st.composite
def multi_key_conditions(draw: st.DrawFn) -> tuple[str, str, Any]:
    key = draw(st.sampled_from(sorted(MULTI_KEYS)))
    _, policy_values = MULTI_KEYS[key]
    base = draw(st.sampled_from(["StringEquals", "StringLike", "StringNotEquals", "StringNotLike"]))
    if draw(st.integers(0, 4)) == 0:
        base += "IfExists"
    operator = draw(st.sampled_from(["ForAllValues:", "ForAnyValue:"])) + base
    values = draw(st.lists(st.sampled_from(policy_values), min_size=1, max_size=2, unique=True))
    return operator, draw(cased(key)), values


@st.composite
def null_conditions(draw: st.DrawFn) -> tuple[str, str, Any]:
    key = draw(st.sampled_from(sorted(KEYS) + sorted(MULTI_KEYS)))
    return "Null", draw(cased(key)), draw(st.sampled_from(["true", "false"]))


@st.composite
def condition_blocks(draw: st.DrawFn) -> Json:
    count = draw(st.integers(1, 2))
    block: Json = {}
    for _ in range(count):
        operator, key, value = draw(
            st.one_of(single_key_conditions(), multi_key_conditions(), null_conditions())
        )
        block.setdefault(operator, {})[key] = value
    return block


@st.composite
def contexts(draw: st.DrawFn) -> Json:
    context: Json = {}
    for key, (request_values, _, _) in KEYS.items():
        if draw(st.integers(0, 3)) > 0:
            context[draw(cased(key))] = draw(st.sampled_from(request_values))
    for key, (request_values, _) in MULTI_KEYS.items():
        if draw(st.booleans()):
            context[key] = draw(
                st.lists(st.sampled_from(request_values), min_size=1, max_size=3, unique=True)
            )
    if draw(st.booleans()):
        context["aws:PrincipalTag/dept"] = draw(st.sampled_from(["red", "blue"]))
    return context


# -------------------------------------------------------------------------------------
# Statements and policies
# -------------------------------------------------------------------------------------


@st.composite
def statements(
    draw: st.DrawFn,
    policy_type: str,
    effect: str | None = None,
    target: tuple[str, str] | None = None,
) -> Json:
    """One statement, valid for the policy type: "identity" (also boundary and session),
    "resource", "trust", "key", "scp", "rcp" or "vpc_endpoint".  ``target`` is the
    request's (action, resource), which the statement then names more often."""
    if effect is None and policy_type == "rcp":
        effect = "Deny"  # "Allow is only supported for the RCPFullAWSAccess policy"
    if effect is None:
        effect = draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"]))
    target_action, target_resource = target if target is not None else (None, None)
    statement: Json = {"Effect": effect}

    if policy_type == "trust":
        statement["Action"] = draw(st.sampled_from(["sts:AssumeRole", "sts:*", ["sts:AssumeRole"]]))
    elif policy_type == "rcp" and effect == "Allow":
        statement["Action"] = "*"
    elif policy_type == "rcp":
        statement["Action"] = draw(rcp_actions(target_action))  # RCPs have no NotAction
    else:
        statement.update(draw(action_elements(target_action)))

    if policy_type == "trust":
        pass  # role trust policies have no Resource element
    elif policy_type == "key":
        statement["Resource"] = draw(st.sampled_from(["*", "*", "arn:aws:kms:us-east-1:*:key/*"]))
    elif policy_type in ("scp", "rcp") and effect == "Allow":
        statement["Resource"] = "*"
    else:
        statement.update(draw(resource_elements(target_resource, policy_type)))

    if policy_type in ("resource", "trust", "key"):
        odds = 3 if effect == "Deny" else 9  # NotPrincipal is rare, rarer still with Allow
        if policy_type != "trust" and draw(st.integers(0, odds)) == 0:
            statement["NotPrincipal"] = draw(principal_elements())
        else:
            statement["Principal"] = draw(principal_elements())
    elif policy_type == "rcp" and effect == "Deny":
        statement["Principal"] = "*"
    elif policy_type == "vpc_endpoint":
        statement["Principal"] = draw(
            st.sampled_from(["*", "*", {"AWS": "*"}, {"AWS": user_arn(ACCOUNT, "alice")}])
        )

    conditions_allowed = not (policy_type in ("scp", "rcp") and effect == "Allow")
    if conditions_allowed and draw(st.integers(0, 3)) == 0:
        statement["Condition"] = draw(condition_blocks())
    return statement


def allow_statements(
    policy_type: str = "identity", target: tuple[str, str] | None = None
) -> st.SearchStrategy[Json]:
    return statements(policy_type, "Allow", target)


def deny_statements(
    policy_type: str = "identity", target: tuple[str, str] | None = None
) -> st.SearchStrategy[Json]:
    return statements(policy_type, "Deny", target)


@st.composite
def documents(draw: st.DrawFn, policy_type: str, target: tuple[str, str] | None = None) -> Json:
    version = "2012-10-17"
    if policy_type in ("resource", "trust", "vpc_endpoint") and draw(st.integers(0, 3)) == 0:
        # The older language version -- without policy variables -- is still accepted in
        # resource-based policies; IAM managed policies and SCPs require 2012-10-17.
        version = "2008-10-17"
    found = draw(st.lists(statements(policy_type, target=target), min_size=1, max_size=3))
    for index, statement in enumerate(found):
        if draw(st.integers(0, 3)) == 0:
            statement["Sid"] = f"S{index}"  # Sids must be unique within a policy
    document: Json = {"Version": version, "Statement": found}
    if len(found) == 1 and draw(st.booleans()):
        document["Statement"] = found[0]  # a lone statement may be written as an object
    return document


@st.composite
def identity_documents(draw: st.DrawFn, target: tuple[str, str]) -> Json:
    """An identity-side document (identity, boundary, session) that often also carries a
    broad Allow for the request, so that the other layers get to decide."""
    document = draw(documents("identity", target))
    if draw(st.booleans()):
        action, resource = target
        broad = {
            "Effect": "Allow",
            "Action": draw(st.sampled_from([action, action.split(":")[0] + ":*", "*"])),
            "Resource": draw(st.sampled_from([resource, "*"])),
        }
        add_statement(document, broad)
    return document


# The policies AWS attaches to every root, OU and account when the policy type is enabled.
FULL_ACCESS: dict[str, Json] = {
    "scp": {  # FullAWSAccess
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    },
    "rcp": {  # RCPFullAWSAccess
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
    },
}


@st.composite
def control_levels(
    draw: st.DrawFn, policy_type: str, target: tuple[str, str] | None = None
) -> list[list[Json]]:
    """SCP or RCP levels of the organization, root first.  Usually each level carries the
    full-access policy AWS attaches by default, plus sometimes a policy of its own."""
    levels: list[list[Json]] = []
    for index in range(draw(st.integers(1, 2))):
        level: list[Json] = []
        if draw(st.integers(0, 4)) > 0:
            level.append(
                {
                    "id": f"{policy_type}-full-{index}",
                    "document": copy.deepcopy(FULL_ACCESS[policy_type]),
                }
            )
        if draw(st.integers(0, 2)) == 0 or not level:
            level.append(
                {"id": f"{policy_type}-{index}", "document": draw(documents(policy_type, target))}
            )
        levels.append(level)
    return levels


def resource_kind(action: str, resource: str) -> str:
    if action == "sts:AssumeRole":
        return "trust"
    if action == "kms:Decrypt":
        return "key"
    return "resource"


@st.composite
def cases(draw: st.DrawFn) -> Json:
    """A complete, well-formed case in the ``clearance simulate`` format."""
    principal, principal_account = draw(requesters())
    action = draw(st.sampled_from(sorted(REQUESTS)))
    principal_arn_account = principal.split(":")[4] if principal.startswith("arn:") else None
    resource_account = draw(
        st.sampled_from(
            ACCOUNTS if principal_arn_account is None else [principal_arn_account] * 3 + ACCOUNTS
        )
    )
    resource = draw(st.sampled_from(REQUESTS[action])).replace("{acct}", resource_account)
    request: Json = {
        "principal": principal,
        "action": action,
        "resource": resource,
        "resource_account": resource_account,
        "context": draw(contexts()),
    }
    if principal_account is not None:
        request["principal_account"] = principal_account

    target = (action, resource)
    is_iam = principal.startswith("arn:") and not principal.endswith(":root")
    is_session = ":assumed-role/" in principal or ":federated-user/" in principal
    kind = resource_kind(action, resource)
    policies: Json = {}
    if is_iam and draw(st.integers(0, 5)) > 0:
        policies["identity"] = [
            {
                "id": f"arn:aws:iam::{ACCOUNT}:policy/P{index}",
                "document": draw(identity_documents(target)),
            }
            for index in range(draw(st.integers(1, 2)))
        ]
    if draw(st.booleans()):
        policies["resource"] = {"id": "resource-policy", "document": draw(documents(kind, target))}
    if is_iam and draw(st.integers(0, 3)) == 0:
        policies["permissions_boundary"] = {
            "id": f"arn:aws:iam::{ACCOUNT}:policy/Boundary",
            "document": draw(identity_documents(target)),
        }
    # A federated user session has no permissions without a session policy, so it usually
    # gets one; role sessions sometimes do.
    is_federated = ":federated-user/" in principal
    if is_session and draw(st.integers(0, 3 if is_federated else 1)) > 0:
        policies["session"] = [
            {"id": "session-policy", "document": draw(identity_documents(target))}
        ]
    if draw(st.integers(0, 3)) == 0:
        policies["scp"] = draw(control_levels("scp", target))
    if draw(st.integers(0, 3)) == 0:
        policies["rcp"] = draw(control_levels("rcp", target))
    if draw(st.integers(0, 5)) == 0:
        policies["vpc_endpoint"] = [
            {"id": "vpce-policy", "document": draw(documents("vpc_endpoint", target))}
        ]
    return {"request": request, "policies": policies}


# -------------------------------------------------------------------------------------
# Where a statement can be added (for the monotonicity properties)
# -------------------------------------------------------------------------------------


def policy_slots(case: Json) -> list[tuple[str, Json]]:
    """Every policy document of a case, with its policy type ("identity", "resource" --
    or "trust"/"key" --, "permissions_boundary", "session", "scp", "rcp", "vpc_endpoint").
    The documents are the case's own objects: changing them changes the case."""
    policies = case["policies"]
    kind = resource_kind(case["request"]["action"], case["request"]["resource"])
    slots: list[tuple[str, Json]] = []
    for policy in policies.get("identity", []):
        slots.append(("identity", policy["document"]))
    if "resource" in policies:
        slots.append((kind, policies["resource"]["document"]))
    if "permissions_boundary" in policies:
        slots.append(("identity", policies["permissions_boundary"]["document"]))
    for policy in policies.get("session", []):
        slots.append(("identity", policy["document"]))
    for policy_type in ("scp", "rcp"):
        for level in policies.get(policy_type, []):
            for policy in level:
                slots.append((policy_type, policy["document"]))
    for policy in policies.get("vpc_endpoint", []):
        slots.append(("vpc_endpoint", policy["document"]))
    return slots


def add_statement(document: Json, statement: Json) -> None:
    """Append a statement to a document, whether its Statement is a list or an object."""
    existing = document.get("Statement", [])
    if isinstance(existing, dict):
        existing = [existing]
    document["Statement"] = [*existing, statement]
