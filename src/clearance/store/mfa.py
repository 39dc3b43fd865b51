"""Virtual MFA devices: create, enable for a user, resync, deactivate, delete, list, tag.

A device's serial number is its ARN, ``arn:aws:iam::ACCOUNT:mfa/PATH/NAME``.
Its TOTP seed (64 characters of Base32, 320 bits) comes from the injected
id generator and is sealed with the store's AES-GCM box under the device's
internal id; it leaves the store only when the device is created and when a
code is verified (:meth:`MfaMixin.get_mfa_secret`).

A code is never accepted twice: ``last_step`` holds the newest TOTP time step
accepted for the device, and every acceptance (:meth:`MfaMixin.consume_mfa_code`,
enable, resync) is one conditional ``UPDATE ... WHERE last_step < step`` —
atomic on SQLite and PostgreSQL alike, so two concurrent requests with the same
code cannot both win. Consuming a code does not bump the account's version
(it changes no authorization outcome); the device's lifecycle does.

Errors, in IAM's words::

    NoSuchEntity         VirtualMFADevice with serial number ARN doesn't exist.
    NoSuchEntity         MFA Device invalid for user.   (not enabled for that user)
    EntityAlreadyExists  MFADevice entity at the same path and name already exists.
    EntityAlreadyExists  MFA Device is already in use.
    DeleteConflict       MFA VirtualDevice in use. Must deactivate first.
    LimitExceeded        Cannot exceed quota for MFADevicesPerUser: 8
    InvalidAuthenticationCode  Authentication code for device is not valid.  (a used step)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from clearance.errors import ClearanceError
from clearance.store.base import StoreBase
from clearance.store.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    NoSuchEntity,
    quota_exceeded,
)
from clearance.store.lookup import find_user, user_query, user_record
from clearance.store.pagination import Page, paginate
from clearance.store.records import Tag, User, iam_arn
from clearance.store.schema import mfa_devices, tags, users
from clearance.store.tags import TagInput, delete_tags, load_tags, write_tags

__all__ = [
    "MFA_DEVICES_PER_USER",
    "MFA_DEVICE_PREFIX",
    "SEED_LENGTH",
    "AssignmentStatus",
    "InvalidAuthenticationCode",
    "MfaMixin",
    "MfaSecret",
    "NewVirtualMfaDevice",
    "VirtualMfaDevice",
    "mfa_serial",
    "split_mfa_serial",
]

# Internal ids key a device's tags; AWS shows none for MFA devices.
MFA_DEVICE_PREFIX = "CMFA"
SEED_LENGTH = 64  # Base32 characters, as AWS's seeds
MFA_DEVICES_PER_USER = 8  # IAM quota "MFA devices in use per user"
TAGS_QUOTA = "TagsPerMFADevice"

AssignmentStatus = Literal["Assigned", "Unassigned", "Any"]


class InvalidAuthenticationCode(ClearanceError):
    """The codes were for a time step the device already accepted (or earlier)."""

    code = "InvalidAuthenticationCode"
    http_status = 403

    def __init__(self, message: str = "Authentication code for device is not valid.") -> None:
        super().__init__(message)


def mfa_serial(account_id: str, path: str, name: str) -> str:
    return iam_arn(account_id, "mfa", path, name)


def split_mfa_serial(serial: str) -> tuple[str, str, str] | None:
    """(account, path, name) of ``arn:aws:iam::ACCOUNT:mfa/PATH/NAME``; None if not one."""
    parts = serial.split(":", 5)
    if len(parts) != 6 or parts[:4] != ["arn", "aws", "iam", ""] or not parts[5].startswith("mfa/"):
        return None
    resource = parts[5][len("mfa") :]
    cut = resource.rfind("/") + 1
    path, name = resource[:cut], resource[cut:]
    if not name or not parts[4]:
        return None
    return parts[4], path, name


@dataclass(frozen=True, slots=True)
class VirtualMfaDevice:
    account_id: str
    id: str
    name: str
    path: str
    created: datetime
    user: User | None = None  # the user it is enabled for
    enabled: datetime | None = None
    tags: tuple[Tag, ...] = ()

    @property
    def serial_number(self) -> str:
        return mfa_serial(self.account_id, self.path, self.name)


@dataclass(frozen=True, slots=True)
class NewVirtualMfaDevice:
    """A device just created: the only time its seed leaves the store unasked."""

    device: VirtualMfaDevice
    seed: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class MfaSecret:
    """What verifying a code needs: the seed, the newest step accepted, the drift."""

    device: VirtualMfaDevice
    seed: str = field(repr=False)
    last_step: int | None
    drift: int


def _not_found(serial: str) -> NoSuchEntity:
    return NoSuchEntity(f"VirtualMFADevice with serial number {serial} doesn't exist.")


def _find(conn: Connection, account_id: str, serial: str) -> Row[Any]:
    parsed = split_mfa_serial(serial)
    if parsed is None or parsed[0] != account_id:
        raise _not_found(serial)
    _, path, name = parsed
    row = conn.execute(
        sa.select(mfa_devices).where(
            mfa_devices.c.account_id == account_id,
            mfa_devices.c.path == path,
            mfa_devices.c.name_lower == name.lower(),
        )
    ).first()
    if row is None:
        raise _not_found(serial)
    return row


def _users_by_id(conn: Connection, ids: set[str]) -> dict[str, User]:
    if not ids:
        return {}
    rows = conn.execute(user_query().where(users.c.id.in_(sorted(ids)))).all()
    return {row.id: user_record(row) for row in rows}


def _device(
    row: Row[Any], owners: dict[str, User], device_tags: tuple[Tag, ...] = ()
) -> VirtualMfaDevice:
    m = row._mapping
    return VirtualMfaDevice(
        account_id=m["account_id"],
        id=m["id"],
        name=m["name"],
        path=m["path"],
        created=m["created_at"],
        user=owners.get(m["user_id"]) if m["user_id"] else None,
        enabled=m["enabled_at"],
        tags=device_tags,
    )


def _record(conn: Connection, row: Row[Any]) -> VirtualMfaDevice:
    owners = _users_by_id(conn, {row.user_id} if row.user_id else set())
    return _device(row, owners, load_tags(conn, row.id))


def _accept_step(conn: Connection, device_id: str, step: int, **values: Any) -> bool:
    """Record ``step`` as accepted unless it (or a later one) already was."""
    newer = sa.or_(mfa_devices.c.last_step.is_(None), mfa_devices.c.last_step < step)
    updated = conn.execute(
        sa.update(mfa_devices)
        .where(mfa_devices.c.id == device_id, newer)
        .values(last_step=step, **values)
    ).rowcount
    return bool(updated)


class MfaMixin(StoreBase):
    def create_virtual_mfa_device(
        self, account_id: str, name: str, *, path: str = "/", tags: TagInput = ()
    ) -> NewVirtualMfaDevice:
        """CreateVirtualMFADevice: a new device with a fresh seed, assigned to no one."""
        seed = self._ids._base32(SEED_LENGTH)
        device_id = self._ids.unique_id(MFA_DEVICE_PREFIX)
        with self._write(account_id) as tx:
            conn = tx.conn
            taken = conn.execute(
                sa.select(mfa_devices.c.id).where(
                    mfa_devices.c.account_id == account_id,
                    mfa_devices.c.path == path,
                    mfa_devices.c.name_lower == name.lower(),
                )
            ).first()
            if taken is not None:
                raise EntityAlreadyExists(
                    "MFADevice entity at the same path and name already exists."
                )
            conn.execute(
                sa.insert(mfa_devices).values(
                    id=device_id,
                    account_id=account_id,
                    name=name,
                    name_lower=name.lower(),
                    path=path,
                    seed=self._box.seal(seed, device_id),
                    user_id=None,
                    enabled_at=None,
                    last_step=None,
                    drift=0,
                    created_at=tx.now,
                )
            )
            write_tags(conn, device_id, tags, TAGS_QUOTA, self._quotas.tags_per_resource)
            device = VirtualMfaDevice(
                account_id, device_id, name, path, tx.now, tags=load_tags(conn, device_id)
            )
            return NewVirtualMfaDevice(device, seed)

    def get_virtual_mfa_device(self, account_id: str, serial: str) -> VirtualMfaDevice:
        """A device by serial number (its ARN). Raises NoSuchEntity."""
        with self._read() as conn:
            return _record(conn, _find(conn, account_id, serial))

    def get_mfa_device_counts(self, account_id: str) -> dict[str, int]:
        """GetAccountSummary's ``MFADevices`` and ``MFADevicesInUse``."""
        in_use = sa.func.count(mfa_devices.c.user_id)  # counts non-NULL only
        with self._read() as conn:
            row = conn.execute(
                sa.select(sa.func.count(), in_use).where(mfa_devices.c.account_id == account_id)
            ).one()
        return {"MFADevices": int(row[0]), "MFADevicesInUse": int(row[1])}

    def get_mfa_secret(self, account_id: str, serial: str) -> MfaSecret:
        """The device with its decrypted seed, for verifying a code. Raises NoSuchEntity."""
        with self._read() as conn:
            row = _find(conn, account_id, serial)
            device = _record(conn, row)
        return MfaSecret(device, self._box.open(row.seed, row.id), row.last_step, row.drift)

    def list_virtual_mfa_devices(
        self,
        account_id: str,
        *,
        assignment_status: AssignmentStatus | str = "Any",
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[VirtualMfaDevice]:
        """ListVirtualMFADevices, ordered by serial number."""
        query = sa.select(mfa_devices).where(mfa_devices.c.account_id == account_id)
        if assignment_status == "Assigned":
            query = query.where(mfa_devices.c.user_id.is_not(None))
        elif assignment_status == "Unassigned":
            query = query.where(mfa_devices.c.user_id.is_(None))
        return self._list(query, marker, max_items)

    def list_mfa_devices(
        self,
        account_id: str,
        user_name: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[VirtualMfaDevice]:
        """ListMFADevices: the devices enabled for a user. Raises NoSuchEntity (user)."""
        with self._read() as conn:
            user_id = find_user(conn, account_id, user_name).id
        query = sa.select(mfa_devices).where(
            mfa_devices.c.account_id == account_id, mfa_devices.c.user_id == user_id
        )
        return self._list(query, marker, max_items)

    def _list(
        self, query: sa.Select[Any], marker: str | None, max_items: int | None
    ) -> Page[VirtualMfaDevice]:
        with self._read() as conn:
            order = [mfa_devices.c.path, mfa_devices.c.name_lower]
            page = paginate(conn, query, order, marker, max_items, lambda row: row)
            owners = _users_by_id(conn, {row.user_id for row in page.items if row.user_id})
            items = tuple(_device(row, owners, load_tags(conn, row.id)) for row in page.items)
        return Page(items, page.marker, page.is_truncated)

    def enable_mfa_device(
        self, account_id: str, user_name: str, serial: str, step: int, *, drift: int = 0
    ) -> VirtualMfaDevice:
        """EnableMFADevice, once the caller has verified two consecutive codes, the
        second at TOTP time step ``step``. Raises NoSuchEntity, EntityAlreadyExists,
        LimitExceeded, InvalidAuthenticationCode (``step`` already accepted)."""
        with self._write(account_id) as tx:
            conn = tx.conn
            user = find_user(conn, account_id, user_name)
            row = _find(conn, account_id, serial)
            if row.user_id is not None:
                raise EntityAlreadyExists("MFA Device is already in use.")
            count = conn.execute(
                sa.select(sa.func.count())
                .select_from(mfa_devices)
                .where(mfa_devices.c.user_id == user.id)
            ).scalar_one()
            if count >= MFA_DEVICES_PER_USER:
                raise quota_exceeded("MFADevicesPerUser", MFA_DEVICES_PER_USER)
            if not _accept_step(
                conn, row.id, step, user_id=user.id, enabled_at=tx.now, drift=drift
            ):
                raise InvalidAuthenticationCode()
            updated = conn.execute(sa.select(mfa_devices).where(mfa_devices.c.id == row.id))
            return _record(conn, updated.one())

    def resync_mfa_device(
        self, account_id: str, user_name: str, serial: str, step: int, drift: int
    ) -> None:
        """ResyncMFADevice, once two consecutive codes were found at ``step`` (the
        second's) with the device ``drift`` steps off the clock."""
        with self._write(account_id) as tx:
            conn = tx.conn
            user = find_user(conn, account_id, user_name)
            row = _find(conn, account_id, serial)
            if row.user_id != user.id:
                raise NoSuchEntity("MFA Device invalid for user.")
            if not _accept_step(conn, row.id, step, drift=drift):
                raise InvalidAuthenticationCode()

    def deactivate_mfa_device(self, account_id: str, user_name: str | None, serial: str) -> None:
        """DeactivateMFADevice: the device stays, assigned to no one (its used steps
        stay used). ``user_name`` None: the device must not be enabled for anyone
        else (the root user's devices are not modelled)."""
        with self._write(account_id) as tx:
            conn = tx.conn
            user_id = find_user(conn, account_id, user_name).id if user_name else None
            row = _find(conn, account_id, serial)
            if row.user_id is None or row.user_id != user_id:
                raise NoSuchEntity("MFA Device invalid for user.")
            conn.execute(
                sa.update(mfa_devices)
                .where(mfa_devices.c.id == row.id)
                .values(user_id=None, enabled_at=None, drift=0)
            )

    def delete_virtual_mfa_device(self, account_id: str, serial: str) -> None:
        with self._write(account_id) as tx:
            conn = tx.conn
            row = _find(conn, account_id, serial)
            if row.user_id is not None:
                raise DeleteConflict("MFA VirtualDevice in use. Must deactivate first.")
            delete_tags(conn, row.id)
            conn.execute(sa.delete(mfa_devices).where(mfa_devices.c.id == row.id))

    def consume_mfa_code(self, account_id: str, serial: str, step: int) -> bool:
        """Accept a code of time step ``step`` once: False if that step (or a later
        one) was already accepted, or the device is gone. Atomic; no version bump."""
        parsed = split_mfa_serial(serial)
        if parsed is None or parsed[0] != account_id:
            return False
        _, path, name = parsed
        with self._write(None, bump=False) as tx:
            device_id = tx.conn.execute(
                sa.select(mfa_devices.c.id).where(
                    mfa_devices.c.account_id == account_id,
                    mfa_devices.c.path == path,
                    mfa_devices.c.name_lower == name.lower(),
                )
            ).scalar()
            return device_id is not None and _accept_step(tx.conn, device_id, step)

    # Tags
    def tag_mfa_device(self, account_id: str, serial: str, given: TagInput) -> None:
        with self._write(account_id) as tx:
            row = _find(tx.conn, account_id, serial)
            write_tags(tx.conn, row.id, given, TAGS_QUOTA, self._quotas.tags_per_resource)

    def untag_mfa_device(self, account_id: str, serial: str, keys: Sequence[str]) -> None:
        with self._write(account_id) as tx:
            row = _find(tx.conn, account_id, serial)
            lowered = [key.lower() for key in keys]
            tx.conn.execute(
                sa.delete(tags).where(tags.c.resource_id == row.id, tags.c.key_lower.in_(lowered))
            )

    def list_mfa_device_tags(
        self,
        account_id: str,
        serial: str,
        *,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> Page[Tag]:
        with self._read() as conn:
            row = _find(conn, account_id, serial)
            query = sa.select(tags.c.key, tags.c.value).where(tags.c.resource_id == row.id)
            return paginate(
                conn, query, [tags.c.key_lower], marker, max_items, lambda r: Tag(r.key, r.value)
            )
