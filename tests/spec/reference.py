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
[SESSION]   access_policies.html#policies_session -- a resource-based policy naming the user
            or role ARN is limited by the session policy; one naming the *session* ARN is not.
[ROOT]      access_policies.html#access_policies-root and the evaluation summary -- the root
            user has full access in its own account; identity policies and boundaries cannot
            be attached to it; SCPs and resource policies still apply.
[PRINCIPAL] reference_policies_elements_principal.html and
            reference_policies_elements_notprincipal.html.
[RESOURCE]  reference_policies_elements_resource.html and reference-arns.html -- wildcards
            work inside the colon-separated ARN segments; a ``*`` that ends a segment may
            expand beyond colons.
[OPERATORS] reference_policies_elements_condition_operators.html -- every operator, the
            IfExists suffix, the missing-key rule ("if the key is not present the condition
            is false, except for negated operators where it is true"), Null.
[MULTI]     reference_policies_condition-single-vs-multi-valued-context-keys.html --
            ForAllValues / ForAnyValue, their behaviour for missing and empty keys.
[VARIABLES] reference_policies_variables.html -- ``${key}``, defaults ``${key, 'd'}``,
            ``${*}`` ``${?}`` ``${$}``, version 2012-10-17 only, keys case-insensitive.
[GETCALLER] https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html --
            "No permissions are required to perform this operation"; even an explicit deny
            cannot block it.
[RCP]       https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
            -- RCPs apply only to a list of services.

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
        for key, value in raw.items():
            if isinstance(value, list):
                texts = [value_to_text(item) for item in value]
            else:
                texts = [value_to_text(value)]
            self.values[key.lower()] = texts

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


def substitute(
    text: str, context: Context, variables_on: bool, wildcards_on: bool
) -> list[Token] | None:
    """Turn a policy string into a pattern, replacing ``${...}`` policy variables.

    Returns None when a variable cannot be resolved: AWS says the statement then cannot
    match [VARIABLES] ("any attempt to match it fails").  Variables only exist in policies
    with ``"Version": "2012-10-17"``; otherwise ``${...}`` is literal text [VARIABLES].
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
                return None
            tokens.extend(literal_tokens(default))
        elif len(values) == 1:
            tokens.extend(literal_tokens(values[0]))
        else:
            # "You can't use a multivalued context key as a policy variable" [MULTI].
            return None
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


# How directly a resource-based policy statement names the requester:
#   DIRECT  -- the requester itself: "*", its user / session / federated-user ARN, a
#              service principal, or an Allow+NotPrincipal that leaves it out;
#   BY_ROLE -- the ARN of the role behind the requester (the role, or a session of it);
#   BY_ACCOUNT -- the requester's account (an account id or the account's root ARN), which
#              delegates the decision to the account's own policies [XACCT] [EVAL].
DIRECT = "direct"
BY_ROLE = "role"
BY_ACCOUNT = "account"

LEVEL_RANK = {DIRECT: 3, BY_ROLE: 2, BY_ACCOUNT: 1}


def aws_entry_level(value: str, who: Requester) -> str | None:
    """Does one ``"AWS": value`` entry of a Principal element name the requester?
    Principal ARNs take no wildcards, only the lone "*" [PRINCIPAL]."""
    if value == "*":
        return DIRECT
    if who.kind in (ANONYMOUS, SERVICE):
        return None
    if re.fullmatch(r"\d{12}", value):
        return BY_ACCOUNT if value == who.account else None
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    service, account, rest = parts[2], parts[4], parts[5]
    if service == "iam" and rest == "root":
        return BY_ACCOUNT if account == who.account else None
    if service == "iam" and rest.startswith("role/"):
        if who.kind == ROLE and value == who.text:
            return BY_ROLE
        if who.kind == SESSION and account == who.account and rest.split("/")[-1] == who.role_name:
            return BY_ROLE
        return None
    if value == who.text:
        return DIRECT
    return None


def principal_entry_level(principal_type: str, value: str, who: Requester) -> str | None:
    if principal_type == "AWS":
        return aws_entry_level(value, who)
    if principal_type == "Service":
        if who.kind != SERVICE:
            return None
        return DIRECT if value == "*" or value.lower() == who.text.lower() else None
    if principal_type in ("Federated", "CanonicalUser"):
        return DIRECT if value == who.text else None
    return None


def principal_element_level(element: Any, who: Requester) -> str | None:
    """The best level at which a Principal (or NotPrincipal) element names the requester.

    ``"*"`` means everyone, including anonymous callers [PRINCIPAL]; ``{"AWS": "*"}`` is
    treated the same way.  A bare ARN string (not valid grammar) is read as ``{"AWS": ...}``.
    """
    if element == "*":
        return DIRECT
    if isinstance(element, str):
        element = {"AWS": element}
    if not isinstance(element, dict):
        return None
    best: str | None = None
    for principal_type, values in element.items():
        for value in as_list(values):
            level = principal_entry_level(principal_type, str(value), who)
            if level is not None and (best is None or LEVEL_RANK[level] > LEVEL_RANK[best]):
                best = level
    return best


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


# Policy types, as far as resource matching is concerned.
IDENTITY_SIDE = ("identity", "permissions_boundary", "session")
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
    prefix_text = "".join(value if kind == "lit" else "\x00" for kind, value in prefix)
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
    """
    if pattern == [STAR]:
        return MATCH
    request_parts = resource.split(":", 5)
    if len(request_parts) < 6:
        # "*" (an action without resource-level permissions) or something that is not an
        # ARN: a plain comparison.
        return MATCH if tokens_match(pattern, resource) else NO_MATCH
    pattern_parts = split_tokens_on_colon(pattern, 5)
    if len(pattern_parts) == 6:
        for index in range(5):
            if not tokens_match(pattern_parts[index], request_parts[index]):
                return NO_MATCH
        service = request_parts[2]
        if last_segment_matches(pattern_parts[5], request_parts[5], service):
            return MATCH
        return NO_MATCH
    # A short pattern.
    if policy_type == "rcp":
        return ERROR
    if policy_type == "scp":
        if pattern[-1] == STAR:
            return MATCH if tokens_match(pattern, resource) else NO_MATCH
        return ERROR
    if policy_type in RESOURCE_SIDE and not has_wildcard(pattern):
        return MATCH if tokens_match(pattern, resource) else NO_MATCH
    for index, part in enumerate(pattern_parts):
        if not tokens_match(part, request_parts[index]):
            return ERROR
    return MATCH


def resource_element_matches(
    statement: dict[str, Any],
    resource: str,
    policy_type: str,
    context: Context,
    variables_on: bool,
) -> bool:
    if "Resource" in statement:
        for entry in as_list(statement["Resource"]):
            pattern = substitute(str(entry), context, variables_on, wildcards_on=True)
            if pattern is None:
                continue  # an unresolvable variable: this entry cannot match
            if one_resource_result(pattern, resource, policy_type) == MATCH:
                return True
        return False
    if "NotResource" in statement:
        # NotResource matches when every entry is a clean non-match; an entry that cannot
        # be evaluated (unresolvable variable, rejected short ARN) is not inverted.
        for entry in as_list(statement["NotResource"]):
            pattern = substitute(str(entry), context, variables_on, wildcards_on=True)
            if pattern is None:
                return False
            if one_resource_result(pattern, resource, policy_type) != NO_MATCH:
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
    """The positive comparison of one request value with one policy value.
    None means "cannot be evaluated" (bad number, bad date, unresolvable variable...)."""
    # Only StringLike/StringNotLike and the ARN operators know wildcards; elsewhere `*`
    # and `?` are ordinary characters.
    wildcards_on = family in ("string_like", "arn")
    variables_here = variables_on and family in FAMILIES_WITH_VARIABLES
    pattern = substitute(policy_value, context, variables_here, wildcards_on)
    if pattern is None:
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


def condition_is_true(
    operator: str, key: str, raw_values: Any, context: Context, variables_on: bool
) -> bool:
    policy_values = [value_to_text(v) for v in as_list(raw_values)]

    set_operator = None
    base = operator
    for prefix in ("ForAllValues:", "ForAnyValue:"):
        if base.lower().startswith(prefix.lower()):
            set_operator = prefix[:-1]
            base = base[len(prefix) :]
    if_exists = False
    if base.endswith("IfExists") and base != "IfExists":
        if_exists = True
        base = base[: -len("IfExists")]
    if base not in OPERATORS or (base == "Null" and if_exists):
        # An operator AWS does not know: the document is invalid; it never matches here.
        return False
    family, negated = OPERATORS[base]
    request_values = context.get(key)

    if request_values is None and if_exists:
        # "If the policy key is not present in the request context, evaluate the condition
        # element as true" [OPERATORS].
        return True

    if set_operator == "ForAllValues":
        # True when every request value satisfies the operator -- and also when there are
        # no request values at all [MULTI].
        if request_values is None:
            return True
        for request_value in request_values:
            if family == "null":
                ok = null_on_value(True, policy_values)
            else:
                ok = operator_on_value(
                    family, negated, request_value, policy_values, context, variables_on
                )
            if not ok:
                return False
        return True

    if set_operator == "ForAnyValue":
        # True when at least one request value satisfies the operator; false when the key
        # is absent or empty [MULTI].
        if request_values is None:
            return False
        for request_value in request_values:
            if family == "null":
                ok = null_on_value(True, policy_values)
            else:
                ok = operator_on_value(
                    family, negated, request_value, policy_values, context, variables_on
                )
            if ok:
                return True
        return False

    # A single-valued operator.
    if family == "null":
        return null_on_value(request_values is not None, policy_values)
    if request_values is None:
        # "If the key ... is not present in the request context, the values do not match
        # and the condition is false.  If the policy condition requires that the key is not
        # matched, such as StringNotLike, ... the condition is true" [OPERATORS].
        return negated
    if len(request_values) > 1:
        # A multivalued key used without ForAllValues/ForAnyValue.  [MULTI] says such keys
        # "require a condition set operator"; the conformance cases record that the
        # comparison then fails.
        return False
    return operator_on_value(
        family, negated, request_values[0], policy_values, context, variables_on
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
        if principal_element_level(statement["NotPrincipal"], who) is not None:
            return None
        return DIRECT
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


def resource_policy_kind(request: dict[str, Any]) -> str:
    """"resource", "trust" (a role trust policy) or "key" (a KMS key policy).  Trust and
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


def reference_decide(case: dict[str, Any]) -> str:
    """Decide a case: "allowed", "explicit_deny" or "implicit_deny"."""
    raw_request = case["request"]
    policies = case.get("policies") or {}
    who = identify_requester(raw_request)
    action = str(raw_request["action"])
    resource = str(raw_request["resource"])
    has_boundary = policies.get("permissions_boundary") is not None
    request = Request(
        who=who,
        action=action,
        resource=resource,
        context=Context(raw_request.get("context") or {}),
        principal_has_boundary=has_boundary,
    )
    kind = resource_policy_kind(raw_request)

    # [GETCALLER]: sts:GetCallerIdentity needs no permission and cannot be denied.
    if action.lower() == "sts:getcalleridentity":
        return ALLOWED

    is_iam_identity = who.kind in IAM_IDENTITIES
    in_an_account = is_iam_identity or who.kind == ROOT
    service_prefix = action.split(":", 1)[0].lower()

    # Which policy types take part in this request.
    scp_levels = [policy_list(level) for level in policy_list(policies.get("scp"))]
    rcp_levels = [policy_list(level) for level in policy_list(policies.get("rcp"))]
    if not in_an_account:
        # SCPs limit principals in member accounts -- users, roles and the root user -- not
        # service principals or anonymous callers.
        scp_levels = []
    if service_prefix not in RCP_SERVICES:
        rcp_levels = []
    endpoint_policies = policy_list(policies.get("vpc_endpoint"))
    resource_policies = policy_list(policies.get("resource"))
    if is_iam_identity:
        # [ROOT]: identity policies and boundaries cannot be attached to the root user;
        # service principals and anonymous callers have none either.
        identity_policies = policy_list(policies.get("identity"))
        boundary_policies = policy_list(policies.get("permissions_boundary"))
        session_policies = policy_list(policies.get("session"))
    else:
        identity_policies, boundary_policies, session_policies = [], [], []

    scp = [evaluate_policies(level, "scp", request) for level in scp_levels]
    rcp = [evaluate_policies(level, "rcp", request) for level in rcp_levels]
    endpoint = evaluate_policies(endpoint_policies, "vpc_endpoint", request)
    resource_side = evaluate_policies(resource_policies, kind, request)
    identity = evaluate_policies(identity_policies, "identity", request)
    boundary = evaluate_policies(boundary_policies, "permissions_boundary", request)
    session = evaluate_policies(session_policies, "session", request)

    # 1. An explicit deny in any applicable policy decides.
    everything = [*scp, *rcp, endpoint, resource_side, identity, boundary, session]
    if any(outcome.denies for outcome in everything):
        return EXPLICIT_DENY

    # 2. Every level of the organization must allow, for SCPs and for RCPs alike.
    for outcome in [*scp, *rcp]:
        if not outcome.allow_levels:
            return IMPLICIT_DENY

    # 3. A VPC endpoint policy, when the request goes through one, must allow too.
    if endpoint_policies and not endpoint.allow_levels:
        return IMPLICIT_DENY

    # 4. Nobody may change an AWS managed policy or an Identity Center reserved role.
    if changes_protected_iam_resource(action, resource):
        return IMPLICIT_DENY

    # 5. Which policies grant the request.
    if who.kind in (ANONYMOUS, SERVICE):
        # Only a resource-based policy can grant anything to them.
        return ALLOWED if DIRECT in resource_side.allow_levels else IMPLICIT_DENY

    boundary_allows = not boundary_policies or bool(boundary.allow_levels)
    session_allows = not session_policies or bool(session.allow_levels)
    if who.kind == ROOT:
        # [ROOT]: the root user has full access within its own account.
        principal_side_allows = True
    else:
        principal_side_allows = bool(identity.allow_levels) and boundary_allows and session_allows

    same_account = who.account is not None and who.account == raw_request.get("resource_account")
    if not same_account:
        # [XACCT]: both the resource-based policy and the principal's own account must allow.
        if resource_side.allow_levels and principal_side_allows:
            return ALLOWED
        return IMPLICIT_DENY

    if DIRECT in resource_side.allow_levels:
        # Within one account, a resource-based policy naming the user, the role session or
        # the federated-user session itself is enough: it is not limited by an implicit
        # deny in identity policies [EVAL], permissions boundaries [BOUNDARY] or session
        # policies [SESSION].
        return ALLOWED
    if BY_ROLE in resource_side.allow_levels and boundary_allows and session_allows:
        # A grant to the role ARN is limited by the boundary and the session policy
        # [BOUNDARY] [SESSION], but needs no identity-based policy.
        return ALLOWED
    if kind == "resource":
        # Otherwise the principal's own policies decide (a grant to the account only
        # delegates to them).
        return ALLOWED if principal_side_allows else IMPLICIT_DENY
    # Role trust policies and key policies must allow explicitly, even within the account
    # [EVAL]; naming the account delegates to the account's own policies.
    if BY_ACCOUNT in resource_side.allow_levels and principal_side_allows:
        return ALLOWED
    return IMPLICIT_DENY
