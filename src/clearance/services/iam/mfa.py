"""Virtual MFA devices: CreateVirtualMFADevice, EnableMFADevice, ResyncMFADevice,
DeactivateMFADevice, DeleteVirtualMFADevice, ListMFADevices, ListVirtualMFADevices,
GetMFADevice, TagMFADevice, UntagMFADevice, ListMFADeviceTags; and the TOTP
checks STS uses for ``SerialNumber`` + ``TokenCode`` (:func:`use_token_code`).

Codes are RFC 6238 TOTP (30-second steps, 6 digits, HMAC-SHA1: what every
authenticator app makes from the Base32 seed), computed with ``pyotp`` for the
time of the injected clock (``ctx.now``). A code is accepted within one step
either side of the device's clock (the server's plus the drift that
ResyncMFADevice learned), and never twice: the store accepts each time step of a
device at most once, atomically.

EnableMFADevice and ResyncMFADevice take two consecutive codes; the second's
step must be within the window (Resync searches :data:`RESYNC_WINDOW` steps
either side and records the device's drift). Wrong or reused codes answer
``InvalidAuthenticationCode`` (403) ``Authentication code for device is not valid.``

"Never twice" is kept as a high-water mark: a code is accepted only for a step
after the newest step the device ever accepted. A device whose clock jumped
back behind its own last accepted code is refused (resync included) until its
clock passes that step again; a device that drifted slowly is not affected.
"""

from __future__ import annotations

import hmac
import io
from datetime import datetime
from enum import Enum
from typing import Any
from urllib.parse import quote

import pyotp
import segno

from clearance.errors import InvalidInput
from clearance.services.context import CallContext
from clearance.services.iam.common import (
    aws_resource_tag_context,
    page_args,
    page_result,
    request_tag_context,
    tag_input,
    tag_keys_context,
    tags_out,
    user_shape,
)
from clearance.services.iam.users import UserTarget, user_target
from clearance.services.registry import operation
from clearance.store import EntityAlreadyExists, NoSuchEntity, Store
from clearance.store.mfa import (
    InvalidAuthenticationCode,
    MfaSecret,
    VirtualMfaDevice,
    mfa_serial,
    split_mfa_serial,
)

__all__ = [
    "RESYNC_WINDOW",
    "STEP_SECONDS",
    "WINDOW",
    "MfaCheck",
    "code_at",
    "consecutive_step",
    "otpauth_uri",
    "time_step",
    "use_token_code",
]

STEP_SECONDS = 30
WINDOW = 1  # steps either side of the device's clock
RESYNC_WINDOW = 20  # ResyncMFADevice: ten minutes either side


# -- TOTP ------------------------------------------------------------------------------


def time_step(now: datetime) -> int:
    """The TOTP counter of ``now``: 30-second steps since the epoch."""
    return int(now.timestamp()) // STEP_SECONDS


def code_at(seed: str, step: int) -> str:
    return pyotp.TOTP(seed).generate_otp(step)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))


def matching_step(seed: str, code: str, center: int, window: int, after: int | None) -> int | None:
    """The earliest step within ``window`` of ``center`` (and after ``after``, the
    newest step already accepted) whose code is ``code``."""
    for step in range(center - window, center + window + 1):
        if (after is None or step > after) and _same(code_at(seed, step), code):
            return step
    return None


def consecutive_step(
    seed: str, first: str, second: str, center: int, window: int, after: int | None
) -> int | None:
    """The step of ``second`` when ``first`` and ``second`` are the codes of two
    consecutive steps, the second within ``window`` of ``center`` and both after
    ``after``; None when there is no such step."""
    for step in range(center - window, center + window + 1):
        if after is not None and step - 1 <= after:
            continue
        if _same(code_at(seed, step), second) and _same(code_at(seed, step - 1), first):
            return step
    return None


def otpauth_uri(seed: str, device_name: str, account_name: str) -> str:
    """What the QR code holds, as AWS documents it:
    ``otpauth://totp/$virtualMFADeviceName@$AccountName?secret=$Base32String``."""
    label = quote(f"{device_name}@{account_name}", safe="@")
    return f"otpauth://totp/{label}?secret={seed}"


def _qr_png(uri: str) -> bytes:
    out = io.BytesIO()
    segno.make(uri, micro=False).save(out, kind="png", scale=4)
    return out.getvalue()


class MfaCheck(Enum):
    OK = "ok"
    INVALID_CODE = "invalid code"  # wrong, expired or already used
    NOT_ASSOCIATED = "not associated"  # no such device, or not the user's


def use_token_code(
    store: Store, account_id: str, user_id: str | None, serial: str, code: str, now: datetime
) -> tuple[MfaCheck, datetime | None]:
    """Verify and consume an STS ``TokenCode`` of the device ``serial`` enabled for
    the user ``user_id``; the time of the check when accepted."""
    if user_id is None:
        return MfaCheck.NOT_ASSOCIATED, None
    try:
        secret = store.get_mfa_secret(account_id, serial)
    except NoSuchEntity:
        return MfaCheck.NOT_ASSOCIATED, None
    owner = secret.device.user
    if owner is None or owner.id != user_id:
        return MfaCheck.NOT_ASSOCIATED, None
    center = time_step(now) + secret.drift
    step = matching_step(secret.seed, code, center, WINDOW, secret.last_step)
    if step is None or not store.consume_mfa_code(account_id, serial, step):
        return MfaCheck.INVALID_CODE, None
    return MfaCheck.OK, now


# -- shapes and targets ---------------------------------------------------------------


def _device_shape(device: VirtualMfaDevice, *, tags: bool = True) -> dict[str, Any]:
    shape: dict[str, Any] = {"SerialNumber": device.serial_number}
    if device.user is not None:
        shape["User"] = user_shape(device.user)
    if device.enabled is not None:
        shape["EnableDate"] = device.enabled
    if tags and device.tags:
        shape["Tags"] = tags_out(device.tags)
    return shape


def _mfa_shape(device: VirtualMfaDevice) -> dict[str, Any]:
    assert device.user is not None and device.enabled is not None
    return {
        "UserName": device.user.name,
        "SerialNumber": device.serial_number,
        "EnableDate": device.enabled,
    }


def _user_of(ctx: CallContext, params: dict[str, Any]) -> UserTarget | None:
    """The user named by ``UserName``, else the calling IAM user; None for the root
    user without ``UserName`` (whose devices Clearance does not model)."""
    name = params.get("UserName")
    if not name:
        caller = ctx.caller
        if caller.arn.endswith(":root"):  # the root user, or its GetSessionToken session
            return None
        if caller.kind != "user" or caller.user_name is None:
            raise InvalidInput("Must specify userName when calling with non-User credentials")
        name = caller.user_name
    return user_target(ctx, name)


def _device_target(ctx: CallContext, serial: str) -> tuple[str, VirtualMfaDevice | None]:
    """The ARN to authorize against and the device, if it exists in the account."""
    parsed = split_mfa_serial(serial)
    try:
        device = ctx.store.get_virtual_mfa_device(ctx.account_id, serial)
    except NoSuchEntity:
        device = None
    if device is not None:
        return device.serial_number, device
    if parsed is not None and parsed[0] == ctx.account_id:
        return mfa_serial(*parsed), None
    return f"arn:aws:iam::{ctx.account_id}:mfa/{serial}", None


def _existing(serial: str, device: VirtualMfaDevice | None) -> VirtualMfaDevice:
    if device is None:
        raise NoSuchEntity(f"VirtualMFADevice with serial number {serial} doesn't exist.")
    return device


def _secret_for(ctx: CallContext, serial: str) -> MfaSecret:
    return ctx.store.get_mfa_secret(ctx.account_id, serial)


# -- operations ------------------------------------------------------------------------


@operation("iam", "CreateVirtualMFADevice")
def create_virtual_mfa_device(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    name, path = params["VirtualMFADeviceName"], params.get("Path") or "/"
    tags = tag_input(params)
    arn = mfa_serial(ctx.account_id, path, name)
    context = request_tag_context(tags)
    ctx.require("iam:CreateVirtualMFADevice", arn, context)
    if tags:
        ctx.require("iam:TagMFADevice", arn, context)
    created = ctx.store.create_virtual_mfa_device(ctx.account_id, name, path=path, tags=tags)
    aliases = ctx.store.list_account_aliases(ctx.account_id)
    uri = otpauth_uri(created.seed, name, aliases[0] if aliases else ctx.account_id)
    shape = _device_shape(created.device)
    shape["Base32StringSeed"] = created.seed.encode("ascii")
    shape["QRCodePNG"] = _qr_png(uri)
    return {"VirtualMFADevice": shape}


def _two_codes(
    ctx: CallContext, params: dict[str, Any], window: int
) -> tuple[UserTarget, str, int, int]:
    """Authorize, find the device and the step of the second of two consecutive codes."""
    action = f"iam:{ctx.operation}"
    target = user_target(ctx, params["UserName"])
    target.require(ctx, action)
    user = target.existing()
    serial = params["SerialNumber"]
    secret = _secret_for(ctx, serial)
    enabled_for = secret.device.user
    if ctx.operation == "EnableMFADevice" and enabled_for is not None:
        raise EntityAlreadyExists("MFA Device is already in use.")
    if ctx.operation == "ResyncMFADevice" and (enabled_for is None or enabled_for.id != user.id):
        raise NoSuchEntity("MFA Device invalid for user.")
    drift = secret.drift if ctx.operation == "ResyncMFADevice" else 0
    now_step = time_step(ctx.now)
    step = consecutive_step(
        secret.seed,
        params["AuthenticationCode1"],
        params["AuthenticationCode2"],
        now_step + drift,
        window,
        secret.last_step,
    )
    if step is None:
        raise InvalidAuthenticationCode()
    return target, serial, step, step - now_step


@operation("iam", "EnableMFADevice")
def enable_mfa_device(ctx: CallContext, params: dict[str, Any]) -> None:
    target, serial, step, _ = _two_codes(ctx, params, WINDOW)
    ctx.store.enable_mfa_device(ctx.account_id, target.existing().name, serial, step)
    return None


@operation("iam", "ResyncMFADevice")
def resync_mfa_device(ctx: CallContext, params: dict[str, Any]) -> None:
    target, serial, step, drift = _two_codes(ctx, params, RESYNC_WINDOW)
    ctx.store.resync_mfa_device(ctx.account_id, target.existing().name, serial, step, drift)
    return None


@operation("iam", "DeactivateMFADevice")
def deactivate_mfa_device(ctx: CallContext, params: dict[str, Any]) -> None:
    target = _user_of(ctx, params)
    if target is None:
        ctx.require("iam:DeactivateMFADevice", ctx.caller.arn)
        ctx.store.deactivate_mfa_device(ctx.account_id, None, params["SerialNumber"])
        return None
    target.require(ctx, "iam:DeactivateMFADevice")
    user = target.existing()
    ctx.store.deactivate_mfa_device(ctx.account_id, user.name, params["SerialNumber"])
    return None


@operation("iam", "DeleteVirtualMFADevice")
def delete_virtual_mfa_device(ctx: CallContext, params: dict[str, Any]) -> None:
    serial = params["SerialNumber"]
    arn, device = _device_target(ctx, serial)
    context = aws_resource_tag_context(device.tags) if device else {}
    ctx.require("iam:DeleteVirtualMFADevice", arn, context)
    _existing(serial, device)
    ctx.store.delete_virtual_mfa_device(ctx.account_id, serial)
    return None


@operation("iam", "ListMFADevices")
def list_mfa_devices(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    target = _user_of(ctx, params)
    if target is None:
        ctx.require("iam:ListMFADevices", ctx.caller.arn)
        return {"MFADevices": [], "IsTruncated": False}
    target.require(ctx, "iam:ListMFADevices")
    user = target.existing()
    page = ctx.store.list_mfa_devices(ctx.account_id, user.name, **page_args(params))
    return page_result(page, "MFADevices", [_mfa_shape(d) for d in page.items])


@operation("iam", "ListVirtualMFADevices")
def list_virtual_mfa_devices(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.require("iam:ListVirtualMFADevices", f"arn:aws:iam::{ctx.account_id}:mfa/")
    status = params.get("AssignmentStatus") or "Any"
    page = ctx.store.list_virtual_mfa_devices(
        ctx.account_id, assignment_status=status, **page_args(params)
    )
    return page_result(page, "VirtualMFADevices", [_device_shape(d) for d in page.items])


@operation("iam", "GetMFADevice")
def get_mfa_device(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    serial = params["SerialNumber"]
    target = _user_of(ctx, params)
    if target is None:
        ctx.require("iam:GetMFADevice", ctx.caller.arn)
        raise NoSuchEntity(f"VirtualMFADevice with serial number {serial} doesn't exist.")
    target.require(ctx, "iam:GetMFADevice")
    user = target.existing()
    _, device = _device_target(ctx, serial)
    device = _existing(serial, device)
    if device.user is None or device.user.id != user.id:
        raise NoSuchEntity("MFA Device invalid for user.")
    return _mfa_shape(device)


@operation("iam", "TagMFADevice")
def tag_mfa_device(ctx: CallContext, params: dict[str, Any]) -> None:
    serial = params["SerialNumber"]
    tags = tag_input(params)
    arn, device = _device_target(ctx, serial)
    context = aws_resource_tag_context(device.tags) if device else {}
    context.update(request_tag_context(tags))
    ctx.require("iam:TagMFADevice", arn, context)
    _existing(serial, device)
    ctx.store.tag_mfa_device(ctx.account_id, serial, tags)
    return None


@operation("iam", "UntagMFADevice")
def untag_mfa_device(ctx: CallContext, params: dict[str, Any]) -> None:
    serial = params["SerialNumber"]
    keys = list(params.get("TagKeys") or ())
    arn, device = _device_target(ctx, serial)
    context = aws_resource_tag_context(device.tags) if device else {}
    context.update(tag_keys_context(keys))
    ctx.require("iam:UntagMFADevice", arn, context)
    _existing(serial, device)
    ctx.store.untag_mfa_device(ctx.account_id, serial, keys)
    return None


@operation("iam", "ListMFADeviceTags")
def list_mfa_device_tags(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    serial = params["SerialNumber"]
    arn, device = _device_target(ctx, serial)
    context = aws_resource_tag_context(device.tags) if device else {}
    ctx.require("iam:ListMFADeviceTags", arn, context)
    _existing(serial, device)
    page = ctx.store.list_mfa_device_tags(ctx.account_id, serial, **page_args(params))
    return page_result(page, "Tags", tags_out(page.items))
