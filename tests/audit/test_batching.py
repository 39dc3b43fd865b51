"""BatchingSink: requests only queue; events reach the inner sink within the
loss window, all of them on close, and a failing store neither blocks nor
loses them."""

from __future__ import annotations

import time
from collections.abc import Sequence

from clearance.audit import AuditEvent, BatchingSink, MemorySink


def _events(n: int) -> list[AuditEvent]:
    return [AuditEvent({"eventID": str(i)}, None) for i in range(n)]


def _wait_for(predicate: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


def test_events_arrive_within_the_window() -> None:
    inner = MemorySink()
    sink = BatchingSink(inner, max_delay=0.05)
    sink.write(_events(3))
    assert _wait_for(lambda: len(inner.events) == 3)
    sink.close()


def test_close_writes_everything_queued() -> None:
    inner = MemorySink()
    sink = BatchingSink(inner, max_delay=60)
    sink.write(_events(1200))
    sink.close()
    assert [e.record["eventID"] for e in inner.events] == [str(i) for i in range(1200)]


class _Flaky:
    def __init__(self) -> None:
        self.fail = True
        self.written: list[AuditEvent] = []

    def write(self, records: Sequence[AuditEvent]) -> None:
        if self.fail:
            raise RuntimeError("database down")
        self.written.extend(records)


def test_a_failing_store_keeps_events_for_the_next_attempt() -> None:
    inner = _Flaky()
    sink = BatchingSink(inner, max_delay=0.02)
    sink.write(_events(5))
    time.sleep(0.1)
    assert inner.written == []
    inner.fail = False
    assert _wait_for(lambda: len(inner.written) == 5)
    sink.close()


def test_the_queue_is_bounded() -> None:
    inner = _Flaky()
    sink = BatchingSink(inner, max_delay=60, max_queued=100)
    sink.write(_events(250))
    assert sink.dropped == 150
    inner.fail = False
    sink.close()
    assert len(inner.written) == 100
