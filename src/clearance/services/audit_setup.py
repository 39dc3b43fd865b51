"""The audit trail's plumbing for a server process: sinks, rotation, retention.

One call, in the server after the store is open::

    sink, close_audit = build_audit_sink(settings, store, clock)
    atexit.register(close_audit)            # or call it on shutdown
    gateway = Gateway(store, clock, sink=sink)

``settings.audit_options.sinks`` chooses the store (hash-chained batches in the
``audit_events`` table) and/or signed JSON-lines files under
``settings.audit_options.directory`` (default ``<data dir>/audit``, signing key
``<data dir>/audit-signing.key``). Each destination gets its own
:class:`~clearance.audit.BatchingSink`, so requests only queue and a failing
destination never holds up or duplicates into the other. A maintenance thread
rotates files by age and applies retention at start and then every
``maintenance_interval`` seconds, deleting in small transactions.
``close_audit()`` stops the thread, writes what is queued, and closes the
current file (writing its digest); calling it twice is harmless.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

from clearance.audit import AuditEvent, AuditSink, BatchingSink, StoreSink
from clearance.audit.files import FileSink, prune_files
from clearance.audit.signing import PRIVATE_KEY_FILE, load_or_create_signer
from clearance.clock import Clock
from clearance.settings import AuditOptions, Settings
from clearance.store import Store

__all__ = ["AuditPipeline", "FanOutSink", "build_audit_sink", "signing_key_path"]

log = logging.getLogger("clearance.audit")

MAINTENANCE_INTERVAL = 600.0  # seconds between retention runs
PRUNE_CHUNK = 1000  # events per delete transaction


class AuditPipeline(NamedTuple):
    sink: AuditSink
    close: Callable[[], None]


class FanOutSink:
    """Hands every batch to each sink (each a queue: this never blocks)."""

    def __init__(self, sinks: Sequence[AuditSink]) -> None:
        self._sinks = tuple(sinks)

    def write(self, records: Sequence[AuditEvent]) -> None:
        for sink in self._sinks:
            sink.write(records)


def signing_key_path(data_dir: Path) -> Path:
    return data_dir / PRIVATE_KEY_FILE


def audit_directory(settings: Settings) -> Path:
    return settings.audit_options.directory or settings.data_dir / "audit"


def build_audit_sink(
    settings: Settings,
    store: Store,
    clock: Clock,
    *,
    maintenance_interval: float = MAINTENANCE_INTERVAL,
) -> AuditPipeline:
    """The sink to give the :class:`~clearance.services.gateway.Gateway`, and the
    callable that stops the maintenance thread and closes the sinks."""
    options = settings.audit_options
    queues: list[BatchingSink] = []
    files: FileSink | None = None
    if "store" in options.sinks:
        queues.append(BatchingSink(StoreSink(store)))
    if "files" in options.sinks:
        signer = load_or_create_signer(signing_key_path(settings.data_dir))
        files = FileSink(
            audit_directory(settings),
            signer,
            clock,
            rotate_bytes=options.rotate_bytes,
            rotate_seconds=options.rotate_seconds,
        )
        queues.append(BatchingSink(files))
    maintenance = _Maintenance(options, store if "store" in options.sinks else None, files,
                               audit_directory(settings), clock, maintenance_interval)  # fmt: skip
    maintenance.start()
    lock = threading.Lock()
    closed = False

    def close() -> None:
        nonlocal closed
        with lock:
            if closed:
                return
            closed = True
        maintenance.stop()
        for queue in queues:
            queue.close()
        if files is not None:
            files.close()

    sink: AuditSink = queues[0] if len(queues) == 1 else FanOutSink(queues)
    return AuditPipeline(sink, close)


class _Maintenance:
    """Rotates files by age and applies retention, on a daemon thread."""

    def __init__(
        self,
        options: AuditOptions,
        store: Store | None,
        files: FileSink | None,
        directory: Path,
        clock: Clock,
        interval: float,
    ) -> None:
        self._options = options
        self._store = store
        self._files = files
        self._directory = directory
        self._clock = clock
        # Wake often enough to rotate files on time, prune every `interval`.
        self._tick = min(interval, max(1.0, options.rotate_seconds / 4)) if files else interval
        self._prune_every = max(1, round(interval / self._tick))
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-maintenance", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        ticks = 0
        while True:
            if ticks % self._prune_every == 0:
                self._guarded(self.prune)
            if self._files is not None:
                self._guarded(self._files.rotate_if_due)
            ticks += 1
            if self._stopping.wait(self._tick):
                return

    @staticmethod
    def _guarded(action: Callable[[], object]) -> None:
        try:
            action()
        except Exception:
            log.exception("audit maintenance failed; retrying at the next run")

    def prune(self) -> None:
        options = self._options
        before = None
        if options.retention_days is not None:
            before = self._clock.now() - timedelta(days=options.retention_days)
        if self._store is not None and (before is not None or options.max_events is not None):
            deleted = self._store.prune_events(
                before, options.max_events, chunk=PRUNE_CHUNK, stop=self._stopping.is_set
            )
            if deleted:
                log.info("audit retention deleted %d events from the store", deleted)
        if self._files is not None and (before is not None or options.max_file_bytes):
            removed = prune_files(self._directory, before=before, max_bytes=options.max_file_bytes)
            if removed:
                log.info("audit retention deleted %d log files", removed)
