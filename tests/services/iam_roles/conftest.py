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
from clearance.services import iam  # noqa: F401  (registers the operations)
from clearance.services.authorize import Authorizer
from clearance.services.context import Caller
from clearance.services.iam.managed_seed import seed_aws_managed_policies
from clearance.store import Store
from tests.services.harness import call_context, run_checked, sqlite_store, user_with_policies

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
        return user_with_policies(self.store, ACCOUNT, name, *documents)

    def call(self, operation: str, caller: Caller | None = None, **params: Any) -> Any:
        """Run the handler; its result must fit botocore's output shape."""
        ctx = call_context(
            "iam", operation, caller or self.root, self.clock, self.store, self.authorizer
        )
        result = run_checked(ctx, params)
        self.called.add(operation)
        return result


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with sqlite_store(tmp_path, FixedClock(START), ACCOUNT, 5) as opened:
        yield opened


@pytest.fixture
def harness(store: Store) -> Harness:
    seed_aws_managed_policies(store)
    return Harness(store, FixedClock(START))
