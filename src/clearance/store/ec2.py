"""EC2 instances (records: nothing runs) and their instance profile associations.

Writes do not bump the account version (``bump=False``): no policy or cached
authorization depends on an instance. Association states follow AWS's
``associated`` → ``disassociated``; an instance holds at most one
``associated`` profile.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from clearance.store.base import StoreBase
from clearance.store.ec2_schema import ec2_instances, ec2_profile_associations
from clearance.store.records import Tag

__all__ = ["Ec2Mixin", "Instance", "InstanceSpec", "ProfileAssociation", "ProfileRef"]

ASSOCIATED = "associated"
DISASSOCIATED = "disassociated"
RUNNING = "running"
TERMINATED = "terminated"


@dataclass(frozen=True, slots=True)
class ProfileRef:
    """An IAM instance profile as EC2 records it."""

    arn: str
    id: str


@dataclass(frozen=True, slots=True)
class ProfileAssociation:
    id: str
    account_id: str
    instance_id: str
    profile: ProfileRef
    state: str
    created: datetime


@dataclass(frozen=True, slots=True)
class InstanceSpec:
    image_id: str
    instance_type: str
    tags: tuple[Tag, ...] = ()
    http_tokens: str = "optional"


@dataclass(frozen=True, slots=True)
class Instance:
    id: str
    account_id: str
    region: str
    reservation_id: str
    image_id: str
    instance_type: str
    state: str
    http_tokens: str
    tags: tuple[Tag, ...]
    launched: datetime
    terminated: datetime | None
    association: ProfileAssociation | None  # the associated profile, if any

    @property
    def arn(self) -> str:
        return f"arn:aws:ec2:{self.region}:{self.account_id}:instance/{self.id}"


def _association(row: Any) -> ProfileAssociation:
    return ProfileAssociation(
        row.id,
        row.account_id,
        row.instance_id,
        ProfileRef(row.profile_arn, row.profile_id),
        row.state,
        row.created_at,
    )


def _instances(conn: Connection, rows: Sequence[Any]) -> list[Instance]:
    ids = [row.id for row in rows]
    current: dict[str, ProfileAssociation] = {}
    if ids:
        found = conn.execute(
            sa.select(ec2_profile_associations).where(
                ec2_profile_associations.c.instance_id.in_(ids),
                ec2_profile_associations.c.state == ASSOCIATED,
            )
        )
        for row in found:
            current[row.instance_id] = _association(row)
    return [
        Instance(
            id=row.id,
            account_id=row.account_id,
            region=row.region,
            reservation_id=row.reservation_id,
            image_id=row.image_id,
            instance_type=row.instance_type,
            state=row.state,
            http_tokens=row.http_tokens,
            tags=tuple(Tag(k, v) for k, v in json.loads(row.tags)),
            launched=row.launched_at,
            terminated=row.terminated_at,
            association=current.get(row.id),
        )
        for row in rows
    ]


class Ec2Mixin(StoreBase):
    def launch_instances(
        self,
        account_id: str,
        region: str,
        count: int,
        spec: InstanceSpec,
        profile: ProfileRef | None = None,
    ) -> list[Instance]:
        """``count`` running instances in one reservation, with the profile associated."""
        reservation = self._ids.hex_id("r-")
        ids = [self._ids.hex_id("i-") for _ in range(count)]
        with self._write(None, bump=False) as tx:
            for instance_id in ids:
                tx.conn.execute(
                    sa.insert(ec2_instances).values(
                        id=instance_id,
                        account_id=account_id,
                        region=region,
                        reservation_id=reservation,
                        image_id=spec.image_id,
                        instance_type=spec.instance_type,
                        state=RUNNING,
                        http_tokens=spec.http_tokens,
                        tags=json.dumps([[t.key, t.value] for t in spec.tags]),
                        launched_at=tx.now,
                    )
                )
                if profile is not None:
                    self._associate(tx.conn, account_id, instance_id, profile, tx.now)
            return self._by_ids(tx.conn, account_id, ids)

    def _associate(
        self,
        conn: Connection,
        account_id: str,
        instance_id: str,
        profile: ProfileRef,
        now: datetime,
    ) -> ProfileAssociation:
        association_id = self._ids.hex_id("iip-assoc-")
        conn.execute(
            sa.insert(ec2_profile_associations).values(
                id=association_id,
                account_id=account_id,
                instance_id=instance_id,
                profile_arn=profile.arn,
                profile_id=profile.id,
                state=ASSOCIATED,
                created_at=now,
            )
        )
        return ProfileAssociation(association_id, account_id, instance_id, profile, ASSOCIATED, now)

    def _by_ids(self, conn: Connection, account_id: str, ids: Iterable[str]) -> list[Instance]:
        rows = conn.execute(
            sa.select(ec2_instances)
            .where(ec2_instances.c.account_id == account_id, ec2_instances.c.id.in_(list(ids)))
            .order_by(ec2_instances.c.launched_at, ec2_instances.c.id)
        ).all()
        return _instances(conn, rows)

    def get_instance(self, instance_id: str) -> Instance | None:
        """The instance with this id, in any account (the metadata service's lookup)."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(ec2_instances).where(ec2_instances.c.id == instance_id)
            ).all()
            found = _instances(conn, rows)
            return found[0] if found else None

    def list_instances(
        self, account_id: str, region: str, instance_ids: Sequence[str] = ()
    ) -> list[Instance]:
        """The account's instances in ``region`` (all, or those named), oldest first."""
        with self._read() as conn:
            query = sa.select(ec2_instances).where(
                ec2_instances.c.account_id == account_id, ec2_instances.c.region == region
            )
            if instance_ids:
                query = query.where(ec2_instances.c.id.in_(list(instance_ids)))
            rows = conn.execute(
                query.order_by(ec2_instances.c.launched_at, ec2_instances.c.id)
            ).all()
            return _instances(conn, rows)

    def terminate_instances(
        self, account_id: str, region: str, instance_ids: Sequence[str]
    ) -> list[tuple[Instance, str]]:
        """Terminate the instances (their profiles are disassociated); each with
        its state before. Unknown ids are left out."""
        with self._write(None, bump=False) as tx:
            before = [
                i for i in self._by_ids(tx.conn, account_id, instance_ids) if i.region == region
            ]
            live = [i.id for i in before if i.state != TERMINATED]
            if live:
                tx.conn.execute(
                    sa.update(ec2_instances)
                    .where(ec2_instances.c.id.in_(live))
                    .values(state=TERMINATED, terminated_at=tx.now)
                )
                tx.conn.execute(
                    sa.update(ec2_profile_associations)
                    .where(
                        ec2_profile_associations.c.instance_id.in_(live),
                        ec2_profile_associations.c.state == ASSOCIATED,
                    )
                    .values(state=DISASSOCIATED)
                )
            after = {i.id: i for i in self._by_ids(tx.conn, account_id, live)}
            return [(after.get(i.id, i), i.state) for i in before]

    def list_profile_associations(
        self, account_id: str, region: str, association_ids: Sequence[str] = ()
    ) -> list[ProfileAssociation]:
        with self._read() as conn:
            query = (
                sa.select(ec2_profile_associations)
                .join(ec2_instances, ec2_instances.c.id == ec2_profile_associations.c.instance_id)
                .where(
                    ec2_profile_associations.c.account_id == account_id,
                    ec2_instances.c.region == region,
                )
            )
            if association_ids:
                query = query.where(ec2_profile_associations.c.id.in_(list(association_ids)))
            rows = conn.execute(
                query.order_by(ec2_profile_associations.c.created_at, ec2_profile_associations.c.id)
            ).all()
            return [_association(row) for row in rows]

    def associate_profile(
        self, account_id: str, instance_id: str, profile: ProfileRef
    ) -> ProfileAssociation | None:
        """Associate the profile; None when the instance already holds one."""
        with self._write(None, bump=False) as tx:
            current = tx.conn.execute(
                sa.select(ec2_profile_associations.c.id).where(
                    ec2_profile_associations.c.instance_id == instance_id,
                    ec2_profile_associations.c.state == ASSOCIATED,
                )
            ).first()
            if current is not None:
                return None
            return self._associate(tx.conn, account_id, instance_id, profile, tx.now)

    def end_profile_association(
        self, account_id: str, association_id: str, replacement: ProfileRef | None = None
    ) -> ProfileAssociation | None:
        """Disassociate (or replace) an associated profile: the ended association,
        or the new one when replacing; None when it is not associated."""
        with self._write(None, bump=False) as tx:
            row = tx.conn.execute(
                sa.select(ec2_profile_associations).where(
                    ec2_profile_associations.c.id == association_id,
                    ec2_profile_associations.c.account_id == account_id,
                    ec2_profile_associations.c.state == ASSOCIATED,
                )
            ).first()
            if row is None:
                return None
            tx.conn.execute(
                sa.update(ec2_profile_associations)
                .where(ec2_profile_associations.c.id == association_id)
                .values(state=DISASSOCIATED)
            )
            ended = _association(row)
            if replacement is None:
                return ended
            return self._associate(tx.conn, account_id, ended.instance_id, replacement, tx.now)
