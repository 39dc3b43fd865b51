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
from clearance.services import organizations  # noqa: F401  (registers the operations)
from clearance.services.authorize import Authorizer
from clearance.services.context import Caller
from clearance.store import Store
from tests.services.harness import call_context, run_checked, sqlite_store, user_with_policies

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
        return user_with_policies(self.store, account_id, name, *documents)

    def call(self, operation: str, caller: Caller | None = None, **params: Any) -> Any:
        ctx = call_context(
            "organizations",
            operation,
            caller or self.root,
            self.clock,
            self.store,
            self.authorizer,
        )
        return run_checked(ctx, params)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    clock = FixedClock(START)
    with sqlite_store(tmp_path, clock, MANAGEMENT, 11) as store:
        yield Harness(store, clock)
