"""Tamper detection: the files' digests and `clearance audit verify` over files and store."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from clearance.audit import AuditEvent
from clearance.audit.files import DIGEST_DIR, FileSink, digest_signing_string
from clearance.audit.signing import load_or_create_signer, load_verifier
from clearance.audit.verify import FilesReport, verify_files
from clearance.cli import audit_verify
from clearance.clock import FixedClock
from clearance.services.audit_setup import build_audit_sink
from clearance.services.bootstrap import open_server_store
from clearance.settings import AuditOptions, Settings
from clearance.store.schema import audit_events
from tests.audit.test_files import event

T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def trail(tmp_path: Path) -> Path:
    """Four signed log files of two events each, one writer."""
    signer = load_or_create_signer(tmp_path / "data" / "audit-signing.key")
    sink = FileSink(tmp_path / "audit", signer, FixedClock(T0), rotate_bytes=100)
    for n in range(4):
        sink.write([event(2 * n), event(2 * n + 1)])
    sink.close()
    return tmp_path / "audit"


def check(trail: Path) -> FilesReport:
    return verify_files(trail, load_verifier(trail.parent / "data" / "audit-signing.pub"))


def problems(trail: Path) -> list[tuple[str, str]]:
    return [(p.kind, p.subject) for p in check(trail).problems]


def logs(trail: Path) -> list[Path]:
    return sorted(trail.glob("*.jsonl"))


def digest_paths(trail: Path) -> list[Path]:
    return sorted((trail / DIGEST_DIR).glob("*.json"))


def test_an_intact_trail_verifies(trail: Path) -> None:
    report = check(trail)
    assert report.ok and report.notes == []
    assert (report.digests, report.log_files, report.events) == (4, 4, 8)


def test_a_modified_line_is_found(trail: Path) -> None:
    log = logs(trail)[1]
    log.write_text(log.read_text().replace("GetUser", "GetRole", 1))
    assert problems(trail) == [("modified", log.name)]


def test_a_deleted_log_file_is_found(trail: Path) -> None:
    log = logs(trail)[2]
    log.unlink()
    assert problems(trail) == [("deleted", log.name)]


def test_a_deleted_digest_is_found(trail: Path) -> None:
    digest = digest_paths(trail)[1]
    digest.unlink()
    found = problems(trail)
    assert ("missing", f"{DIGEST_DIR}/{digest_paths(trail)[1].name}") in found
    assert ("unsigned", logs(trail)[1].name) in found


def test_reordered_log_files_are_found(trail: Path) -> None:
    first, second = logs(trail)[:2]
    swap = first.with_suffix(".tmp")
    first.rename(swap)
    second.rename(first)
    swap.rename(second)
    assert problems(trail) == [("modified", first.name), ("modified", second.name)]


def test_reordered_digests_are_found(trail: Path) -> None:
    first, second = digest_paths(trail)[:2]
    swap = first.with_suffix(".tmp")
    first.rename(swap)
    second.rename(first)
    swap.rename(second)
    found = problems(trail)
    assert ("forged", f"{DIGEST_DIR}/{first.name}") in found
    assert ("forged", f"{DIGEST_DIR}/{second.name}") in found


def test_a_digest_forged_without_the_key_is_found(trail: Path) -> None:
    log, digest_path = logs(trail)[0], digest_paths(trail)[0]
    log.write_text(log.read_text().replace("GetUser", "GetRole"))
    digest = json.loads(digest_path.read_text())
    digest["logFile"]["hashValue"] = hashlib.sha256(log.read_bytes()).hexdigest()
    forger = load_or_create_signer(trail.parent / "elsewhere" / "key")
    digest["digestSignature"] = forger.sign(digest_signing_string(digest, digest_path.name))
    digest_path.write_text(json.dumps(digest))  # claims the real key's fingerprint
    assert problems(trail)[0] == ("forged", f"{DIGEST_DIR}/{digest_path.name}")
    digest["digestPublicKeyFingerprint"] = forger.fingerprint
    digest_path.write_text(json.dumps(digest))
    assert problems(trail)[0] == ("forged", f"{DIGEST_DIR}/{digest_path.name}")


def test_an_open_file_is_a_note_not_a_problem(tmp_path: Path, trail: Path) -> None:
    signer = load_or_create_signer(tmp_path / "data" / "audit-signing.key")
    FileSink(trail, signer, FixedClock(T0)).write([event(99)])  # never closed
    report = check(trail)
    assert report.ok and len(report.notes) == 1 and "not signed yet" in report.notes[0]


def test_a_stray_log_file_is_found(trail: Path) -> None:
    shutil.copy(logs(trail)[3], trail / logs(trail)[3].name.replace("-000004.", "-000003x."))
    assert problems(trail)[0][0] == "unsigned"


# clearance audit verify


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _group() -> None:
        """audit"""

    audit_verify.register(app)
    return app


def _server_trail(data: Path) -> Settings:
    """A data directory whose store and files recorded the same events."""
    settings = Settings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'clearance.db'}",
        audit_options=AuditOptions(sinks=("store", "files"), directory=data / "audit"),
    )
    clock = FixedClock(T0)
    store = open_server_store(data, settings.database_url, None, clock)
    sink, close = build_audit_sink(settings, store, clock)
    records = [
        {**event(n).record, "eventSource": "iam.amazonaws.com", "requestID": f"r{n}"}
        for n in range(6)
    ]
    for record in records:
        sink.write([AuditEvent(record)])
    close()
    store.close()
    return settings


def test_the_command_passes_an_intact_trail(tmp_path: Path) -> None:
    settings = _server_trail(tmp_path / "data")
    result = CliRunner().invoke(_app(), ["verify", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 0, result.output
    assert "audit trail intact" in result.output and "6 events" in result.output
    as_json = CliRunner().invoke(
        _app(), ["verify", "--data-dir", str(settings.data_dir), "--format", "json"]
    )
    report = json.loads(as_json.output)
    assert report["ok"] and report["store"]["events"] == 6 and report["files"]["events"] == 6


def test_the_command_names_the_first_broken_batch(tmp_path: Path) -> None:
    settings = _server_trail(tmp_path / "data")
    engine = sa.create_engine(settings.database_url)
    with engine.begin() as conn:
        conn.execute(sa.delete(audit_events).where(audit_events.c.event_id == "evt-0003"))
    engine.dispose()
    result = CliRunner().invoke(_app(), ["verify", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 1, result.output
    assert "TAMPERED: first broken: batch" in result.output


def test_the_command_checks_files_alone(tmp_path: Path, trail: Path) -> None:
    key = tmp_path / "data" / "audit-signing.pub"
    args = ["verify", "--files", str(trail), "--public-key", str(key)]
    assert CliRunner().invoke(_app(), args).exit_code == 0
    logs(trail)[0].write_text("{}\n")
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 1
    assert f"first broken: {logs(trail)[0].name}" in result.output


def test_the_command_refuses_a_missing_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["verify", "--data-dir", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert not (tmp_path / "none" / "clearance.db").exists()
