"""Server settings from the command line and the environment.

The only module that reads ``CLEARANCE_*`` variables; ``cli`` and ``http`` use it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_ACCOUNT_ID", "AuditOptions", "Settings"]

DEFAULT_ACCOUNT_ID = "123456789012"
_OFF = frozenset({"0", "false", "no", "off"})  # CLEARANCE_AUDIT values that turn recording off


_ROTATE_BYTES = 64 * 1024 * 1024
_ROTATE_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """The audit trail's sinks, file rotation and retention (see services/audit_setup.py).

    ``CLEARANCE_AUDIT_SINKS``: ``store`` (default), ``files`` or ``store,files``;
    ``CLEARANCE_AUDIT_DIR`` (default ``<data dir>/audit``);
    ``CLEARANCE_AUDIT_ROTATE_BYTES`` / ``CLEARANCE_AUDIT_ROTATE_SECONDS``;
    ``CLEARANCE_AUDIT_RETENTION_DAYS`` (store and files), ``CLEARANCE_AUDIT_MAX_EVENTS``
    (store), ``CLEARANCE_AUDIT_MAX_FILE_BYTES`` (files): unset keeps everything.
    """

    sinks: tuple[str, ...] = ("store",)
    directory: Path | None = None
    rotate_bytes: int = _ROTATE_BYTES
    rotate_seconds: int = _ROTATE_SECONDS
    retention_days: int | None = None
    max_events: int | None = None
    max_file_bytes: int | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], data_dir: Path) -> AuditOptions:
        sinks = tuple(part.strip() for part in env.get("CLEARANCE_AUDIT_SINKS", "store").split(","))
        if not sinks or any(sink not in ("store", "files") for sink in sinks):
            raise ValueError("CLEARANCE_AUDIT_SINKS must be store, files or store,files")
        directory = env.get("CLEARANCE_AUDIT_DIR")
        return cls(
            sinks=tuple(dict.fromkeys(sinks)),
            directory=Path(directory).resolve() if directory else data_dir / "audit",
            rotate_bytes=_positive(env, "CLEARANCE_AUDIT_ROTATE_BYTES") or _ROTATE_BYTES,
            rotate_seconds=_positive(env, "CLEARANCE_AUDIT_ROTATE_SECONDS") or _ROTATE_SECONDS,
            retention_days=_positive(env, "CLEARANCE_AUDIT_RETENTION_DAYS"),
            max_events=_positive(env, "CLEARANCE_AUDIT_MAX_EVENTS"),
            max_file_bytes=_positive(env, "CLEARANCE_AUDIT_MAX_FILE_BYTES"),
        )


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    account_id: str = DEFAULT_ACCOUNT_ID
    root_access_key_id: str | None = None
    root_secret_access_key: str | None = None
    master_key: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    log_format: str = "text"
    # Record every call as a CloudTrail event (issue 7): on unless CLEARANCE_AUDIT=0.
    audit: bool = True
    # Where audit events go and how long they are kept (CLEARANCE_AUDIT_*).
    audit_options: AuditOptions = field(default_factory=AuditOptions)
    # AccessDenied answers carry x-clearance-encoded-authorization-message (issue 5).
    encoded_messages: bool = False

    @classmethod
    def load(
        cls,
        *,
        data_dir: Path | None = None,
        database: str | None = None,
        host: str = "127.0.0.1",
        port: int = 8080,
        log_format: str = "text",
    ) -> Settings:
        env = os.environ
        directory = (data_dir or Path(env.get("CLEARANCE_DATA_DIR", "clearance-data"))).resolve()
        url = (
            database
            or env.get("CLEARANCE_DATABASE_URL")
            or f"sqlite:///{directory / 'clearance.db'}"
        )
        return cls(
            data_dir=directory,
            database_url=url,
            account_id=env.get("CLEARANCE_ACCOUNT_ID", DEFAULT_ACCOUNT_ID),
            root_access_key_id=env.get("CLEARANCE_ROOT_ACCESS_KEY_ID") or None,
            root_secret_access_key=env.get("CLEARANCE_ROOT_SECRET_ACCESS_KEY") or None,
            master_key=env.get("CLEARANCE_MASTER_KEY") or None,
            host=host,
            port=port,
            log_format=log_format,
            audit=env.get("CLEARANCE_AUDIT", "").strip().lower() not in _OFF,
            audit_options=AuditOptions.from_env(env, directory),
            encoded_messages=env.get("CLEARANCE_ENCODED_MESSAGES", "") not in ("", "0", "false"),
        )

    def to_env(self) -> dict[str, str]:
        """What a worker process needs to rebuild these settings."""
        env = {
            "CLEARANCE_DATA_DIR": str(self.data_dir),
            "CLEARANCE_DATABASE_URL": self.database_url,
            "CLEARANCE_ACCOUNT_ID": self.account_id,
        }
        if self.master_key:
            env["CLEARANCE_MASTER_KEY"] = self.master_key
        env["CLEARANCE_AUDIT"] = "1" if self.audit else "0"  # explicit: the default is on
        if self.encoded_messages:
            env["CLEARANCE_ENCODED_MESSAGES"] = "1"
        return env


def _positive(env: Mapping[str, str], name: str) -> int | None:
    text = env.get(name, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {text!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1")
    return value
