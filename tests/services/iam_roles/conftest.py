"""In-process harness for the role, policy, instance-profile and provider
operations: a SQLite store with one account and the AWS managed policies, and a
way to call the registered handlers as a given caller."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clearance.clock import FixedClock
from clearance.protocol.results import result_problems
from clearance.services import iam  # noqa: F401  (registers the operations)
from clearance.services.authorize import Authorizer
from clearance.services.context import CallContext, Caller
from clearance.services.iam.managed_seed import seed_aws_managed_policies
from clearance.services.registry import OPERATIONS
from clearance.store import Store, fast_hasher, open_store, seeded_ids

ACCOUNT = "123456789012"
START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class Harness:
    def __init__(self, store: Store, clock: FixedClock) -> None:
        self.store = store
        self.clock = clock
        self.authorizer = Authorizer(store)
        self.root = Caller(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", "root", ACCOUNT, "AKIAROOT")
        self.called: set[str] = set()

    def user(self, name: str, *documents: str) -> Caller:
        """A new IAM user with the given inline policies, as a caller."""
        user = self.store.create_user(ACCOUNT, name)
        for index, document in enumerate(documents):
            self.store.put_user_policy(ACCOUNT, name, f"p{index}", document)
        return Caller(
            ACCOUNT, user.arn, "user", user.id, "AKIAUSER", entity_id=user.id, user_name=name
        )

    def call(self, operation: str, caller: Caller | None = None, **params: Any) -> Any:
        """Run the handler; its result must fit botocore's output shape."""
        ctx = CallContext(
            caller=caller or self.root,
            service="iam",
            operation=operation,
            request_id="test",
            region="us-east-1",
            now=self.clock.now(),
            store=self.store,
            authorizer=self.authorizer,
        )
        result = OPERATIONS[("iam", operation)].handler(ctx, params)
        problems = result_problems("iam", operation, result)
        assert not problems, problems
        self.called.add(operation)
        return result


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(
        f"sqlite:///{tmp_path}/clearance.db",
        bytes(range(32)),
        FixedClock(START),
        seeded_ids(5),
        password_hasher=fast_hasher(),
    )
    opened.create_account(ACCOUNT)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def harness(store: Store) -> Harness:
    seed_aws_managed_policies(store)
    return Harness(store, FixedClock(START))
