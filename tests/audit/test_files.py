"""The JSON-lines file sink: lines, permissions, rotation, digests, retention, the key."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from clearance.audit import AuditEvent
from clearance.audit.files import DIGEST_DIR, FileSink, prune_files
from clearance.audit.signing import SigningKeyError, load_or_create_signer, load_verifier
from clearance.audit.verify import verify_files
from clearance.clock import FixedClock

T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)


def event(n: int) -> AuditEvent:
    moment = (T0 + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
    record = {"eventTime": moment, "eventID": f"evt-{n:04d}", "eventName": "GetUser"}
    return AuditEvent(record, {"outcome": "allowed", "secret": "never in files"})


def make_sink(tmp_path: Path, clock: FixedClock, **options: Any) -> FileSink:
    signer = load_or_create_signer(tmp_path / "data" / "audit-signing.key")
    return FileSink(tmp_path / "audit", signer, clock, **options)


def logs(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def digests(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((directory / DIGEST_DIR).glob("*.json"))]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_each_record_is_one_line_without_the_trace(tmp_path: Path) -> None:
    sink = make_sink(tmp_path, FixedClock(T0))
    sink.write([event(1), event(2)])
    sink.write([event(3)])
    (log,) = logs(sink.directory)
    lines = log.read_text().splitlines()
    assert [json.loads(line) for line in lines] == [event(n).record for n in (1, 2, 3)]
    assert "never in files" not in log.read_text()
    assert f"-p{os.getpid()}-" in log.name and log.name.startswith("20260501T120000.000000Z")
    assert mode(sink.directory) == 0o700 and mode(sink.digests) == 0o700 and mode(log) == 0o600
    assert digests(sink.directory) == []  # still open: no digest yet
    sink.close()
    with pytest.raises(RuntimeError):
        sink.write([event(4)])


def test_close_writes_a_digest_of_the_file(tmp_path: Path) -> None:
    sink = make_sink(tmp_path, FixedClock(T0))
    sink.write([event(5), event(2)])
    sink.close()
    sink.close()  # twice is harmless
    (log,) = logs(sink.directory)
    (digest,) = digests(sink.directory)
    assert digest["logFile"] == {
        "name": log.name,
        "hashValue": hashlib.sha256(log.read_bytes()).hexdigest(),
        "hashAlgorithm": "SHA-256",
        "bytes": log.stat().st_size,
        "eventCount": 2,
        "oldestEventTime": "2026-05-01T12:00:02Z",
        "newestEventTime": "2026-05-01T12:00:05Z",
    }
    assert digest["previousDigestFile"] is None and digest["sequence"] == 1
    assert digest["digestSignatureAlgorithm"] == "Ed25519"
    assert mode(next((sink.digests).glob("*.json"))) == 0o600


def test_rotation_by_size_chains_the_digests(tmp_path: Path) -> None:
    sink = make_sink(tmp_path, FixedClock(T0), rotate_bytes=150)
    for n in range(6):
        sink.write([event(n), event(n + 100)])  # ~160 bytes: one file per batch
    sink.close()
    assert len(logs(sink.directory)) == 6
    chain = digests(sink.directory)
    assert [d["sequence"] for d in chain] == [1, 2, 3, 4, 5, 6]
    names = sorted(p.name for p in (sink.digests).glob("*.json"))
    assert [d["previousDigestFile"] for d in chain] == [None, *names[:-1]]
    assert len({d["chainId"] for d in chain}) == 1


def test_rotation_by_age(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    sink = make_sink(tmp_path, clock, rotate_seconds=60)
    sink.write([event(1)])
    clock.advance(seconds=59)
    sink.rotate_if_due()
    assert digests(sink.directory) == []
    clock.advance(seconds=1)
    sink.rotate_if_due()  # idle, but due
    assert len(digests(sink.directory)) == 1
    sink.write([event(2)])
    clock.advance(seconds=61)
    sink.write([event(3)])  # the write finds the file due: it goes to a new one
    sink.close()
    assert [len(p.read_text().splitlines()) for p in logs(sink.directory)] == [1, 1, 1]


def test_two_writers_in_one_directory_keep_their_own_chains(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    first, second = make_sink(tmp_path, clock), make_sink(tmp_path, clock)
    first.write([event(1)])
    second.write([event(2)])
    first.close()
    second.close()
    assert len(logs(first.directory)) == 2
    assert len({d["chainId"] for d in digests(first.directory)}) == 2
    verifier = load_verifier(tmp_path / "data" / "audit-signing.pub")
    assert verify_files(first.directory, verifier).ok


def test_retention_deletes_the_oldest_signed_files(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    sink = make_sink(tmp_path, clock, rotate_seconds=3600)
    for n in range(6):  # a file a day; the last one stays open
        sink.write([event(n)])
        clock.advance(days=1)
    directory = sink.directory
    assert prune_files(directory, before=T0 + timedelta(days=2, seconds=1)) == 2
    assert len(logs(directory)) == 4
    sizes = sum(p.stat().st_size for p in logs(directory))
    assert prune_files(directory, max_bytes=sizes - 1) == 1
    assert prune_files(directory, max_bytes=1) == 2  # the open file stays
    assert len(logs(directory)) == 1 and digests(directory) == []
    sink.close()
    report = verify_files(directory, load_verifier(tmp_path / "data" / "audit-signing.pub"))
    assert report.ok, report.problems
    assert any("earlier files were pruned" in note for note in report.notes)


def test_the_signing_key_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "data" / "audit-signing.key"
    first = load_or_create_signer(path)
    assert mode(path) == 0o600
    assert load_or_create_signer(path).fingerprint == first.fingerprint
    assert load_verifier(path.with_suffix(".pub")).fingerprint == first.fingerprint
    assert "PRIVATE" not in repr(first)
    path.chmod(0o644)
    with pytest.raises(SigningKeyError):
        load_or_create_signer(path)
