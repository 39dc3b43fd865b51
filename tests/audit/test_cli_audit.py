"""``clearance audit events`` and ``clearance audit session`` over a trail recorded
by the real gateway (in-process boto3, injected clock): each filter, --denied,
jsonl output, and following a session up a role chain to a long-term user."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from clearance.cli import audit as audit_cli
from clearance.cli.audit_filters import parse_moment
from clearance.cli.main import app
from clearance.store.events import EventQuery
from tests.services.cloudtrail.conftest import clock, h, restricted, store
from tests.services.sts.conftest import ACCOUNT, OTHER, START, Harness, Keys, allow, trust

__all__ = ["clock", "h", "restricted", "store"]

ALICE_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"


def audit(tmp_path: Path, *args: str) -> Any:
    database = f"sqlite:///{tmp_path}/clearance.db"
    command = ["audit", *args, "--data-dir", str(tmp_path / "cli"), "--database", database]
    return CliRunner().invoke(app, command, env={"COLUMNS": "400"})


def records(tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    result = audit(tmp_path, "events", "--format", "jsonl", *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def calls(tmp_path: Path, *args: str) -> list[str]:
    return [r["eventName"] for r in records(tmp_path, *args)]


@pytest.fixture
def trail(h: Harness) -> Harness:
    """alice (long-term key) creates users, is denied ListRoles, and a role chain:
    alice → role first (session one) → role second (session two)."""
    alice = h.user("alice", allow("iam:CreateUser"), allow("sts:AssumeRole"))
    h.role("first", trust({"AWS": ALICE_ARN}), allow("sts:AssumeRole"))
    first_arn = f"arn:aws:iam::{ACCOUNT}:role/first"
    h.role("second", trust({"AWS": first_arn}), allow("iam:ListUsers"))
    iam = h.iam(alice)
    iam.create_user(UserName="bob")
    h.clock.advance(seconds=60)
    with pytest.raises(ClientError):
        iam.list_roles()
    h.clock.advance(seconds=60)
    one = h.sts(alice).assume_role(RoleArn=first_arn, RoleSessionName="one")
    h.clock.advance(seconds=60)
    second_arn = f"arn:aws:iam::{ACCOUNT}:role/second"
    two = h.sts(Keys.of(one["Credentials"])).assume_role(RoleArn=second_arn, RoleSessionName="two")
    h.clock.advance(seconds=60)
    h.iam(Keys.of(two["Credentials"])).list_users()
    h.clock.advance(seconds=60)
    h.iam(h.other_root).create_user(UserName="elsewhere")
    h.one, h.two = one, two  # type: ignore[attr-defined]
    return h


def test_filters(trail: Harness, tmp_path: Path) -> None:
    assert calls(tmp_path, "--principal", "alice", "--action", "iam:CreateUser") == ["CreateUser"]
    assert calls(tmp_path, "--principal", ALICE_ARN, "--action", "CreateUser") == ["CreateUser"]
    assert calls(tmp_path, "--action", "sts:AssumeRole") == ["AssumeRole", "AssumeRole"]
    assert calls(tmp_path, "--principal", "two") == ["ListUsers"]
    by_role = calls(tmp_path, "--principal", f"arn:aws:iam::{ACCOUNT}:role/first")
    assert by_role == ["AssumeRole"]  # the calls of the role's sessions
    assert calls(tmp_path, "--account", OTHER) == ["CreateUser"]
    assert "CreateUser" not in calls(tmp_path, "--account", OTHER, "--principal", "alice")
    assert calls(tmp_path, "--error-code", "AccessDenied") == ["ListRoles"]
    newest = records(tmp_path, "--limit", "1")
    assert len(newest) == 1 and newest[0]["eventName"] == "CreateUser"
    request = newest[0]["requestID"]
    assert [r["requestID"] for r in records(tmp_path, "--request-id", request)] == [request]


def test_time_range(trail: Harness, tmp_path: Path) -> None:
    start = START.strftime("%Y-%m-%dT%H:%M:%S")
    window = calls(tmp_path, "--since", start, "--until", f"{start}Z")
    assert window == ["CreateUser"]
    late = (START + timedelta(seconds=60)).isoformat()
    assert "CreateUser" not in calls(tmp_path, "--principal", "alice", "--since", late)
    bad = audit(tmp_path, "events", "--since", "yesterday")
    assert bad.exit_code == 2 and "--since" in bad.output


def test_relative_times() -> None:
    now = START
    assert parse_moment("90s", now) == now - timedelta(seconds=90)
    assert parse_moment("1h", now) == now - timedelta(hours=1)
    assert parse_moment("2w", now) == now - timedelta(weeks=2)
    assert parse_moment("2026-03-04T05:06:07", now) == START
    with pytest.raises(ValueError):
        parse_moment("soon", now)


def test_denied(trail: Harness, tmp_path: Path) -> None:
    assert calls(tmp_path, "--denied") == ["ListRoles"]
    stranger = Keys("AKIANOBODYNOBODY0001", "x" * 40)
    with pytest.raises(ClientError):
        trail.iam(stranger).list_users()
    denied = records(tmp_path, "--denied")
    assert [r.get("errorCode") for r in denied] == ["InvalidClientTokenId", "AccessDenied"]


def test_table_output(trail: Harness, tmp_path: Path) -> None:
    result = audit(tmp_path, "events", "--principal", "alice", "--action", "CreateUser")
    assert result.exit_code == 0, result.output
    assert "iam:CreateUser" in result.stdout and ALICE_ARN in result.stdout
    assert "1 event(s)." in result.stdout


def test_session_follows_a_role_chain(trail: Harness, tmp_path: Path) -> None:
    two_key = trail.two["Credentials"]["AccessKeyId"]  # type: ignore[attr-defined]
    one_key = trail.one["Credentials"]["AccessKeyId"]  # type: ignore[attr-defined]
    result = audit(tmp_path, "session", two_key, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    hops = [json.loads(line) for line in result.stdout.splitlines()]
    assert [h["eventName"] for h in hops] == ["AssumeRole", "AssumeRole"]
    assert hops[0]["responseElements"]["credentials"]["accessKeyId"] == two_key
    assert hops[0]["userIdentity"]["accessKeyId"] == one_key
    assert hops[1]["responseElements"]["credentials"]["accessKeyId"] == one_key
    assert hops[1]["userIdentity"]["arn"] == ALICE_ARN
    table = audit(tmp_path, "session", two_key)
    assert table.exit_code == 0, table.output
    assert f"Long-term identity: {ALICE_ARN}" in table.stdout


def test_session_by_assumed_role_arn(trail: Harness, tmp_path: Path) -> None:
    arn = trail.one["AssumedRoleUser"]["Arn"]  # type: ignore[attr-defined]
    result = audit(tmp_path, "session", arn)
    assert result.exit_code == 0, result.output
    assert f"Long-term identity: {ALICE_ARN}" in result.stdout


def test_session_not_in_the_trail(trail: Harness, tmp_path: Path) -> None:
    result = audit(tmp_path, "session", "ASIANOTISSUEDHERE001")
    assert result.exit_code == 1
    assert "No issuing event found" in result.output


def test_a_long_scan_on_a_terminal_shows_progress_on_stderr_only(
    trail: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(audit_cli, "PROGRESS_THRESHOLD", 1)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    scanned = [e.event_id for e in audit_cli._scan(trail.store, EventQuery())]
    assert scanned == [e.event_id for e in trail.store.find_events_iter(EventQuery())]
    assert len(scanned) >= 6
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "scanning" in captured.err
