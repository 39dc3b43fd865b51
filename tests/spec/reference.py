"""A slow, obvious reference evaluator for AWS IAM authorization decisions.

This module is an *oracle* for the property tests: it decides a case in the
``clearance simulate`` format (see issue 2) and returns ``"allowed"``, ``"explicit_deny"``
or ``"implicit_deny"``.  It is written directly from AWS's documentation, imports nothing
from ``clearance`` and prefers plain loops over cleverness: readability is the point, speed
is not.  Nothing is cached; every call re-reads the JSON documents.

The pages it follows (all under https://docs.aws.amazon.com/IAM/latest/UserGuide/):

[EVAL]      reference_policies_evaluation-logic.html and
            reference_policies_evaluation-logic_policy-eval-denyallow.html
            -- explicit deny anywhere wins; RCPs and SCPs must allow; resource-based
            policies; identity-based policies; permissions boundaries; session policies;
            role trust policies and KMS key policies must allow explicitly.
[XACCT]     reference_policies_evaluation-logic-cross-account.html
            -- cross-account: the resource policy *and* the principal's own policies must
            allow.
[BOUNDARY]  access_policies_boundaries.html -- boundaries cap identity-based policies; within
            an account they do not cap what a resource-based policy grants to a user or a
            role *session*, they do cap grants made to a role ARN; a Deny with NotPrincipal
            always denies a principal that has a boundary.
[SESSION]   access_policies.html#policies_session and [EVAL] ("IAM role sessions") -- a
            resource-based policy naming the user or role ARN is limited by the session
            policy; one naming the *session* ARN is not.
[ROOT]      access_policies.html#access_policies-root and the evaluation summary -- the root
            user has full access in its own account; identity policies and boundaries cannot
            be attached to it; SCPs and resource policies still apply.
[PRINCIPAL] reference_policies_elements_principal.html.
[NOTPRINCIPAL]
            reference_policies_elements_notprincipal.html -- who a NotPrincipal leaves out.
[RESOURCE]  reference_policies_elements_resource.html and reference-arns.html -- wildcards
            work inside the colon-separated ARN segments; a ``*`` that ends a segment may
            expand beyond colons.
[OPERATORS] reference_policies_elements_condition_operators.html -- every operator, the
            IfExists suffix, the missing-key rule ("if the key is not present the condition
            is false, except for negated operators where it is true"), Null.
[MULTI]     reference_policies_condition-single-vs-multi-valued-context-keys.html --
            ForAllValues / ForAnyValue, their behaviour for missing and empty keys.
[VARIABLES] reference_policies_variables.html -- ``${key}``, defaults ``${key, 'd'}``,
            ``${*}`` ``${?}`` ``${$}``, version 2012-10-17 only, keys case-insensitive; a
            variable with no value is null, which nothing equals ("Policy variables with
            no value").
[GETCALLER] https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html --
            "No permissions are required to perform this operation"; even an explicit deny
            cannot block it.
[FEDERATION]
            https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html
            -- a federated user session without session policies has no permissions;
            permissions a resource-based policy grants to the session itself are added.
[RCP]       https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
            -- RCPs apply only to a list of services.
[S3ROOT]    https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html (likewise
            API_GetBucketPolicy.html, API_DeleteBucketPolicy.html) and
            https://repost.aws/knowledge-center/s3-accidentally-denied-access -- "the root
            principal in a bucket owner's account can perform the GetBucketPolicy,
            PutBucketPolicy, and DeleteBucketPolicy API actions, even if their bucket policy
            explicitly denies the root principal's access"; only VPC endpoint policies and
            AWS Organizations policies (SCPs, RCPs) can still block it.

Where the documentation is silent, the choice made here is the one observed against real
AWS by the authors of the shared conformance cases (iam-simulate, PMapper); each such place
says so in a comment.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["ALLOWED", "EXPLICIT_DENY", "IMPLICIT_DENY", "reference_decide"]

ALLOWED = "allowed"
EXPLICIT_DENY = "explicit_deny"
IMPLICIT_DENY = "implicit_deny"


# =====================================================================================
# Wildcard patterns
# =====================================================================================
#
# A pattern is a list of tokens.  A token is ("lit", one character), ("star", "") for `*`
# or ("one", "") for `?`.  Values substituted from policy variables always become literal
# tokens, so a `*` inside a variable's value never acts as a wildcard [VARIABLES].

Token = tuple[str, str]
STAR: Token = ("star", "")
ONE: Token = ("one", "")


def literal_tokens(text: str) -> list[Token]:
    """Every character of ``text`` stands for itself."""
    return [("lit", ch) for ch in text]


def wildcard_tokens(text: str) -> list[Token]:
    """`*` matches any run of characters (also empty), `?` exactly one character."""
    tokens: list[Token] = []
    for ch in text:
        if ch == "*":
            tokens.append(STAR)
        elif ch == "?":
            tokens.append(ONE)
        else:
            tokens.append(("lit", ch))
    return tokens


def tokens_match(tokens: list[Token], text: str, ignore_case: bool = False) -> bool:
    """Does the whole of ``text`` match the pattern?  A plain dynamic-programming table:
    ``table[i][j]`` says whether the first ``i`` tokens match the first ``j`` characters."""
    if ignore_case:
        text = text.lower()
        tokens = [(kind, value.lower()) for kind, value in tokens]
    rows = len(tokens) + 1
    cols = len(text) + 1
    table = [[False] * cols for _ in range(rows)]
    table[0][0] = True
    for i in range(1, rows):
        kind, value = tokens[i - 1]
        for j in range(cols):
            if kind == "star":
                # `*` matches nothing (table[i-1][j]) or one more character (table[i][j-1]).
                table[i][j] = table[i - 1][j] or (j > 0 and table[i][j - 1])
            elif j == 0:
                table[i][j] = False
            elif kind == "one":
                table[i][j] = table[i - 1][j - 1]
            else:
                table[i][j] = table[i - 1][j - 1] and text[j - 1] == value
    return table[rows - 1][cols - 1]


def has_wildcard(tokens: list[Token]) -> bool:
    return any(kind != "lit" for kind, _ in tokens)


def split_tokens_on_colon(tokens: list[Token], max_splits: int) -> list[list[Token]]:
    """Split a pattern at its literal colons, at most ``max_splits`` times (like
    ``str.split(":", max_splits)``)."""
    parts: list[list[Token]] = [[]]
    for token in tokens:
        if token == ("lit", ":") and len(parts) <= max_splits:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


# =====================================================================================
# The request context and policy variables
# =====================================================================================


def value_to_text(value: Any) -> str:
    """JSON scalars as IAM sees them: booleans are "true"/"false", numbers their digits."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


class Context:
    """The request context.  Condition keys are case-insensitive [VARIABLES]:
    ``aws:CurrentTime`` is the same key as ``AWS:currenttime``."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.values: dict[str, list[str]] = {}
        self.multivalued: set[str] = set()
        for key, value in raw.items():
            if isinstance(value, list):
                # A list is the value of a multivalued key (an ArrayOf... type), even when
                # it holds a single element [MULTI].
                texts = [value_to_text(item) for item in value]
                self.multivalued.add(key.lower())
            else:
                texts = [value_to_text(value)]
            self.values[key.lower()] = texts

    def is_multivalued(self, key: str) -> bool:
        return key.lower() in self.multivalued

    def get(self, key: str) -> list[str] | None:
        """The values of a key, or None when the key is absent.  An empty list counts as
        absent ("a null data set" [MULTI])."""
        values = self.values.get(key.lower())
        if values is None or len(values) == 0:
            return None
        return values


VARIABLE = re.compile(r"\$\{([^}]*)\}")
VARIABLE_WITH_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")
VARIABLE_PLAIN = re.compile(r"^\s*([^,\s]+)\s*$")


class VariableHasNoValue(Exception):
    """A policy variable whose key is absent from the request and has no default value.
    AWS treats its value as null [VARIABLES] ("Policy variables with no value")."""


class VariableIsMultivalued(Exception):
    """A policy variable naming a multivalued key: "You can't use a multivalued context key
    as a policy variable" [MULTI]."""


def substitute(text: str, context: Context, variables_on: bool, wildcards_on: bool) -> list[Token]:
    """Turn a policy string into a pattern, replacing ``${...}`` policy variables.

    Variables only exist in policies with ``"Version": "2012-10-17"``; otherwise ``${...}``
    is literal text [VARIABLES].  Raises VariableHasNoValue or VariableIsMultivalued when a
    variable cannot be replaced; each caller decides what that means for its element.
    """

    def plain(piece: str) -> list[Token]:
        return wildcard_tokens(piece) if wildcards_on else literal_tokens(piece)

    if not variables_on:
        return plain(text)
    tokens: list[Token] = []
    position = 0
    for found in VARIABLE.finditer(text):
        tokens.extend(plain(text[position : found.start()]))
        position = found.end()
        inner = found.group(1)
        if inner in ("*", "?", "$"):
            # ${*}, ${?} and ${$} stand for a literal *, ? and $ [VARIABLES].
            tokens.extend(literal_tokens(inner))
            continue
        with_default = VARIABLE_WITH_DEFAULT.match(inner)
        plain_key = VARIABLE_PLAIN.match(inner)
        if with_default is not None:
            key, default = with_default.group(1), with_default.group(2)
        elif plain_key is not None:
            key, default = plain_key.group(1), None
        else:
            # Not a well-formed variable (AWS would reject the document): keep the text.
            tokens.extend(plain(found.group(0)))
            continue
        values = context.get(key)
        if values is None:
            if default is None:
                raise VariableHasNoValue(key)
            tokens.extend(literal_tokens(default))
        elif context.is_multivalued(key):
            raise VariableIsMultivalued(key)
        else:
            tokens.extend(literal_tokens(values[0]))
    tokens.extend(plain(text[position:]))
    return tokens


def tokens_to_text(tokens: list[Token]) -> str:
    """A pattern that holds only literal tokens, back as a string."""
    return "".join(value for _, value in tokens)


# =====================================================================================
# Principals
# =====================================================================================

USER = "user"
ROLE = "role"
SESSION = "session"
FEDERATED = "federated"
ROOT = "root"
SERVICE = "service"
ANONYMOUS = "anonymous"
OTHER = "other"

# Principals that belong to an IAM account and have identity-based policies.
IAM_IDENTITIES = (USER, ROLE, SESSION, FEDERATED, OTHER)


@dataclass
class Requester:
    """Who is calling, as described by the ``principal`` string of the request."""

    kind: str
    text: str
    account: str | None
    role_name: str | None  # for a role or a role session: the role's name (no path)


def identify_requester(request: dict[str, Any]) -> Requester:
    text = str(request["principal"])
    given_account = request.get("principal_account")
    if text == "anonymous":
        return Requester(ANONYMOUS, text, given_account, None)
    parts = text.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        service, account, rest = parts[2], parts[4], parts[5]
        if service == "iam" and rest == "root":
            return Requester(ROOT, text, account, None)
        if service == "iam" and rest.startswith("user/"):
            return Requester(USER, text, account, None)
        if service == "iam" and rest.startswith("role/"):
            return Requester(ROLE, text, account, rest.split("/")[-1])
        if service == "sts" and rest.startswith("assumed-role/"):
            pieces = rest.split("/")
            role_name = pieces[1] if len(pieces) >= 3 else None
            return Requester(SESSION, text, account, role_name)
        if service == "sts" and rest.startswith("federated-user/"):
            return Requester(FEDERATED, text, account, None)
        return Requester(OTHER, text, account or given_account, None)
    if re.fullmatch(r"\d{12}", text):
        return Requester(ROOT, text, text, None)
    if "." in text and ":" not in text:
        # A service principal such as lambda.amazonaws.com.
        return Requester(SERVICE, text, given_account, None)
    return Requester(OTHER, text, given_account, None)


# A requester is evaluated as a chain of identities, from its account down to itself
# [PRINCIPAL] [NOTPRINCIPAL]: "AWS might validate the account first, then the role, and then
# the assumed-role user".  Each identity carries the level at which naming it grants:
#   DIRECT     -- the requester itself: its user, session or federated-user ARN, a service
#                 principal, an anonymous caller;
#   BY_ROLE    -- the role behind a role session (or the role itself);
#   BY_ACCOUNT -- the requester's account (an account id or the account's root ARN), which
#                 delegates the decision to the account's own policies [XACCT] [EVAL].
DIRECT = "direct"
BY_ROLE = "role"
BY_ACCOUNT = "account"

LEVEL_RANK = {DIRECT: 3, BY_ROLE: 2, BY_ACCOUNT: 1}


@dataclass
class Identity:
    kind: str  # "account", "role", "arn" (user/session/federated/other), SERVICE, ANONYMOUS
    level: str
    account: str | None
    value: str  # the account id, the role name, the ARN, the service name


def identities_of(who: Requester) -> list[Identity]:
    if who.kind == ANONYMOUS:
        return [Identity(ANONYMOUS, DIRECT, None, who.text)]
    if who.kind == SERVICE:
        return [Identity(SERVICE, DIRECT, None, who.text)]
    chain: list[Identity] = []
    if who.account is not None:
        chain.append(Identity("account", BY_ACCOUNT, who.account, who.account))
    if who.kind in (ROLE, SESSION) and who.role_name is not None:
        chain.append(Identity("role", BY_ROLE, who.account, who.role_name))
    if who.kind in (USER, SESSION, FEDERATED, OTHER):
        chain.append(Identity("arn", DIRECT, who.account, who.text))
    return chain


def entry_names(principal_type: str, value: str, identity: Identity) -> bool:
    """Does one entry of a Principal element (``"AWS": value`` and so on) name this
    identity?  Principal ARNs take no wildcards, only the lone "*" [PRINCIPAL]."""
    if principal_type == "AWS":
        if value == "*":
            return True
        if identity.kind in (SERVICE, ANONYMOUS):
            return False
        if re.fullmatch(r"\d{12}", value):
            return identity.kind == "account" and identity.value == value
        parts = value.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            return False
        account, rest = parts[4], parts[5]
        if parts[2] == "iam" and rest == "root":
            return identity.kind == "account" and identity.value == account
        if parts[2] == "iam" and rest.startswith("role/"):
            # Sessions carry the role's name without its path.
            role_name = rest.split("/")[-1]
            return identity.kind == "role" and (identity.account, identity.value) == (
                account,
                role_name,
            )
        return identity.kind == "arn" and identity.value == value
    if principal_type == "Service":
        return identity.kind == SERVICE and value.lower() in ("*", identity.value.lower())
    if principal_type in ("Federated", "CanonicalUser"):
        return identity.value == value
    return False


def element_names(element: Any, identity: Identity) -> bool:
    """``"*"`` names everyone, anonymous callers included [PRINCIPAL]; ``{"AWS": "*"}`` is
    read the same way.  A bare ARN string (not valid grammar) is read as ``{"AWS": ...}``."""
    if element == "*":
        return True
    if isinstance(element, str):
        element = {"AWS": element}
    if not isinstance(element, dict):
        return False
    for principal_type, values in element.items():
        for value in as_list(values):
            if entry_names(str(principal_type), str(value), identity):
                return True
    return False


def best_level(identities: list[Identity]) -> str | None:
    best: str | None = None
    for identity in identities:
        if best is None or LEVEL_RANK[identity.level] > LEVEL_RANK[best]:
            best = identity.level
    return best


def names_everyone(element: Any) -> bool:
    if element == "*":
        return True
    if isinstance(element, dict):
        return "*" in as_list(element.get("AWS", []))
    return False


def principal_element_level(element: Any, who: Requester) -> str | None:
    """The most direct level at which a Principal element names the requester.  "*" grants
    to every principal, so it names the requester itself -- also a role, and not merely
    through its account (the conformance cases: a boundary does not limit a same-account
    grant to "*")."""
    if names_everyone(element):
        return DIRECT
    return best_level([i for i in identities_of(who) if element_names(element, i)])


def not_principal_element_level(element: Any, who: Requester, effect: str) -> str | None:
    """The level at which a statement with NotPrincipal applies to the requester.

    Deny [NOTPRINCIPAL]: "If the NotPrincipal element contained only Bob's ARN, the effect
    of the policy might be to explicitly deny access to the AWS account that contains the
    user Bob ... AWS might validate the account first, then the role, and then the
    assumed-role user."  Each identity of the requester is checked on its own, and the
    Deny reaches the requester as soon as one of them is not listed: to be spared, a user
    must be listed together with its account (a session with its role and account).

    Allow: "allows all principals *except* the one named".  Naming an account names every
    principal in it (as it does in Principal), so the grant reaches the requester only when
    none of its identities is listed -- and then it is a grant to the requester itself."""
    identities = identities_of(who)
    if effect == "Deny":
        return best_level([i for i in identities if not element_names(element, i)])
    if any(element_names(element, i) for i in identities):
        return None
    return DIRECT


# =====================================================================================
# Actions and resources
# =====================================================================================


def as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value]


def action_matches(pattern: str, action: str) -> bool:
    """Actions compare case-insensitively and take `*` and `?` wildcards.  There is no
    trimming and no splitting on commas: "s3:GetObject," is not s3:GetObject."""
    return tokens_match(wildcard_tokens(pattern), action, ignore_case=True)


# Resource-based policy types, as far as resource matching is concerned (identity-side
# types are "identity", "permissions_boundary" and "session"; then "scp" and "rcp").
RESOURCE_SIDE = ("resource", "trust", "key", "vpc_endpoint")

MATCH = "match"
NO_MATCH = "no match"
ERROR = "error"  # matches neither Resource nor NotResource ("errors are not inverted")


def resource_type_prefix(resource_part: list[Token]) -> list[Token] | None:
    """The resource-type word of an ARN's last segment, up to and including the first `/`
    or `:` (``instance/`` in ``instance/i-123``), or None when there is none."""
    for index, token in enumerate(resource_part):
        if token in (("lit", "/"), ("lit", ":")):
            return resource_part[: index + 1]
    return None


def last_segment_matches(pattern: list[Token], text: str, service: str) -> bool:
    """The sixth ARN segment.  Its resource type is a fixed word from the Service
    Authorization Reference: a wildcard standing in for the type itself does not match
    (``arn:aws:ec2:...:*/i-123`` does not match ``instance/i-123``) -- the behaviour the
    conformance cases record.  S3 bucket and object ARNs have no resource-type word
    (``arn:aws:s3:::bucket/key``), so there the whole segment is an ordinary pattern."""
    prefix = resource_type_prefix(pattern)
    if prefix is None or service == "s3":
        return tokens_match(pattern, text)
    if has_wildcard(prefix):
        return False
    prefix_text = tokens_to_text(prefix)
    if not text.startswith(prefix_text):
        return False
    return tokens_match(pattern[len(prefix) :], text[len(prefix_text) :])


def one_resource_result(pattern: list[Token], resource: str, policy_type: str) -> str:
    """Match one Resource/NotResource entry against the requested resource.

    [RESOURCE]: wildcards work inside each colon-separated segment, and a `*` that ends a
    segment can reach beyond colons.  For "short" patterns with fewer than six segments the
    documentation is silent; these rules are the behaviour iam-simulate's authors observed
    against AWS and that the shared conformance cases record:

    * identity, boundary and session policies treat the missing trailing segments as
      wildcards (``arn:aws:sqs:us-east-1`` covers every queue in that Region); a short
      pattern that then fails to match is an error, so it matches neither Resource nor
      NotResource;
    * resource-based (and VPC endpoint) policies do the same only when the short pattern
      contains a wildcard; otherwise it is compared as a plain string (and never equals a
      full ARN);
    * SCPs accept a short pattern only when it ends with `*` (compared as a plain pattern);
    * RCPs accept no short pattern at all.

    A short pattern that has to be expanded cannot be compared with a request that names no
    ARN (the "*" of an action without resource-level permissions): that is an error too.
    """
    if pattern == [STAR]:
        return MATCH
    pattern_parts = split_tokens_on_colon(pattern, 5)
    request_parts = resource.split(":", 5)
    request_is_arn = len(request_parts) == 6
    is_short = has_arn_prefix(pattern) and len(pattern_parts) < 6
    if not is_short:
        if len(pattern_parts) == 6 and request_is_arn:
            return full_arn_result(pattern_parts, request_parts)
        # "*" requested, or a pattern that is no ARN: a plain comparison.
        return MATCH if tokens_match(pattern, resource) else NO_MATCH
    # A short pattern.
    if policy_type == "rcp":
        return ERROR
    if policy_type == "scp":
        if pattern[-1] == STAR:
            return MATCH if tokens_match(pattern, resource) else NO_MATCH
        return ERROR
    if policy_type in RESOURCE_SIDE and not has_wildcard(pattern):
        return MATCH if tokens_match(pattern, resource) else NO_MATCH
    if not request_is_arn:
        return ERROR
    for index, part in enumerate(pattern_parts):
        if not tokens_match(part, request_parts[index]):
            return ERROR
    return MATCH


def has_arn_prefix(pattern: list[Token]) -> bool:
    return pattern[:4] == literal_tokens("arn:")


def full_arn_result(pattern_parts: list[list[Token]], request_parts: list[str]) -> str:
    """Six segments on both sides: the first five each match on their own, then the
    resource segment."""
    for index in range(5):
        if not tokens_match(pattern_parts[index], request_parts[index]):
            return NO_MATCH
    if last_segment_matches(pattern_parts[5], request_parts[5], request_parts[2]):
        return MATCH
    return NO_MATCH


def resource_entry_result(
    entry: Any, resource: str, policy_type: str, context: Context, variables_on: bool
) -> str:
    """One Resource/NotResource entry, its policy variables replaced.  A variable that
    cannot be replaced makes the entry unusable: it matches neither Resource nor
    NotResource (the conformance cases; "any attempt to match it fails" [VARIABLES])."""
    try:
        pattern = substitute(str(entry), context, variables_on, wildcards_on=True)
    except (VariableHasNoValue, VariableIsMultivalued):
        return ERROR
    return one_resource_result(pattern, resource, policy_type)


def resource_element_matches(
    statement: dict[str, Any],
    resource: str,
    policy_type: str,
    context: Context,
    variables_on: bool,
) -> bool:
    if "Resource" in statement:
        for entry in as_list(statement["Resource"]):
            if resource_entry_result(entry, resource, policy_type, context, variables_on) == MATCH:
                return True
        return False
    if "NotResource" in statement:
        # NotResource matches when every entry is a clean non-match; an entry that cannot
        # be evaluated (unresolvable variable, rejected short ARN) is not inverted.
        for entry in as_list(statement["NotResource"]):
            result = resource_entry_result(entry, resource, policy_type, context, variables_on)
            if result != NO_MATCH:
                return False
        return True
    # No Resource element at all: role trust policies normally omit it.
    return True


def action_element_matches(statement: dict[str, Any], action: str) -> bool:
    if "Action" in statement:
        return any(action_matches(str(p), action) for p in as_list(statement["Action"]))
    if "NotAction" in statement:
        return not any(action_matches(str(p), action) for p in as_list(statement["NotAction"]))
    return False


# =====================================================================================
# Condition operators [OPERATORS]
# =====================================================================================

# Each base operator: (family, negated).
OPERATORS: dict[str, tuple[str, bool]] = {
    "StringEquals": ("string", False),
    "StringNotEquals": ("string", True),
    "StringEqualsIgnoreCase": ("string_ignore_case", False),
    "StringNotEqualsIgnoreCase": ("string_ignore_case", True),
    "StringLike": ("string_like", False),
    "StringNotLike": ("string_like", True),
    "NumericEquals": ("numeric_eq", False),
    "NumericNotEquals": ("numeric_eq", True),
    "NumericLessThan": ("numeric_lt", False),
    "NumericLessThanEquals": ("numeric_le", False),
    "NumericGreaterThan": ("numeric_gt", False),
    "NumericGreaterThanEquals": ("numeric_ge", False),
    "DateEquals": ("date_eq", False),
    "DateNotEquals": ("date_eq", True),
    "DateLessThan": ("date_lt", False),
    "DateLessThanEquals": ("date_le", False),
    "DateGreaterThan": ("date_gt", False),
    "DateGreaterThanEquals": ("date_ge", False),
    "Bool": ("bool", False),
    "BinaryEquals": ("binary", False),
    "IpAddress": ("ip", False),
    "NotIpAddress": ("ip", True),
    "ArnEquals": ("arn", False),
    "ArnLike": ("arn", False),
    "ArnNotEquals": ("arn", True),
    "ArnNotLike": ("arn", True),
    "Null": ("null", False),
}

# Policy variables are supported by the string, ARN and Boolean operators and by no other
# family (the "Policy variables" line of each family in [OPERATORS]).
FAMILIES_WITH_VARIABLES = ("string", "string_ignore_case", "string_like", "arn", "bool")

NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
EPOCH = re.compile(r"[+-]?\d+(\.\d+)?")


def parse_number(text: str) -> Decimal | None:
    if NUMBER.fullmatch(text) is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_date(text: str) -> datetime | None:
    """Dates are ISO 8601 ("2018-08-10T00:00:00Z", "2024-01-01") or epoch seconds
    ("1533859200", also with a fraction) [OPERATORS].  A time without a zone is UTC."""
    if EPOCH.fullmatch(text) is not None:
        try:
            return datetime.fromtimestamp(float(text), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def parse_bool(text: str) -> bool:
    """Bool compares truth values: "true" (any case) is true, any other text is false.
    The documentation only says the operator compares to true or false; PMapper records
    AWS's policy simulator treating a non-boolean request value as false."""
    return text.lower() == "true"


def compare_one(
    family: str, request_value: str, policy_value: str, context: Context, variables_on: bool
) -> bool | None:
    """The positive comparison of one request value with one policy value.  None means
    "cannot be evaluated" (not a number, not a date, a multivalued key as variable...)."""
    # Only StringLike/StringNotLike and the ARN operators know wildcards; elsewhere `*`
    # and `?` are ordinary characters.
    wildcards_on = family in ("string_like", "arn")
    variables_here = variables_on and family in FAMILIES_WITH_VARIABLES
    try:
        pattern = substitute(policy_value, context, variables_here, wildcards_on)
    except VariableHasNoValue:
        # "When policy variables reference a condition context key that has no value or is
        # not present ..., the value is effectively null.  There is no equal or like value"
        # -- and so a negated operator ("not equal") does hold against it [VARIABLES].
        return False
    except VariableIsMultivalued:
        return None
    text = tokens_to_text(pattern)  # the policy value itself when it has no wildcards

    if family == "string":
        return text == request_value
    if family == "string_ignore_case":
        return text.lower() == request_value.lower()
    if family == "string_like":
        return tokens_match(pattern, request_value)
    if family == "arn":
        return arn_like(pattern, request_value)
    if family == "bool":
        return parse_bool(request_value) == parse_bool(text)
    return compare_typed(family, request_value, text)


def compare_typed(family: str, request_value: str, policy_value: str) -> bool | None:
    """Numbers, dates, binary values and IP addresses: both sides must parse."""
    if family.startswith("numeric"):
        left = parse_number(request_value)
        right = parse_number(policy_value)
        if left is None or right is None:
            return None
        return compare_ordered(family.split("_")[1], left, right)
    if family.startswith("date"):
        left_date = parse_date(request_value)
        right_date = parse_date(policy_value)
        if left_date is None or right_date is None:
            return None
        return compare_ordered(family.split("_")[1], left_date, right_date)
    if family == "binary":
        # "compares the value of the specified key byte for byte against a base-64 encoded
        # representation of the binary value in the policy" [OPERATORS].
        try:
            left_bytes = base64.b64decode(request_value, validate=True)
            right_bytes = base64.b64decode(policy_value, validate=True)
        except (binascii.Error, ValueError):
            return None
        return left_bytes == right_bytes
    if family == "ip":
        try:
            address = ipaddress.ip_address(request_value)
            network = ipaddress.ip_network(policy_value, strict=False)
        except ValueError:
            return None
        # An IPv4 address is simply not inside an IPv6 block (and the other way round).
        return address.version == network.version and address in network
    return None


def compare_ordered(how: str, left: Any, right: Any) -> bool:
    if how == "eq":
        return bool(left == right)
    if how == "lt":
        return bool(left < right)
    if how == "le":
        return bool(left <= right)
    if how == "gt":
        return bool(left > right)
    return bool(left >= right)


def arn_like(pattern: list[Token], request_value: str) -> bool | None:
    """ArnEquals / ArnLike: "each of the six colon-delimited components of the ARN is
    checked separately" with `*` and `?`; case-sensitive [OPERATORS].  A request value
    that is not an ARN cannot be evaluated."""
    request_parts = request_value.split(":", 5)
    if len(request_parts) != 6 or request_parts[0] != "arn":
        return None
    pattern_parts = split_tokens_on_colon(pattern, 5)
    if len(pattern_parts) != 6:
        return tokens_match(pattern, request_value)
    return all(tokens_match(pattern_parts[i], request_parts[i]) for i in range(6))


def operator_on_value(
    family: str,
    negated: bool,
    request_value: str,
    policy_values: list[str],
    context: Context,
    variables_on: bool,
) -> bool:
    """One request value against all the policy values of a key.

    Positive operators: true when any policy value matches ("OR").  Negated operators:
    true when no policy value matches.  A comparison that cannot be evaluated never makes
    a negated operator true (the conformance cases' "errors are not inverted")."""
    results = [
        compare_one(family, request_value, policy_value, context, variables_on)
        for policy_value in policy_values
    ]
    if negated:
        if any(result is None for result in results):
            return False
        return not any(results)
    return any(result is True for result in results)


def null_on_value(request_value_present: bool, policy_values: list[str]) -> bool:
    """Null: a policy value "true" asks "is the key absent?", "false" asks "is it present?"."""
    for policy_value in policy_values:
        wants_absent = policy_value.lower() == "true"
        if wants_absent != request_value_present:
            return True
    return False


@dataclass
class ParsedOperator:
    set_operator: str | None  # "ForAllValues", "ForAnyValue" or None
    family: str
    negated: bool
    if_exists: bool


def parse_operator(operator: str) -> ParsedOperator | None:
    """ "ForAnyValue:StringNotEqualsIfExists" -> set operator, base operator, IfExists.
    None for an operator AWS does not know (the document is invalid; it never matches)."""
    set_operator = None
    base = operator
    for prefix in ("ForAllValues:", "ForAnyValue:"):
        if base.lower().startswith(prefix.lower()):
            set_operator = prefix[:-1]
            base = base[len(prefix) :]
    if_exists = base.endswith("IfExists") and base != "IfExists"
    if if_exists:
        base = base[: -len("IfExists")]
    if base not in OPERATORS or (base == "Null" and if_exists):
        return None
    family, negated = OPERATORS[base]
    return ParsedOperator(set_operator, family, negated, if_exists)


def value_satisfies(
    parsed: ParsedOperator,
    request_value: str,
    policy_values: list[str],
    context: Context,
    variables_on: bool,
) -> bool:
    """One value of a multivalued key, under ForAllValues or ForAnyValue.  Null asks
    whether the value is absent -- and a value in the list is present."""
    if parsed.family == "null":
        return null_on_value(True, policy_values)
    return operator_on_value(
        parsed.family, parsed.negated, request_value, policy_values, context, variables_on
    )


def condition_is_true(
    operator: str, key: str, raw_values: Any, context: Context, variables_on: bool
) -> bool:
    parsed = parse_operator(operator)
    if parsed is None:
        return False
    policy_values = [value_to_text(v) for v in as_list(raw_values)]
    request_values = context.get(key)

    if request_values is None and parsed.if_exists:
        # "If the policy key is not present in the request context, evaluate the condition
        # element as true" [OPERATORS].
        return True

    if parsed.set_operator == "ForAllValues":
        # True when every request value satisfies the operator -- and also when there are
        # no request values at all [MULTI].
        if request_values is None:
            return True
        return all(
            value_satisfies(parsed, value, policy_values, context, variables_on)
            for value in request_values
        )

    if parsed.set_operator == "ForAnyValue":
        # True when at least one request value satisfies the operator; false when the key
        # is absent or empty [MULTI].
        if request_values is None:
            return False
        return any(
            value_satisfies(parsed, value, policy_values, context, variables_on)
            for value in request_values
        )

    # A single-valued operator.
    if parsed.family == "null":
        return null_on_value(request_values is not None, policy_values)
    if request_values is None:
        # "If the key ... is not present in the request context, the values do not match
        # and the condition is false.  If the policy condition requires that the key is not
        # matched, such as StringNotLike, ... the condition is true" [OPERATORS].
        return parsed.negated
    if context.is_multivalued(key):
        # A multivalued key used without ForAllValues/ForAnyValue.  [MULTI]: "Multivalued
        # context keys require a condition set operator"; the conformance cases record that
        # the comparison then fails.
        return False
    return operator_on_value(
        parsed.family, parsed.negated, request_values[0], policy_values, context, variables_on
    )


def conditions_hold(statement: dict[str, Any], context: Context, variables_on: bool) -> bool:
    """All operator blocks, and all keys within each block, must be true ("AND")."""
    block = statement.get("Condition")
    if block is None:
        return True
    if not isinstance(block, dict):
        return False
    for operator, keys in block.items():
        if not isinstance(keys, dict):
            return False
        for key, values in keys.items():
            if not condition_is_true(str(operator), str(key), values, context, variables_on):
                return False
    return True


# =====================================================================================
# Policies and statements
# =====================================================================================


@dataclass
class Request:
    who: Requester
    action: str
    resource: str
    context: Context
    principal_has_boundary: bool


def document_of(policy: Any) -> dict[str, Any]:
    """A policy entry is ``{"id": ..., "document": {...}}``; the document may also be a
    JSON string."""
    document = policy.get("document", policy) if isinstance(policy, dict) else policy
    if isinstance(document, str):
        document = json.loads(document)
    return document if isinstance(document, dict) else {}


def statements_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    return [s for s in as_list(statements) if isinstance(s, dict)]


def statement_level(
    statement: dict[str, Any], policy_type: str, request: Request, variables_on: bool
) -> str | None:
    """None when the statement does not apply to the request; otherwise the level at which
    it names the requester (DIRECT for policies without a Principal element)."""
    if not action_element_matches(statement, request.action):
        return None
    if not resource_element_matches(
        statement, request.resource, policy_type, request.context, variables_on
    ):
        return None
    if not conditions_hold(statement, request.context, variables_on):
        return None
    return principal_level(statement, policy_type, request)


def principal_level(statement: dict[str, Any], policy_type: str, request: Request) -> str | None:
    who = request.who
    if "Principal" in statement:
        return principal_element_level(statement["Principal"], who)
    if "NotPrincipal" in statement:
        if (
            statement.get("Effect") == "Deny"
            and request.principal_has_boundary
            and who.kind in IAM_IDENTITIES
            and policy_type in ("resource", "trust", "key")
        ):
            # "The NotPrincipal element with a Deny effect will always deny any IAM
            # principal that has a permissions boundary policy attached, regardless of the
            # values specified in the NotPrincipal element" [BOUNDARY].
            return DIRECT
        effect = str(statement.get("Effect"))
        return not_principal_element_level(statement["NotPrincipal"], who, effect)
    if policy_type in ("resource", "trust", "key"):
        # A resource-based policy statement must name a principal; without one (invalid
        # grammar) it applies to nobody.
        return None
    # Identity-side policies, SCPs, RCPs and endpoint policies without a Principal element
    # apply to whoever makes the request.
    return DIRECT


@dataclass
class PolicyOutcome:
    denies: bool
    allow_levels: set[str]


def evaluate_policies(policies: list[Any], policy_type: str, request: Request) -> PolicyOutcome:
    """Every applicable statement of a set of policies: is there a Deny, and at which levels
    do the applicable Allow statements name the requester?"""
    outcome = PolicyOutcome(denies=False, allow_levels=set())
    for policy in policies:
        document = document_of(policy)
        variables_on = document.get("Version") == "2012-10-17"
        for statement in statements_of(document):
            level = statement_level(statement, policy_type, request, variables_on)
            if level is None:
                continue
            if statement.get("Effect") == "Deny":
                outcome.denies = True
            elif statement.get("Effect") == "Allow":
                outcome.allow_levels.add(level)
    return outcome


# =====================================================================================
# Rules outside the policies themselves
# =====================================================================================

# [RCP]: "RCPs apply to the following AWS services" -- Amazon S3, AWS STS, AWS KMS, Amazon
# SQS, AWS Secrets Manager, Amazon Cognito, Amazon ECR, Amazon OpenSearch Serverless,
# Amazon DynamoDB and Amazon CloudWatch Logs.
RCP_SERVICES = (
    "s3",
    "sts",
    "kms",
    "sqs",
    "secretsmanager",
    "cognito-identity",
    "ecr",
    "aoss",
    "dynamodb",
    "logs",
)

# AWS managed policies cannot be changed by customers ("You cannot change the permissions
# defined in AWS managed policies", access_policies_managed-vs-inline.html), and roles that
# IAM Identity Center creates under /aws-reserved/ can only be changed through Identity
# Center (https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html).
AWS_MANAGED_POLICY_CHANGES = (
    "iam:createpolicy",
    "iam:createpolicyversion",
    "iam:deletepolicy",
    "iam:deletepolicyversion",
    "iam:setdefaultpolicyversion",
    "iam:tagpolicy",
    "iam:untagpolicy",
)
RESERVED_ROLE_CHANGES = (
    "iam:attachrolepolicy",
    "iam:createrole",
    "iam:createservicelinkedrole",
    "iam:deleterole",
    "iam:deleterolepermissionsboundary",
    "iam:deleterolepolicy",
    "iam:deleteservicelinkedrole",
    "iam:detachrolepolicy",
    "iam:putrolepermissionsboundary",
    "iam:putrolepolicy",
    "iam:tagrole",
    "iam:untagrole",
    "iam:updateassumerolepolicy",
    "iam:updaterole",
    "iam:updateroledescription",
)


def changes_protected_iam_resource(action: str, resource: str) -> bool:
    action = action.lower()
    parts = resource.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam":
        return False
    if parts[4] == "aws" and parts[5].startswith("policy/"):
        return action in AWS_MANAGED_POLICY_CHANGES
    if parts[5].startswith("role/aws-reserved/"):
        return action in RESERVED_ROLE_CHANGES
    return False


BUCKET_POLICY_ACTIONS = ("s3:getbucketpolicy", "s3:putbucketpolicy", "s3:deletebucketpolicy")


def owner_root_manages_bucket_policy(who: Requester, request: dict[str, Any]) -> bool:
    """[S3ROOT]: the root user of the bucket's own account, calling one of the three bucket
    policy actions on a bucket (``arn:aws:s3:::name``, not an object)."""
    if who.kind != ROOT or who.account is None:
        return False
    if who.account != request.get("resource_account"):
        return False
    if str(request["action"]).lower() not in BUCKET_POLICY_ACTIONS:
        return False
    parts = str(request["resource"]).split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "s3":
        return False
    region, account, bucket = parts[3], parts[4], parts[5]
    return region == "" and account == "" and bucket != "" and "/" not in bucket


def resource_policy_kind(request: dict[str, Any]) -> str:
    """ "resource", "trust" (a role trust policy) or "key" (a KMS key policy).  Trust and
    key policies "must explicitly allow access for principals" [EVAL]."""
    given = request.get("resource_policy_kind")
    if given in ("resource", "trust", "key"):
        return str(given)
    action = str(request["action"]).lower()
    resource = str(request["resource"])
    parts = resource.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        is_role = parts[2] == "iam" and parts[5].startswith("role/")
        if action.startswith("sts:assumerole") and is_role:
            return "trust"
        if action.startswith("kms:") and parts[2] == "kms" and parts[5].startswith("key/"):
            return "key"
    return "resource"


# =====================================================================================
# The decision [EVAL]
# =====================================================================================


def policy_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


@dataclass
class Layers:
    """The outcome of every policy type that takes part in the request."""

    scp: list[PolicyOutcome]  # one per level of the organization, root first
    rcp: list[PolicyOutcome]
    endpoint: PolicyOutcome | None  # None: the request does not go through an endpoint
    resource: PolicyOutcome
    identity: PolicyOutcome
    boundary: PolicyOutcome | None  # None: no permissions boundary
    session: PolicyOutcome | None  # None: no session policies

    def all_outcomes(self) -> list[PolicyOutcome]:
        optional = [self.endpoint, self.boundary, self.session]
        present = [outcome for outcome in optional if outcome is not None]
        return [*self.scp, *self.rcp, self.resource, self.identity, *present]


def evaluate_layers(request: Request, policies: dict[str, Any], kind: str) -> Layers:
    who = request.who
    in_an_account = who.kind in IAM_IDENTITIES or who.kind == ROOT
    scp_levels = [policy_list(level) for level in policy_list(policies.get("scp"))]
    rcp_levels = [policy_list(level) for level in policy_list(policies.get("rcp"))]
    if not in_an_account:
        # SCPs limit principals in member accounts -- users, roles and the root user -- not
        # service principals or anonymous callers.
        scp_levels = []
    if request.action.split(":", 1)[0].lower() not in RCP_SERVICES:
        rcp_levels = []

    endpoint_policies = policy_list(policies.get("vpc_endpoint"))
    if who.kind in IAM_IDENTITIES:
        identity_policies = policy_list(policies.get("identity"))
        boundary_policies = policy_list(policies.get("permissions_boundary"))
        session_policies = policy_list(policies.get("session"))
    else:
        # [ROOT]: identity policies and boundaries cannot be attached to the root user;
        # service principals and anonymous callers have none either.
        identity_policies, boundary_policies, session_policies = [], [], []

    def outcome_or_none(found: list[Any], policy_type: str) -> PolicyOutcome | None:
        return evaluate_policies(found, policy_type, request) if found else None

    return Layers(
        scp=[evaluate_policies(level, "scp", request) for level in scp_levels],
        rcp=[evaluate_policies(level, "rcp", request) for level in rcp_levels],
        endpoint=outcome_or_none(endpoint_policies, "vpc_endpoint"),
        resource=evaluate_policies(policy_list(policies.get("resource")), kind, request),
        identity=evaluate_policies(identity_policies, "identity", request),
        boundary=outcome_or_none(boundary_policies, "permissions_boundary"),
        session=outcome_or_none(session_policies, "session"),
    )


def guardrail_decision(layers: Layers) -> str | None:
    """Explicit denies, and the policy types that can only take permissions away."""
    # 1. An explicit deny in any applicable policy decides [EVAL].
    if any(outcome.denies for outcome in layers.all_outcomes()):
        return EXPLICIT_DENY
    # 2. Every level of the organization must allow, for RCPs and SCPs alike [EVAL].
    for outcome in [*layers.scp, *layers.rcp]:
        if not outcome.allow_levels:
            return IMPLICIT_DENY
    # 3. A VPC endpoint policy, when the request goes through one, must allow too.
    if layers.endpoint is not None and not layers.endpoint.allow_levels:
        return IMPLICIT_DENY
    return None


def grant_decision(request: Request, layers: Layers, kind: str, same_account: bool) -> str:
    """Which policies grant the request, once nothing denies it [EVAL] [XACCT]."""
    who = request.who
    granted_by_resource = layers.resource.allow_levels
    if who.kind in (ANONYMOUS, SERVICE):
        # Only a resource-based policy can grant anything to them.
        return ALLOWED if DIRECT in granted_by_resource else IMPLICIT_DENY

    boundary_allows = layers.boundary is None or bool(layers.boundary.allow_levels)
    session_allows = layers.session is None or bool(layers.session.allow_levels)
    if who.kind == FEDERATED and layers.session is None:
        # [FEDERATION]: "if you do not pass any session policies, then the resulting
        # federated user session has no permissions" (beyond what resource-based policies
        # grant to the session itself).
        session_allows = False
    if who.kind == ROOT:
        # [ROOT]: the root user has full access within its own account.
        own_account_allows = True
    else:
        own_account_allows = (
            bool(layers.identity.allow_levels) and boundary_allows and session_allows
        )

    if not same_account:
        # [XACCT]: both the resource-based policy and the principal's own account must allow.
        if granted_by_resource and own_account_allows:
            return ALLOWED
        return IMPLICIT_DENY

    if DIRECT in granted_by_resource:
        # Within one account, a resource-based policy naming the user, the role session or
        # the federated-user session itself is enough: it is not limited by an implicit
        # deny in identity policies [EVAL], permissions boundaries [BOUNDARY] or session
        # policies [SESSION].
        return ALLOWED
    if BY_ROLE in granted_by_resource and boundary_allows and session_allows:
        # A grant to the role ARN is limited by the boundary and the session policy
        # [BOUNDARY] [SESSION], but needs no identity-based policy.
        return ALLOWED
    if kind == "resource":
        # Otherwise the principal's own policies decide (a grant to the account only
        # delegates to them).
        return ALLOWED if own_account_allows else IMPLICIT_DENY
    # Role trust policies and key policies must allow explicitly, even within the account
    # [EVAL]; naming the account delegates to the account's own policies.
    if BY_ACCOUNT in granted_by_resource and own_account_allows:
        return ALLOWED
    return IMPLICIT_DENY


def reference_decide(case: dict[str, Any]) -> str:
    """Decide a case: "allowed", "explicit_deny" or "implicit_deny"."""
    raw_request = case["request"]
    policies = case.get("policies") or {}
    request = Request(
        who=identify_requester(raw_request),
        action=str(raw_request["action"]),
        resource=str(raw_request["resource"]),
        context=Context(raw_request.get("context") or {}),
        principal_has_boundary=policies.get("permissions_boundary") is not None,
    )

    # [GETCALLER]: sts:GetCallerIdentity needs no permission and cannot be denied.
    if request.action.lower() == "sts:getcalleridentity":
        return ALLOWED

    kind = resource_policy_kind(raw_request)
    layers = evaluate_layers(request, policies, kind)
    if owner_root_manages_bucket_policy(request.who, raw_request):
        # [S3ROOT]: the bucket policy cannot stop the owner's root user from managing it;
        # decide as if there were none (guardrails still apply below).
        layers.resource = PolicyOutcome(denies=False, allow_levels=set())
    blocked = guardrail_decision(layers)
    if blocked is not None:
        return blocked

    # Nobody may change an AWS managed policy or an Identity Center reserved role.
    if changes_protected_iam_resource(request.action, request.resource):
        return IMPLICIT_DENY

    account = request.who.account
    same_account = account is not None and account == raw_request.get("resource_account")
    return grant_decision(request, layers, kind, same_account)
