"""Micro-benchmark of the audit trail's write path: ``Store.append_events``.

Appends batches of realistic GetUser records (built by ``clearance.audit``,
with the allowed-call trace the gateway stores) to a fresh store and prints
microseconds of wall time and of the appending thread's CPU per event, alone
and beside a thread that keeps the GIL busy (the server's request thread).

    .venv/bin/python bench/audit_append.py [--batches 20] [--batch 1000]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

SQLite: a file database in a temporary directory, WAL and synchronous=FULL as
the server opens it. PostgreSQL: a fresh schema in the given database, dropped
afterwards.
"""

from __future__ import annotations

import argparse
import itertools
import json
import secrets
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import psycopg
import sqlalchemy as sa
from psycopg import sql

from clearance.audit import CallRecord, Identity, build_event
from clearance.clock import FixedClock
from clearance.engine import evaluate
from clearance.services.audit_trace import audit_trace
from clearance.services.authorize import Authorizer
from clearance.services.context import CallContext, Caller
from clearance.simulate import load_case
from clearance.store import Store, fast_hasher, open_store, seeded_ids

ACCOUNT = "123456789012"
T0 = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
CALLER = Identity(
    "IAMUser", "AIDABENCHCALLER00001", f"arn:aws:iam::{ACCOUNT}:user/bench-caller", ACCOUNT,
    "AKIABENCHCALLER00001", "bench-caller",
)  # fmt: skip


def allowed_trace() -> dict[str, Any] | None:
    """The decision trace the gateway stores for an allowed GetUser (the shape of
    the tree under test): one check, allowed by one inline policy statement."""
    caller = Caller(ACCOUNT, CALLER.arn or "", "user", "AIDABENCHCALLER00001",
                    "AKIABENCHCALLER00001", entity_id="AIDABENCHCALLER00001",
                    user_name="bench-caller")  # fmt: skip
    ctx = CallContext(
        caller=caller, service="iam", operation="GetUser", request_id="r", region="us-east-1",
        now=T0, store=cast(Store, None), authorizer=cast(Authorizer, None),
    )  # fmt: skip
    document = {"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowIam", "Effect": "Allow", "Action": "iam:*", "Resource": "*"}
    ]}  # fmt: skip
    request, policies = load_case({
        "request": {"principal": CALLER.arn, "action": "iam:GetUser",
                    "resource": f"arn:aws:iam::{ACCOUNT}:user/user1"},
        "policies": {"identity": [{"id": "user/bench-caller/bench", "document": document}]},
    })  # fmt: skip
    ctx.record(request, policies, evaluate(request, policies))
    return audit_trace(ctx, None)


TRACE = allowed_trace()
_ids = itertools.count(1)


def batch_of(size: int) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    batch = []
    for _ in range(size):
        n = next(_ids)
        call = CallRecord(
            identity=CALLER,
            event_time=T0 + timedelta(microseconds=n * 250),
            service="iam",
            operation="GetUser",
            region="us-east-1",
            request_id=secrets.token_hex(16),
            source_ip="127.0.0.1",
            user_agent="Boto3/1.40.0 md/Botocore#1.40.0 ua/2.1 os/linux lang/python#3.11.7",
            params={"UserName": f"user{n % 50}"},
            result={"User": {"UserName": f"user{n % 50}", "Arn": f"arn:aws:iam::{ACCOUNT}:user/u"}},
            recipient_account_id=ACCOUNT,
            trace=TRACE,
        )
        event = build_event(call)
        batch.append((dict(event.record), None if event.trace is None else dict(event.trace)))
    return batch


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    base = sa.make_url(url)
    libpq = base.set(drivername="postgresql").render_as_string(hide_password=False)
    schema = f"bench_audit_{secrets.token_hex(4)}"
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _busy(stop: threading.Event) -> None:
    """A request thread's stand-in: pure Python work that wants the GIL."""
    while not stop.is_set():
        json.loads(json.dumps(TRACE))


def run(store: Store, batches: int, size: int, *, contend: bool = False) -> tuple[float, float]:
    """Median wall and CPU microseconds per event over ``batches`` appends;
    ``contend``: while a busy thread competes for the GIL (as the server's
    request thread competes with its audit writer)."""
    store.append_events(batch_of(size))  # warm-up: statement caches, first pages
    stop = threading.Event()
    busy = threading.Thread(target=_busy, args=(stop,), daemon=True)
    if contend:
        busy.start()
    walls, cpus = [], []
    try:
        for _ in range(batches):
            batch = batch_of(size)
            wall, cpu = time.perf_counter(), time.thread_time()
            store.append_events(batch)
            cpus.append((time.thread_time() - cpu) / size * 1e6)
            walls.append((time.perf_counter() - wall) / size * 1e6)
    finally:
        stop.set()
        if contend:
            busy.join()
    return statistics.median(walls), statistics.median(cpus)


def measure(label: str, url: str, batches: int, size: int) -> None:
    store = open_bench_store(url)
    try:
        for contend in (False, True):
            wall, cpu = run(store, batches, size, contend=contend)
            beside = "beside a busy thread" if contend else "alone"
            print(f"{label:10s} {beside:21s} {wall:7.1f} us/event wall {cpu:7.1f} us CPU")
    finally:
        store.close()


def open_bench_store(url: str) -> Store:
    clock = FixedClock(T0)
    return open_store(url, bytes(range(32)), clock, seeded_ids(1), password_hasher=fast_hasher())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--postgres", default=None, help="also run on this PostgreSQL database")
    args = parser.parse_args()
    print(f"append_events, batches of {args.batch} GetUser events, median of {args.batches}")
    with tempfile.TemporaryDirectory() as directory:
        measure("sqlite", f"sqlite:///{directory}/clearance.db", args.batches, args.batch)
    if args.postgres:
        with postgres_schema(args.postgres) as url:
            measure("postgresql", url, args.batches, args.batch)


if __name__ == "__main__":
    main()
