"""What an S3 operation receives beside its decoded parameters: the request
itself (headers, body, how it was signed), where its bucket and key came from,
and where object bytes live. The gateway puts it in ``params[CALL]``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clearance.authn import Authenticated
from clearance.protocol.s3_routes import S3Target
from clearance.services.s3.files import ObjectFiles
from clearance.wire import WireRequest

__all__ = ["CALL", "S3Call", "call_of"]

CALL = "__s3_call__"


@dataclass(frozen=True, slots=True)
class S3Call:
    wire: WireRequest
    target: S3Target
    query: dict[str, str]
    auth: Authenticated
    files: ObjectFiles
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased, repeated joined

    @classmethod
    def of(
        cls,
        wire: WireRequest,
        target: S3Target,
        query: dict[str, str],
        auth: Authenticated,
        files: ObjectFiles,
    ) -> S3Call:
        headers: dict[str, str] = {}
        for name, value in wire.headers:
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        return cls(wire, target, query, auth, files, headers)


def call_of(params: dict[str, Any]) -> S3Call:
    found = params[CALL]
    assert isinstance(found, S3Call)
    return found
