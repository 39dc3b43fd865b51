"""The in-process STS harness (real Gateway, SQLite store, injected clock),
for EC2 and the instance metadata service."""

from __future__ import annotations

from tests.services.sts.conftest import (  # noqa: F401  (fixtures)
    Harness,
    clock,
    h,
    restricted,
    store,
)
