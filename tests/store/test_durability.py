"""Every acknowledged write survives ``kill -9`` of the writing process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from clearance.clock import FixedClock
from tests.store.conftest import ACCOUNT, make_store

REPO = Path(__file__).resolve().parents[2]
ACKS = 25


def test_acknowledged_writes_survive_kill_9(database_url: str, clock: FixedClock) -> None:
    store = make_store(database_url, clock)
    store.create_account(ACCOUNT)
    store.close()
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.store.workers", database_url],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    acknowledged: list[str] = []
    try:
        assert child.stdout is not None
        while len(acknowledged) < ACKS:
            line = child.stdout.readline()
            assert line, "the child stopped writing"
            acknowledged.append(line.strip())
        os.kill(child.pid, signal.SIGKILL)  # right after an acknowledged write, mid-next one
    finally:
        child.kill()
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    reopened = make_store(database_url, clock)
    try:
        names = {user.name for user in reopened.list_users(ACCOUNT, max_items=1000).items}
        assert set(acknowledged) <= names
        assert len(names) - len(acknowledged) <= 1  # at most the write in flight
        for name in acknowledged[-3:]:
            assert len(reopened.list_user_tags(ACCOUNT, name).items) == 1
        reopened.create_user(ACCOUNT, "after-the-crash")  # the database is usable
    finally:
        reopened.close()
