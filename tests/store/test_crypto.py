"""The master key and the sealing of secrets."""

from __future__ import annotations

import base64
import os
import stat
import threading
from pathlib import Path

import pytest

from clearance.store import MasterKeyError, ServiceFailure, load_or_create_master_key
from clearance.store.crypto import MASTER_KEY_FILE, SecretBox


def test_seal_and_open() -> None:
    box = SecretBox(bytes(32))
    sealed = box.seal("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AKIAEXAMPLE")
    assert b"wJalr" not in sealed
    assert sealed != box.seal("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AKIAEXAMPLE")
    assert box.open(sealed, "AKIAEXAMPLE") == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    with pytest.raises(ServiceFailure):
        box.open(sealed, "AKIAOTHER")
    with pytest.raises(ServiceFailure):
        SecretBox(bytes([1]) * 32).open(sealed, "AKIAEXAMPLE")
    with pytest.raises(ServiceFailure):
        box.open(b"\x02" + sealed[1:], "AKIAEXAMPLE")
    assert "hidden" in repr(box)
    with pytest.raises(MasterKeyError):
        SecretBox(bytes(16))


def test_key_from_the_environment(tmp_path: Path) -> None:
    key = os.urandom(32)
    assert load_or_create_master_key(tmp_path, base64.b64encode(key).decode()) == key
    assert not (tmp_path / MASTER_KEY_FILE).exists()
    for bad in ("not base64!", base64.b64encode(bytes(16)).decode()):
        with pytest.raises(MasterKeyError):
            load_or_create_master_key(tmp_path, bad)


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    first = load_or_create_master_key(directory, None)
    path = directory / MASTER_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 32 and load_or_create_master_key(directory, "") == first
    assert [p.name for p in directory.iterdir()] == [MASTER_KEY_FILE]
    path.chmod(0o644)
    with pytest.raises(MasterKeyError, match=r"chmod 600"):
        load_or_create_master_key(directory, None)


def test_concurrent_first_use_agrees(tmp_path: Path) -> None:
    keys: list[bytes] = []
    barrier = threading.Barrier(8)

    def load() -> None:
        barrier.wait()
        keys.append(load_or_create_master_key(tmp_path, None))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1
