"""Server settings from the command line and the environment.

The only module that reads ``CLEARANCE_*`` variables; ``cli`` and ``http`` use it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_ACCOUNT_ID", "Settings"]

DEFAULT_ACCOUNT_ID = "123456789012"


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
    # Record every call as a CloudTrail event (issue 7, in progress: opt-in until
    # the event writer no longer costs the read path half its throughput).
    audit: bool = False

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
            audit=env.get("CLEARANCE_AUDIT", "") not in ("", "0", "false"),
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
        if self.audit:
            env["CLEARANCE_AUDIT"] = "1"
        return env
