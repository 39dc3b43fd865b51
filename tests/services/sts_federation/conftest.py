"""In-process harness for AssumeRoleWithWebIdentity and AssumeRoleWithSAML: a
SQLite store with one account, an injected clock, the handlers called as the
anonymous caller the gateway builds for unsigned requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clearance.clock import FixedClock
from clearance.protocol.results import result_problems
from clearance.services import sts  # noqa: F401  (registers the operations)
from clearance.services.authorize import Authorizer
from clearance.services.context import CallContext
from clearance.services.iam.managed_seed import seed_aws_managed_policies
from clearance.services.registry import OPERATIONS
from clearance.services.sts import oidc_keys
from clearance.services.sts.federation_common import anonymous_caller
from clearance.store import Role, Store, fast_hasher, open_store, seeded_ids
from tests.services.sts_federation import idp

ACCOUNT = "123456789012"
START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ISSUER = "https://oidc.example.com/id/CLUSTER1"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.example.com/id/CLUSTER1"
CLIENT = "sts.amazonaws.com"


def trust(principal: dict[str, str], action: str, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


class Harness:
    def __init__(self, store: Store, clock: FixedClock, tmp: Path) -> None:
        self.store = store
        self.clock = clock
        self.tmp = tmp
        self.authorizer = Authorizer(store)
        self.keys = oidc_keys.KeyCache()
        self.last: CallContext | None = None

    def context(self, operation: str) -> CallContext:
        return CallContext(
            caller=anonymous_caller(),
            service="sts",
            operation=operation,
            request_id="test",
            region="us-east-1",
            now=self.clock.now(),
            store=self.store,
            authorizer=self.authorizer,
            source_ip="198.51.100.7",
            user_agent="pytest",
            secure=True,
        )

    def call(self, operation: str, **params: Any) -> Any:
        """Run the handler; its result must fit botocore's output shape."""
        ctx = self.last = self.context(operation)
        result = OPERATIONS[("sts", operation)].handler(ctx, params)
        problems = result_problems("sts", operation, result)
        assert not problems, problems
        return result

    def role(
        self,
        name: str,
        trust_policy: str,
        *,
        max_session_duration: int = 3600,
        policy: str | None = None,
    ) -> Role:
        role = self.store.create_role(
            ACCOUNT, name, trust_policy, max_session_duration=max_session_duration
        )
        if policy is not None:
            self.store.put_role_policy(ACCOUNT, name, "permissions", policy)
        return role

    def oidc_provider(
        self,
        *signers: idp.Signer,
        url: str = ISSUER,
        clients: tuple[str, ...] = (CLIENT,),
        thumbprints: tuple[str, ...] = (),
        jwks_name: str = "jwks.json",
    ) -> str:
        """An OIDC provider whose keys are a file:// JWKS (the clearance:jwks-uri tag)."""
        tags = []
        if signers:
            uri = idp.write_jwks(self.tmp / jwks_name, *signers)
            tags.append(("clearance:jwks-uri", uri))
        provider = self.store.create_open_id_connect_provider(
            ACCOUNT, url, clients, thumbprints, tags=tags
        )
        return provider.arn


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(
        f"sqlite:///{tmp_path}/clearance.db",
        bytes(range(32)),
        FixedClock(START),
        seeded_ids(7),
        password_hasher=fast_hasher(),
    )
    opened.create_account(ACCOUNT)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def harness(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Harness:
    seed_aws_managed_policies(store)
    made = Harness(store, FixedClock(START), tmp_path)
    # Each test gets its own key cache (the process-wide one would carry keys over).
    monkeypatch.setattr(oidc_keys, "KEYS", made.keys)
    return made


@pytest.fixture(scope="session")
def signer() -> idp.Signer:
    return idp.rsa_signer("key-1")


@pytest.fixture(scope="session")
def other_signer() -> idp.Signer:
    return idp.rsa_signer("key-1")  # same kid, different key: a forger


@pytest.fixture(scope="session")
def saml_idp() -> idp.SamlIdp:
    return idp.SamlIdp.create()
