"""``clearance serve`` and ``clearance admin create-account``."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import typer

from clearance.clock import SystemClock
from clearance.http.server import http_protocol, run_server
from clearance.services.bootstrap import create_account, ensure_account, open_server_store
from clearance.services.iam.managed_seed import seed_aws_managed_policies
from clearance.settings import Settings

__all__ = ["register"]

admin = typer.Typer(help="Administer accounts in the store (safe while the server runs).")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(admin, name="admin")


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8080, help="Port to listen on."),
    data_dir: Path = typer.Option(None, help="Data directory (default ./clearance-data)."),
    database: str = typer.Option(
        None,
        help="Database URL (default SQLite in the data directory; env CLEARANCE_DATABASE_URL).",
    ),
    workers: int = typer.Option(1, help="Worker processes (each a full server; state is shared)."),
    log_format: str = typer.Option("text", help="text or json."),
    audit: bool | None = typer.Option(
        None,
        "--audit/--no-audit",
        help="Record every call as a CloudTrail event (default on; env CLEARANCE_AUDIT=0 is off).",
        show_default=False,
    ),
    encoded_messages: bool = typer.Option(
        False,
        "--encoded-messages",
        help="Add an encoded authorization message (header "
        "x-clearance-encoded-authorization-message) to every AccessDenied answer; decode it "
        "with sts decode-authorization-message.",
    ),
) -> None:
    """Run the AWS-compatible endpoint (IAM, STS) on one port.

    Point any AWS client at it with --endpoint-url http://HOST:PORT.
    """
    if audit is not None:  # the flag wins over CLEARANCE_AUDIT
        os.environ["CLEARANCE_AUDIT"] = "1" if audit else "0"
    if encoded_messages:
        os.environ["CLEARANCE_ENCODED_MESSAGES"] = "1"
    settings = Settings.load(
        data_dir=data_dir, database=database, host=host, port=port, log_format=log_format
    )
    _configure_logging(log_format)
    store = open_server_store(
        settings.data_dir, settings.database_url, settings.master_key, SystemClock()
    )
    created = ensure_account(
        store,
        settings.data_dir,
        settings.account_id,
        settings.root_access_key_id,
        settings.root_secret_access_key,
    )
    seed_aws_managed_policies(store)
    store.close()
    if created is not None and settings.root_access_key_id is None:
        typer.echo(
            f"Created account {created.account_id}. Root credentials (shown once, also in "
            f"{settings.data_dir / 'root-credentials'}):\n{created.lines()}",
            err=True,
        )
    typer.echo(
        f"Clearance listening on http://{host}:{port} (account {settings.account_id})", err=True
    )
    os.environ.update(settings.to_env())
    run_server(
        "clearance.http.server:app_from_environment",
        factory=True,
        http=http_protocol(),
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=10,
    )


@admin.command("create-account")
def create_account_command(
    data_dir: Path = typer.Option(None, help="Data directory (default ./clearance-data)."),
    database: str = typer.Option(None, help="Database URL (default SQLite in the data directory)."),
    account_id: str = typer.Option(None, help="12-digit id (default: a new random id)."),
) -> None:
    """Create an account and print its id and root credentials (JSON)."""
    settings = Settings.load(data_dir=data_dir, database=database)
    store = open_server_store(
        settings.data_dir, settings.database_url, settings.master_key, SystemClock()
    )
    try:
        new = create_account(store, account_id or _new_account_id(store))
    finally:
        store.close()
    typer.echo(
        json.dumps(
            {
                "AccountId": new.account_id,
                "AccessKeyId": new.access_key_id,
                "SecretAccessKey": new.secret_access_key,
            },
            indent=2,
        )
    )


def _new_account_id(store: object) -> str:
    import secrets

    return str(secrets.randbelow(9 * 10**11) + 10**11)


def _configure_logging(log_format: str) -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if log_format == "json":
        logging.basicConfig(
            stream=sys.stderr,
            level=logging.INFO,
            format='{"time": "%(asctime)s", "level": "%(levelname)s", "logger": "%(name)s", '
            '"message": %(message)r}',
        )
    else:
        logging.basicConfig(stream=sys.stderr, level=logging.INFO)
