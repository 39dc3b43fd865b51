"""Where events go: the :class:`AuditSink` protocol, the store and memory sinks."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from clearance.audit.event import AuditEvent, CallRecord, build_event

__all__ = ["AuditSink", "BatchingSink", "EventAppender", "MemorySink", "StoreSink"]

_log = logging.getLogger("clearance.audit")
_DROP_LOG_EVERY = 10_000


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

    The request path only appends to a queue: an event, or (:meth:`write_call`)
    the call's plain values, whose record the writer thread builds and redacts,
    so the request pays for neither. A batch is written when it has
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
        max_batch: int = 1000,
        max_queued: int = 100_000,
    ) -> None:
        self._inner = inner
        self._max_delay = max_delay
        self._max_batch = max_batch
        self._max_queued = max_queued
        self._queue: list[AuditEvent | CallRecord] = []
        self._condition = threading.Condition()
        self._closed = False
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def write(self, records: Sequence[AuditEvent]) -> None:
        self._enqueue(records)

    def write_call(self, call: CallRecord) -> None:
        """Queue one call; its event is built on the writer thread. ``call``'s
        values must not change afterwards (the gateway's are per request)."""
        self._enqueue((call,))

    def _enqueue(self, items: Sequence[AuditEvent | CallRecord]) -> None:
        with self._condition:
            queue = self._queue
            queue.extend(items)
            size = len(queue)
            if size > self._max_queued:
                overflow = size - self._max_queued
                del queue[:overflow]
                before, self.dropped = self.dropped, self.dropped + overflow
                if before // _DROP_LOG_EVERY != self.dropped // _DROP_LOG_EVERY or not before:
                    _log.warning("audit queue full: %d events dropped so far", self.dropped)
            elif size == len(items) or size >= self._max_batch:
                self._condition.notify()  # the first of a batch, or a full one

    @property
    def backlog(self) -> int:
        """Events queued and not yet written."""
        with self._condition:
            return len(self._queue)

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

    def _write(self, batch: list[AuditEvent | CallRecord]) -> None:
        if not batch:
            return
        events = _built(batch)
        try:
            self._inner.write(events)
        except Exception:
            with self._condition:  # keep them (built: same eventIDs) for the next attempt
                self._queue[:0] = events
            _log.exception("writing %d audit events failed", len(events))


def _built(batch: list[AuditEvent | CallRecord]) -> list[AuditEvent]:
    """The events of ``batch``, building those queued as calls. A call whose
    record cannot be built is logged (by request id only) and left out."""
    events: list[AuditEvent] = []
    for item in batch:
        if isinstance(item, AuditEvent):
            events.append(item)
            continue
        try:
            events.append(build_event(item))
        except Exception:
            _log.exception("building the audit event of request %s failed", item.request_id)
    return events
