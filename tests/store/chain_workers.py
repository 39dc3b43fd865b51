"""Child-process code of the event chain's concurrency test (spawned: importable alone)."""

from __future__ import annotations

from typing import Any

from clearance.clock import SystemClock
from clearance.store import IdGenerator, fast_hasher, open_store

MASTER_KEY = bytes(range(32))


def record(tag: str, n: int) -> dict[str, Any]:
    return {
        "eventVersion": "1.09",
        "eventTime": f"2026-05-01T12:{n // 60 % 60:02d}:{n % 60:02d}Z",
        "eventSource": "iam.amazonaws.com",
        "eventName": "GetUser",
        "requestID": f"req-{tag}-{n}",
        "eventID": f"evt-{tag}-{n:05d}",
        "readOnly": True,
        "userIdentity": {"type": "Root", "arn": "arn:aws:iam::123456789012:root"},
        "recipientAccountId": "123456789012",
    }


def append_worker(url: str, tag: str, batches: int, size: int, barrier: Any) -> None:
    store = open_store(url, MASTER_KEY, SystemClock(), IdGenerator(), password_hasher=fast_hasher())
    try:
        barrier.wait(timeout=120)
        for b in range(batches):
            store.append_events([(record(tag, b * size + i), None) for i in range(size)])
    finally:
        store.close()
