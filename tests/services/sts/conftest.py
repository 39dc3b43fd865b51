"""In-process harness for STS and MFA: the real :class:`Gateway` over a SQLite
store and an injected :class:`FixedClock`, and boto3 clients whose requests go
straight to ``Gateway.handle`` (botocore signs them at the clock's time). Every
credential, expiry and TOTP window is therefore exact, without sleeping.

The harness calls :func:`check_credential_type` before every operation, where
the gateway calls it (``Gateway._handle``, after building the CallContext).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import boto3
import pyotp
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from clearance.clock import FixedClock
from clearance.services.context import CallContext
from clearance.services.gateway import Gateway
from clearance.services.iam.managed_seed import seed_aws_managed_policies
from clearance.services.registry import OPERATIONS
from clearance.services.sts.restrictions import check_credential_type
from clearance.store import Store, fast_hasher, open_store
from clearance.wire import WireRequest

ACCOUNT = "123456789012"
OTHER = "210987654321"
ROOT_KEY = "AKIAROOTROOTROOT0001"
ROOT_SECRET = "rootsecretrootsecretrootsecretrootsecre1"
OTHER_KEY = "AKIAOTHEROTHEROTHER1"
OTHER_SECRET = "othersecretothersecretothersecretothers1"
START = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
ENDPOINT = "https://sts.clearance.test"


def allow(action: str, resource: str = "*", **condition: Any) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def trust(principal: Any, *actions: str, **condition: Any) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": list(actions) or "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _wire(prepared: Any) -> WireRequest:
    parts = urlsplit(prepared.url)
    headers = [(_text(name), _text(value)) for name, value in prepared.headers.items()]
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes):
        body = body.read()
    return WireRequest.build(prepared.method, parts.path, parts.query, headers, body, secure=True)


@dataclasses.dataclass
class Keys:
    key: str
    secret: str
    token: str | None = None

    @classmethod
    def of(cls, credentials: dict[str, Any]) -> Keys:
        return cls(
            credentials["AccessKeyId"],
            credentials["SecretAccessKey"],
            credentials.get("SessionToken"),
        )


class Harness:
    def __init__(self, store: Store, clock: FixedClock) -> None:
        self.store = store
        self.clock = clock
        self.gateway = Gateway(store, clock)
        self.root = Keys(ROOT_KEY, ROOT_SECRET)
        self.other_root = Keys(OTHER_KEY, OTHER_SECRET)

    def _send(self, request: Any, **_: Any) -> AWSResponse:
        response = self.gateway.handle(_wire(request))
        return AWSResponse(
            request.url, response.status, dict(response.headers), _Body(response.body)
        )

    def client(self, service: str, keys: Keys | None = None, *, validate: bool = True) -> Any:
        """A boto3 client; ``validate=False`` sends what botocore would refuse."""
        keys = keys or self.root
        client = boto3.client(
            service,
            endpoint_url=ENDPOINT,
            region_name="us-east-1",
            aws_access_key_id=keys.key,
            aws_secret_access_key=keys.secret,
            aws_session_token=keys.token,
            config=Config(retries={"max_attempts": 1}, parameter_validation=validate),
        )
        client.meta.events.register("before-send", self._send)
        return client

    def iam(self, keys: Keys | None = None, *, validate: bool = True) -> Any:
        return self.client("iam", keys, validate=validate)

    def sts(self, keys: Keys | None = None, *, validate: bool = True) -> Any:
        return self.client("sts", keys, validate=validate)

    # -- fixtures of the tests ---------------------------------------------------------

    def user(self, name: str, *documents: str, account: str = ACCOUNT) -> Keys:
        """A user with inline policies and an access key."""
        self.store.create_user(account, name)
        for index, document in enumerate(documents):
            self.store.put_user_policy(account, name, f"p{index}", document)
        key = self.store.create_access_key(account, name)
        return Keys(key.id, key.secret_access_key)

    def role(
        self, name: str, trust_policy: str, *documents: str, account: str = ACCOUNT, **kw: Any
    ) -> str:
        role = self.store.create_role(account, name, trust_policy, **kw)
        for index, document in enumerate(documents):
            self.store.put_role_policy(account, name, f"p{index}", document)
        return role.arn

    def mfa_device(self, user: str, name: str | None = None) -> tuple[str, pyotp.TOTP]:
        """A virtual MFA device enabled for ``user`` (through the API), and its TOTP."""
        iam = self.iam()
        created = iam.create_virtual_mfa_device(VirtualMFADeviceName=name or f"{user}-mfa")
        device = created["VirtualMFADevice"]
        totp = pyotp.TOTP(device["Base32StringSeed"].decode())
        serial = device["SerialNumber"]
        now = self.clock.now()
        iam.enable_mfa_device(
            UserName=user,
            SerialNumber=serial,
            AuthenticationCode1=totp.at(now.timestamp() - 30),
            AuthenticationCode2=totp.at(now),
        )
        self.clock.advance(seconds=30)  # the next code is fresh
        return serial, totp

    def code(self, totp: pyotp.TOTP) -> str:
        return str(totp.at(self.clock.now()))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def store(tmp_path: Path, clock: FixedClock) -> Iterator[Store]:
    opened = open_store(
        f"sqlite:///{tmp_path}/clearance.db", bytes(range(32)), clock, password_hasher=fast_hasher()
    )
    opened.create_account(ACCOUNT)
    opened.import_access_key(ACCOUNT, None, ROOT_KEY, ROOT_SECRET)
    opened.create_account(OTHER)
    opened.import_access_key(OTHER, None, OTHER_KEY, OTHER_SECRET)
    seed_aws_managed_policies(opened)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def restricted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Call check_credential_type where the gateway does: before every operation."""
    for key, registered in list(OPERATIONS.items()):

        def checked(
            ctx: CallContext, params: dict[str, Any], _run: Any = registered.handler
        ) -> Any:
            check_credential_type(ctx, ctx.service, ctx.operation)
            return _run(ctx, params)

        monkeypatch.setitem(OPERATIONS, key, dataclasses.replace(registered, handler=checked))


@pytest.fixture
def h(store: Store, clock: FixedClock, restricted: None) -> Iterator[Harness]:
    harness = Harness(store, clock)

    def signing_time() -> datetime:
        return clock.now().astimezone(UTC).replace(tzinfo=None)

    with mock.patch("botocore.auth.get_current_datetime", side_effect=signing_time):
        yield harness
