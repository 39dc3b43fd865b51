"""Persistence: SQLAlchemy Core over SQLite (default) or PostgreSQL, migrated by Alembic.

``open_store(url, master_key, clock)`` opens the identity store (creating or
upgrading its schema) and returns a :class:`Store`: accounts, users, groups,
roles, instance profiles, managed and inline policies, attachments,
boundaries, access keys, login profiles, tags, OIDC/SAML providers and STS
sessions, with IAM's quotas and errors. The store knows nothing about policy
evaluation: documents go in and come out as text.
"""

from clearance.store.base import NOTIFY_CHANNEL, Quotas
from clearance.store.crypto import (
    MasterKeyError,
    TokenSealer,
    generate_master_key,
    load_or_create_master_key,
)
from clearance.store.errors import (
    ConcurrentModification,
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
    ServiceFailure,
    UnmodifiableEntity,
)
from clearance.store.events import EventPage, StoredEvent
from clearance.store.ids import IdGenerator, seeded_ids
from clearance.store.org_common import ORG_VERSION_ACCOUNT, OrgQuotas
from clearance.store.org_records import AccountOrgView, OrgPolicy
from clearance.store.pagination import Page
from clearance.store.passwords import PasswordHasher, default_hasher, fast_hasher
from clearance.store.records import (
    AccessKey,
    AccessKeyLastUsed,
    Account,
    AttachedPolicy,
    EntityRef,
    Group,
    InlinePolicy,
    InstanceProfile,
    KeyRecord,
    LoginProfile,
    ManagedPolicy,
    NewAccessKey,
    NewSession,
    OidcProvider,
    PasswordPolicy,
    PolicyText,
    PolicyVersion,
    PrincipalPolicies,
    Role,
    SamlProvider,
    Session,
    SessionSpec,
    Tag,
    User,
)
from clearance.store.store import Store, open_store

__all__ = [
    "NOTIFY_CHANNEL",
    "ORG_VERSION_ACCOUNT",
    "AccessKey",
    "AccessKeyLastUsed",
    "Account",
    "AccountOrgView",
    "AttachedPolicy",
    "ConcurrentModification",
    "DeleteConflict",
    "EntityAlreadyExists",
    "EntityRef",
    "EventPage",
    "Group",
    "IdGenerator",
    "InlinePolicy",
    "InstanceProfile",
    "KeyRecord",
    "LimitExceeded",
    "LoginProfile",
    "ManagedPolicy",
    "MasterKeyError",
    "NewAccessKey",
    "NewSession",
    "NoSuchEntity",
    "OidcProvider",
    "OrgPolicy",
    "OrgQuotas",
    "Page",
    "PasswordHasher",
    "PasswordPolicy",
    "PolicyText",
    "PolicyVersion",
    "PrincipalPolicies",
    "Quotas",
    "Role",
    "SamlProvider",
    "ServiceFailure",
    "Session",
    "SessionSpec",
    "Store",
    "StoredEvent",
    "Tag",
    "TokenSealer",
    "UnmodifiableEntity",
    "User",
    "default_hasher",
    "fast_hasher",
    "generate_master_key",
    "load_or_create_master_key",
    "open_store",
    "seeded_ids",
]
