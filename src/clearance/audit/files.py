"""JSON-lines audit files with signed, hash-chained digests.

:class:`FileSink` appends each CloudTrail record (never the decision trace) as
one JSON line to a log file under its directory, fsyncs every batch, and
rotates the file by size and by age. When a log file is closed (rotated, or on
:meth:`FileSink.close`) a digest file is written into ``digests/``: the log
file's name, SHA-256, event count, oldest and newest event time, the digest's
start and end time, and the previous digest's name, hash and signature, signed
with Ed25519. This follows CloudTrail's log file integrity validation
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html),
with one digest per log file and the signature inside the digest instead of in
S3 object metadata.

Several server processes write into one directory at once: every writer has its
own chain (a random chain id and sequence numbers), and names sort by time:
``<start time>-p<pid>-<chain>-<sequence>.jsonl``. Directories are 0700, files
0600.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from clearance.audit.event import AuditEvent
from clearance.audit.signing import SIGNATURE_ALGORITHM, DigestSigner
from clearance.clock import Clock

__all__ = [
    "DEFAULT_ROTATE_BYTES",
    "DEFAULT_ROTATE_SECONDS",
    "DIGEST_DIR",
    "DIGEST_FORMAT",
    "LOG_SUFFIX",
    "FileSink",
    "canonical_json",
    "digest_signing_string",
    "prune_files",
    "utc_stamp",
]

DEFAULT_ROTATE_BYTES = 64 * 1024 * 1024
DEFAULT_ROTATE_SECONDS = 3600
DIGEST_DIR = "digests"
DIGEST_FORMAT = "clearance-digest-1"
LOG_SUFFIX = ".jsonl"
DIGEST_SUFFIX = ".json"
SIGNATURE_FIELD = "digestSignature"


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def utc_stamp(moment: datetime) -> str:
    """``20261127T212000.123456Z``: sorts as time does."""
    return moment.strftime("%Y%m%dT%H%M%S.%fZ")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def digest_signing_string(digest: Mapping[str, Any], name: str) -> bytes:
    """What is signed, in CloudTrail's shape: the end time, the digest's own
    name, the hash of its other fields, and the previous digest's signature."""
    body = {key: value for key, value in digest.items() if key != SIGNATURE_FIELD}
    return "\n".join(
        [
            str(digest.get("digestEndTime")),
            name,
            hashlib.sha256(canonical_json(body)).hexdigest(),
            str(digest.get("previousDigestSignature") or "null"),
        ]
    ).encode()


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(slots=True)
class _OpenLog:
    path: Path
    fd: int
    opened: datetime
    sequence: int
    hasher: Any
    size: int = 0
    count: int = 0
    oldest: str | None = None
    newest: str | None = None


class FileSink:
    """An :class:`~clearance.audit.AuditSink` writing JSON lines under ``directory``.

    ``rotate_bytes``/``rotate_seconds``: a file is closed (and its digest
    written) once it holds that many bytes, or at the first write or
    :meth:`rotate_if_due` after it has been open that long. Thread-safe.
    """

    def __init__(
        self,
        directory: Path,
        signer: DigestSigner,
        clock: Clock,
        *,
        rotate_bytes: int = DEFAULT_ROTATE_BYTES,
        rotate_seconds: float = DEFAULT_ROTATE_SECONDS,
    ) -> None:
        if rotate_bytes < 1 or rotate_seconds <= 0:
            raise ValueError("rotate_bytes and rotate_seconds must be positive")
        self.directory = private_dir(directory)
        self.digests = private_dir(directory / DIGEST_DIR)
        self._signer = signer
        self._clock = clock
        self._rotate_bytes = rotate_bytes
        self._rotate_after = timedelta(seconds=rotate_seconds)
        self.chain_id = secrets.token_hex(4)
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._log: _OpenLog | None = None
        self._sequence = 0
        self._previous: dict[str, Any] | None = None  # name, hash and signature
        self._closed = False

    def write(self, records: Sequence[AuditEvent]) -> None:
        if not records:
            return
        lines = b"".join(
            json.dumps(event.record, separators=(",", ":")).encode() + b"\n" for event in records
        )
        with self._lock:
            if self._closed:
                raise RuntimeError("the audit file sink is closed")
            now = self._clock.now()
            if self._log is not None and now - self._log.opened >= self._rotate_after:
                self._finish(now)
            log = self._log or self._open(now)
            try:
                _write_all(log.fd, lines)
                os.fsync(log.fd)  # durable when write() returns
            except OSError:
                # Disk full...: drop the partial batch, so that the retry (the
                # batching sink keeps the events) leaves whole lines only.
                os.ftruncate(log.fd, log.size)
                raise
            log.hasher.update(lines)
            log.size += len(lines)
            log.count += len(records)
            for event in records:
                moment = str(event.record.get("eventTime") or "")
                if log.oldest is None or moment < log.oldest:
                    log.oldest = moment
                if log.newest is None or moment > log.newest:
                    log.newest = moment
            if log.size >= self._rotate_bytes:
                self._finish(now)

    def rotate_if_due(self) -> None:
        """Close the current file if it is older than the rotation age (called periodically)."""
        with self._lock:
            now = self._clock.now()
            if self._log is not None and now - self._log.opened >= self._rotate_after:
                self._finish(now)

    def close(self) -> None:
        """Close the current file and write its digest (graceful shutdown)."""
        with self._lock:
            if self._log is not None:
                self._finish(self._clock.now())
            self._closed = True

    def _open(self, now: datetime) -> _OpenLog:
        self._sequence += 1
        name = f"{utc_stamp(now)}-p{self._pid}-{self.chain_id}-{self._sequence:06d}{LOG_SUFFIX}"
        path = self.directory / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        _fsync_dir(self.directory)
        self._log = _OpenLog(path, fd, now, self._sequence, hashlib.sha256())
        return self._log

    def _finish(self, now: datetime) -> None:
        """Close the open log file and write its signed digest."""
        log = self._log
        assert log is not None
        self._log = None
        os.close(log.fd)
        previous = self._previous or {}
        digest: dict[str, Any] = {
            "digestFormat": DIGEST_FORMAT,
            "chainId": self.chain_id,
            "sequence": log.sequence,
            "writerPid": self._pid,
            "digestStartTime": _iso(log.opened),
            "digestEndTime": _iso(now),
            "logFile": {
                "name": log.path.name,
                "hashValue": log.hasher.hexdigest(),
                "hashAlgorithm": "SHA-256",
                "bytes": log.size,
                "eventCount": log.count,
                "oldestEventTime": log.oldest,
                "newestEventTime": log.newest,
            },
            "previousDigestFile": previous.get("name"),
            "previousDigestHashValue": previous.get("hash"),
            "previousDigestHashAlgorithm": "SHA-256" if previous else None,
            "previousDigestSignature": previous.get("signature"),
            "digestPublicKeyFingerprint": self._signer.fingerprint,
            "digestSignatureAlgorithm": SIGNATURE_ALGORITHM,
        }
        name = log.path.name.removesuffix(LOG_SUFFIX) + DIGEST_SUFFIX
        digest[SIGNATURE_FIELD] = self._signer.sign(digest_signing_string(digest, name))
        data = json.dumps(digest, indent=2).encode() + b"\n"
        _write_file(self.digests / name, data)
        self._previous = {
            "name": name,
            "hash": hashlib.sha256(data).hexdigest(),
            "signature": digest[SIGNATURE_FIELD],
        }


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_file(path: Path, data: bytes) -> None:
    """Write ``path`` atomically (0600) and durably."""
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def prune_files(
    directory: Path, *, before: datetime | None = None, max_bytes: int | None = None
) -> int:
    """Delete the oldest closed log files (with their digests) whose digest ended
    before ``before``, and more while the log files exceed ``max_bytes`` in all.

    Files without a digest (being written, or left by a crashed writer) are
    never deleted. Oldest first, so each writer's chain loses only its start and
    still verifies. Returns the number of log files deleted.
    """
    digests = directory / DIGEST_DIR
    if not digests.is_dir():
        return 0
    logs = sorted(directory.glob("*" + LOG_SUFFIX))
    total = sum(_size(path) for path in logs)
    cutoff = None if before is None else _iso(before)
    deleted = 0
    for log in logs:
        digest = digests / (log.name.removesuffix(LOG_SUFFIX) + DIGEST_SUFFIX)
        if not digest.exists():
            continue
        too_old = cutoff is not None and _end_time(digest) < cutoff
        too_big = max_bytes is not None and total > max_bytes
        if not (too_old or too_big):
            break  # the rest are newer
        size = _size(log)
        # The digest first: a crash in between leaves an unsigned file, not a
        # digest naming a deleted one.
        digest.unlink(missing_ok=True)
        log.unlink(missing_ok=True)
        total -= size
        deleted += 1
    return deleted


def _size(path: Path) -> int:
    with contextlib.suppress(FileNotFoundError):
        return path.stat().st_size
    return 0


def _end_time(digest: Path) -> str:
    try:
        return str(json.loads(digest.read_bytes()).get("digestEndTime") or "")
    except (OSError, ValueError):
        return ""
