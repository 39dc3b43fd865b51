"""Initial schema: accounts, principals, policies, keys, providers, sessions, tags.

Also creates the pseudo-account ``aws`` that owns AWS managed policies.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=12), nullable=False),
        sa.Column("alias", sa.String(length=63), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("alias", name=op.f("uq_accounts_alias")),
    )
    op.create_table(
        "tags",
        sa.Column("resource_id", sa.String(length=32), nullable=False),
        sa.Column("key_lower", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint("resource_id", "key_lower", name=op.f("pk_tags")),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("name_lower", sa.String(length=128), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_groups_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint(
            "account_id", "name_lower", name=op.f("uq_groups_account_id_name_lower")
        ),
    )
    op.create_table(
        "instance_profiles",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("name_lower", sa.String(length=128), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_instance_profiles_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instance_profiles")),
        sa.UniqueConstraint(
            "account_id", "name_lower", name=op.f("uq_instance_profiles_account_id_name_lower")
        ),
    )
    op.create_table(
        "oidc_providers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("url", sa.String(length=255), nullable=False),
        sa.Column("client_ids", sa.Text(), nullable=False),
        sa.Column("thumbprints", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_oidc_providers_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_providers")),
        sa.UniqueConstraint("account_id", "url", name=op.f("uq_oidc_providers_account_id_url")),
    )
    op.create_table(
        "password_policies",
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("minimum_password_length", sa.Integer(), nullable=False),
        sa.Column("require_symbols", sa.Boolean(), nullable=False),
        sa.Column("require_numbers", sa.Boolean(), nullable=False),
        sa.Column("require_uppercase_characters", sa.Boolean(), nullable=False),
        sa.Column("require_lowercase_characters", sa.Boolean(), nullable=False),
        sa.Column("allow_users_to_change_password", sa.Boolean(), nullable=False),
        sa.Column("max_password_age", sa.Integer(), nullable=True),
        sa.Column("password_reuse_prevention", sa.Integer(), nullable=True),
        sa.Column("hard_expiry", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_password_policies_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_password_policies")),
    )
    op.create_table(
        "policies",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("name_lower", sa.String(length=128), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("default_version_id", sa.String(length=16), nullable=False),
        sa.Column("next_version", sa.Integer(), nullable=False),
        sa.Column("is_attachable", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_policies_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
        sa.UniqueConstraint(
            "account_id", "name_lower", name=op.f("uq_policies_account_id_name_lower")
        ),
    )
    op.create_table(
        "saml_providers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("name_lower", sa.String(length=128), nullable=False),
        sa.Column("metadata_document", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_saml_providers_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saml_providers")),
        sa.UniqueConstraint(
            "account_id", "name_lower", name=op.f("uq_saml_providers_account_id_name_lower")
        ),
    )
    op.create_table(
        "group_inline_policies",
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_inline_policies_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("group_id", "name", name=op.f("pk_group_inline_policies")),
    )
    op.create_table(
        "group_policy_attachments",
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_policy_attachments_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.id"],
            name=op.f("fk_group_policy_attachments_policy_id_policies"),
        ),
        sa.PrimaryKeyConstraint("group_id", "policy_id", name=op.f("pk_group_policy_attachments")),
    )
    op.create_index(
        op.f("ix_group_policy_attachments_policy_id_account_id"),
        "group_policy_attachments",
        ["policy_id", "account_id"],
    )

    op.create_table(
        "policy_versions",
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("version_id", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.id"],
            name=op.f("fk_policy_versions_policy_id_policies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("policy_id", "version_id", name=op.f("pk_policy_versions")),
    )
    op.create_table(
        "roles",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("name_lower", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("assume_role_policy", sa.Text(), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("max_session_duration", sa.Integer(), nullable=False),
        sa.Column("permissions_boundary_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_region", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_roles_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["permissions_boundary_id"],
            ["policies.id"],
            name=op.f("fk_roles_permissions_boundary_id_policies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint(
            "account_id", "name_lower", name=op.f("uq_roles_account_id_name_lower")
        ),
    )
    op.create_index(op.f("ix_roles_permissions_boundary_id"), "roles", ["permissions_boundary_id"])

    op.create_table(
        "users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("name_lower", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("permissions_boundary_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_users_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["permissions_boundary_id"],
            ["policies.id"],
            name=op.f("fk_users_permissions_boundary_id_policies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint(
            "account_id", "name_lower", name=op.f("uq_users_account_id_name_lower")
        ),
    )
    op.create_index(op.f("ix_users_permissions_boundary_id"), "users", ["permissions_boundary_id"])

    op.create_table(
        "access_keys",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_service", sa.String(length=64), nullable=True),
        sa.Column("last_used_region", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_access_keys_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_access_keys_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_keys")),
    )
    op.create_index(op.f("ix_access_keys_account_id"), "access_keys", ["account_id"])
    op.create_index(op.f("ix_access_keys_user_id"), "access_keys", ["user_id"])

    op.create_table(
        "group_members",
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_members_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_group_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_group_members")),
    )
    op.create_index(op.f("ix_group_members_user_id"), "group_members", ["user_id"])

    op.create_table(
        "instance_profile_roles",
        sa.Column("instance_profile_id", sa.String(length=32), nullable=False),
        sa.Column("role_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_profile_id"],
            ["instance_profiles.id"],
            name=op.f("fk_instance_profile_roles_instance_profile_id_instance_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_instance_profile_roles_role_id_roles")
        ),
        sa.PrimaryKeyConstraint("instance_profile_id", name=op.f("pk_instance_profile_roles")),
    )
    op.create_index(
        op.f("ix_instance_profile_roles_role_id"), "instance_profile_roles", ["role_id"]
    )

    op.create_table(
        "login_profiles",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("password_reset_required", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_profiles_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_login_profiles")),
    )
    op.create_table(
        "role_inline_policies",
        sa.Column("role_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_role_inline_policies_role_id_roles")
        ),
        sa.PrimaryKeyConstraint("role_id", "name", name=op.f("pk_role_inline_policies")),
    )
    op.create_table(
        "role_policy_attachments",
        sa.Column("role_id", sa.String(length=32), nullable=False),
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.id"],
            name=op.f("fk_role_policy_attachments_policy_id_policies"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_role_policy_attachments_role_id_roles")
        ),
        sa.PrimaryKeyConstraint("role_id", "policy_id", name=op.f("pk_role_policy_attachments")),
    )
    op.create_index(
        op.f("ix_role_policy_attachments_policy_id_account_id"),
        "role_policy_attachments",
        ["policy_id", "account_id"],
    )

    op.create_table(
        "sessions",
        sa.Column("access_key_id", sa.String(length=128), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("principal_arn", sa.String(length=2048), nullable=False),
        sa.Column("principal_id", sa.String(length=256), nullable=False),
        sa.Column("role_id", sa.String(length=32), nullable=True),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("session_name", sa.String(length=64), nullable=True),
        sa.Column("source_identity", sa.String(length=256), nullable=True),
        sa.Column("mfa_present", sa.Boolean(), nullable=False),
        sa.Column("mfa_authenticated_at", sa.DateTime(), nullable=True),
        sa.Column("session_policy", sa.Text(), nullable=True),
        sa.Column("policy_arns", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("transitive_tag_keys", sa.Text(), nullable=False),
        sa.Column("federated_provider", sa.String(length=2048), nullable=True),
        sa.Column("source_access_key_id", sa.String(length=128), nullable=True),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_sessions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_sessions_role_id_roles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("access_key_id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sessions_token_hash")),
    )
    op.create_index(op.f("ix_sessions_expires_at"), "sessions", ["expires_at"])
    op.create_index(op.f("ix_sessions_role_id"), "sessions", ["role_id"])
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"])

    op.create_table(
        "user_inline_policies",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_inline_policies_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "name", name=op.f("pk_user_inline_policies")),
    )
    op.create_table(
        "user_policy_attachments",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("policy_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.id"],
            name=op.f("fk_user_policy_attachments_policy_id_policies"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_policy_attachments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "policy_id", name=op.f("pk_user_policy_attachments")),
    )
    op.create_index(
        op.f("ix_user_policy_attachments_policy_id_account_id"),
        "user_policy_attachments",
        ["policy_id", "account_id"],
    )
    accounts = sa.table(
        "accounts",
        sa.column("id", sa.String),
        sa.column("alias", sa.String),
        sa.column("version", sa.BigInteger),
        sa.column("created_at", sa.DateTime),
    )
    op.bulk_insert(
        accounts, [{"id": "aws", "alias": None, "version": 1, "created_at": datetime(2010, 5, 8)}]
    )


def downgrade() -> None:
    op.drop_table("user_policy_attachments")
    op.drop_table("user_inline_policies")
    op.drop_table("sessions")
    op.drop_table("role_policy_attachments")
    op.drop_table("role_inline_policies")
    op.drop_table("login_profiles")
    op.drop_table("instance_profile_roles")
    op.drop_table("group_members")
    op.drop_table("access_keys")
    op.drop_table("users")
    op.drop_table("roles")
    op.drop_table("policy_versions")
    op.drop_table("group_policy_attachments")
    op.drop_table("group_inline_policies")
    op.drop_table("saml_providers")
    op.drop_table("policies")
    op.drop_table("password_policies")
    op.drop_table("oidc_providers")
    op.drop_table("instance_profiles")
    op.drop_table("groups")
    op.drop_table("tags")
    op.drop_table("accounts")
