"""Virtual MFA devices: sealed seeds, assignment, quotas, steps accepted once (also
under concurrency), listing and tags."""

from __future__ import annotations

import base64
import threading

import pytest
import sqlalchemy as sa

from clearance.clock import FixedClock
from clearance.store import (
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
    Store,
    Tag,
)
from clearance.store.mfa import (
    MFA_DEVICES_PER_USER,
    InvalidAuthenticationCode,
    mfa_serial,
    split_mfa_serial,
)
from clearance.store.schema import mfa_devices
from tests.store.conftest import OTHER_ACCOUNT, make_store


def _serial(account: str, name: str, path: str = "/") -> str:
    return mfa_serial(account, path, name)


def test_serial_numbers() -> None:
    assert split_mfa_serial("arn:aws:iam::123456789012:mfa/a/b/dev") == (
        "123456789012",
        "/a/b/",
        "dev",
    )
    assert split_mfa_serial("arn:aws:iam::123456789012:mfa/dev") == ("123456789012", "/", "dev")
    for bad in ("GAHT12345678", "arn:aws:iam::123456789012:user/dev", "arn:aws:iam::1:mfa/"):
        assert split_mfa_serial(bad) is None


def test_create_seals_the_seed(store: Store, account: str) -> None:
    created = store.create_virtual_mfa_device(account, "phone", path="/team/", tags=[("k", "v")])
    device, seed = created.device, created.seed
    assert device.serial_number == f"arn:aws:iam::{account}:mfa/team/phone"
    assert len(seed) == 64 and base64.b32decode(seed)  # valid Base32
    assert seed not in repr(created)
    assert device.user is None and device.enabled is None and device.tags == (Tag("k", "v"),)
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(mfa_devices.c.seed)).scalar_one()
    assert seed.encode() not in stored  # encrypted at rest
    secret = store.get_mfa_secret(account, device.serial_number)
    assert (secret.seed, secret.last_step, secret.drift) == (seed, None, 0)
    with pytest.raises(EntityAlreadyExists, match="same path and name"):
        store.create_virtual_mfa_device(account, "PHONE", path="/team/")
    store.create_virtual_mfa_device(account, "phone")  # another path: another device


def test_unknown_devices(store: Store, account: str) -> None:
    store.create_account(OTHER_ACCOUNT)
    serial = store.create_virtual_mfa_device(OTHER_ACCOUNT, "d").device.serial_number
    for wrong in (serial, _serial(account, "nope"), "GAHT12345678"):
        with pytest.raises(NoSuchEntity, match="doesn't exist"):
            store.get_virtual_mfa_device(account, wrong)
        assert not store.consume_mfa_code(account, wrong, 5)


def test_enable_deactivate_delete(store: Store, account: str, clock: FixedClock) -> None:
    store.create_user(account, "alice")
    store.create_user(account, "bob")
    serial = store.create_virtual_mfa_device(account, "d").device.serial_number
    with pytest.raises(NoSuchEntity, match="user with name carol"):
        store.enable_mfa_device(account, "carol", serial, 10)
    device = store.enable_mfa_device(account, "ALICE", serial, 10)
    assert device.user is not None and device.user.name == "alice"
    assert device.enabled == clock.now()
    with pytest.raises(EntityAlreadyExists, match="already in use"):
        store.enable_mfa_device(account, "bob", serial, 11)
    listed = store.list_mfa_devices(account, "alice").items
    assert [d.serial_number for d in listed] == [serial]
    assert store.list_mfa_devices(account, "bob").items == ()
    with pytest.raises(DeleteConflict, match="Must deactivate first"):
        store.delete_virtual_mfa_device(account, serial)
    with pytest.raises(NoSuchEntity, match="invalid for user"):
        store.deactivate_mfa_device(account, "bob", serial)
    with pytest.raises(NoSuchEntity, match="invalid for user"):
        store.resync_mfa_device(account, "bob", serial, 12, 0)
    store.deactivate_mfa_device(account, "alice", serial)
    assert store.get_virtual_mfa_device(account, serial).user is None
    with pytest.raises(NoSuchEntity, match="invalid for user"):
        store.deactivate_mfa_device(account, "alice", serial)
    # Re-enabling cannot reuse a step the device already accepted.
    with pytest.raises(InvalidAuthenticationCode):
        store.enable_mfa_device(account, "bob", serial, 10)
    store.enable_mfa_device(account, "bob", serial, 11)
    store.deactivate_mfa_device(account, "bob", serial)
    store.delete_virtual_mfa_device(account, serial)
    with pytest.raises(NoSuchEntity):
        store.get_virtual_mfa_device(account, serial)


def test_steps_are_accepted_once(store: Store, account: str) -> None:
    store.create_user(account, "alice")
    serial = store.create_virtual_mfa_device(account, "d").device.serial_number
    assert store.consume_mfa_code(account, serial, 100)
    assert not store.consume_mfa_code(account, serial, 100)
    assert not store.consume_mfa_code(account, serial, 99)
    assert store.consume_mfa_code(account, serial, 101)
    store.enable_mfa_device(account, "alice", serial, 102)
    store.resync_mfa_device(account, "alice", serial, 110, 7)
    secret = store.get_mfa_secret(account, serial)
    assert (secret.last_step, secret.drift) == (110, 7)
    with pytest.raises(InvalidAuthenticationCode):
        store.resync_mfa_device(account, "alice", serial, 110, 7)


def test_concurrent_consumers_accept_a_step_once(
    store: Store, account: str, database_url: str, clock: FixedClock
) -> None:
    serial = store.create_virtual_mfa_device(account, "d").device.serial_number
    others = [make_store(database_url, clock) for _ in range(4)]
    barrier = threading.Barrier(len(others))
    wins: list[bool] = []

    def consume(replica: Store) -> None:
        barrier.wait()
        wins.append(replica.consume_mfa_code(account, serial, 500))

    threads = [threading.Thread(target=consume, args=(s,)) for s in others]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for replica in others:
            replica.close()
    assert sorted(wins) == [False, False, False, True]


def test_quota_per_user(store: Store, account: str) -> None:
    store.create_user(account, "alice")
    for index in range(MFA_DEVICES_PER_USER):
        serial = store.create_virtual_mfa_device(account, f"d{index}").device.serial_number
        store.enable_mfa_device(account, "alice", serial, 1)
    extra = store.create_virtual_mfa_device(account, "extra").device.serial_number
    with pytest.raises(LimitExceeded, match=f"MFADevicesPerUser: {MFA_DEVICES_PER_USER}"):
        store.enable_mfa_device(account, "alice", extra, 1)


def test_listing_and_tags(store: Store, account: str) -> None:
    store.create_user(account, "alice")
    serials = [
        store.create_virtual_mfa_device(account, name).device.serial_number
        for name in ("b", "a", "c")
    ]
    store.enable_mfa_device(account, "alice", serials[0], 1)
    names = [d.name for d in store.list_virtual_mfa_devices(account).items]
    assert names == ["a", "b", "c"]
    assigned = store.list_virtual_mfa_devices(account, assignment_status="Assigned").items
    assert [(d.name, d.user.name if d.user else None) for d in assigned] == [("b", "alice")]
    unassigned = store.list_virtual_mfa_devices(account, assignment_status="Unassigned")
    assert [d.name for d in unassigned.items] == ["a", "c"]
    first = store.list_virtual_mfa_devices(account, max_items=2)
    assert first.is_truncated and first.marker
    rest = store.list_virtual_mfa_devices(account, marker=first.marker)
    assert [d.name for d in rest.items] == ["c"]

    store.tag_mfa_device(account, serials[1], [("Env", "prod"), ("team", "x")])
    store.untag_mfa_device(account, serials[1], ["TEAM"])
    assert store.list_mfa_device_tags(account, serials[1]).items == (Tag("Env", "prod"),)
    store.delete_virtual_mfa_device(account, serials[1])
    with pytest.raises(NoSuchEntity):
        store.list_mfa_device_tags(account, serials[1])


def test_summary_counts(store: Store, account: str) -> None:
    assert store.get_mfa_device_counts(account) == {"MFADevices": 0, "MFADevicesInUse": 0}
    store.create_user(account, "alice")
    serial = store.create_virtual_mfa_device(account, "a").device.serial_number
    store.create_virtual_mfa_device(account, "b")
    store.enable_mfa_device(account, "alice", serial, 1)
    assert store.get_mfa_device_counts(account) == {"MFADevices": 2, "MFADevicesInUse": 1}
