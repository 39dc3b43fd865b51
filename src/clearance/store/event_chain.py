"""The audit trail's hash chain in the store, its verification, and retention.

Every batch that :meth:`EventsMixin.append_events` inserts gets, in the same
transaction, one row in ``audit_event_batches``: its sequence number, the
SHA-256 of its records (the stored JSON texts, ordered by event id), the
previous batch's digest hash, its own digest hash over all of that, and an
HMAC-SHA256 of the digest under a key derived from the master key — so that
recomputing the chain after an edit needs the master key, which the database
does not hold. Appends are serialized: ``BEGIN IMMEDIATE`` on SQLite, a
transaction-scoped advisory lock on PostgreSQL, so any number of server
processes extend one chain.

Retention (:meth:`prune_events`) deletes whole batches, oldest first, a chunk
per transaction, and never the newest batch (the chain's head): what remains
still verifies, from the oldest remaining batch on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.engine import Connection, Engine

from clearance.store.base import StoreBase, Tx
from clearance.store.schema import audit_event_batches, audit_events

__all__ = ["GENESIS", "ChainProblem", "ChainReport", "EventChainMixin"]

GENESIS = "0" * 64  # the previous hash of the first batch
CHAIN_KEY_INFO = b"clearance/audit-chain/v1"
_LOCK_KEY = 0x636C6175646974  # "claudit": the advisory lock of the chain's head
_VERIFY_PAGE = 50  # batches read at once by the verifier
_PRUNE_LOOKAHEAD = 200

batches = audit_event_batches


@dataclass(frozen=True, slots=True)
class ChainProblem:
    kind: str  # modified | deleted | forged | reordered
    subject: str  # "batch 12"
    message: str


@dataclass(slots=True)
class ChainReport:
    batches: int = 0
    events: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    pruned: bool = False  # the oldest remaining batch is not the chain's first
    unchained: int = 0  # events written before the chain existed (revision 0004)
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _digest_fields(seq: int, created: datetime, first: str, last: str, count: int,
                   batch_hash: str, previous: str) -> bytes:  # fmt: skip
    return json.dumps(
        [seq, created.isoformat(), first, last, count, batch_hash, previous],
        separators=(",", ":"),
    ).encode()


def _batch_hash(records: Sequence[str]) -> str:
    """SHA-256 of the records, each followed by a newline."""
    if not records:
        return hashlib.sha256(b"").hexdigest()
    return hashlib.sha256(("\n".join(records) + "\n").encode()).hexdigest()


class EventChainMixin(StoreBase):
    def __init__(self, engine: Engine, master_key: bytes, *args: Any, **kwargs: Any) -> None:
        super().__init__(engine, master_key, *args, **kwargs)
        derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=CHAIN_KEY_INFO)
        self._chain_key = derive.derive(master_key)

    def _mac(self, digest_hash: str) -> str:
        return hmac.new(self._chain_key, digest_hash.encode(), hashlib.sha256).hexdigest()

    def _chain_batch(self, tx: Tx, events: Sequence[tuple[str, str]]) -> int:
        """Append the digest of the next batch, ``events`` as (event id, record
        JSON) pairs, and return its sequence number (the events' chain_seq);
        call inside the write transaction that inserts the events."""
        conn = tx.conn
        if self._postgres:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK_KEY)))
        head = conn.execute(
            sa.select(batches.c.seq, batches.c.digest_hash).order_by(batches.c.seq.desc()).limit(1)
        ).first()
        seq = 1 if head is None else int(head.seq) + 1
        previous = GENESIS if head is None else str(head.digest_hash)
        ordered = sorted(events, key=itemgetter(0))
        batch_hash = _batch_hash([record for _, record in ordered])
        first, last = ordered[0][0], ordered[-1][0]
        created = tx.now
        digest_hash = hashlib.sha256(
            _digest_fields(seq, created, first, last, len(events), batch_hash, previous)
        ).hexdigest()
        conn.execute(
            sa.insert(batches).values(
                seq=seq,
                created=created,
                first_event_id=first,
                last_event_id=last,
                event_count=len(events),
                batch_hash=batch_hash,
                previous_hash=previous,
                digest_hash=digest_hash,
                mac=self._mac(digest_hash),
            )
        )
        return seq

    def verify_event_chain(self) -> ChainReport:
        """Recompute every batch's hash from its stored records and check the chain."""
        report = ChainReport()
        with self._read() as conn:
            if self._postgres:  # one snapshot across the pages
                conn.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            report.unchained = conn.execute(
                sa.select(sa.func.count())
                .select_from(audit_events)
                .where(audit_events.c.chain_seq.is_(None))
            ).scalar_one()
            previous: Any = None
            after = 0
            while True:
                page = conn.execute(
                    sa.select(batches)
                    .where(batches.c.seq > after)
                    .order_by(batches.c.seq)
                    .limit(_VERIFY_PAGE)
                ).all()
                if not page:
                    break
                records = self._records_between(conn, after, int(page[-1].seq))
                for batch in page:
                    self._check_batch(batch, previous, records.pop(int(batch.seq), []), report)
                    previous = batch
                for seq in sorted(records):
                    report.problems.append(ChainProblem(
                        "deleted", f"batch {seq}",
                        f"{len(records[seq])} events belong to batch {seq}, whose digest row "
                        "is missing",
                    ))  # fmt: skip
                after = int(page[-1].seq)
            orphans = conn.execute(
                sa.select(sa.func.count())
                .select_from(audit_events)
                .where(audit_events.c.chain_seq > after)
            ).scalar_one()
            if orphans:
                report.problems.append(ChainProblem(
                    "deleted", f"batch {after + 1}",
                    f"{orphans} events belong to batches after {after}, whose digest rows "
                    "are missing",
                ))  # fmt: skip
        return report

    @staticmethod
    def _records_between(conn: Connection, after: int, last: int) -> dict[int, list[str]]:
        rows = conn.execute(
            sa.select(audit_events.c.chain_seq, audit_events.c.record)
            .where(audit_events.c.chain_seq > after, audit_events.c.chain_seq <= last)
            .order_by(audit_events.c.chain_seq, audit_events.c.event_id)
        )
        found: dict[int, list[str]] = {}
        for seq, record in rows:
            found.setdefault(int(seq), []).append(record)
        return found

    def _check_batch(
        self, batch: Any, previous: Any, records: list[str], report: ChainReport
    ) -> None:
        seq = int(batch.seq)
        subject = f"batch {seq}"
        problems = report.problems
        report.batches += 1
        report.events += len(records)
        report.last_seq = seq
        if previous is None:
            report.first_seq = seq
            report.pruned = seq != 1 or batch.previous_hash != GENESIS
        digest = hashlib.sha256(
            _digest_fields(seq, batch.created, batch.first_event_id, batch.last_event_id,
                           batch.event_count, batch.batch_hash, batch.previous_hash)
        ).hexdigest()  # fmt: skip
        if not hmac.compare_digest(digest, batch.digest_hash) or not hmac.compare_digest(
            self._mac(batch.digest_hash), batch.mac
        ):
            problems.append(ChainProblem(
                "forged", subject, "the batch's digest row was altered (its MAC does not match)"
            ))  # fmt: skip
            return
        if previous is not None:
            if seq != int(previous.seq) + 1:
                problems.append(ChainProblem(
                    "deleted", subject,
                    f"batches {int(previous.seq) + 1}..{seq - 1} are missing",
                ))  # fmt: skip
            elif batch.previous_hash != previous.digest_hash:
                problems.append(ChainProblem(
                    "reordered", subject, f"the batch does not follow batch {previous.seq}"
                ))  # fmt: skip
        if len(records) != batch.event_count:
            problems.append(ChainProblem(
                "deleted", subject,
                f"the batch holds {len(records)} events, its digest says {batch.event_count}",
            ))  # fmt: skip
        elif _batch_hash(records) != batch.batch_hash:
            problems.append(ChainProblem(
                "modified", subject, "a stored record differs from what was appended"
            ))  # fmt: skip

    def prune_events(
        self,
        before: datetime | None = None,
        keep_at_most: int | None = None,
        *,
        chunk: int = 1000,
        stop: Callable[[], bool] | None = None,
    ) -> int:
        """Delete events older than ``before`` and the oldest beyond ``keep_at_most``.

        Chained events go by whole batches (a batch older than ``before`` by its
        creation time), at most about ``chunk`` events per transaction so that
        appends wait only briefly; the newest batch is always kept. ``stop`` is
        asked between transactions (shutdown). Returns the number of events deleted.
        """
        if before is None and keep_at_most is None:
            return 0
        with self._read_once() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(audit_events)).scalar_one()
        excess = 0 if keep_at_most is None else max(0, int(total) - keep_at_most)
        deleted = 0
        for step in (self._prune_unchained, self._prune_batches):
            while not (stop and stop()):
                removed = step(before, excess, chunk)
                if not removed:
                    break
                deleted += removed
                excess = max(0, excess - removed)
        return deleted

    def _prune_unchained(self, before: datetime | None, excess: int, chunk: int) -> int:
        query = sa.select(audit_events.c.event_id).where(audit_events.c.chain_seq.is_(None))
        if excess <= 0:
            if before is None:
                return 0
            query = query.where(audit_events.c.event_time < before)
        limit = chunk if excess <= 0 else min(chunk, excess)
        with self._write(None, bump=False) as tx:
            ids = tx.conn.execute(
                query.order_by(audit_events.c.event_time, audit_events.c.event_id).limit(limit)
            ).scalars().all()  # fmt: skip
            if ids:
                tx.conn.execute(sa.delete(audit_events).where(audit_events.c.event_id.in_(ids)))
        return len(ids)

    def _prune_batches(self, before: datetime | None, excess: int, chunk: int) -> int:
        with self._write(None, bump=False) as tx:
            conn = tx.conn
            head = conn.execute(sa.select(sa.func.max(batches.c.seq))).scalar()
            if head is None:
                return 0
            candidates = conn.execute(
                sa.select(batches.c.seq, batches.c.created, batches.c.event_count)
                .where(batches.c.seq < head)
                .order_by(batches.c.seq)
                .limit(_PRUNE_LOOKAHEAD)
            ).all()
            chosen: list[int] = []
            events = 0
            for seq, created, count in candidates:
                old = before is not None and created < before
                if not (old or excess - events > 0):
                    break
                if chosen and events + count > chunk:
                    break
                chosen.append(int(seq))
                events += int(count)
            if not chosen:
                return 0
            low, high = chosen[0], chosen[-1]
            removed = conn.execute(
                sa.delete(audit_events).where(audit_events.c.chain_seq.between(low, high))
            ).rowcount
            conn.execute(sa.delete(batches).where(batches.c.seq.between(low, high)))
        return int(removed)
