"""Finding entities by name or ARN inside a transaction, and turning rows into records.

Names are matched case-insensitively (``name_lower``), as IAM does. Policy ARNs
resolve in the caller's account or in ``aws`` (AWS managed policies), never in
another account.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from clearance.arn import parse_arn
from clearance.store.errors import NoSuchEntity, UnmodifiableEntity
from clearance.store.records import Group, ManagedPolicy, Role, User, iam_arn
from clearance.store.schema import (
    groups,
    instance_profiles,
    oidc_providers,
    policies,
    roles,
    saml_providers,
    users,
)

__all__ = [
    "AWS_ACCOUNT",
    "boundary_arn",
    "find_attachable_policy",
    "find_group",
    "find_instance_profile",
    "find_oidc_provider",
    "find_owned_policy",
    "find_policy",
    "find_role",
    "find_saml_provider",
    "find_user",
    "group_record",
    "policy_arn_of",
    "policy_record",
    "role_query",
    "role_record",
    "split_policy_arn",
    "user_query",
    "user_record",
]

AWS_ACCOUNT = "aws"

_boundary = policies.alias("boundary")


def _boundary_columns() -> list[sa.ColumnElement[Any]]:
    return [
        _boundary.c.account_id.label("boundary_account"),
        _boundary.c.path.label("boundary_path"),
        _boundary.c.name.label("boundary_name"),
    ]


def boundary_arn(row: Row[Any]) -> str | None:
    mapping = row._mapping
    if mapping["boundary_name"] is None:
        return None
    return iam_arn(
        mapping["boundary_account"], "policy", mapping["boundary_path"], mapping["boundary_name"]
    )


def user_query() -> sa.Select[Any]:
    return sa.select(users, *_boundary_columns()).outerjoin(
        _boundary, _boundary.c.id == users.c.permissions_boundary_id
    )


def role_query() -> sa.Select[Any]:
    return sa.select(roles, *_boundary_columns()).outerjoin(
        _boundary, _boundary.c.id == roles.c.permissions_boundary_id
    )


def user_record(row: Row[Any]) -> User:
    m = row._mapping
    return User(
        account_id=m["account_id"],
        id=m["id"],
        name=m["name"],
        path=m["path"],
        created=m["created_at"],
        password_last_used=m["password_last_used_at"],
        permissions_boundary_arn=boundary_arn(row),
    )


def role_record(row: Row[Any]) -> Role:
    m = row._mapping
    return Role(
        account_id=m["account_id"],
        id=m["id"],
        name=m["name"],
        path=m["path"],
        created=m["created_at"],
        assume_role_policy=m["assume_role_policy"],
        description=m["description"],
        max_session_duration=m["max_session_duration"],
        permissions_boundary_arn=boundary_arn(row),
        last_used=m["last_used_at"],
        last_used_region=m["last_used_region"],
    )


def group_record(row: Row[Any]) -> Group:
    m = row._mapping
    return Group(m["account_id"], m["id"], m["name"], m["path"], m["created_at"])


def find_user(conn: Connection, account_id: str, name: str) -> Row[Any]:
    row = conn.execute(
        user_query().where(users.c.account_id == account_id, users.c.name_lower == name.lower())
    ).first()
    if row is None:
        raise NoSuchEntity(f"The user with name {name} cannot be found.")
    return row


def find_group(conn: Connection, account_id: str, name: str) -> Row[Any]:
    row = conn.execute(
        sa.select(groups).where(
            groups.c.account_id == account_id, groups.c.name_lower == name.lower()
        )
    ).first()
    if row is None:
        raise NoSuchEntity(f"The group with name {name} cannot be found.")
    return row


def find_role(conn: Connection, account_id: str, name: str) -> Row[Any]:
    row = conn.execute(
        role_query().where(roles.c.account_id == account_id, roles.c.name_lower == name.lower())
    ).first()
    if row is None:
        raise NoSuchEntity(f"The role with name {name} cannot be found.")
    return row


def find_instance_profile(conn: Connection, account_id: str, name: str) -> Row[Any]:
    row = conn.execute(
        sa.select(instance_profiles).where(
            instance_profiles.c.account_id == account_id,
            instance_profiles.c.name_lower == name.lower(),
        )
    ).first()
    if row is None:
        raise NoSuchEntity(f"Instance Profile {name} cannot be found.")
    return row


def split_policy_arn(arn: str) -> tuple[str, str, str] | None:
    """``(account, path, name)`` of a policy ARN, or None if it is not one."""
    parsed = parse_arn(arn)
    if parsed is None or parsed.service != "iam" or parsed.region:
        return None
    if not parsed.resource.startswith("policy/"):
        return None
    path, _, name = parsed.resource[len("policy") :].rpartition("/")
    if not name or not parsed.account:
        return None
    return parsed.account, path + "/", name


def policy_arn_of(row: Row[Any]) -> str:
    m = row._mapping
    return iam_arn(m["account_id"], "policy", m["path"], m["name"])


def find_policy(
    conn: Connection, account_id: str, arn: str, message: str | None = None
) -> Row[Any]:
    """The managed policy named by ``arn``, visible from ``account_id``."""
    found = split_policy_arn(arn)
    row = None
    if found is not None and found[0] in (account_id, AWS_ACCOUNT):
        owner, path, name = found
        row = conn.execute(
            sa.select(policies).where(
                policies.c.account_id == owner, policies.c.name_lower == name.lower()
            )
        ).first()
        if row is not None and row.path != path:
            row = None
    if row is None:
        raise NoSuchEntity(message or f"Policy {arn} was not found.")
    return row


def policy_record(
    row: Row[Any], attachment_count: int = 0, boundary_count: int = 0
) -> ManagedPolicy:
    m = row._mapping
    return ManagedPolicy(
        account_id=m["account_id"],
        id=m["id"],
        name=m["name"],
        path=m["path"],
        created=m["created_at"],
        updated=m["updated_at"],
        default_version_id=m["default_version_id"],
        description=m["description"],
        attachment_count=attachment_count,
        permissions_boundary_usage_count=boundary_count,
        is_attachable=m["is_attachable"],
    )


def find_owned_policy(conn: Connection, account_id: str, arn: str) -> Row[Any]:
    """Like :func:`find_policy`, for writes: AWS managed policies are read-only
    except to the ``aws`` pseudo-account that seeds them."""
    row = find_policy(conn, account_id, arn)
    if row.account_id != account_id:
        raise UnmodifiableEntity(f"Cannot modify the AWS managed policy {arn}.")
    return row


def find_oidc_provider(conn: Connection, account_id: str, arn: str) -> Row[Any]:
    parsed = parse_arn(arn)
    prefix = "oidc-provider/"
    row = None
    if parsed is not None and parsed.account == account_id and parsed.resource.startswith(prefix):
        row = conn.execute(
            sa.select(oidc_providers).where(
                oidc_providers.c.account_id == account_id,
                oidc_providers.c.url == parsed.resource[len(prefix) :],
            )
        ).first()
    if row is None:
        raise NoSuchEntity(f"OpenIDConnect Provider not found for arn {arn}")
    return row


def find_saml_provider(conn: Connection, account_id: str, arn: str) -> Row[Any]:
    parsed = parse_arn(arn)
    prefix = "saml-provider/"
    row = None
    if parsed is not None and parsed.account == account_id and parsed.resource.startswith(prefix):
        row = conn.execute(
            sa.select(saml_providers).where(
                saml_providers.c.account_id == account_id,
                saml_providers.c.name_lower == parsed.resource[len(prefix) :].lower(),
            )
        ).first()
    if row is None:
        raise NoSuchEntity(f"SAMLProvider {arn} not found.")
    return row


def find_attachable_policy(conn: Connection, account_id: str, arn: str) -> Row[Any]:
    """A managed policy that may be attached or used as a boundary."""
    row = find_policy(conn, account_id, arn, f"Policy {arn} does not exist or is not attachable.")
    if not row.is_attachable:
        raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")
    return row
