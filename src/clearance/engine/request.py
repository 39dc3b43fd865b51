"""The authorization request: who, what, on which resource, in what context.

Built once at the edge. Context keys are case-insensitive, so they are stored
lower-cased. A single-valued key holds a string, a multi-valued key a tuple
of strings (possibly empty): the operators treat the two differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from clearance.arn import parse_arn
from clearance.engine.facts import RCP_SERVICES

__all__ = [
    "ANONYMOUS",
    "ContextValue",
    "Principal",
    "PrincipalKind",
    "Request",
    "ResourcePolicyKind",
    "Scope",
    "parse_principal",
]

ANONYMOUS = "anonymous"

ContextValue = str | tuple[str, ...]


class PrincipalKind(Enum):
    ROOT = "root"
    USER = "user"
    ROLE = "role"
    ROLE_SESSION = "role_session"
    FEDERATED_USER = "federated_user"
    SERVICE = "service"
    ANONYMOUS = "anonymous"
    OTHER = "other"


class ResourcePolicyKind(Enum):
    """Trust and key policies must allow even within the account."""

    RESOURCE = "resource"
    TRUST = "trust"
    KEY = "key"


_IAM_KINDS = frozenset(
    {
        PrincipalKind.USER,
        PrincipalKind.ROLE,
        PrincipalKind.ROLE_SESSION,
        PrincipalKind.FEDERATED_USER,
        PrincipalKind.OTHER,
    }
)


@dataclass(frozen=True, slots=True, eq=False)
class Scope:
    """Which policy types bind a kind of principal.

    ``iam``: identity policies, boundaries and session policies apply (not to
    the root user, AWS services or anonymous callers). ``scp``: the caller
    belongs to an account that SCPs govern (not services or anonymous
    callers). RCPs bind every caller, AWS services included; whether they
    apply depends on the action's service (:attr:`Request.rcp_bound`).
    """

    iam: bool
    scp: bool

    @staticmethod
    def of(kind: PrincipalKind) -> Scope:
        """One shared instance per combination: hashed and compared by identity."""
        key = (kind in _IAM_KINDS, kind not in (PrincipalKind.SERVICE, PrincipalKind.ANONYMOUS))
        found = _SCOPES.get(key)
        if found is None:
            found = _SCOPES[key] = Scope(*key)
        return found


_SCOPES: dict[tuple[bool, bool], Scope] = {}


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller. ``names`` lists every ARN a Principal element may use to
    name it, most specific first (session, role, account root)."""

    arn: str
    kind: PrincipalKind
    account: str | None
    names: tuple[str, ...]
    role_arn: str | None = None
    scope: Scope = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "scope", Scope.of(self.kind))

    @property
    def account_root(self) -> str | None:
        return f"arn:aws:iam::{self.account}:root" if self.account else None


def parse_principal(
    text: str, account: str | None = None, role_arn: str | None = None
) -> Principal:
    """Read a principal: an IAM ARN, an STS session ARN, a service, or anonymous.

    ``role_arn`` is the role's ARN with its path (``aws:PrincipalArn``), which an
    assumed-role ARN does not carry.
    """
    if text == ANONYMOUS:
        return Principal(text, PrincipalKind.ANONYMOUS, account, ())
    arn = parse_arn(text)
    if arn is None:
        return Principal(text, PrincipalKind.SERVICE, account, (text,))
    account = arn.account or account
    root = f"arn:{arn.partition}:iam::{account}:root"
    resource = arn.resource
    if arn.service == "iam" and resource == "root":
        return Principal(text, PrincipalKind.ROOT, account, (root,))
    if arn.service == "iam" and resource.startswith("user/"):
        return Principal(text, PrincipalKind.USER, account, (text, root))
    if arn.service == "iam" and resource.startswith("role/"):
        return Principal(text, PrincipalKind.ROLE, account, (text, root), role_arn=text)
    if arn.service == "sts" and resource.startswith("assumed-role/"):
        role_name = resource.split("/")[1] if resource.count("/") >= 2 else ""
        role = role_arn or f"arn:{arn.partition}:iam::{account}:role/{role_name}"
        return Principal(text, PrincipalKind.ROLE_SESSION, account, (text, role, root), role)
    if arn.service == "sts" and resource.startswith("federated-user/"):
        return Principal(text, PrincipalKind.FEDERATED_USER, account, (text, root))
    return Principal(text, PrincipalKind.OTHER, account, (text, root))


@dataclass(frozen=True, slots=True)
class Request:
    principal: Principal
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    resource_account: str | None = None
    resource_policy_kind: ResourcePolicyKind = ResourcePolicyKind.RESOURCE
    action_key: str = field(default="", init=False)
    rcp_bound: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        key = self.action.lower()
        object.__setattr__(self, "action_key", key)
        object.__setattr__(self, "rcp_bound", key.partition(":")[0] in RCP_SERVICES)

    @property
    def same_account(self) -> bool:
        """A request whose resource account is unknown is judged as same-account."""
        return self.resource_account is None or self.resource_account == self.principal.account

    def lookup(self, key: str) -> ContextValue | None:
        """The value of a lower-cased context key, or None when absent."""
        return self.context.get(key)
