"""Building and running the server: settings → store → gateway → ASGI app."""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from clearance.clock import SystemClock
from clearance.http.app import create_app
from clearance.services.bootstrap import open_server_store
from clearance.services.gateway import Gateway
from clearance.settings import Settings

__all__ = ["app_from_environment", "build_app"]

App = Callable[[Any, Any, Any], Awaitable[None]]


def build_app(settings: Settings) -> App:
    clock = SystemClock()
    store = open_server_store(settings.data_dir, settings.database_url, settings.master_key, clock)
    return create_app(Gateway(store, clock))


def app_from_environment() -> App:
    """The factory uvicorn's worker processes call (``--workers N``)."""
    logging.basicConfig(level=os.environ.get("CLEARANCE_LOG_LEVEL", "INFO"))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return build_app(Settings.load())
