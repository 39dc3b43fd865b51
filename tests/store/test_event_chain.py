"""The audit trail's hash chain: appends chain, edits and deletions are found,
pruning keeps it verifiable, several processes extend one chain, 0003 upgrades."""

from __future__ import annotations

import json
import multiprocessing
from datetime import timedelta

import sqlalchemy as sa

from clearance.clock import FixedClock
from clearance.store import Store, fast_hasher, open_store, seeded_ids
from clearance.store.database import create_store_engine
from clearance.store.migrate import upgrade
from clearance.store.schema import audit_event_batches, audit_events
from tests.store import chain_workers
from tests.store.chain_workers import record
from tests.store.conftest import START, make_store


def _append(store: Store, batches: int, size: int, tag: str = "a") -> None:
    for b in range(batches):
        store.append_events([(record(tag, b * size + i), None) for i in range(size)])


def _kinds(store: Store) -> list[tuple[str, str]]:
    return [(p.kind, p.subject) for p in store.verify_event_chain().problems]


def _execute(store: Store, statement: sa.Executable) -> None:
    with store.engine.begin() as conn:
        conn.execute(statement)


def test_batches_form_one_verified_chain(store: Store) -> None:
    _append(store, 3, 4)
    report = store.verify_event_chain()
    assert report.ok, report.problems
    assert (report.batches, report.events, report.first_seq, report.last_seq) == (3, 12, 1, 3)
    assert not report.pruned and report.unchained == 0
    with store.engine.connect() as conn:
        seqs = conn.execute(sa.select(audit_events.c.chain_seq).distinct()).scalars().all()
    assert sorted(seqs) == [1, 2, 3]
    assert store.lookup_events(max_results=50).events[0].record == record("a", 11)


def test_an_edited_record_is_found(store: Store) -> None:
    _append(store, 3, 4)
    changed = record("a", 5) | {"eventName": "DeleteUser"}
    _execute(store, sa.update(audit_events).where(audit_events.c.event_id == "evt-a-00005")
             .values(record=json.dumps(changed)))  # fmt: skip
    assert _kinds(store) == [("modified", "batch 2")]


def test_a_deleted_row_is_found(store: Store) -> None:
    _append(store, 3, 4)
    _execute(store, sa.delete(audit_events).where(audit_events.c.event_id == "evt-a-00009"))
    assert _kinds(store) == [("deleted", "batch 3")]


def test_a_deleted_batch_is_found(store: Store) -> None:
    _append(store, 3, 4)
    _execute(store, sa.delete(audit_events).where(audit_events.c.chain_seq == 2))
    _execute(store, sa.delete(audit_event_batches).where(audit_event_batches.c.seq == 2))
    assert _kinds(store) == [("deleted", "batch 3")]


def test_a_digest_row_recomputed_without_the_key_is_forged(store: Store) -> None:
    _append(store, 2, 2)
    _execute(store, sa.update(audit_event_batches).where(audit_event_batches.c.seq == 1)
             .values(batch_hash="0" * 64))  # fmt: skip
    assert _kinds(store) == [("forged", "batch 1")]


def test_another_master_key_sees_a_forged_chain(database_url: str, clock: FixedClock) -> None:
    store = make_store(database_url, clock)
    _append(store, 1, 2)
    store.close()
    other = open_store(database_url, bytes(32), clock, seeded_ids(1), password_hasher=fast_hasher())
    try:
        assert _kinds(other) == [("forged", "batch 1")]
    finally:
        other.close()


def test_pruning_by_count_keeps_the_rest_verifiable(store: Store) -> None:
    _append(store, 5, 4)
    assert store.prune_events(keep_at_most=9, chunk=4) == 12
    report = store.verify_event_chain()
    assert report.ok, report.problems
    assert (report.first_seq, report.events, report.pruned) == (4, 8, True)
    _append(store, 1, 2, tag="b")
    assert store.verify_event_chain().ok


def test_pruning_by_age_never_removes_the_head(store: Store, clock: FixedClock) -> None:
    _append(store, 2, 3)
    clock.advance(days=40)
    _append(store, 1, 3, tag="b")
    assert store.prune_events(before=clock.now() - timedelta(days=30)) == 6
    assert store.prune_events(before=clock.now() + timedelta(days=1)) == 0  # the head stays
    report = store.verify_event_chain()
    assert report.ok and (report.first_seq, report.events) == (3, 3)
    assert store.prune_events() == 0


def test_two_processes_extend_one_chain(database_url: str, clock: FixedClock) -> None:
    make_store(database_url, clock).close()  # migrate once
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    processes = [
        context.Process(
            target=chain_workers.append_worker, args=(database_url, tag, 15, 5, barrier)
        )
        for tag in ("x", "y")
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode == 0
    store = make_store(database_url, clock)
    try:
        report = store.verify_event_chain()
        assert report.ok, report.problems
        assert (report.batches, report.events, report.last_seq) == (30, 150, 30)
    finally:
        store.close()


def test_upgrading_from_0003_keeps_old_events_unchained(
    database_url: str, clock: FixedClock
) -> None:
    engine = create_store_engine(database_url)
    try:
        upgrade(engine, "0003")
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO audit_events (event_id, request_id, event_time, event_name, "
                    "event_source, read_only, record) VALUES ('old', 'r', :t, 'GetUser', "
                    "'iam.amazonaws.com', true, '{}')"
                ),
                {"t": START.replace(tzinfo=None)},
            )
    finally:
        engine.dispose()
    store = make_store(database_url, clock)
    try:
        _append(store, 1, 2)
        report = store.verify_event_chain()
        assert report.ok and (report.unchained, report.events) == (1, 2)
        clock.advance(days=1)
        assert store.prune_events(before=clock.now()) == 1  # the old one; the head stays
        assert store.verify_event_chain().unchained == 0
    finally:
        store.close()
