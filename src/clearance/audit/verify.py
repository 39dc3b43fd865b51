"""Verifying the audit files written by :class:`~clearance.audit.files.FileSink`.

As CloudTrail's validation does: first each digest (its signature with the
public key, its place in its writer's chain), then each log file it names (the
SHA-256 of its bytes). Findings name the file and say what happened: a log file
modified or deleted, a digest forged, modified, deleted or out of order, a log
file that no digest covers although later ones of its writer are signed.

Not detectable, as with any hash chain: removing the newest files of a chain
together with their digests (the chain simply looks shorter), and removing the
oldest ones (it looks like retention): both are reported as notes (where each
chain starts), not as tampering.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from clearance.audit.files import (
    DIGEST_DIR,
    DIGEST_FORMAT,
    LOG_SUFFIX,
    digest_signing_string,
)
from clearance.audit.signing import DigestVerifier

__all__ = ["FilesReport", "Problem", "verify_files"]

_LOG_NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z-p\d+-(?P<chain>[0-9a-f]+)-(?P<seq>\d+)\.jsonl$")


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str  # modified | deleted | forged | reordered | missing | unsigned | unreadable
    subject: str  # the file (or batch) concerned
    message: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "subject": self.subject, "message": self.message}


@dataclass(slots=True)
class FilesReport:
    directory: Path
    digests: int = 0
    log_files: int = 0
    events: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "ok": self.ok,
            "digests": self.digests,
            "logFiles": self.log_files,
            "events": self.events,
            "problems": [problem.to_json() for problem in self.problems],
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class _Digest:
    name: str
    body: dict[str, Any]
    sha256: str

    @property
    def chain(self) -> str:
        return str(self.body.get("chainId"))

    @property
    def sequence(self) -> int:
        value = self.body.get("sequence")
        return value if isinstance(value, int) else -1


def verify_files(directory: Path, verifier: DigestVerifier) -> FilesReport:
    """Check every digest and log file under ``directory``; problems come sorted by file."""
    report = FilesReport(directory)
    digests = _read_digests(directory / DIGEST_DIR, verifier, report)
    covered = {str(d.body["logFile"]["name"]) for d in digests}
    for digest in digests:
        _check_log(directory, digest, report)
    chains: dict[str, list[_Digest]] = defaultdict(list)
    for digest in digests:
        chains[digest.chain].append(digest)
    for chain, members in sorted(chains.items()):
        _check_chain(chain, sorted(members, key=lambda d: d.sequence), report)
    _check_unsigned(directory, covered, chains, report)
    report.problems.sort(key=_order)
    return report


_KINDS = ("forged", "modified", "deleted", "reordered", "missing", "unsigned", "unreadable")


def _order(problem: Problem) -> tuple[str, int]:
    """Oldest file first (a log file and its digest share a name), the cause
    before its consequences."""
    stem = problem.subject.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    kind = _KINDS.index(problem.kind) if problem.kind in _KINDS else len(_KINDS)
    return stem, kind


def _read_digests(folder: Path, verifier: DigestVerifier, report: FilesReport) -> list[_Digest]:
    found: list[_Digest] = []
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.json")):
        report.digests += 1
        subject = f"{DIGEST_DIR}/{path.name}"
        data = path.read_bytes()
        try:
            body = json.loads(data)
            if not isinstance(body, dict) or body.get("digestFormat") != DIGEST_FORMAT:
                raise ValueError("not a digest")
            if not isinstance(body.get("logFile"), dict) or "name" not in body["logFile"]:
                raise ValueError("no log file")
        except ValueError:
            report.problems.append(Problem("modified", subject, "the digest is not readable"))
            continue
        if body.get("digestPublicKeyFingerprint") != verifier.fingerprint:
            report.problems.append(
                Problem("forged", subject, "the digest was signed with another key")
            )
            continue
        signature = str(body.get("digestSignature") or "")
        if not verifier.verify(signature, digest_signing_string(body, path.name)):
            report.problems.append(
                Problem("forged", subject, "the digest's signature does not match its content")
            )
            continue
        found.append(_Digest(path.name, body, hashlib.sha256(data).hexdigest()))
    return found


def _check_log(directory: Path, digest: _Digest, report: FilesReport) -> None:
    log = digest.body["logFile"]
    name = str(log["name"])
    if name.removesuffix(LOG_SUFFIX) != digest.name.removesuffix(".json"):
        report.problems.append(
            Problem("reordered", name, f"digest {digest.name} names another log file")
        )
        return
    path = directory / name
    if not path.is_file():
        report.problems.append(Problem("deleted", name, "the log file is missing"))
        return
    report.log_files += 1
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    if hasher.hexdigest() != log.get("hashValue"):
        report.problems.append(
            Problem("modified", name, "the log file's SHA-256 differs from its digest")
        )
        return
    count = log.get("eventCount")
    report.events += count if isinstance(count, int) else 0


def _check_chain(chain: str, members: list[_Digest], report: FilesReport) -> None:
    first = members[0]
    if first.sequence > 1 or first.body.get("previousDigestFile"):
        report.notes.append(
            f"chain {chain} starts at {first.name} (sequence {first.sequence}): "
            "earlier files were pruned"
        )
    for previous, current in pairwise(members):
        subject = f"{DIGEST_DIR}/{current.name}"
        if current.sequence != previous.sequence + 1:
            report.problems.append(
                Problem(
                    "missing",
                    subject,
                    f"digests {previous.sequence + 1}..{current.sequence - 1} of chain {chain} "
                    f"are missing (deleted after {previous.name})",
                )
            )
            continue
        body = current.body
        if (
            body.get("previousDigestFile") != previous.name
            or body.get("previousDigestHashValue") != previous.sha256
            or body.get("previousDigestSignature") != previous.body.get("digestSignature")
        ):
            report.problems.append(
                Problem("reordered", subject, f"the digest does not follow {previous.name}")
            )


def _check_unsigned(
    directory: Path,
    covered: set[str],
    chains: dict[str, list[_Digest]],
    report: FilesReport,
) -> None:
    for path in sorted(directory.glob("*" + LOG_SUFFIX)):
        if path.name in covered:
            continue
        match = _LOG_NAME.match(path.name)
        if match is None:
            report.problems.append(Problem("unsigned", path.name, "not a log file of this sink"))
            continue
        later = [d for d in chains.get(match["chain"], []) if d.sequence > int(match["seq"])]
        if later:
            report.problems.append(
                Problem(
                    "unsigned",
                    path.name,
                    f"no digest covers it although {later[0].name} of its writer is signed "
                    "(inserted, or its digest deleted)",
                )
            )
        else:
            report.notes.append(
                f"{path.name} is not signed yet (being written, or its writer stopped "
                "without closing it)"
            )
