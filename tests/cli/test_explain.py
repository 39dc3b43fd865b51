"""``clearance explain`` in its three modes (recorded request, live principal,
offline case), as JSON and as text."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from clearance.audit import MemorySink
from clearance.authn import SignatureDoesNotMatch
from clearance.cli.explain import render_text
from clearance.cli.main import app
from clearance.clock import SystemClock
from clearance.services.audit_hook import record_call
from clearance.services.authorize import Authorizer
from clearance.services.bootstrap import create_account, open_server_store
from clearance.services.context import CallContext, Caller
from clearance.services.errors import AccessDenied
from clearance.store import Store
from clearance.wire import WireRequest

ACCOUNT = "123456789012"
MFA_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyWithMfa",
                "Effect": "Allow",
                "Action": "iam:ListUsers",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


@dataclass(frozen=True)
class Route:
    service: str
    operation: str | None
    region: str


@pytest.fixture()
def data_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "data"
    store = open_server_store(
        directory, f"sqlite:///{directory / 'clearance.db'}", None, SystemClock()
    )
    try:
        create_account(store, ACCOUNT)
        store.create_user(ACCOUNT, "alice")
        store.put_user_policy(ACCOUNT, "alice", "mfa", MFA_POLICY)
        store.create_role(ACCOUNT, "ec2-only", TRUST)
        _record_denial(store)
        _record_signature_mismatch(store)
    finally:
        store.close()
    yield directory


def _record_denial(store: Store) -> None:
    user = store.get_user(ACCOUNT, "alice")
    caller = Caller(
        ACCOUNT, user.arn, "user", user.id, "AKIAALICE", entity_id=user.id, user_name="alice"
    )
    now = SystemClock().now()
    ctx = CallContext(
        caller=caller,
        service="iam",
        operation="ListUsers",
        request_id="req-mfa",
        region="us-east-1",
        now=now,
        store=store,
        authorizer=Authorizer(store),
    )
    with pytest.raises(AccessDenied) as denied:
        ctx.require("iam:ListUsers", f"arn:aws:iam::{ACCOUNT}:user/")
    _write(store, ctx, "req-mfa", denied.value)


def _record_signature_mismatch(store: Store) -> None:
    error = SignatureDoesNotMatch(
        "The request signature we calculated does not match the signature you provided.",
        canonical_request="POST\n/\n\nhost:localhost\nx-amz-security-token:SECRET-TOKEN\n\n"
        "host;x-amz-security-token\nabc",
        string_to_sign="AWS4-HMAC-SHA256\n20260101T000000Z\nscope\nhash",
        access_key_id="AKIAWRONGSECRET",
    )
    _write(store, None, "req-sig", error)


def _write(store: Store, ctx: CallContext | None, request_id: str, error: Exception) -> None:
    sink = MemorySink()
    record_call(
        WireRequest.build("POST", "/"),
        Route("iam", "ListUsers", "us-east-1"),
        ctx,
        sink=sink,
        now=SystemClock().now(),
        request_id=request_id,
        error=error,
    )
    store.append_events([(event.record, event.trace) for event in sink.events])


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["explain", *args])
    return result.exit_code, result.stdout


def _json(*args: str) -> tuple[int, dict[str, Any]]:
    code, out = _run(*args, "--format", "json")
    return code, json.loads(out)


def _assert_mfa_report(report: dict[str, Any]) -> None:
    assert report["decision"] == "implicit_deny"
    assert report["diagnosis"]["case"] == "mfa-required"
    [failed] = report["failed_conditions"]
    assert failed["key"] == "aws:MultiFactorAuthPresent"
    assert failed["policy_values"] == ["true"] and failed["absent"] is True
    identity = report["layers"][-1]
    assert identity["said"] == "no allow" and identity["decided"] is True
    assert identity["policies"] == ["user/alice/mfa"]
    assert "OnlyWithMfa" in report["statements"][0]["source"]


def test_request_id_json(data_dir: Path) -> None:
    code, report = _json("--request-id", "req-mfa", "--data-dir", str(data_dir))
    assert code == 1
    assert report["source"] == "request-id"
    assert report["event"]["event_name"] == "ListUsers"
    assert report["event"]["error_code"] == "AccessDenied"
    _assert_mfa_report(report)


def test_request_id_text(data_dir: Path) -> None:
    code, out = _run("--request-id", "req-mfa", "--data-dir", str(data_dir))
    assert code == 1
    assert "IMPLICIT DENY" in out
    assert "Case: MFA required" in out
    assert 'Bool aws:MultiFactorAuthPresent: policy wants ["true"], the request has absent' in out
    assert "Smallest fix:" in out and "Who can change it:" in out
    assert "\x1b[" not in out  # no colour when stdout is not a terminal


def test_signature_mismatch_by_request_id(data_dir: Path) -> None:
    code, report = _json("--request-id", "req-sig", "--data-dir", str(data_dir))
    assert code == 1
    assert report["decision"] == "authentication_failed"
    assert report["diagnosis"]["case"] == "signature-mismatch"
    assert "SECRET-TOKEN" not in json.dumps(report)
    code, out = _run("--request-id", "req-sig", "--data-dir", str(data_dir))
    assert "Canonical request the server computed" in out
    assert "x-amz-security-token:<redacted>" in out
    assert "--debug" in out


def test_unknown_request_id(data_dir: Path) -> None:
    result = CliRunner().invoke(
        app, ["explain", "--request-id", "nope", "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 2
    assert "NotFound" in result.output


def test_principal_json_and_context(data_dir: Path) -> None:
    args = (
        "--principal",
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        "--action",
        "iam:ListUsers",
        "--resource",
        "*",
        "--data-dir",
        str(data_dir),
    )
    code, report = _json(*args)
    assert code == 1 and report["source"] == "principal"
    _assert_mfa_report(report)
    code, report = _json(
        *args,
        "--context",
        "aws:MultiFactorAuthPresent=TRUE",
        "--context",
        "aws:TagKeys=a",
        "--context",
        "aws:TagKeys=b",
    )
    assert code == 0 and report["decision"] == "allowed"
    assert report["request"]["context"]["aws:tagkeys"] == ["a", "b"]
    assert report["statements"][0]["role"] == "deciding"


def test_principal_against_a_trust_policy(data_dir: Path) -> None:
    code, report = _json(
        "--principal",
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        "--action",
        "sts:AssumeRole",
        "--resource",
        f"arn:aws:iam::{ACCOUNT}:role/ec2-only",
        "--data-dir",
        str(data_dir),
    )
    assert code == 1
    assert report["diagnosis"]["case"] == "trust-policy-without-principal"
    resource = report["layers"][3]
    assert resource["layer"] == "resource"
    assert resource["policies"] == [f"arn:aws:iam::{ACCOUNT}:role/ec2-only"]


def test_principal_root_and_text(data_dir: Path) -> None:
    code, out = _run(
        "--principal",
        f"arn:aws:iam::{ACCOUNT}:root",
        "--action",
        "iam:ListUsers",
        "--data-dir",
        str(data_dir),
    )
    assert code == 0
    assert out.startswith("ALLOWED")
    assert "root user has full access" in out


def test_principal_unknown_user(data_dir: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "explain",
            "--principal",
            f"arn:aws:iam::{ACCOUNT}:user/x",
            "--action",
            "iam:ListUsers",
            "--data-dir",
            str(data_dir),
        ],
    )
    assert result.exit_code == 2
    assert "NoSuchEntity" in result.output


def test_missing_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["explain", "--request-id", "r", "--data-dir", str(tmp_path / "none")]
    )
    assert result.exit_code == 2
    assert "no Clearance store" in result.output
    assert not (tmp_path / "none").exists()


def _case_file(tmp_path: Path) -> Path:
    path = tmp_path / "case.json"
    path.write_text(
        json.dumps(
            {
                "request": {
                    "principal": f"arn:aws:iam::{ACCOUNT}:user/alice",
                    "action": "iam:ListUsers",
                },
                "policies": {
                    "identity": [{"id": "user/alice/mfa", "document": json.loads(MFA_POLICY)}]
                },
            }
        )
    )
    return path


def test_case_json_and_text(tmp_path: Path) -> None:
    path = _case_file(tmp_path)
    code, report = _json(str(path))
    assert code == 1 and report["source"] == "case"
    _assert_mfa_report(report)
    code, out = _run(str(path))
    assert code == 1
    assert "Layers" in out and "identity-based policy" in out and "<- decided" in out


def test_exactly_one_mode(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["explain"])
    assert result.exit_code == 2
    path = _case_file(tmp_path)
    result = CliRunner().invoke(app, ["explain", str(path), "--request-id", "x"])
    assert result.exit_code == 2


def test_text_is_coloured_on_a_terminal(tmp_path: Path) -> None:
    _, report = _json(str(_case_file(tmp_path)))
    buffer = io.StringIO()
    render_text(report, Console(file=buffer, force_terminal=True, color_system="standard"))
    assert "\x1b[" in buffer.getvalue()


def test_database_url_without_the_data_dir(data_dir: Path, tmp_path: Path) -> None:
    """Explaining needs no master key: a missing data directory is not created."""
    elsewhere = tmp_path / "not-created"
    code, report = _json(
        "--request-id",
        "req-mfa",
        "--data-dir",
        str(elsewhere),
        "--database",
        f"sqlite:///{data_dir / 'clearance.db'}",
    )
    assert code == 1 and report["diagnosis"]["case"] == "mfa-required"
    assert not elsewhere.exists()


@pytest.mark.parametrize(
    ("principal", "kind"),
    [
        (f"arn:aws:iam::{ACCOUNT}:role/ec2-only", "role"),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/ec2-only/i-0abc", "role_session"),
    ],
)
def test_principal_role_and_session(data_dir: Path, principal: str, kind: str) -> None:
    code, report = _json(
        "--principal", principal, "--action", "iam:ListUsers", "--data-dir", str(data_dir)
    )
    assert code == 1
    assert report["request"]["principal_kind"] == kind
    assert report["request"]["context"]["aws:principalarn"] == (
        f"arn:aws:iam::{ACCOUNT}:role/ec2-only"
    )
    assert report["diagnosis"]["case"] == "missing-permission"
