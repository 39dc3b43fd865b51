"""In-process harness for the Organizations operations: a SQLite store with a
management account, and a way to call the registered handlers as a given caller
(results checked against botocore's output shapes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clearance.clock import FixedClock
from clearance.protocol.results import result_problems
from clearance.services import organizations  # noqa: F401  (registers the operations)
from clearance.services.authorize import Authorizer
from clearance.services.context import CallContext, Caller
from clearance.services.registry import OPERATIONS
from clearance.store import Store, fast_hasher, open_store, seeded_ids

MANAGEMENT = "123456789012"
START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


def root_of(account_id: str) -> Caller:
    return Caller(account_id, f"arn:aws:iam::{account_id}:root", "root", account_id, "AKIAROOT")


class Harness:
    def __init__(self, store: Store, clock: FixedClock) -> None:
        self.store = store
        self.clock = clock
        self.authorizer = Authorizer(store)
        self.root = root_of(MANAGEMENT)

    def user(self, account_id: str, name: str, *documents: str) -> Caller:
        """A new IAM user with the given inline policies, as a caller."""
        user = self.store.create_user(account_id, name)
        for index, document in enumerate(documents):
            self.store.put_user_policy(account_id, name, f"p{index}", document)
        return Caller(
            account_id, user.arn, "user", user.id, "AKIAUSER", entity_id=user.id, user_name=name
        )

    def call(self, operation: str, caller: Caller | None = None, **params: Any) -> Any:
        ctx = CallContext(
            caller=caller or self.root,
            service="organizations",
            operation=operation,
            request_id="test",
            region="us-east-1",
            now=self.clock.now(),
            store=self.store,
            authorizer=self.authorizer,
        )
        result = OPERATIONS[("organizations", operation)].handler(ctx, params)
        problems = result_problems("organizations", operation, result)
        assert not problems, problems
        return result


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    clock = FixedClock(START)
    store = open_store(
        f"sqlite:///{tmp_path}/clearance.db",
        bytes(range(32)),
        clock,
        seeded_ids(11),
        password_hasher=fast_hasher(),
    )
    store.create_account(MANAGEMENT)
    try:
        yield Harness(store, clock)
    finally:
        store.close()
