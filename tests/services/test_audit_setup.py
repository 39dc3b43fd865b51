"""build_audit_sink: the sinks chosen by settings, retention at start, a clean close."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from clearance.audit import AuditEvent, BatchingSink
from clearance.audit.files import FileSink
from clearance.audit.signing import load_or_create_signer, load_verifier
from clearance.audit.verify import verify_files
from clearance.clock import FixedClock
from clearance.services.audit_setup import FanOutSink, build_audit_sink, signing_key_path
from clearance.services.bootstrap import open_server_store
from clearance.settings import AuditOptions, Settings
from clearance.store import Store

T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)


def _event(n: int) -> AuditEvent:
    return AuditEvent({
        "eventTime": (T0 + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventID": f"evt-{n:04d}", "eventName": "GetUser", "eventSource": "iam.amazonaws.com",
        "requestID": f"r{n}",
    })  # fmt: skip


def _settings(data: Path, **options: object) -> Settings:
    return Settings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'clearance.db'}",
        audit_options=AuditOptions(**options),  # type: ignore[arg-type]
    )


def _eventually(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


def _store(settings: Settings, clock: FixedClock) -> Store:
    return open_server_store(settings.data_dir, settings.database_url, None, clock)


def _count(store: Store) -> int:
    return store.verify_event_chain().events


def test_the_store_sink_by_default(tmp_path: Path, clock: FixedClock) -> None:
    settings = _settings(tmp_path)
    store = _store(settings, clock)
    sink, close = build_audit_sink(settings, store, clock)
    assert isinstance(sink, BatchingSink)
    sink.write([_event(1), _event(2)])
    close()
    close()  # twice is harmless
    assert _count(store) == 2 and store.verify_event_chain().ok
    assert not (tmp_path / "audit").exists()
    store.close()


def test_store_and_files_get_every_event(tmp_path: Path, clock: FixedClock) -> None:
    settings = _settings(tmp_path, sinks=("store", "files"), directory=tmp_path / "trail")
    store = _store(settings, clock)
    sink, close = build_audit_sink(settings, store, clock)
    assert isinstance(sink, FanOutSink)
    sink.write([_event(1)])
    sink.write([_event(2)])
    close()
    assert _count(store) == 2
    verifier = load_verifier(signing_key_path(tmp_path).with_suffix(".pub"))
    report = verify_files(tmp_path / "trail", verifier)
    assert report.ok and report.events == 2
    store.close()


def test_retention_runs_at_start(tmp_path: Path, clock: FixedClock) -> None:
    settings = _settings(
        tmp_path, sinks=("store", "files"), directory=tmp_path / "audit",
        retention_days=30, max_events=4,
    )  # fmt: skip
    store = _store(settings, clock)
    for n in range(4):  # four batches of two, 40 days old by the time the server starts
        store.append_events([(_event(2 * n).record, None), (_event(2 * n + 1).record, None)])
    old = FileSink(tmp_path / "audit", load_or_create_signer(signing_key_path(tmp_path)), clock)
    old.write([_event(1)])
    old.close()
    clock.advance(days=40)
    _, close = build_audit_sink(settings, store, clock)
    try:
        assert _eventually(lambda: _count(store) == 2)  # the newest batch stays
        assert _eventually(lambda: not list((tmp_path / "audit").glob("*.jsonl")))
        assert store.verify_event_chain().ok
    finally:
        close()
        store.close()


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CLEARANCE_AUDIT_SINKS"):
        AuditOptions.from_env({"CLEARANCE_AUDIT_SINKS": "store,kafka"}, tmp_path)
    with pytest.raises(ValueError, match="CLEARANCE_AUDIT_MAX_EVENTS"):
        AuditOptions.from_env({"CLEARANCE_AUDIT_MAX_EVENTS": "many"}, tmp_path)
    options = AuditOptions.from_env(
        {"CLEARANCE_AUDIT_SINKS": "files, store", "CLEARANCE_AUDIT_RETENTION_DAYS": "7"}, tmp_path
    )
    assert options.sinks == ("files", "store") and options.retention_days == 7
    assert options.directory == tmp_path / "audit"
