"""The sinks: memory, and the store sink's one batched append."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from clearance.audit import AuditEvent, AuditSink, MemorySink, StoreSink


class _Appender:
    def __init__(self) -> None:
        self.batches: list[list[tuple[Mapping[str, Any], Mapping[str, Any] | None]]] = []

    def append_events(
        self, batch: Sequence[tuple[Mapping[str, Any], Mapping[str, Any] | None]]
    ) -> None:
        self.batches.append(list(batch))


EVENTS = [AuditEvent({"eventID": "a", "requestID": "r"}, {"outcome": "allowed"}),
          AuditEvent({"eventID": "b", "requestID": "s"})]  # fmt: skip


def test_store_sink_appends_one_batch() -> None:
    appender = _Appender()
    sink: AuditSink = StoreSink(appender)
    sink.write(EVENTS)
    sink.write([])
    assert appender.batches == [[(EVENTS[0].record, EVENTS[0].trace), (EVENTS[1].record, None)]]


def test_memory_sink_keeps_events() -> None:
    sink = MemorySink()
    sink.write(EVENTS)
    assert sink.events == EVENTS
