"""Principals: the shape of a Principal or NotPrincipal, and which AWS principals exist."""

from __future__ import annotations

import re

from clearance.policy.validation.elements import Json, items, pointer
from clearance.policy.validation.messages import INVALID_PRINCIPAL, SYNTAX_ERROR
from clearance.policy.validation.order import Phase, Report
from clearance.policy.validation.resources import PARTITIONS
from clearance.policy.validation.rules import Rules

__all__ = ["principal_syntax"]

PRINCIPAL_TYPES = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})

_ACCOUNT = re.compile(r"[0-9]{12}")
_UNIQUE_ID = re.compile(r"A[A-Z]{3}[A-Z0-9]{12,}")


def principal_syntax(report: Report, where: str, statement: dict[str, Json], name: str) -> None:
    """``"*"`` or an object of known principal types whose values are strings.

    A wrong type is a syntax error; a principal AWS does not know is a problem
    of the kind (phase 8).
    """
    if name not in statement:
        return
    value, at = statement[name], pointer(where, name)
    rules = report.rules
    if isinstance(value, str):
        if value != "*":
            report.add(Phase.KIND, _invalid_principal(rules, None, value), at)
        return
    if not isinstance(value, dict):
        report.add(Phase.SYNTAX, SYNTAX_ERROR, at)
        return
    if not value:
        report.add(Phase.KIND, _invalid_principal(rules, None, ""), at)
    for principal_type, listed in value.items():
        type_at = pointer(at, principal_type)
        if principal_type not in PRINCIPAL_TYPES:
            report.add(Phase.KIND, _invalid_principal(rules, principal_type, listed), type_at)
        for item_at, item in items(type_at, listed):
            if not isinstance(item, str):
                report.add(Phase.SYNTAX, SYNTAX_ERROR, item_at)
            elif principal_type == "AWS" and not _valid_aws_principal(item):
                report.add(Phase.KIND, _invalid_principal(rules, principal_type, item), item_at)


def _invalid_principal(rules: Rules, principal_type: str | None, value: Json) -> str:
    """IAM names the offending principal (``"AWS":"arn:..."``); S3 and the others do not."""
    if not rules.iam and rules.aws:
        return INVALID_PRINCIPAL
    shown = value if isinstance(value, str) else ""
    if principal_type is None:
        return f'{INVALID_PRINCIPAL}: "{shown}"'
    return f'{INVALID_PRINCIPAL}: "{principal_type}":"{shown}"'


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
