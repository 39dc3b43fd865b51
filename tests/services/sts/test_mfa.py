"""IAM virtual MFA devices through the gateway: create (seed and QR code), enable
with two consecutive codes, resync, deactivate, delete, list, tags; and a
self-service policy that lets users manage only their own device."""

from __future__ import annotations

import base64
import json
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError

from clearance.services.iam.mfa import otpauth_uri
from tests.services.sts.conftest import ACCOUNT, Harness, Keys
from tests.services.sts.test_assume_role import error

INVALID_CODE = ("InvalidAuthenticationCode", "Authentication code for device is not valid.", 403)


def raises(call: Any, **params: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    return error(raised)


def _create(h: Harness, name: str = "phone", **params: Any) -> tuple[str, pyotp.TOTP]:
    device = h.iam().create_virtual_mfa_device(VirtualMFADeviceName=name, **params)
    shape = device["VirtualMFADevice"]
    return shape["SerialNumber"], pyotp.TOTP(shape["Base32StringSeed"].decode())


def _codes(h: Harness, totp: pyotp.TOTP, offset: float = 0) -> dict[str, str]:
    now = h.clock.now().timestamp() + offset
    return {"AuthenticationCode1": totp.at(now - 30), "AuthenticationCode2": totp.at(now)}


def test_create_virtual_mfa_device(h: Harness) -> None:
    created = h.iam().create_virtual_mfa_device(
        VirtualMFADeviceName="phone", Path="/staff/", Tags=[{"Key": "kind", "Value": "app"}]
    )["VirtualMFADevice"]
    assert created["SerialNumber"] == f"arn:aws:iam::{ACCOUNT}:mfa/staff/phone"
    seed = created["Base32StringSeed"].decode()
    assert len(seed) == 64 and len(base64.b32decode(seed)) == 40
    assert created["QRCodePNG"].startswith(b"\x89PNG\r\n\x1a\n")
    assert created["Tags"] == [{"Key": "kind", "Value": "app"}]
    assert "User" not in created and "EnableDate" not in created
    assert otpauth_uri(seed, "phone", ACCOUNT) == (f"otpauth://totp/phone@{ACCOUNT}?secret={seed}")
    code, message, status = raises(
        h.iam().create_virtual_mfa_device, VirtualMFADeviceName="PHONE", Path="/staff/"
    )
    assert (code, message, status) == (
        "EntityAlreadyExists",
        "MFADevice entity at the same path and name already exists.",
        409,
    )


def test_enable_needs_two_consecutive_fresh_codes(h: Harness) -> None:
    h.user("alice")
    serial, totp = _create(h)
    iam = h.iam()
    enable = iam.enable_mfa_device
    now = h.clock.now().timestamp()
    same = {"AuthenticationCode1": totp.at(now), "AuthenticationCode2": totp.at(now)}
    apart = {"AuthenticationCode1": totp.at(now - 60), "AuthenticationCode2": totp.at(now)}
    swapped = {"AuthenticationCode1": totp.at(now), "AuthenticationCode2": totp.at(now - 30)}
    for codes in (same, apart, swapped, _codes(h, totp, offset=-90), _codes(h, totp, 90)):
        assert raises(enable, UserName="alice", SerialNumber=serial, **codes) == INVALID_CODE
    assert raises(enable, UserName="nobody", SerialNumber=serial, **_codes(h, totp))[0] == (
        "NoSuchEntity"
    )
    missing = f"arn:aws:iam::{ACCOUNT}:mfa/missing"
    assert raises(enable, UserName="alice", SerialNumber=missing, **_codes(h, totp)) == (
        "NoSuchEntity",
        f"VirtualMFADevice with serial number {missing} doesn't exist.",
        404,
    )
    codes = _codes(h, totp, offset=30)  # a device clock one step fast
    enable(UserName="alice", SerialNumber=serial, **codes)
    h.user("bob")
    assert raises(enable, UserName="bob", SerialNumber=serial, **_codes(h, totp, 60)) == (
        "EntityAlreadyExists",
        "MFA Device is already in use.",
        409,
    )
    listed = iam.list_mfa_devices(UserName="alice")["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in listed] == [("alice", serial)]
    assert listed[0]["EnableDate"] == h.clock.now()
    assert iam.list_mfa_devices(UserName="bob")["MFADevices"] == []


def test_lifecycle_and_listing(h: Harness) -> None:
    h.user("alice")
    serial, totp = _create(h, "a-phone")
    spare, _ = _create(h, "b-spare")
    iam = h.iam()
    iam.enable_mfa_device(UserName="alice", SerialNumber=serial, **_codes(h, totp))

    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in assigned] == [serial]
    assert assigned[0]["User"]["UserName"] == "alice" and "EnableDate" in assigned[0]
    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")
    assert [d["SerialNumber"] for d in unassigned["VirtualMFADevices"]] == [spare]
    every = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in every] == [serial, spare]
    page = iam.list_virtual_mfa_devices(MaxItems=1)
    assert page["IsTruncated"] and len(page["VirtualMFADevices"]) == 1
    rest = iam.list_virtual_mfa_devices(Marker=page["Marker"])["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in rest] == [spare]

    got = iam.get_mfa_device(UserName="alice", SerialNumber=serial)
    assert (got["UserName"], got["SerialNumber"]) == ("alice", serial)

    assert raises(iam.delete_virtual_mfa_device, SerialNumber=serial) == (
        "DeleteConflict",
        "MFA VirtualDevice in use. Must deactivate first.",
        409,
    )
    assert raises(iam.deactivate_mfa_device, UserName="alice", SerialNumber=spare) == (
        "NoSuchEntity",
        "MFA Device invalid for user.",
        404,
    )
    iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"] == []
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert raises(iam.delete_virtual_mfa_device, SerialNumber=serial)[0] == "NoSuchEntity"
    assert iam.list_mfa_devices()["MFADevices"] == []  # the root user: none modelled


def test_resync_learns_the_drift(h: Harness) -> None:
    h.user("alice")
    serial, totp = _create(h)
    iam = h.iam()
    iam.enable_mfa_device(UserName="alice", SerialNumber=serial, **_codes(h, totp))
    h.clock.advance(days=30)
    slow = -5 * 60  # a month later the device's clock is five minutes behind
    alice_keys = Keys(*_new_key(h, "alice"))
    drifted = totp.at(h.clock.now().timestamp() + slow)
    assert raises(h.sts(alice_keys).get_session_token, SerialNumber=serial, TokenCode=drifted)[
        0
    ] == ("AccessDenied")
    assert (
        raises(
            iam.resync_mfa_device, UserName="alice", SerialNumber=serial, **_codes(h, totp, -3600)
        )
        == INVALID_CODE
    )
    iam.resync_mfa_device(UserName="alice", SerialNumber=serial, **_codes(h, totp, slow))
    h.clock.advance(seconds=30)
    drifted = totp.at(h.clock.now().timestamp() + slow)
    h.sts(alice_keys).get_session_token(SerialNumber=serial, TokenCode=drifted)
    h.user("bob")
    assert raises(
        iam.resync_mfa_device, UserName="bob", SerialNumber=serial, **_codes(h, totp, slow + 60)
    ) == ("NoSuchEntity", "MFA Device invalid for user.", 404)


def _new_key(h: Harness, user: str) -> tuple[str, str]:
    key = h.store.create_access_key(ACCOUNT, user)
    return key.id, key.secret_access_key


def test_tags(h: Harness) -> None:
    serial, _ = _create(h)
    iam = h.iam()
    iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "a", "Value": "1"}])
    iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "b", "Value": "2"}])
    iam.untag_mfa_device(SerialNumber=serial, TagKeys=["A"])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "b", "Value": "2"}]
    missing = f"arn:aws:iam::{ACCOUNT}:mfa/none"
    assert raises(iam.list_mfa_device_tags, SerialNumber=missing)[0] == "NoSuchEntity"


SELF_SERVICE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice"],
                "Resource": "arn:aws:iam::*:mfa/${aws:username}",
            },
            {
                "Effect": "Allow",
                "Action": [
                    "iam:EnableMFADevice",
                    "iam:ListMFADevices",
                    "iam:ResyncMFADevice",
                    "iam:DeactivateMFADevice",
                ],
                "Resource": "arn:aws:iam::*:user/${aws:username}",
            },
            {"Effect": "Allow", "Action": "iam:ListVirtualMFADevices", "Resource": "*"},
        ],
    }
)


def test_users_manage_their_own_device(h: Harness) -> None:
    """AWS's example policy: users may manage only their own MFA device."""
    alice = h.user("alice", SELF_SERVICE)
    h.user("bob")
    iam = h.iam(alice)
    created = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    totp = pyotp.TOTP(created["Base32StringSeed"].decode())
    serial = created["SerialNumber"]
    code, message, status = raises(iam.create_virtual_mfa_device, VirtualMFADeviceName="bob")
    assert (code, status) == ("AccessDenied", 403)
    assert message == (
        f"User: arn:aws:iam::{ACCOUNT}:user/alice is not authorized to perform: "
        f"iam:CreateVirtualMFADevice on resource: arn:aws:iam::{ACCOUNT}:mfa/bob because no "
        "identity-based policy allows the iam:CreateVirtualMFADevice action"
    )
    assert (
        raises(iam.enable_mfa_device, UserName="bob", SerialNumber=serial, **_codes(h, totp))[0]
        == "AccessDenied"
    )
    iam.enable_mfa_device(UserName="alice", SerialNumber=serial, **_codes(h, totp))
    assert [d["SerialNumber"] for d in iam.list_mfa_devices()["MFADevices"]] == [serial]
    iam.list_virtual_mfa_devices()
    iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
