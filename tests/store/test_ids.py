"""Identifier formats and injected randomness."""

from __future__ import annotations

import base64
import re

from clearance.store import IdGenerator, seeded_ids


def test_formats() -> None:
    ids = IdGenerator()
    for prefix in ("AIDA", "AGPA", "AROA", "ANPA", "AIPA"):
        assert re.fullmatch(prefix + r"[A-Z2-7]{17}", ids.unique_id(prefix))
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", ids.access_key_id())
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", ids.access_key_id("ASIA"))
    secret = ids.secret_access_key()
    assert len(secret) == 40 and len(base64.b64decode(secret)) == 30
    assert len(base64.b64decode(ids.session_token())) == 96


def test_seeded_generators_repeat() -> None:
    one, two = seeded_ids(3), seeded_ids(3)
    assert [one.unique_id("AIDA") for _ in range(3)] == [two.unique_id("AIDA") for _ in range(3)]
    assert one.secret_access_key() == two.secret_access_key()
    assert seeded_ids(4).unique_id("AIDA") != seeded_ids(3).unique_id("AIDA")
