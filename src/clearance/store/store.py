"""The :class:`Store`: every entity family's methods on one object, and :func:`open_store`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import URL

from clearance.clock import Clock
from clearance.store.accounts import AccountsMixin
from clearance.store.attachments import AttachmentsMixin
from clearance.store.authz import AuthzMixin
from clearance.store.base import Quotas
from clearance.store.database import DEFAULT_BUSY_TIMEOUT_MS, create_store_engine
from clearance.store.ec2 import Ec2Mixin
from clearance.store.events import EventsMixin
from clearance.store.groups import GroupsMixin
from clearance.store.ids import IdGenerator
from clearance.store.inline import InlinePoliciesMixin
from clearance.store.instance_profiles import InstanceProfilesMixin
from clearance.store.login_profiles import LoginProfilesMixin
from clearance.store.mfa import MfaMixin
from clearance.store.migrate import upgrade
from clearance.store.org_policies import OrgPoliciesMixin
from clearance.store.organizations import OrganizationsMixin
from clearance.store.passwords import PasswordHasher, default_hasher
from clearance.store.policies import PoliciesMixin
from clearance.store.providers import ProvidersMixin
from clearance.store.roles import RolesMixin
from clearance.store.s3 import S3Mixin
from clearance.store.sessions import SessionsMixin
from clearance.store.tags import TagsMixin
from clearance.store.users import UsersMixin

__all__ = ["Store", "open_store"]


class Store(
    AccountsMixin,
    UsersMixin,
    GroupsMixin,
    RolesMixin,
    InstanceProfilesMixin,
    PoliciesMixin,
    AttachmentsMixin,
    InlinePoliciesMixin,
    LoginProfilesMixin,
    TagsMixin,
    ProvidersMixin,
    SessionsMixin,
    MfaMixin,
    AuthzMixin,
    EventsMixin,
    OrganizationsMixin,
    OrgPoliciesMixin,
    Ec2Mixin,
    S3Mixin,
):
    """The identity store. Every method is one transaction; every write is durable
    when it returns. Methods take the account id first, then names as IAM's API
    does (``user_name``, ``policy_arn``...), and return frozen records."""


def open_store(
    url: str | URL,
    master_key: bytes,
    clock: Clock,
    ids: IdGenerator | None = None,
    *,
    password_hasher: PasswordHasher | None = None,
    quotas: Quotas | None = None,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    migrate: bool = True,
    **engine_options: Any,
) -> Store:
    """Open (and create or upgrade the schema of) the store at ``url``.

    ``sqlite:///path/clearance.db`` or ``postgresql://user@host/db`` (psycopg 3).
    ``master_key``: 32 bytes (see :func:`clearance.store.load_or_create_master_key`).
    """
    engine = create_store_engine(url, busy_timeout_ms=busy_timeout_ms, **engine_options)
    try:
        if migrate:
            upgrade(engine)
        return Store(
            engine,
            master_key,
            clock,
            ids or IdGenerator(),
            password_hasher or default_hasher(),
            quotas or Quotas(),
        )
    except BaseException:
        engine.dispose()
        raise
