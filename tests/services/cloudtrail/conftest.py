"""The STS harness (real Gateway, SQLite store, injected clock, in-process boto3)
with every call recorded synchronously into the store's trail (``StoreSink``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from unittest import mock

import pytest

from clearance.audit import StoreSink
from clearance.clock import FixedClock
from clearance.services.gateway import Gateway
from clearance.store import Store
from tests.services.sts.conftest import Harness, clock, restricted, store

__all__ = ["clock", "h", "restricted", "store"]


@pytest.fixture
def h(store: Store, clock: FixedClock, restricted: None) -> Iterator[Harness]:
    harness = Harness(store, clock)
    harness.gateway = Gateway(store, clock, sink=StoreSink(store))

    def signing_time() -> datetime:
        return clock.now().astimezone(UTC).replace(tzinfo=None)

    with mock.patch("botocore.auth.get_current_datetime", side_effect=signing_time):
        yield harness
