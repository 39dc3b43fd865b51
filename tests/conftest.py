"""Shared test fixtures: where the shared conformance corpora live."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """``../shared`` beside the checkout, or ``CLEARANCE_SHARED_DIR``."""
    configured = os.environ.get("CLEARANCE_SHARED_DIR")
    return Path(configured) if configured else REPO.parent / "shared"


def conformance(*parts: str) -> Path:
    path = shared_dir().joinpath("conformance", *parts)
    if not path.exists():
        pytest.skip(f"shared conformance data not found at {path} (set CLEARANCE_SHARED_DIR)")
    return path


def jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)
