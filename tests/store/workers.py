"""Code that runs in child processes of the concurrency and durability tests.

Children are started with the ``spawn`` method (a fresh interpreter, no shared
connections), so this module must be importable on its own.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from clearance.clock import SystemClock
from clearance.errors import ClearanceError
from clearance.store import IdGenerator, Store, fast_hasher, open_store

ACCOUNT = "123456789012"
MASTER_KEY = bytes(range(32))


def open_child_store(url: str) -> Store:
    return open_store(url, MASTER_KEY, SystemClock(), IdGenerator(), password_hasher=fast_hasher())


def sized_policy(characters: int, marker: str) -> str:
    text = json.dumps(
        {"Sid": marker + "x" * (characters - 10 - len(marker))}, separators=(",", ":")
    )
    assert len(text) == characters
    return text


def races(index: int) -> list[tuple[str, Callable[[Store], Any]]]:
    """The contended operations, in order; each starts behind a barrier."""
    role, policy = f"r{index}", f"arn:aws:iam::{ACCOUNT}:policy/q{index}"
    inline = sized_policy(600, str(index))
    return [
        ("same_user_name", lambda s: s.create_user(ACCOUNT, "racer")),
        ("access_keys", lambda s: s.create_access_key(ACCOUNT, "shared")),
        (
            "policy_versions",
            lambda s: s.create_policy_version(
                ACCOUNT, f"arn:aws:iam::{ACCOUNT}:policy/versioned", "{}"
            ),
        ),
        ("instance_profile_role", lambda s: s.add_role_to_instance_profile(ACCOUNT, "ip", role)),
        ("attached_policies", lambda s: s.attach_user_policy(ACCOUNT, "attached", policy)),
        ("groups_per_user", lambda s: s.add_user_to_group(ACCOUNT, f"h{index}", "joiner")),
        ("tags", lambda s: s.tag_user(ACCOUNT, "tagged", [(f"race{index}", "v")])),
        ("inline_size", lambda s: s.put_user_policy(ACCOUNT, "inliner", f"p{index}", inline)),
    ]


def race_worker(url: str, index: int, barrier: Any, results: Any) -> None:
    """Run every race once; report ``{race: "ok" | error code}``."""
    store = open_child_store(url)
    outcome: dict[str, str] = {}
    try:
        for name, operation in races(index):
            barrier.wait(timeout=120)
            try:
                operation(store)
                outcome[name] = "ok"
            except ClearanceError as error:
                outcome[name] = error.code
    finally:
        store.close()
        results.put((index, outcome))


def durability_child(url: str) -> None:
    """Create users forever; print each name once its create_user has returned."""
    store = open_child_store(url)
    count = 0
    while True:
        name = f"durable{count:05}"
        store.create_user(ACCOUNT, name, tags=[("at", datetime.now(UTC).isoformat())])
        sys.stdout.write(name + "\n")
        sys.stdout.flush()
        count += 1


if __name__ == "__main__":
    durability_child(sys.argv[1])
