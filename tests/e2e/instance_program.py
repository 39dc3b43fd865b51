"""A program "on an instance": a Python process whose only way to credentials is
the instance's metadata service, driven one JSON line per command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Server


class InstanceProgram:
    """Runs ``source`` (given the server endpoint as argv[1]) with no AWS settings but
    the metadata endpoint of ``instance_id``; each stdin line is answered by one JSON line."""

    def __init__(self, server: Server, instance_id: str, home: Path, source: str) -> None:
        empty = home / "empty"
        empty.write_text("")
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("AWS_") and not key.startswith("CLEARANCE_")
        }
        env.update(
            {
                "HOME": str(home),
                "AWS_CONFIG_FILE": str(empty),
                "AWS_SHARED_CREDENTIALS_FILE": str(empty),
                "AWS_EC2_METADATA_SERVICE_ENDPOINT": f"{server.endpoint}/imds/{instance_id}/",
                "AWS_METADATA_SERVICE_TIMEOUT": "10",
                "AWS_METADATA_SERVICE_NUM_ATTEMPTS": "3",
            }
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", source, server.endpoint],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            stderr = self.process.stderr.read() if self.process.stderr else ""
            raise AssertionError(f"the program ended: {stderr}")
        return dict(json.loads(answer))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def instance_programs(
    server: Server, home: Path, source: str
) -> Iterator[Callable[[str], InstanceProgram]]:
    """Fixture body: yields a starter of programs (one per instance id), closed afterwards."""
    started: list[InstanceProgram] = []

    def start(instance_id: str) -> InstanceProgram:
        started.append(InstanceProgram(server, instance_id, home, source))
        return started[-1]

    yield start
    for running in started:
        running.close()
