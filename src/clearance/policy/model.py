"""The policy language as frozen values.

A :class:`Policy` is produced once by :mod:`clearance.policy.parser`; nothing
past the parser looks at raw JSON. Single strings and lists are both held as
tuples; which form the author used is not meaningful to AWS.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "VERSION_2008",
    "VERSION_2012",
    "Condition",
    "Effect",
    "Policy",
    "PolicyKind",
    "PrincipalBlock",
    "Statement",
]

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"


class Effect(Enum):
    ALLOW = "Allow"
    DENY = "Deny"


class PolicyKind(Enum):
    """Where a policy is attached decides which grammar rules apply to it."""

    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"
    PERMISSIONS_BOUNDARY = "permissions_boundary"
    SCP = "scp"
    RCP = "rcp"
    SESSION = "session"
    VPC_ENDPOINT = "vpc_endpoint"


@dataclass(frozen=True, slots=True)
class PrincipalBlock:
    """``Principal`` / ``NotPrincipal``: ``"*"``, or typed lists of values.

    ``entries`` pairs a principal type (``AWS``, ``Service``, ``Federated``,
    ``CanonicalUser``) with its values, in document order.
    """

    wildcard: bool
    entries: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def values(self, principal_type: str) -> tuple[str, ...]:
        found: tuple[str, ...] = ()
        for kind, values in self.entries:
            if kind == principal_type:
                found += values
        return found


@dataclass(frozen=True, slots=True)
class Condition:
    """One ``operator: {key: values}`` pair of a Condition block.

    Values are kept as the strings AWS compares (``true``, ``10``); a JSON
    boolean or number in the document becomes its text.
    """

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    effect: Effect
    sid: str | None = None
    principal: PrincipalBlock | None = None
    not_principal: PrincipalBlock | None = None
    action: tuple[str, ...] | None = None
    not_action: tuple[str, ...] | None = None
    resource: tuple[str, ...] | None = None
    not_resource: tuple[str, ...] | None = None
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class Policy:
    statements: tuple[Statement, ...]
    version: str | None = None
    id: str | None = None

    @property
    def supports_variables(self) -> bool:
        """Policy variables exist only in version 2012-10-17 documents."""
        return self.version == VERSION_2012
