"""An instance's role credentials: a real role session, as EC2 obtains it.

EC2 assumes the instance profile's role as the service principal
``ec2.amazonaws.com``: the role's trust policy must allow that principal
``sts:AssumeRole`` (evaluated by the engine with the trust policy as the
resource policy, as :mod:`clearance.services.sts.assume_role` does for
callers). The session is ``assumed-role/ROLE/<instance-id>`` and carries
``aws:SourceInstanceARN`` and ``ec2:SourceInstanceARN`` for every request made
with it (session attributes' ``context``, read by the authorizer).

When the trust policy does not allow EC2, the metadata service answers as
AWS's does: ``Code`` ``AssumeRoleUnauthorizedAccess`` and no keys.

Credentials are cached per instance (in this process) and rotated as AWS
rotates them: new ones after an hour, and always well before expiry
(AWS: "at least five minutes before the expiration of the old credentials").
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-security-credentials.html
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock
from typing import Any

from clearance.audit import AuditSink
from clearance.engine import (
    NamedPolicy,
    PolicySet,
    Request,
    ResourcePolicyKind,
    evaluate,
    parse_principal,
)
from clearance.policy import PolicyError, read_policy
from clearance.services.imds.trail import record_issuance
from clearance.store import NoSuchEntity, Role, SessionSpec, Store
from clearance.store.ec2 import Instance

__all__ = ["EC2_PRINCIPAL", "InstanceCredentials", "IssuedCredentials"]

log = logging.getLogger("clearance.imds")

EC2_PRINCIPAL = "ec2.amazonaws.com"
LIFETIME = timedelta(hours=6)  # what EC2's role credentials are issued for
ROTATE_AFTER = timedelta(hours=1)
ROTATE_BEFORE_EXPIRY = timedelta(minutes=15)
_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class IssuedCredentials:
    """What ``/iam/security-credentials/ROLE`` returns (``document``) for a role."""

    role: Role
    association_id: str
    issued: datetime
    expires: datetime | None
    document: dict[str, Any]


def _time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def role_of(store: Store, instance: Instance) -> Role | None:
    """The role of the instance's associated profile (the same profile: a
    profile deleted and recreated under the same name is not it)."""
    association = instance.association
    if association is None:
        return None
    name = association.profile.arn.rsplit("/", 1)[-1]
    try:
        profile = store.get_instance_profile(instance.account_id, name)
    except NoSuchEntity:
        return None
    if profile.id != association.profile.id or not profile.roles:
        return None
    return profile.roles[0]


def ec2_may_assume(role: Role, instance: Instance, now: datetime) -> bool:
    """Whether the role's trust policy lets EC2 assume it for this instance."""
    try:
        trust = NamedPolicy(role.arn, read_policy(role.assume_role_policy))
    except PolicyError:
        log.warning("the trust policy of %s does not parse", role.arn)
        return False
    request = Request(
        principal=parse_principal(EC2_PRINCIPAL),
        action="sts:AssumeRole",
        resource=role.arn,
        context={
            "aws:currenttime": _time(now),
            "aws:epochtime": str(int(now.timestamp())),
            "aws:principalservicename": EC2_PRINCIPAL,
            "aws:sourceaccount": instance.account_id,
            "aws:sourcearn": instance.arn,
            "sts:rolesessionname": instance.id,
        },
        resource_account=role.account_id,
        resource_policy_kind=ResourcePolicyKind.TRUST,
    )
    return evaluate(request, PolicySet(resource=trust)).allowed


class InstanceCredentials:
    """Issues and caches each instance's role session."""

    def __init__(self, store: Store, sink: AuditSink | None = None) -> None:
        self._store = store
        self._sink = sink  # the gateway's audit sink: each issuance is an AssumeRole event
        self._cache: OrderedDict[str, IssuedCredentials] = OrderedDict()
        self._lock = Lock()

    def for_instance(self, instance: Instance, role: Role, now: datetime) -> IssuedCredentials:
        association = instance.association
        assert association is not None
        with self._lock:
            cached = self._cache.get(instance.id)
        if cached is not None and self._fresh(cached, role, association.id, now):
            return cached
        issued = self._issue(instance, role, association.id, now)
        with self._lock:
            self._cache[instance.id] = issued
            self._cache.move_to_end(instance.id)
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return issued

    @staticmethod
    def _fresh(cached: IssuedCredentials, role: Role, association_id: str, now: datetime) -> bool:
        if cached.role.id != role.id or cached.association_id != association_id:
            return False
        if cached.expires is None:  # a refusal: asked again after a minute
            return now - cached.issued < timedelta(minutes=1)
        return now - cached.issued < ROTATE_AFTER and cached.expires - now > ROTATE_BEFORE_EXPIRY

    def _issue(
        self, instance: Instance, role: Role, association_id: str, now: datetime
    ) -> IssuedCredentials:
        if not ec2_may_assume(role, instance, now):
            return IssuedCredentials(
                role,
                association_id,
                now,
                None,
                {
                    "Code": "AssumeRoleUnauthorizedAccess",
                    "Message": (
                        f"EC2 cannot assume the role {role.name}. The role's trust policy must "
                        f"allow the service principal {EC2_PRINCIPAL} sts:AssumeRole."
                    ),
                    "LastUpdated": _time(now),
                },
            )
        expires = (now + LIFETIME).replace(microsecond=0)
        arn = f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/{instance.id}"
        new = self._store.create_session(
            SessionSpec(
                account_id=role.account_id,
                kind="AssumedRole",
                principal_arn=arn,
                principal_id=f"{role.id}:{instance.id}",
                expires=expires,
                role_id=role.id,
                session_name=instance.id,
                attributes={
                    "role_arn": role.arn,
                    "source_arn": EC2_PRINCIPAL,
                    "context": {
                        "aws:SourceInstanceARN": instance.arn,
                        "ec2:SourceInstanceARN": instance.arn,
                    },
                },
            )
        )
        record_issuance(
            self._sink,
            principal=EC2_PRINCIPAL,
            role_arn=role.arn,
            session_arn=arn,
            assumed_role_id=new.session.principal_id,
            account_id=role.account_id,
            instance_id=instance.id,
            region=instance.region,
            credentials={
                "AccessKeyId": new.session.access_key_id,
                "SessionToken": new.session_token,  # redacted by the trail
                "Expiration": expires,
            },
            now=now,
        )
        try:
            self._store.record_role_use(role.id, instance.region, now)
        except Exception:
            log.warning("recording the use of role %s failed", role.arn, exc_info=True)
        return IssuedCredentials(
            role,
            association_id,
            now,
            expires,
            {
                "Code": "Success",
                "LastUpdated": _time(now),
                "Type": "AWS-HMAC",
                "AccessKeyId": new.session.access_key_id,
                "SecretAccessKey": new.secret_access_key,
                "Token": new.session_token,
                "Expiration": _time(expires),
            },
        )
