"""The server answers the AWS SDK for JavaScript v3 (tests/e2e/js/smoke.mjs).

Needs `node` and `npm` on PATH. Dependencies are pinned in tests/e2e/js/package-lock.json
and installed with `npm ci` into tests/e2e/js/node_modules (git-ignored) the first time,
or again when package-lock.json is newer than the installed tree. Skipped, with the reason,
when node/npm are missing or npm cannot reach its registry.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ACCOUNT_ID, Server

JS_DIR = Path(__file__).parent / "js"
NPM_CI_TIMEOUT = 300
SMOKE_TIMEOUT = 60


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _installed() -> bool:
    """node_modules holds a complete install of the current lockfile."""
    marker = JS_DIR / "node_modules" / ".package-lock.json"  # written by npm at the end
    lockfile = JS_DIR / "package-lock.json"
    return marker.is_file() and marker.stat().st_mtime >= lockfile.stat().st_mtime


def _npm_reachable(npm: str) -> bool:
    try:
        ping = subprocess.run(
            [npm, "ping"], cwd=JS_DIR, capture_output=True, text=True, timeout=30, check=False
        )
    except subprocess.TimeoutExpired:
        return False
    return ping.returncode == 0


def _ensure_node_modules(npm: str) -> None:
    if _installed():
        return
    try:
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        if not _npm_reachable(npm):
            pytest.skip(f"npm ci timed out and npm cannot reach its registry (`{npm} ping` failed)")
        raise
    if result.returncode != 0:
        if not _npm_reachable(npm):
            said = [line for line in result.stderr.splitlines() if line.startswith("npm error")]
            pytest.skip(
                "JS SDK smoke test needs the npm registry to install tests/e2e/js/node_modules, "
                "and `npm ping` failed; npm ci said: " + " | ".join(said[:4])
            )
        pytest.fail(f"npm ci failed ({result.returncode}):\n{_tail(result.stderr)}")


def _smoke_env(server: Server) -> dict[str, str]:
    # Drop any AWS_* settings of the developer's shell (profiles, regions, endpoints)
    # so the SDK sees only what the smoke script is given.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "CLEARANCE_ENDPOINT": server.endpoint,
            "CLEARANCE_ACCOUNT_ID": server.env["CLEARANCE_ACCOUNT_ID"],
            "AWS_ACCESS_KEY_ID": server.env["CLEARANCE_ROOT_ACCESS_KEY_ID"],
            "AWS_SECRET_ACCESS_KEY": server.env["CLEARANCE_ROOT_SECRET_ACCESS_KEY"],
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    return env


def run_js_script(
    server: Server, script: str, extra_env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run tests/e2e/js/SCRIPT with node against the server (skipped without node/npm);
    its report (the last stdout line, JSON), which must list no failures."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(name for name, path in (("node", node), ("npm", npm)) if not path)
        pytest.skip(f"JS SDK tests need Node.js: {missing} not on PATH")
    _ensure_node_modules(npm)

    run = subprocess.run(
        [node, script],
        cwd=JS_DIR,
        env={**_smoke_env(server), **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT,
        check=False,
    )
    lines = run.stdout.strip().splitlines()
    assert lines, f"{script} printed nothing (exit {run.returncode}):\n{_tail(run.stderr)}"
    report: dict[str, Any] = json.loads(lines[-1])
    assert report["failures"] == [], report["failures"]
    assert run.returncode == 0, f"exit {run.returncode}:\n{_tail(run.stderr)}"
    return report


def test_js_sdk_v3_smoke(server: Server) -> None:
    report = run_js_script(server, "smoke.mjs")
    assert report["ok"] is True

    results = report["results"]
    assert results["callerIdentity"]["account"] == ACCOUNT_ID
    assert results["callerIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT_ID}:root"

    user_name = results["createUser"]["userName"]
    assert results["createUser"]["createDateIsDate"] is True
    assert results["getUser"]["tags"] == {"team": "clearance", "sdk": "js-v3"}

    listed = results["listUsers"]
    assert listed["pageSizes"] == [1, 1, 1]
    assert sorted(listed["users"]) == sorted([user_name, f"{user_name}-b", f"{user_name}-c"])

    version = results["getPolicyVersion"]
    assert version["versionId"] == "v1"
    assert version["isDefaultVersion"] is True
    assert version["urlEncoded"] is True
    assert version["document"]["Statement"][0]["Action"] == ["s3:GetObject", "s3:ListBucket"]
    assert results["attachUserPolicy"]["attached"] == [results["createPolicy"]["arn"]]

    error = results["missingUserError"]
    assert error["name"] == "NoSuchEntityException"
    assert error["instanceOfNoSuchEntity"] is True
    assert error["httpStatusCode"] == 404
    assert error["requestId"]
    assert error["fault"] == "client"

    assert results["deleteUser"]["deleted"] is True
