"""The tables (SQLAlchemy Core). Migrations in ``migrations/versions`` create them;
a test checks that migrating an empty database to head yields exactly this schema.

Conventions:

- every entity has the id AWS shows (``AIDA…``) as primary key and belongs to an
  account; names are unique per account case-insensitively through a
  ``name_lower`` column with a unique constraint;
- ``accounts.version`` is bumped by every write that can change an
  authorization outcome (and taken as the per-account write lock on PostgreSQL);
- attachment tables repeat the principal's ``account_id`` so that counts per
  account (AWS managed policies are shared by all accounts) are index lookups;
- documents are text, exactly as given; secrets are AES-GCM ciphertexts;
- times are UTC, stored without a zone and returned zone-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

__all__ = [
    "NAMING_CONVENTION",
    "UtcDateTime",
    "access_keys",
    "accounts",
    "audit_event_batches",
    "audit_events",
    "group_inline_policies",
    "group_members",
    "group_policy_attachments",
    "groups",
    "instance_profile_roles",
    "instance_profiles",
    "login_profiles",
    "metadata",
    "mfa_devices",
    "oidc_providers",
    "password_policies",
    "policies",
    "policy_versions",
    "role_inline_policies",
    "role_policy_attachments",
    "roles",
    "saml_providers",
    "sessions",
    "tags",
    "user_inline_policies",
    "user_policy_attachments",
    "users",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, naive UTC in the database."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


ID = sa.String(32)
KEY_ID = sa.String(128)
ACCOUNT = sa.String(12)
PATH = sa.String(512)


def _account(ondelete: str | None = None) -> sa.Column[str]:
    return sa.Column(
        "account_id", ACCOUNT, sa.ForeignKey("accounts.id", ondelete=ondelete), nullable=False
    )


def _fk(
    name: str,
    target: str,
    *,
    nullable: bool = False,
    ondelete: str | None = None,
    primary_key: bool = False,
    type_: sa.types.TypeEngine[Any] = ID,
) -> sa.Column[Any]:
    return sa.Column(
        name,
        type_,
        sa.ForeignKey(target, ondelete=ondelete),
        nullable=nullable,
        primary_key=primary_key,
    )


def _created() -> sa.Column[datetime]:
    return sa.Column("created_at", UtcDateTime(), nullable=False)


accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", ACCOUNT, primary_key=True),
    sa.Column("alias", sa.String(63), nullable=True, unique=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    _created(),
)

password_policies = sa.Table(
    "password_policies",
    metadata,
    _fk("account_id", "accounts.id", primary_key=True, ondelete="CASCADE", type_=ACCOUNT),
    sa.Column("minimum_password_length", sa.Integer, nullable=False),
    sa.Column("require_symbols", sa.Boolean, nullable=False),
    sa.Column("require_numbers", sa.Boolean, nullable=False),
    sa.Column("require_uppercase_characters", sa.Boolean, nullable=False),
    sa.Column("require_lowercase_characters", sa.Boolean, nullable=False),
    sa.Column("allow_users_to_change_password", sa.Boolean, nullable=False),
    sa.Column("max_password_age", sa.Integer, nullable=True),
    sa.Column("password_reuse_prevention", sa.Integer, nullable=True),
    sa.Column("hard_expiry", sa.Boolean, nullable=True),
)

policies = sa.Table(
    "policies",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _account(),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("name_lower", sa.String(128), nullable=False),
    sa.Column("path", PATH, nullable=False),
    sa.Column("description", sa.String(1000), nullable=True),
    sa.Column("default_version_id", sa.String(16), nullable=False),
    sa.Column("next_version", sa.Integer, nullable=False),
    sa.Column("is_attachable", sa.Boolean, nullable=False),
    _created(),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("account_id", "name_lower"),
)

policy_versions = sa.Table(
    "policy_versions",
    metadata,
    _fk("policy_id", "policies.id", primary_key=True, ondelete="CASCADE"),
    sa.Column("version_id", sa.String(16), primary_key=True),
    sa.Column("number", sa.Integer, nullable=False),  # 3 for "v3": the listing order
    sa.Column("document", sa.Text, nullable=False),
    _created(),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _account(),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("name_lower", sa.String(64), nullable=False),
    sa.Column("path", PATH, nullable=False),
    _fk("permissions_boundary_id", "policies.id", nullable=True),
    _created(),
    sa.Column("password_last_used_at", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("account_id", "name_lower"),
    sa.Index(None, "permissions_boundary_id"),
)

groups = sa.Table(
    "groups",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _account(),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("name_lower", sa.String(128), nullable=False),
    sa.Column("path", PATH, nullable=False),
    _created(),
    sa.UniqueConstraint("account_id", "name_lower"),
)

group_members = sa.Table(
    "group_members",
    metadata,
    _fk("group_id", "groups.id", primary_key=True),
    _fk("user_id", "users.id", primary_key=True),
    sa.Index(None, "user_id"),
)

roles = sa.Table(
    "roles",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _account(),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("name_lower", sa.String(64), nullable=False),
    sa.Column("path", PATH, nullable=False),
    sa.Column("assume_role_policy", sa.Text, nullable=False),
    sa.Column("description", sa.String(1000), nullable=True),
    sa.Column("max_session_duration", sa.Integer, nullable=False),
    _fk("permissions_boundary_id", "policies.id", nullable=True),
    _created(),
    sa.Column("last_used_at", UtcDateTime(), nullable=True),
    sa.Column("last_used_region", sa.String(32), nullable=True),
    sa.UniqueConstraint("account_id", "name_lower"),
    sa.Index(None, "permissions_boundary_id"),
)

instance_profiles = sa.Table(
    "instance_profiles",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _account(),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("name_lower", sa.String(128), nullable=False),
    sa.Column("path", PATH, nullable=False),
    _created(),
    sa.UniqueConstraint("account_id", "name_lower"),
)

# The primary key on the profile alone is AWS's hard quota of one role per profile.
instance_profile_roles = sa.Table(
    "instance_profile_roles",
    metadata,
    _fk("instance_profile_id", "instance_profiles.id", primary_key=True),
    _fk("role_id", "roles.id"),
    sa.Index(None, "role_id"),
)


def _attachments(name: str, owner: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        _fk(f"{owner}_id", f"{owner}s.id", primary_key=True),
        _fk("policy_id", "policies.id", primary_key=True),
        sa.Column("account_id", ACCOUNT, nullable=False),
        sa.Index(None, "policy_id", "account_id"),
    )


def _inline(name: str, owner: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        _fk(f"{owner}_id", f"{owner}s.id", primary_key=True),
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),  # as IAM counts it, for the aggregate quota
    )


user_policy_attachments = _attachments("user_policy_attachments", "user")
group_policy_attachments = _attachments("group_policy_attachments", "group")
role_policy_attachments = _attachments("role_policy_attachments", "role")
user_inline_policies = _inline("user_inline_policies", "user")
group_inline_policies = _inline("group_inline_policies", "group")
role_inline_policies = _inline("role_inline_policies", "role")

# Long-term keys of users (user_id set) and of the account's root (user_id NULL).
access_keys = sa.Table(
    "access_keys",
    metadata,
    sa.Column("id", KEY_ID, primary_key=True),
    _account(),
    _fk("user_id", "users.id", nullable=True),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("secret", sa.LargeBinary, nullable=False),
    _created(),
    sa.Column("last_used_at", UtcDateTime(), nullable=True),
    sa.Column("last_used_service", sa.String(64), nullable=True),
    sa.Column("last_used_region", sa.String(32), nullable=True),
    sa.Index(None, "user_id"),
    sa.Index(None, "account_id"),
)

login_profiles = sa.Table(
    "login_profiles",
    metadata,
    _fk("user_id", "users.id", primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("password_reset_required", sa.Boolean, nullable=False),
    _created(),
    sa.Column("password_changed_at", UtcDateTime(), nullable=False),
)

# Tags of users, roles, policies, instance profiles and identity providers,
# keyed by the resource's unique id; one tag per lower-cased key.
tags = sa.Table(
    "tags",
    metadata,
    sa.Column("resource_id", ID, primary_key=True),
    sa.Column("key_lower", sa.String(128), primary_key=True),
    sa.Column("key", sa.String(128), nullable=False),
    sa.Column("value", sa.String(256), nullable=False),
)

oidc_providers = sa.Table(
    "oidc_providers",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _account(),
    sa.Column("url", sa.String(255), nullable=False),
    sa.Column("client_ids", sa.Text, nullable=False),  # JSON list
    sa.Column("thumbprints", sa.Text, nullable=False),  # JSON list
    _created(),
    sa.UniqueConstraint("account_id", "url"),
)

saml_providers = sa.Table(
    "saml_providers",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _account(),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("name_lower", sa.String(128), nullable=False),
    sa.Column("metadata_document", sa.Text, nullable=False),
    _created(),
    sa.Column("valid_until", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("account_id", "name_lower"),
)

# STS sessions: one row per temporary credential (ASIA… key id). Deleting the
# role or user behind a session ends it.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("access_key_id", KEY_ID, primary_key=True),
    _account("CASCADE"),
    sa.Column("secret", sa.LargeBinary, nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("principal_arn", sa.String(2048), nullable=False),
    sa.Column("principal_id", sa.String(256), nullable=False),
    _fk("role_id", "roles.id", nullable=True, ondelete="CASCADE"),
    _fk("user_id", "users.id", nullable=True, ondelete="CASCADE"),
    sa.Column("session_name", sa.String(64), nullable=True),
    sa.Column("source_identity", sa.String(256), nullable=True),
    sa.Column("mfa_present", sa.Boolean, nullable=False),
    sa.Column("mfa_authenticated_at", UtcDateTime(), nullable=True),
    sa.Column("session_policy", sa.Text, nullable=True),
    sa.Column("policy_arns", sa.Text, nullable=False),  # JSON list
    sa.Column("tags", sa.Text, nullable=False),  # JSON list of [key, value]
    sa.Column("transitive_tag_keys", sa.Text, nullable=False),  # JSON list
    sa.Column("federated_provider", sa.String(2048), nullable=True),
    sa.Column("source_access_key_id", KEY_ID, nullable=True),
    sa.Column("attributes", sa.Text, nullable=False),  # JSON object: claims, SAML attributes...
    _created(),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Index(None, "expires_at"),
    sa.Index(None, "role_id"),
    sa.Index(None, "user_id"),
)

# Virtual MFA devices (CreateVirtualMFADevice). The serial number is the ARN
# ``arn:aws:iam::ACCOUNT:mfa/PATH/NAME``; the TOTP seed is an AES-GCM ciphertext.
# ``user_id`` is set while the device is enabled for a user. ``last_step`` is
# the newest TOTP time step accepted (a code is never accepted twice) and
# ``drift`` the step offset learned by ResyncMFADevice.
mfa_devices = sa.Table(
    "mfa_devices",
    metadata,
    sa.Column("id", ID, primary_key=True),
    _account(),
    sa.Column("name", sa.String(226), nullable=False),
    sa.Column("name_lower", sa.String(226), nullable=False),
    sa.Column("path", PATH, nullable=False),
    sa.Column("seed", sa.LargeBinary, nullable=False),
    _fk("user_id", "users.id", nullable=True),
    sa.Column("enabled_at", UtcDateTime(), nullable=True),
    sa.Column("last_step", sa.BigInteger, nullable=True),
    sa.Column("drift", sa.Integer, nullable=False),
    _created(),
    sa.UniqueConstraint("account_id", "path", "name_lower"),
    sa.Index(None, "user_id"),
)

# The audit trail: one CloudTrail record per API call (JSON text, secrets already
# redacted) and, beside it, the decision trace. The lookup attributes of
# CloudTrail's LookupEvents are columns, each indexed with the event time.
audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("request_id", sa.String(64), nullable=False),
    sa.Column("event_time", UtcDateTime(), nullable=False),
    sa.Column("event_name", sa.String(128), nullable=False),
    sa.Column("event_source", sa.String(128), nullable=False),
    sa.Column("username", sa.String(256), nullable=True),
    sa.Column("access_key_id", KEY_ID, nullable=True),
    sa.Column("resource_name", sa.String(1024), nullable=True),
    sa.Column("read_only", sa.Boolean, nullable=False),
    sa.Column("account_id", ACCOUNT, nullable=True),
    sa.Column("error_code", sa.String(128), nullable=True),
    sa.Column("record", sa.Text, nullable=False),
    sa.Column("trace", sa.Text, nullable=True),
    sa.Column("chain_seq", sa.Integer, nullable=True),  # its batch in audit_event_batches
    sa.Index(None, "event_time", "event_id"),
    sa.Index(None, "request_id"),
    sa.Index(None, "event_name", "event_time"),
    sa.Index(None, "event_source", "event_time"),
    sa.Index(None, "username", "event_time"),
    sa.Index(None, "access_key_id", "event_time"),
    sa.Index(None, "resource_name", "event_time"),
    sa.Index(None, "chain_seq", "event_id"),
    # ReadOnly=false (the changes): the write events only, so the many read-only
    # events pay no index insert for it; ReadOnly=true, the common case, is read
    # off the (event_time, event_id) scan (revision 0013).
    sa.Index(
        "ix_audit_events_writes",
        "event_time",
        "event_id",
        sqlite_where=sa.text("read_only IS 0"),
        postgresql_where=sa.text("read_only IS false"),
    ),
)

# One row per appended batch of audit events: a hash chain (see store/event_chain.py).
audit_event_batches = sa.Table(
    "audit_event_batches",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("created", UtcDateTime(), nullable=False),
    sa.Column("first_event_id", sa.String(64), nullable=False),
    sa.Column("last_event_id", sa.String(64), nullable=False),
    sa.Column("event_count", sa.Integer, nullable=False),
    sa.Column("batch_hash", sa.String(64), nullable=False),
    sa.Column("previous_hash", sa.String(64), nullable=False),
    sa.Column("digest_hash", sa.String(64), nullable=False),
    sa.Column("mac", sa.String(64), nullable=False),
)
