"""The writer's fast paths agree with the plain definitions they replace: one
pass that redacts and camel-cases (``_json``) equals :func:`redact` then the
conversion, ``iso`` equals ``strftime``, and event ids are version 4 UUIDs."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.audit import HIDDEN, redact
from clearance.audit.event import _json, _uuid, camel
from clearance.audit.identity import iso

_keys = st.one_of(
    st.sampled_from(["UserName", "Password", "secretaccesskey", "SessionToken", "Tags", "a", ""]),
    st.text(max_size=6),
    st.integers(-3, 3),
)
_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.binary(max_size=8),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))])),
)
_values = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(_keys, inner, max_size=4),
    ),
    max_leaves=20,
)


def _plain(value: Any) -> Any:
    """The conversion as first written: after redact, camelCase keys, JSON values."""
    if isinstance(value, Mapping):
        return {camel(str(key)): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_one_pass_equals_redact_then_convert(value: Any) -> None:
    assert _json(value) == _plain(redact(value))


def test_secret_members_are_hidden_at_any_depth() -> None:
    value = {"User": {"Password": {"nested": 1}}, "List": [{"sessiontoken": b"x"}], 7: "seven"}
    assert _json(value) == {
        "user": {"password": HIDDEN},
        "list": [{"sessiontoken": HIDDEN}],
        "7": "seven",
    }


@given(st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=9))])))
def test_iso_equals_strftime(moment: datetime) -> None:
    utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    assert iso(moment) == utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_event_ids_are_random_version_4_uuids() -> None:
    ids = {_uuid() for _ in range(1000)}
    assert len(ids) == 1000
    for text in list(ids)[:50]:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == text
