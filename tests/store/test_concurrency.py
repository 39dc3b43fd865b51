"""Quotas hold under concurrent writers: 8 processes (and 8 threads) race on each one."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter

from clearance.clock import FixedClock
from clearance.store import Store
from tests.store import workers
from tests.store.conftest import ACCOUNT, DOC, TRUST, make_store

WORKERS = 8
# race → (successes expected, error code of the others)
EXPECTED = {
    "same_user_name": (1, "EntityAlreadyExists"),
    "access_keys": (2, "LimitExceeded"),
    "policy_versions": (4, "LimitExceeded"),  # v1 exists: 4 more make 5
    "instance_profile_role": (1, "LimitExceeded"),
    "attached_policies": (5, "LimitExceeded"),  # 5 attached before
    "groups_per_user": (4, "LimitExceeded"),  # member of 6 before
    "tags": (4, "LimitExceeded"),  # 46 tags before
    "inline_size": (3, "LimitExceeded"),  # 3 × 600 ≤ 2,048 < 4 × 600
}


def _prepare(store: Store) -> None:
    a = store.create_account(ACCOUNT)[0].id
    store.create_user(a, "shared")
    store.create_policy(a, "versioned", DOC)
    store.create_instance_profile(a, "ip")
    store.create_user(a, "attached")
    store.create_user(a, "joiner")
    store.create_user(a, "tagged", tags=[(f"t{i}", "v") for i in range(46)])
    store.create_user(a, "inliner")
    for i in range(WORKERS):
        store.create_role(a, f"r{i}", TRUST)
        store.create_policy(a, f"q{i}", DOC)
        store.create_group(a, f"h{i}")
    for i in range(5):
        store.create_policy(a, f"pre{i}", DOC)
        store.attach_user_policy(a, "attached", f"arn:aws:iam::{a}:policy/pre{i}")
    for i in range(6):
        store.create_group(a, f"pre{i}")
        store.add_user_to_group(a, f"pre{i}", "joiner")


def _check(store: Store, outcomes: list[dict[str, str]]) -> None:
    for race, (successes, code) in EXPECTED.items():
        seen = Counter(outcome[race] for outcome in outcomes)
        assert seen == Counter({"ok": successes, code: WORKERS - successes}), race
    assert len(store.list_access_keys(ACCOUNT, "shared").items) == 2
    assert (
        len(store.list_policy_versions(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:policy/versioned").items)
        == 5
    )
    assert len(store.get_instance_profile(ACCOUNT, "ip").roles) == 1
    assert len(store.list_attached_user_policies(ACCOUNT, "attached").items) == 10
    assert len(store.list_groups_for_user(ACCOUNT, "joiner").items) == 10
    assert len(store.list_user_tags(ACCOUNT, "tagged").items) == 50
    assert len(store.list_user_policies(ACCOUNT, "inliner").items) == 3


def test_quotas_hold_across_processes(database_url: str, clock: FixedClock) -> None:
    store = make_store(database_url, clock)
    try:
        _prepare(store)
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(WORKERS)
        results = context.Queue()
        processes = [
            context.Process(target=workers.race_worker, args=(database_url, i, barrier, results))
            for i in range(WORKERS)
        ]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=300)[1] for _ in processes]
        for process in processes:
            process.join(timeout=60)
            assert process.exitcode == 0
        _check(store, outcomes)
    finally:
        store.close()


def test_quotas_hold_across_threads(database_url: str, clock: FixedClock) -> None:
    store = make_store(database_url, clock)
    try:
        _prepare(store)
        barrier = threading.Barrier(WORKERS)
        outcomes: list[dict[str, str]] = [{} for _ in range(WORKERS)]

        def run(index: int) -> None:
            for name, operation in workers.races(index):
                barrier.wait(timeout=120)
                try:
                    operation(store)
                    outcomes[index][name] = "ok"
                except Exception as error:
                    outcomes[index][name] = getattr(error, "code", repr(error))

        threads = [threading.Thread(target=run, args=(i,)) for i in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        _check(store, outcomes)
    finally:
        store.close()
