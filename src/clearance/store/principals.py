"""What users, groups and roles have in common: attached and inline policies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from clearance.policy.limits import (
    GROUP_INLINE_POLICIES,
    ROLE_INLINE_POLICIES,
    USER_INLINE_POLICIES,
    SizeLimit,
)
from clearance.store.base import Quotas
from clearance.store.lookup import find_group, find_role, find_user
from clearance.store.schema import (
    group_inline_policies,
    group_policy_attachments,
    groups,
    role_inline_policies,
    role_policy_attachments,
    roles,
    user_inline_policies,
    user_policy_attachments,
    users,
)

__all__ = ["GROUP", "KINDS", "ROLE", "USER", "PrincipalKind"]


@dataclass(frozen=True, slots=True)
class PrincipalKind:
    name: str  # user | group | role
    table: sa.Table
    attachments: sa.Table
    inline: sa.Table
    find: Callable[[Connection, str, str], Row[Any]]
    quota_name: str
    quota: Callable[[Quotas], int]
    inline_limit: SizeLimit

    @property
    def fk(self) -> sa.Column[Any]:
        """The owner column of the attachment table."""
        return self.attachments.c[f"{self.name}_id"]

    @property
    def inline_fk(self) -> sa.Column[Any]:
        return self.inline.c[f"{self.name}_id"]


USER = PrincipalKind(
    "user",
    users,
    user_policy_attachments,
    user_inline_policies,
    find_user,
    "PoliciesPerUser",
    lambda q: q.policies_per_user,
    USER_INLINE_POLICIES,
)
GROUP = PrincipalKind(
    "group",
    groups,
    group_policy_attachments,
    group_inline_policies,
    find_group,
    "PoliciesPerGroup",
    lambda q: q.policies_per_group,
    GROUP_INLINE_POLICIES,
)
ROLE = PrincipalKind(
    "role",
    roles,
    role_policy_attachments,
    role_inline_policies,
    find_role,
    "PoliciesPerRole",
    lambda q: q.policies_per_role,
    ROLE_INLINE_POLICIES,
)
KINDS = {kind.name: kind for kind in (USER, GROUP, ROLE)}
