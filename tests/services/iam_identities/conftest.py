"""In-process harness for the identity operations: a SQLite store, an account,
and callers (root or an IAM user) to invoke the registered handlers directly."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clearance.clock import FixedClock
from clearance.services import iam  # noqa: F401  (registers the operations)
from clearance.services.authorize import Authorizer
from clearance.services.context import CallContext, Caller
from clearance.store import Store
from tests.services.harness import call_context, run_checked, sqlite_store

ACCOUNT = "123456789012"
ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"
START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'

Call = Callable[..., Any]


class Harness:
    def __init__(self, store: Store, clock: FixedClock) -> None:
        self.store = store
        self.clock = clock
        self.authorizer = Authorizer(store)
        self.root = Caller(ACCOUNT, ROOT_ARN, "root", ACCOUNT, "AKIAROOTROOTROOT0001")

    def user_caller(self, name: str, key: str = "AKIAUSERUSERUSER0001") -> Caller:
        user = self.store.get_user(ACCOUNT, name)
        return Caller(
            ACCOUNT, user.arn, "user", user.id, key, entity_id=user.id, user_name=user.name
        )

    def context(self, operation: str, caller: Caller | None = None) -> CallContext:
        return call_context(
            "iam", operation, caller or self.root, self.clock, self.store, self.authorizer
        )

    def call(self, operation: str, caller: Caller | None = None, **params: Any) -> Any:
        """Run the handler and check its result against botocore's output shape."""
        return run_checked(self.context(operation, caller), params)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    clock = FixedClock(START)
    with sqlite_store(tmp_path, clock, ACCOUNT, 11) as store:
        yield Harness(store, clock)
