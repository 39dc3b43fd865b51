"""Marker pagination: complete, stable under concurrent writes, validated."""

from __future__ import annotations

import base64

import pytest

from clearance.store import Store
from clearance.store.errors import InvalidInput
from clearance.store.pagination import decode_marker, encode_marker


def _walk(store: Store, account: str, max_items: int) -> list[str]:
    names: list[str] = []
    marker = None
    while True:
        page = store.list_users(account, marker=marker, max_items=max_items)
        names += [u.name for u in page.items]
        assert page.is_truncated == (page.marker is not None)
        if not page.is_truncated:
            return names
        assert len(page.items) == max_items
        marker = page.marker


def test_pages_cover_everything_once(store: Store, account: str) -> None:
    expected = sorted((f"user{i:02}" for i in range(7)), key=str.lower)
    for name in reversed(expected):
        store.create_user(account, name)
    for size in (1, 2, 3, 7, 100):
        assert _walk(store, account, size) == expected
    exact = store.list_users(account, max_items=7)
    assert not exact.is_truncated and exact.marker is None


def test_writes_between_pages(store: Store, account: str) -> None:
    for name in ("b", "d", "f"):
        store.create_user(account, name)
    first = store.list_users(account, max_items=2)
    assert [u.name for u in first.items] == ["b", "d"]
    store.create_user(account, "a")  # before the marker: not repeated
    store.create_user(account, "e")  # after it: seen
    store.delete_user(account, "f")
    rest = store.list_users(account, marker=first.marker)
    assert [u.name for u in rest.items] == ["e"]


def test_bad_markers_and_sizes(store: Store, account: str) -> None:
    not_a_list = base64.urlsafe_b64encode(b'{"a":1}').decode()
    for marker in ("!!!", "bm90LWpzb24", encode_marker(["a", "b"]), not_a_list):
        with pytest.raises(InvalidInput, match=r"Invalid Marker."):
            store.list_users(account, marker=marker)
    with pytest.raises(InvalidInput):
        store.list_users(account, max_items=0)


def test_marker_round_trip() -> None:
    key = ["a/b+c", 3, "ünï"]
    marker = encode_marker(key)
    assert "=" not in marker and decode_marker(marker, 3) == key
    assert len(encode_marker(["x" * 128, "AIDA" + "A" * 17])) <= 320
