"""Pieces shared by the in-process service harnesses (tests/services/*/conftest.py):
a SQLite store with one account, a test call's context, and a handler run whose
result must fit botocore's output shape."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clearance.clock import Clock
from clearance.protocol.results import result_problems
from clearance.services.authorize import Authorizer
from clearance.services.context import CallContext, Caller
from clearance.services.registry import OPERATIONS
from clearance.store import Store, fast_hasher, open_store, seeded_ids


@contextmanager
def sqlite_store(tmp_path: Path, clock: Clock, account_id: str, ids_seed: int) -> Iterator[Store]:
    """A fresh SQLite store holding ``account_id``, closed on leaving."""
    store = open_store(
        f"sqlite:///{tmp_path}/clearance.db",
        bytes(range(32)),
        clock,
        seeded_ids(ids_seed),
        password_hasher=fast_hasher(),
    )
    store.create_account(account_id)
    try:
        yield store
    finally:
        store.close()


def call_context(
    service: str,
    operation: str,
    caller: Caller,
    clock: Clock,
    store: Store,
    authorizer: Authorizer,
) -> CallContext:
    """The context of an in-process call (request id "test", us-east-1)."""
    return CallContext(
        caller=caller,
        service=service,
        operation=operation,
        request_id="test",
        region="us-east-1",
        now=clock.now(),
        store=store,
        authorizer=authorizer,
    )


def run_checked(ctx: CallContext, params: dict[str, Any]) -> Any:
    """Run the registered handler of ``ctx``'s operation; its result must fit
    botocore's output shape."""
    result = OPERATIONS[(ctx.service, ctx.operation)].handler(ctx, params)
    problems = result_problems(ctx.service, ctx.operation, result)
    assert not problems, problems
    return result


def user_with_policies(store: Store, account_id: str, name: str, *documents: str) -> Caller:
    """A new IAM user with the given inline policies (p0, p1, …), as a caller."""
    user = store.create_user(account_id, name)
    for index, document in enumerate(documents):
        store.put_user_policy(account_id, name, f"p{index}", document)
    return Caller(
        account_id, user.arn, "user", user.id, "AKIAUSER", entity_id=user.id, user_name=name
    )
