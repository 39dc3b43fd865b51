"""What the store returns: frozen values, no rows, no sessions.

ARNs are computed from the account, path and name (partition ``aws``).
Secrets appear only in :class:`NewAccessKey`, :class:`NewSession` and
:class:`KeyRecord`, and never in their ``repr``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

__all__ = [
    "AccessKey",
    "AccessKeyLastUsed",
    "Account",
    "AttachedPolicy",
    "EntityRef",
    "Group",
    "InlinePolicy",
    "InstanceProfile",
    "KeyRecord",
    "LoginProfile",
    "ManagedPolicy",
    "NewAccessKey",
    "NewSession",
    "OidcProvider",
    "PasswordPolicy",
    "PolicyText",
    "PolicyVersion",
    "PrincipalPolicies",
    "Role",
    "SamlProvider",
    "Session",
    "SessionSpec",
    "Tag",
    "User",
    "iam_arn",
    "token_hash",
]

KeyStatus = Literal["Active", "Inactive"]


def iam_arn(account_id: str, kind: str, path: str, name: str) -> str:
    """``arn:aws:iam::ACCOUNT:kind/path/name`` (``path`` starts and ends with ``/``)."""
    return f"arn:aws:iam::{account_id}:{kind}{path}{name}"


def token_hash(token: str) -> str:
    """The stored form of a session token: hex SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Tag(NamedTuple):
    key: str
    value: str


class PolicyText(NamedTuple):
    """A policy as the authorizer needs it: an id (the ARN of a managed policy,
    ``user/NAME/POLICY`` for an inline one) and the document text."""

    id: str
    document: str


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    created: datetime
    alias: str | None
    version: int

    @property
    def root_arn(self) -> str:
        return f"arn:aws:iam::{self.id}:root"


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    minimum_password_length: int = 8
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase_characters: bool = False
    require_lowercase_characters: bool = False
    allow_users_to_change_password: bool = False
    max_password_age: int | None = None
    password_reuse_prevention: int | None = None
    hard_expiry: bool | None = None


@dataclass(frozen=True, slots=True)
class User:
    account_id: str
    id: str
    name: str
    path: str
    created: datetime
    password_last_used: datetime | None = None
    permissions_boundary_arn: str | None = None

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, "user", self.path, self.name)


@dataclass(frozen=True, slots=True)
class Group:
    account_id: str
    id: str
    name: str
    path: str
    created: datetime

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, "group", self.path, self.name)


@dataclass(frozen=True, slots=True)
class Role:
    account_id: str
    id: str
    name: str
    path: str
    created: datetime
    assume_role_policy: str
    description: str | None = None
    max_session_duration: int = 3600
    permissions_boundary_arn: str | None = None
    last_used: datetime | None = None
    last_used_region: str | None = None

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, "role", self.path, self.name)


@dataclass(frozen=True, slots=True)
class InstanceProfile:
    account_id: str
    id: str
    name: str
    path: str
    created: datetime
    roles: tuple[Role, ...] = ()

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, "instance-profile", self.path, self.name)


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    """A customer managed policy, or an AWS managed one (``account_id == "aws"``).

    The counts are those of the account that asked (AWS managed policies are
    shared by every account, their attachments are not)."""

    account_id: str
    id: str
    name: str
    path: str
    created: datetime
    updated: datetime
    default_version_id: str
    description: str | None = None
    attachment_count: int = 0
    permissions_boundary_usage_count: int = 0
    is_attachable: bool = True

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, "policy", self.path, self.name)


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    policy_arn: str
    version_id: str
    document: str
    is_default: bool
    created: datetime


@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    name: str
    arn: str


@dataclass(frozen=True, slots=True)
class InlinePolicy:
    owner_name: str
    name: str
    document: str


@dataclass(frozen=True, slots=True)
class EntityRef:
    """A user, group or role that uses a managed policy (ListEntitiesForPolicy)."""

    kind: Literal["user", "group", "role"]
    name: str
    id: str


@dataclass(frozen=True, slots=True)
class AccessKey:
    account_id: str
    id: str
    user_name: str | None  # None: the account's root user
    status: KeyStatus
    created: datetime


@dataclass(frozen=True, slots=True)
class NewAccessKey:
    """A key just created: the only time its secret leaves the store unasked."""

    account_id: str
    id: str
    user_name: str | None
    status: KeyStatus
    created: datetime
    secret_access_key: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class AccessKeyLastUsed:
    access_key_id: str
    user_name: str | None
    last_used: datetime | None
    service_name: str | None
    region: str | None


@dataclass(frozen=True, slots=True)
class LoginProfile:
    user_name: str
    created: datetime
    password_reset_required: bool


@dataclass(frozen=True, slots=True)
class OidcProvider:
    account_id: str
    url: str  # as AWS shows it: issuer without ``https://``
    client_ids: tuple[str, ...]
    thumbprints: tuple[str, ...]
    created: datetime

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:oidc-provider/{self.url}"


@dataclass(frozen=True, slots=True)
class SamlProvider:
    account_id: str
    name: str
    metadata_document: str
    created: datetime
    valid_until: datetime | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:saml-provider/{self.name}"


@dataclass(frozen=True, slots=True)
class SessionSpec:
    """What STS decided for a new session; the store adds keys and timestamps.

    ``kind``: ``AssumedRole``, ``FederatedUser`` or ``SessionToken``
    (GetSessionToken, for a user or the root). ``principal_id`` is ``aws:userid``
    (``AROA…:name``, ``ACCOUNT:name``, ``AIDA…``)."""

    account_id: str
    kind: Literal["AssumedRole", "FederatedUser", "SessionToken"]
    principal_arn: str
    principal_id: str
    expires: datetime
    role_id: str | None = None
    user_id: str | None = None
    session_name: str | None = None
    source_identity: str | None = None
    mfa_present: bool = False
    mfa_authenticated: datetime | None = None
    session_policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    tags: tuple[Tag, ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    federated_provider: str | None = None
    source_access_key_id: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Session:
    access_key_id: str
    account_id: str
    kind: Literal["AssumedRole", "FederatedUser", "SessionToken"]
    principal_arn: str
    principal_id: str
    created: datetime
    expires: datetime
    role_id: str | None
    user_id: str | None
    session_name: str | None
    source_identity: str | None
    mfa_present: bool
    mfa_authenticated: datetime | None
    session_policy: str | None
    policy_arns: tuple[str, ...]
    tags: tuple[Tag, ...]
    transitive_tag_keys: tuple[str, ...]
    federated_provider: str | None
    source_access_key_id: str | None
    attributes: Mapping[str, Any] = field(hash=False)
    token_hash: str = field(repr=False)

    def token_matches(self, token: str) -> bool:
        """Constant-time check of a presented session token."""
        return hmac.compare_digest(token_hash(token), self.token_hash)


@dataclass(frozen=True, slots=True)
class NewSession:
    session: Session
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """Everything request authentication needs about an access key id.

    ``kind`` is ``root``, ``user`` or ``session``. For a session, ``session``
    holds its details and ``user_*`` describe the user behind a GetSessionToken
    or GetFederationToken session (None for roles and the root)."""

    access_key_id: str
    account_id: str
    kind: Literal["root", "user", "session"]
    status: KeyStatus
    principal_arn: str
    principal_id: str
    user_id: str | None
    user_name: str | None
    user_path: str | None
    secret_access_key: str = field(repr=False)
    session: Session | None = None


@dataclass(frozen=True, slots=True)
class PrincipalPolicies:
    """The identity-side policies of a user or role, read in one transaction.

    ``identity``: the principal's inline policies (by name), then its attached
    managed policies (their default versions), then, for a user, each group's
    (by group name) inline and attached policies. ``version`` is the account's
    version, read before the policies: a cache keyed by it can only be too old,
    never too new."""

    version: int
    identity: tuple[PolicyText, ...]
    boundary: PolicyText | None
    tags: tuple[Tag, ...]
