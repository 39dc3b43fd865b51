"""Where events go: the :class:`AuditSink` protocol, the store and memory sinks."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from clearance.audit.event import AuditEvent

__all__ = ["AuditSink", "BatchingSink", "EventAppender", "MemorySink", "StoreSink"]


class AuditSink(Protocol):
    def write(self, records: Sequence[AuditEvent]) -> None:
        """Persist ``records`` (all or none); raise on failure."""


class EventAppender(Protocol):
    """What :class:`StoreSink` needs of the store (``Store.append_events``)."""

    def append_events(
        self, batch: Sequence[tuple[Mapping[str, Any], Mapping[str, Any] | None]]
    ) -> None: ...


class StoreSink:
    """Appends each batch to the store's events table in one transaction."""

    def __init__(self, store: EventAppender) -> None:
        self._store = store

    def write(self, records: Sequence[AuditEvent]) -> None:
        if records:
            self._store.append_events([(event.record, event.trace) for event in records])


class MemorySink:
    """Keeps events in a list (tests)."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []
        self._lock = threading.Lock()

    def write(self, records: Sequence[AuditEvent]) -> None:
        with self._lock:
            self.events.extend(records)


class BatchingSink:
    """Queues events and writes them to ``inner`` in batches from one thread.

    The request path only appends to a queue. A batch is written when it has
    ``max_batch`` events or ``max_delay`` seconds after its first event, so the
    events a crash (kill -9) can lose are at most those of the last
    ``max_delay`` seconds; :meth:`close` (graceful shutdown) writes everything.
    A failed write is retried with the next batch, and the queue is bounded by
    ``max_queued``: past it the oldest events are dropped and counted, so a
    broken store can never exhaust memory or block requests.
    """

    def __init__(
        self,
        inner: AuditSink,
        *,
        max_delay: float = 0.2,
        max_batch: int = 500,
        max_queued: int = 100_000,
    ) -> None:
        self._inner = inner
        self._max_delay = max_delay
        self._max_batch = max_batch
        self._max_queued = max_queued
        self._queue: list[AuditEvent] = []
        self._condition = threading.Condition()
        self._closed = False
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def write(self, records: Sequence[AuditEvent]) -> None:
        with self._condition:
            self._queue.extend(records)
            overflow = len(self._queue) - self._max_queued
            if overflow > 0:
                del self._queue[:overflow]
                self.dropped += overflow
            if len(self._queue) >= self._max_batch or len(self._queue) == len(records):
                self._condition.notify()

    def flush(self) -> None:
        """Write everything queued now (tests, shutdown)."""
        with self._condition:
            batch, self._queue = self._queue, []
        self._write(batch)

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify()
        self._thread.join(timeout=10)
        self.flush()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._queue and not self._closed:
                    self._condition.wait()
                if self._closed:
                    return
                # Let a batch gather for at most max_delay after its first event.
                self._condition.wait_for(
                    lambda: len(self._queue) >= self._max_batch or self._closed,
                    timeout=self._max_delay,
                )
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
            self._write(batch)

    def _write(self, batch: list[AuditEvent]) -> None:
        if not batch:
            return
        try:
            self._inner.write(batch)
        except Exception:
            with self._condition:  # keep them for the next attempt
                self._queue[:0] = batch
            logging.getLogger("clearance.audit").exception(
                "writing %d audit events failed", len(batch)
            )
