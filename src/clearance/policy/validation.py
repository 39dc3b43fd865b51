"""The policy grammar, per policy kind, with AWS's messages in AWS's order.

:func:`validate` walks the decoded JSON document once and reports *every*
problem as a :class:`~clearance.policy.diagnostics.Diagnostic` with a JSON
pointer (RFC 6901). AWS itself stops at the first problem; the diagnostics
are sorted so that the first one is the message AWS returns.

AWS's order (IAM ``CreatePolicy``, worked out from the messages AWS returns
for moto's table of malformed documents, ``tests/test_iam/test_iam_policies.py``):

1. syntax — JSON, known elements, element types, Effect, condition blocks and
   operator names: ``Syntax errors in policy.``
2. ``Policy document must be version 2012-10-17 or greater.`` (managed policies)
3. legacy parsing — Effect's exact case, date condition values, ARNs such as
   ``arn:aws::x`` (unless a resource-format problem came first):
   ``The policy failed legacy parsing``
4. Sids: characters (where AWS checks them relative to the rest is not
   recorded), then uniqueness
5. ``Policy statement must contain actions.``
6. resource format (partition, region, IAM resource paths); when several
   resources are wrong AWS names the last one it checks — statements in order,
   every ``Resource`` before every ``NotResource``, list values in descending
   order
7. action format (vendor prefix, one colon, vendor characters)
8. ``Policy statement must contain resources.`` and the other rules of the kind
   (principals, trust-policy actions, RCP restrictions).

What AWS accepts, from the same table: a null among Resource values, JSON
numbers and booleans as condition values, an empty condition block under any
name (``{"x": {}}``), condition keys without a vendor (``"a"``), any action
name after a valid vendor (``iam: asdf safdsf af``). Beyond the table: IAM
resource ``*`` and ``root`` (``arn:aws:iam::123456789012:root``), the S3
resource types whose ARNs carry a Region (access points, Batch Operations jobs,
Storage Lens, Access Grants, Multi-Region Access Point requests), and every
AWS partition.

Wording. Where AWS has a message for a problem, it is AWS's, taken from
IAM (``CreatePolicy``, ``CreateRole``) and, for resource policies, from
S3's ``PutBucketPolicy`` (``Invalid Condition type : X``, ``Missing required
field Principal``, ``Invalid principal in policy``). AWS Organizations answers
every SCP/RCP problem with one message, "The provided policy document does not
meet the requirements of the specified policy type."; the SCP/RCP rules here
say which requirement instead.

Rules per kind (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html):

- identity, permissions boundary: managed policies, so ``CreatePolicy``'s rules —
  Version 2012-10-17, no Principal/NotPrincipal, Action and Resource required,
  unique alphanumeric Sids.
- session: the identity rules, except that the Version is not required (STS
  takes the document as is; absent, it defaults to 2008-10-17).
- trust: Principal required, NotPrincipal, Resource and NotResource prohibited,
  only ``sts:`` actions (reference_policies_elements_notprincipal.html: "You
  cannot use the NotPrincipal element in an IAM identity-based policy nor in an
  IAM role trust policy").
- resource: Principal or NotPrincipal required ("You must use the Principal
  element in resource-based policies", reference_policies_elements_principal.html);
  Resource is optional (ECR repository and Lambda function policies omit it).
- vpc_endpoint: "It must contain a Principal element" (vpc-endpoints-access.html);
  Resource required.
- scp: no Principal/NotPrincipal; Action/NotAction and Resource/NotResource required;
  since 2025 SCPs support the full language (NotAction, Resource and Condition
  in Allow statements), so the older Allow-only-"*" rules are gone.
- rcp: Version 2012-10-17, Principal must be ``"*"``, no NotPrincipal, no NotAction,
  Resource required, ``Deny`` only — ``Allow`` exists only as RCPFullAWSAccess
  (Principal, Action and Resource all ``"*"``) — and a Deny cannot name every
  action with ``"*"`` (orgs_manage_policies_rcps_syntax.html).

``None`` as the kind selects the lenient grammar of
:func:`~clearance.policy.parser.check_grammar`: the shape of the document only
(element types, Effect, operator names, action format, principal shape) and no
rule that depends on where the policy is attached or on IAM's write-time
parsers — no required Version, Action, Resource or Principal, no Sid rules, no
ARN or date checks, and an empty Statement list is a policy that grants nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Literal

from clearance.policy.conditions import parse_operator
from clearance.policy.diagnostics import Diagnostic, Severity
from clearance.policy.model import VERSION_2008, VERSION_2012, PolicyKind
from clearance.policy.variables import has_variables

__all__ = [
    "LEGACY_PARSING",
    "SYNTAX_ERROR",
    "VERSION_REQUIRED",
    "action_format_error",
    "pointer",
    "resource_format_error",
    "validate",
]

CODE = "MalformedPolicyDocument"

SYNTAX_ERROR = "Syntax errors in policy."
VERSION_REQUIRED = "Policy document must be version 2012-10-17 or greater."
LEGACY_PARSING = "The policy failed legacy parsing"
SID_CHARACTERS = (
    "Statement IDs (SID) must be alpha-numeric. "
    "Check that your input satisfies the regular expression [0-9A-Za-z]*"
)
SID_UNIQUE = "Statement IDs (SID) in a single policy must be unique."
NO_ACTIONS = "Policy statement must contain actions."
NO_RESOURCES = "Policy statement must contain resources."
NO_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
ONE_COLON = "Actions/Condition can contain only one colon."
PRINCIPAL_NOT_ALLOWED = "Policy document should not specify a principal."
MISSING_PRINCIPAL = "Missing required field Principal"
INVALID_PRINCIPAL = "Invalid principal in policy"
TRUST_ACTIONS = "AssumeRole policy may only specify STS AssumeRole actions."

VERSIONS = (VERSION_2008, VERSION_2012)
TOP_ELEMENTS = frozenset({"Version", "Id", "Statement"})
STATEMENT_ELEMENTS = frozenset(
    {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction"}
    | {"Resource", "NotResource", "Condition"}
)
EXCLUSIVE = (("Principal", "NotPrincipal"), ("Action", "NotAction"), ("Resource", "NotResource"))
PRINCIPAL_TYPES = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})
PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f"}
    | {"aws-eusc", "*"}
)
IAM_PATHS = (
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
)
IAM_PATH_ERROR = 'IAM resource path must either be "*" or start with ' + ", ".join(IAM_PATHS) + "."
# S3 resource types whose ARNs carry a Region (Service Authorization Reference, Amazon S3).
S3_REGIONAL = (
    "accesspoint/",
    "job/",
    "storage-lens/",
    "storage-lens-group/",
    "access-grants/",
    "async-request/",
)
REGION_ERRORS = {
    "iam": "IAM resource {} cannot contain region information.",
    "s3": "Resource {} can not contain region information.",
}

_VENDOR_CHARACTERS = re.compile(r"[^a-zA-Z0-9\-.]")
_ACTION_NAME = re.compile(r"[A-Za-z0-9*?, \-]*")
_SID = re.compile(r"[0-9A-Za-z]*")
_ACCOUNT = re.compile(r"[0-9]{12}")
_UNIQUE_ID = re.compile(r"A[A-Z]{3}[A-Z0-9]{12,}")
_EPOCH_MAX = 9223372036854775807


class Phase(IntEnum):
    """Where a problem falls in AWS's order; the diagnostics are sorted by it."""

    SYNTAX = 0
    VERSION = 1
    LEGACY = 2
    SID = 3
    ACTIONS = 4
    RESOURCE_FORMAT = 5
    MORE_RESOURCE_FORMAT = 6
    ACTION_FORMAT = 7
    RESOURCES = 8
    KIND = 9
    NOTE = 10


@dataclass(frozen=True, slots=True)
class Rules:
    """The grammar rules that depend on where a policy is attached."""

    title: str
    aws: bool = True  # False: the lenient grammar of check_grammar
    iam: bool = True  # IAM's wording for operators and principals
    version_required: bool = False
    principal: Literal["forbidden", "required", "optional", "wildcard"] = "optional"
    not_principal: bool = True
    resource: Literal["required", "forbidden", "optional"] = "optional"
    not_action: bool = True
    sid_characters: bool = False
    sid_unique: bool = True
    sts_actions_only: bool = False
    rcp: bool = False


RULES: dict[PolicyKind | None, Rules] = {
    None: Rules("policy", aws=False, iam=False, sid_unique=False),
    PolicyKind.IDENTITY: Rules(
        "identity policy",
        version_required=True,
        principal="forbidden",
        resource="required",
        sid_characters=True,
    ),
    PolicyKind.PERMISSIONS_BOUNDARY: Rules(
        "permissions boundary",
        version_required=True,
        principal="forbidden",
        resource="required",
        sid_characters=True,
    ),
    PolicyKind.SESSION: Rules("session policy", principal="forbidden", resource="required"),
    PolicyKind.TRUST: Rules(
        "role trust policy",
        principal="required",
        not_principal=False,
        resource="forbidden",
        sid_characters=True,
        sts_actions_only=True,
    ),
    PolicyKind.RESOURCE: Rules(
        "resource-based policy", iam=False, principal="required", sid_unique=False
    ),
    PolicyKind.VPC_ENDPOINT: Rules(
        "VPC endpoint policy",
        iam=False,
        principal="required",
        resource="required",
        sid_unique=False,
    ),
    PolicyKind.SCP: Rules(
        "service control policy", iam=False, principal="forbidden", resource="required"
    ),
    PolicyKind.RCP: Rules(
        "resource control policy",
        iam=False,
        version_required=True,
        principal="wildcard",
        not_principal=False,
        resource="required",
        not_action=False,
        rcp=True,
    ),
}

Json = Any
Located = tuple[str, str]  # (pointer, text)
Statements = list[tuple[str, dict[str, Json]]]  # (pointer, statement)


def pointer(base: str, *parts: str | int) -> str:
    """``base`` extended by ``parts``, escaped as RFC 6901 asks (``~0``, ``~1``)."""
    out = base
    for part in parts:
        out += "/" + str(part).replace("~", "~0").replace("/", "~1")
    return out


def validate(document: Json, kind: PolicyKind | None) -> list[Diagnostic]:
    """Every problem of ``document`` as a policy of ``kind``, AWS's first problem first.

    ``kind=None`` checks the lenient, kind-independent grammar only.
    """
    checker = _Checker(RULES[kind])
    checker.run(document)
    return checker.diagnostics()


class _Checker:
    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.found: list[tuple[int, int, Diagnostic]] = []

    def add(
        self,
        phase: Phase,
        message: str,
        where: str,
        severity: Severity = Severity.ERROR,
        code: str = CODE,
    ) -> None:
        self.found.append((phase, len(self.found), Diagnostic(code, message, where, severity)))

    def diagnostics(self) -> list[Diagnostic]:
        return [diagnostic for _, _, diagnostic in sorted(self.found, key=lambda f: f[:2])]

    # -- the walk ----------------------------------------------------------------------

    def run(self, document: Json) -> None:
        if not isinstance(document, dict):
            self.add(Phase.SYNTAX, SYNTAX_ERROR, "")
            return
        self.top_level(document)
        statements = self.statements(document)
        for where, statement in statements:
            self.statement_syntax(where, statement)
        self.version_rule(document)
        self.effect_case(statements)
        if self.rules.aws:
            self.dates(statements)
            self.resource_formats(statements)
        self.sids(statements)
        if self.rules.aws:
            self.actions_present(statements)
        self.action_formats(statements)
        if self.rules.aws:
            self.kind_rules(statements)
        self.variables(document, statements)

    def top_level(self, document: dict[str, Json]) -> None:
        for key in document:
            if key not in TOP_ELEMENTS:
                self.add(Phase.SYNTAX, SYNTAX_ERROR, pointer("", key))
        if "Version" in document and document["Version"] not in VERSIONS:
            self.add(Phase.SYNTAX, SYNTAX_ERROR, "/Version")
        if "Id" in document and not isinstance(document["Id"], str):
            self.add(Phase.SYNTAX, SYNTAX_ERROR, "/Id")

    def statements(self, document: dict[str, Json]) -> Statements:
        if "Statement" not in document:
            self.add(Phase.SYNTAX, SYNTAX_ERROR, "")
            return []
        raw = document["Statement"]
        if isinstance(raw, dict):
            return [("/Statement", raw)]
        # IAM rejects an empty list; as grammar it is a policy that grants nothing.
        if not isinstance(raw, list) or (not raw and self.rules.aws):
            self.add(Phase.SYNTAX, SYNTAX_ERROR, "/Statement")
            return []
        out = []
        for index, item in enumerate(raw):
            where = pointer("/Statement", index)
            if isinstance(item, dict):
                out.append((where, item))
            else:
                self.add(Phase.SYNTAX, SYNTAX_ERROR, where)
        return out

    # -- phase 1: syntax ---------------------------------------------------------------

    def statement_syntax(self, where: str, statement: dict[str, Json]) -> None:
        for key in statement:
            if key not in STATEMENT_ELEMENTS:
                self.add(Phase.SYNTAX, SYNTAX_ERROR, pointer(where, key))
        for first, second in EXCLUSIVE:
            if first in statement and second in statement:
                self.add(Phase.SYNTAX, SYNTAX_ERROR, where)
        effect = statement.get("Effect")
        if "Effect" not in statement:
            self.add(Phase.SYNTAX, SYNTAX_ERROR, where)
        elif not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
            self.add(Phase.SYNTAX, SYNTAX_ERROR, pointer(where, "Effect"))
        if "Sid" in statement and not isinstance(statement["Sid"], str):
            self.add(Phase.SYNTAX, SYNTAX_ERROR, pointer(where, "Sid"))
        for name in ("Action", "NotAction", "Resource", "NotResource"):
            self.string_list_syntax(where, statement, name)
        for name in ("Principal", "NotPrincipal"):
            self.principal_syntax(where, statement, name)
        self.condition_syntax(where, statement)

    def string_list_syntax(self, where: str, statement: dict[str, Json], name: str) -> None:
        if name not in statement:
            return
        value = statement[name]
        if isinstance(value, str):
            return
        if not isinstance(value, list):
            self.add(Phase.SYNTAX, SYNTAX_ERROR, pointer(where, name))
            return
        # AWS takes a null among resources (moto's valid_policy_documents keep one).
        nullable = name in ("Resource", "NotResource")
        for index, item in enumerate(value):
            if not isinstance(item, str) and not (nullable and item is None):
                self.add(Phase.SYNTAX, SYNTAX_ERROR, pointer(where, name, index))

    def principal_syntax(self, where: str, statement: dict[str, Json], name: str) -> None:
        if name not in statement:
            return
        value, at = statement[name], pointer(where, name)
        if isinstance(value, str):
            if value != "*":
                self.add(Phase.KIND, self.invalid_principal(None, value), at)
            return
        if not isinstance(value, dict):
            self.add(Phase.SYNTAX, SYNTAX_ERROR, at)
            return
        if not value:
            self.add(Phase.KIND, self.invalid_principal(None, ""), at)
        for principal_type, listed in value.items():
            type_at = pointer(at, principal_type)
            if principal_type not in PRINCIPAL_TYPES:
                self.add(Phase.KIND, self.invalid_principal(principal_type, listed), type_at)
            for item_at, item in _items(type_at, listed):
                if not isinstance(item, str):
                    self.add(Phase.SYNTAX, SYNTAX_ERROR, item_at)
                elif principal_type == "AWS" and not _valid_aws_principal(item):
                    self.add(Phase.KIND, self.invalid_principal(principal_type, item), item_at)

    def invalid_principal(self, principal_type: str | None, value: Json) -> str:
        """IAM names the offending principal (``"AWS":"arn:..."``); S3 and the others do not."""
        if not self.rules.iam and self.rules.aws:
            return INVALID_PRINCIPAL
        shown = value if isinstance(value, str) else ""
        if principal_type is None:
            return f'{INVALID_PRINCIPAL}: "{shown}"'
        return f'{INVALID_PRINCIPAL}: "{principal_type}":"{shown}"'

    def condition_syntax(self, where: str, statement: dict[str, Json]) -> None:
        if "Condition" not in statement:
            return
        block, at = statement["Condition"], pointer(where, "Condition")
        if not isinstance(block, dict):
            self.add(Phase.SYNTAX, SYNTAX_ERROR, at)
            return
        for operator, keys in block.items():
            operator_at = pointer(at, operator)
            if not isinstance(keys, dict):
                self.add(Phase.SYNTAX, SYNTAX_ERROR, operator_at)
                continue
            for key, value in keys.items():
                for item_at, item in _items(pointer(operator_at, key), value):
                    if item is None or isinstance(item, dict | list):
                        self.add(Phase.SYNTAX, SYNTAX_ERROR, item_at)
            # IAM ignores an empty block, whatever its operator (moto's valid cases).
            if keys and parse_operator(operator) is None:
                message = SYNTAX_ERROR if self.rules.iam else f"Invalid Condition type : {operator}"
                self.add(Phase.SYNTAX, message, operator_at)

    # -- phase 2: version --------------------------------------------------------------

    def version_rule(self, document: dict[str, Json]) -> None:
        if self.rules.version_required and document.get("Version") != VERSION_2012:
            self.add(Phase.VERSION, VERSION_REQUIRED, "/Version" if "Version" in document else "")

    # -- phase 3: legacy parsing -------------------------------------------------------

    def effect_case(self, statements: Statements) -> None:
        for where, statement in statements:
            effect = statement.get("Effect")
            if not isinstance(effect, str) or effect in ("Allow", "Deny"):
                continue
            if effect.lower() in ("allow", "deny"):
                self.add(Phase.LEGACY, LEGACY_PARSING, pointer(where, "Effect"))

    def dates(self, statements: Statements) -> None:
        for where, statement in statements:
            block = statement.get("Condition")
            if not isinstance(block, dict):
                continue
            for operator, keys in block.items():
                parsed = parse_operator(operator)
                if parsed is None or not parsed.base.name.startswith("Date"):
                    continue
                if not isinstance(keys, dict):
                    continue
                for key, value in keys.items():
                    for item_at, item in _items(pointer(where, "Condition", operator, key), value):
                        text = _scalar_text(item)
                        if text is not None and not _legacy_date(text):
                            self.add(Phase.LEGACY, LEGACY_PARSING, item_at)

    def resource_formats(self, statements: Statements) -> None:
        """Resource ARN formats and legacy ARN parsing, in AWS's order (see the module doc)."""
        errors: list[Located] = []
        legacy_now: list[str] = []
        legacy_later: list[str] = []
        for name in ("Resource", "NotResource"):
            for where, statement in statements:
                if name not in statement:
                    continue
                located = list(_strings(where, statement, name))
                ordered = sorted(located, key=lambda pair: pair[1], reverse=True)
                flagged = set()
                for at, text in ordered:
                    message = resource_format_error(text)
                    if message is not None:
                        errors.append((at, message))
                        flagged.add(at)
                failing = [
                    at for at, text in located if at not in flagged and not _legacy_arn(text)
                ]
                (legacy_later if errors else legacy_now).extend(failing)
        for at in legacy_now:
            self.add(Phase.LEGACY, LEGACY_PARSING, at)
        if errors:
            chosen = errors[-1]
            self.add(Phase.RESOURCE_FORMAT, chosen[1], chosen[0])
            for at, message in errors[:-1]:
                self.add(Phase.MORE_RESOURCE_FORMAT, message, at)
        for at in legacy_later:
            self.add(Phase.MORE_RESOURCE_FORMAT, LEGACY_PARSING, at)

    # -- phase 4..7 --------------------------------------------------------------------

    def sids(self, statements: Statements) -> None:
        seen: set[str] = set()
        for where, statement in statements:
            sid = statement.get("Sid")
            if not isinstance(sid, str):
                continue
            if self.rules.sid_characters and _SID.fullmatch(sid) is None:
                self.add(Phase.SID, SID_CHARACTERS, pointer(where, "Sid"))
            if self.rules.sid_unique and sid:
                if sid in seen:
                    self.add(Phase.SID, SID_UNIQUE, pointer(where, "Sid"))
                seen.add(sid)

    def actions_present(self, statements: Statements) -> None:
        for where, statement in statements:
            if not _present(statement, "Action", "NotAction"):
                self.add(Phase.ACTIONS, NO_ACTIONS, where)

    def action_formats(self, statements: Statements) -> None:
        for name in ("Action", "NotAction"):
            for where, statement in statements:
                for at, text in _strings(where, statement, name):
                    message = action_format_error(text, strict_names=not self.rules.aws)
                    if message is not None:
                        self.add(Phase.ACTION_FORMAT, message, at)

    # -- phase 8: the rules of the kind ------------------------------------------------

    def kind_rules(self, statements: Statements) -> None:
        rules = self.rules
        if rules.resource == "required":
            for where, statement in statements:
                if not _present(statement, "Resource", "NotResource"):
                    self.add(Phase.RESOURCES, NO_RESOURCES, where)
        for where, statement in statements:
            self.principal_rule(where, statement)
            if rules.resource == "forbidden":
                for name in ("Resource", "NotResource"):
                    if name in statement:
                        self.add(Phase.KIND, f"Has prohibited field {name}", pointer(where, name))
            if not rules.not_action and "NotAction" in statement:
                message = f"NotAction is not supported in a {rules.title}."
                self.add(Phase.KIND, message, pointer(where, "NotAction"))
                if "Action" not in statement:
                    self.add(Phase.KIND, f"A {rules.title} statement must use Action.", where)
            if rules.sts_actions_only:
                self.trust_actions(where, statement)
            if rules.rcp:
                self.rcp_rules(where, statement)

    def principal_rule(self, where: str, statement: dict[str, Json]) -> None:
        rules = self.rules
        if rules.principal == "forbidden":
            for name in ("Principal", "NotPrincipal"):
                if name in statement:
                    message = (
                        PRINCIPAL_NOT_ALLOWED
                        if rules.iam
                        else f"{name} is not supported in a {rules.title}."
                    )
                    self.add(Phase.KIND, message, pointer(where, name))
            return
        if rules.principal in ("required", "wildcard"):
            needed = ("Principal",) if not rules.not_principal else ("Principal", "NotPrincipal")
            if not any(name in statement for name in needed):
                self.add(Phase.KIND, MISSING_PRINCIPAL, where)
        if not rules.not_principal and "NotPrincipal" in statement:
            message = f"NotPrincipal is not supported in a {rules.title}."
            self.add(Phase.KIND, message, pointer(where, "NotPrincipal"))
        if rules.principal == "wildcard" and isinstance(statement.get("Principal"), dict):
            message = f'Principal must be "*" in a {rules.title}.'
            self.add(Phase.KIND, message, pointer(where, "Principal"))

    def trust_actions(self, where: str, statement: dict[str, Json]) -> None:
        for name in ("Action", "NotAction"):
            for at, text in _strings(where, statement, name):
                if text.split(":", 1)[0].lower() != "sts" or ":" not in text:
                    self.add(Phase.KIND, TRUST_ACTIONS, at)

    def rcp_rules(self, where: str, statement: dict[str, Json]) -> None:
        title = self.rules.title
        effect = statement.get("Effect")
        if effect == "Allow" and not _full_access(statement):
            message = (
                f"A {title} may Allow only as RCPFullAWSAccess does: "
                'Principal, Action and Resource all "*", without a Condition.'
            )
            self.add(Phase.KIND, message, pointer(where, "Effect"))
        if effect == "Deny":
            for at, text in _strings(where, statement, "Action"):
                if text == "*":
                    message = f'A {title} cannot deny every action with "*"; name the service.'
                    self.add(Phase.KIND, message, at)

    # -- notes -------------------------------------------------------------------------

    def variables(self, document: dict[str, Json], statements: Statements) -> None:
        """Policy variables are plain text unless the Version is 2012-10-17."""
        version = document.get("Version")
        if version == VERSION_2012 or self.rules.version_required:
            return
        for where, statement in statements:
            for at, text in _variable_slots(where, statement):
                if has_variables(text):
                    message = (
                        "Policy variables need Version 2012-10-17; "
                        f"in this policy {text!r} is literal text."
                    )
                    self.add(Phase.NOTE, message, at, Severity.WARNING, "PolicyVariableIgnored")


# -- element helpers -------------------------------------------------------------------


def _items(at: str, value: Json) -> Iterator[tuple[str, Json]]:
    """A single value or each value of a list, with its pointer."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield pointer(at, index), item
    else:
        yield at, value


def _strings(where: str, statement: dict[str, Json], name: str) -> Iterator[Located]:
    """The string values of ``name`` (a string or a list), with their pointers."""
    if name not in statement:
        return
    for at, item in _items(pointer(where, name), statement[name]):
        if isinstance(item, str):
            yield at, item


def _present(statement: dict[str, Json], name: str, other: str) -> bool:
    """``name`` or ``other`` is there and, when it is a list, not empty (AWS's test)."""
    for key in (name, other):
        if key in statement:
            value = statement[key]
            return not isinstance(value, list) or bool(value)
    return False


def _scalar_text(value: Json) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def _variable_slots(where: str, statement: dict[str, Json]) -> Iterator[Located]:
    for name in ("Resource", "NotResource"):
        yield from _strings(where, statement, name)
    block = statement.get("Condition")
    if isinstance(block, dict):
        for operator, keys in block.items():
            if isinstance(keys, dict):
                for key, value in keys.items():
                    for at, item in _items(pointer(where, "Condition", operator, key), value):
                        if isinstance(item, str):
                            yield at, item


def _full_access(statement: dict[str, Json]) -> bool:
    """The RCPFullAWSAccess statement: Allow ``*`` to ``*`` on ``*``, nothing else."""

    def star(value: Json) -> bool:
        return bool(value == "*" or value == ["*"])

    extra = {"Condition", "NotAction", "NotResource", "NotPrincipal"} & statement.keys()
    return (
        not extra
        and statement.get("Principal") == "*"
        and star(statement.get("Action"))
        and star(statement.get("Resource"))
    )


def _valid_aws_principal(value: str) -> bool:
    """``*``, an account id, an IAM user/role/root ARN, an STS session or federated user ARN.

    Wildcards only stand alone: AWS rejects ``arn:aws:iam::*:root`` and the like
    ("Invalid principal in policy"). Unique ids (``AIDA...``, ``AROA...``), which AWS
    shows for deleted principals, are accepted.
    """
    if value == "*" or _ACCOUNT.fullmatch(value) or _UNIQUE_ID.fullmatch(value):
        return True
    if "*" in value or "?" in value:
        return False
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[1] not in PARTITIONS - {"*"} or parts[3]:
        return False
    service, account, resource = parts[2], parts[4], parts[5]
    if service == "iam":
        if account == "cloudfront":  # CloudFront origin access identities
            return resource.startswith("user/")
        return bool(_ACCOUNT.fullmatch(account)) and (
            resource == "root" or resource.startswith(("user/", "role/"))
        )
    if service == "sts":
        return bool(_ACCOUNT.fullmatch(account)) and resource.startswith(
            ("assumed-role/", "federated-user/")
        )
    return False


# -- formats shared with other layers --------------------------------------------------


def action_format_error(action: str, strict_names: bool = False) -> str | None:
    """AWS's message for a malformed action, or None.

    ``strict_names`` also requires the action name to be letters, digits,
    wildcards, commas, hyphens and spaces (the lenient grammar's rule; IAM
    itself takes any name, e.g. ``iam: asdf safdsf af``).
    """
    parts = action.split(":")
    if len(parts) == 1 and parts[0] != "*":
        return NO_VENDOR
    if len(parts) > 2:
        return ONE_COLON
    if parts[0] != "*" and _VENDOR_CHARACTERS.search(parts[0]):
        return f"Vendor {parts[0]} is not valid"
    if strict_names and len(parts) == 2 and _ACTION_NAME.fullmatch(parts[1]) is None:
        return (
            f"Action {action} is not valid: an action name has only letters, digits, "
            "wildcards (* and ?), commas, hyphens and spaces."
        )
    return None


def resource_format_error(resource: str) -> str | None:
    """AWS's message for a Resource value it rejects, or None.

    AWS reads the value as ``x:partition:service:region:account:resource`` without
    looking at the first field, and rewrites it as an ARN in its partition message.
    """
    if resource == "*":
        return None
    _, colon, rest = resource.partition(":")
    if not colon:
        return f'Resource {resource} must be in ARN format or "*".'
    partition, colon, rest = rest.partition(":")
    if partition not in PARTITIONS:
        return _partition_error(partition, rest)
    if not colon:
        return "Resource vendor must be fully qualified and cannot contain regexes."
    service, _, rest = rest.partition(":")
    _, _, after_region = rest.partition(":")
    resource_id = after_region.partition(":")[2]
    regional = service == "s3" and resource_id.startswith(S3_REGIONAL)
    if service in REGION_ERRORS and not rest.startswith(":") and not regional:
        return REGION_ERRORS[service].format(resource)
    iam_path = resource_id in ("*", "root") or resource_id.startswith(IAM_PATHS)
    if service == "iam" and not iam_path:
        return IAM_PATH_ERROR
    return None


def _partition_error(partition: str, rest: str) -> str:
    parts = rest.split(":")
    service = parts[0] if parts[0] or len(parts) > 1 else "*"
    region = parts[1] if len(parts) > 1 else "*"
    account = parts[2] if len(parts) > 2 else "*"
    tail = ":".join(parts[3:]) if len(parts) > 3 else "*"
    arn = f"arn:{partition}:{service}:{region}:{account}:{tail}"
    return f'Partition "{partition}" is not valid for resource "{arn}".'


def _legacy_arn(resource: str) -> bool:
    """IAM's legacy ARN reader: no ``::`` in a short ARN, and a service field."""
    if resource == "*":
        return True
    parts = resource.split(":")
    return (resource.count(":") >= 5 or "::" not in resource) and len(parts) > 2 and parts[2] != ""


def _legacy_date(value: str) -> bool:
    """IAM's legacy reader of date condition values: ISO 8601 or epoch seconds."""
    lowered = value.lower()
    try:
        if "t" in lowered or "-" in value:
            return _iso_datetime(lowered)
        return 0 <= int(value) <= _EPOCH_MAX
    except ValueError:
        return False


def _iso_datetime(text: str) -> bool:
    date, _, time = text.partition("t")
    negative = date.startswith("-")
    fields = (date[1:] if negative else date).split("-")
    year = int(("-" if negative else "") + fields[0])
    if not -292275054 <= year <= 292278993 or len(fields) > 3:
        return False
    if len(fields) > 1 and not 1 <= int(fields[1]) <= 12:
        return False
    if len(fields) > 2 and not 1 <= int(fields[2]) <= 31:
        return False
    clock = time.split(":")
    if clock[0] != "" and not 0 <= int(clock[0]) <= 23:
        return False
    if len(clock) > 1 and not 0 <= int(clock[1]) <= 59:
        return False
    return len(clock) < 3 or _iso_seconds(clock[2])


def _iso_seconds(text: str) -> bool:
    """Seconds, fraction and zone of an ISO time; the zone's minutes are the next field."""
    if "z" in text:
        seconds, _, after = text.partition("z")
        if after:
            return False
    elif "+" in text:
        seconds, _, zone = text.partition("+")
        hours, colon, minutes = zone.partition(":")
        if len(hours) != 2 or not 0 <= int(hours) <= 23:
            return False
        if colon and (len(minutes) != 2 or not 0 <= int(minutes) <= 59):
            return False
    else:
        seconds = text
    whole, dot, fraction = seconds.partition(".")
    if not 0 <= int(whole) <= 59:
        return False
    return not dot or 0 <= int(fraction) <= 999999999
